package a2c

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"
)

// MaxImportBytes bounds what ImportSB3 decompresses: the model archive's "data" and
// "policy.pth" entries and, inside policy.pth, the pickle and the tensor storages, together
// (256 MiB; SB3 models of the sizes this package supports are a few megabytes). A larger or
// more compressed (zip bomb) file is refused before it is inflated.
const MaxImportBytes = 1 << 28

// budget counts the bytes an import may still decompress.
type budget struct{ left int64 }

// read reads f whole, refusing it once the budget is spent, whatever size its header claims.
func (b *budget) read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%q: %w", f.Name, err)
	}
	defer rc.Close()
	// The declared size is only a hint (a zip can lie); it may not exceed the budget.
	if f.UncompressedSize64 > uint64(b.left) {
		return nil, fmt.Errorf("%q declares %d bytes, more than the %d left of MaxImportBytes", f.Name, f.UncompressedSize64, b.left)
	}
	data, err := io.ReadAll(io.LimitReader(rc, b.left+1))
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", f.Name, err)
	}
	if int64(len(data)) > b.left {
		return nil, fmt.Errorf("%q inflates to more than the %d bytes left of MaxImportBytes", f.Name, b.left)
	}
	b.left -= int64(len(data))
	return data, nil
}

// loadPTH reads a PyTorch state dict (torch.save's zip format) held in b. It reads the pickle
// itself, checked opcode by opcode first (checkPickle) so that no declared length can make
// the unpickler allocate more than the bytes present, and reads each tensor storage only up
// to the size the zip entry really has. Panics of the pickle library are returned as errors.
func loadPTH(b []byte, bud *budget) (out map[string]Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("a2c: ImportSB3: policy.pth: malformed pickle (%v)", p)
		}
	}()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: policy.pth: %w", err)
	}
	records := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		_, name := path.Split(f.Name)
		records[name] = f
	}
	if _, ok := records["constants.pkl"]; ok {
		return nil, errors.New("a2c: ImportSB3: policy.pth is TorchScript, want a state dict saved with torch.save")
	}
	pf, ok := records["data.pkl"]
	if !ok {
		return nil, errors.New("a2c: ImportSB3: policy.pth has no data.pkl")
	}
	pkl, err := bud.read(pf)
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: policy.pth: %w", err)
	}
	obj, err := unpickleStateDict(pkl, records, bud)
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: reading policy.pth: %w", err)
	}
	return stateDictTensors(obj)
}

// unpickleStateDict checks and unpickles data.pkl, loading each storage it names from records.
func unpickleStateDict(pkl []byte, records map[string]*zip.File, bud *budget) (any, error) {
	if err := checkPickle(pkl); err != nil {
		return nil, err
	}
	storages := map[string]pytorch.StorageInterface{}
	u := pickle.NewUnpickler(bytes.NewReader(pkl))
	u.FindClass = func(module, name string) (any, error) {
		switch module + "." + name {
		case "torch._utils._rebuild_tensor_v2":
			return &pytorch.RebuildTensorV2{}, nil
		case "torch.FloatStorage":
			return &pytorch.FloatStorageClass{}, nil
		case "torch.DoubleStorage":
			return &pytorch.DoubleStorageClass{}, nil
		}
		return types.NewGenericClass(module, name), nil
	}
	u.PersistentLoad = func(id any) (any, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() < 5 || t.Get(0) != "storage" {
			return nil, fmt.Errorf("persistent id %v, want (\"storage\", class, key, location, size)", id)
		}
		key, ok := t.Get(2).(string)
		size, ok2 := t.Get(4).(int)
		if !ok || !ok2 {
			return nil, fmt.Errorf("persistent id %v: key or size of the wrong type", id)
		}
		if s, ok := storages[key]; ok {
			return s, nil
		}
		s, err := loadStorage(t.Get(1), key, size, records, bud)
		if err != nil {
			return nil, err
		}
		storages[key] = s
		return s, nil
	}
	return u.Load()
}

// loadStorage reads storage key of size elements of class cls, checking the size against the
// zip entry's actual contents before allocating.
func loadStorage(cls any, key string, size int, records map[string]*zip.File, bud *budget) (pytorch.StorageInterface, error) {
	width := 0
	switch cls.(type) {
	case *pytorch.FloatStorageClass:
		width = 4
	case *pytorch.DoubleStorageClass:
		width = 8
	default:
		return nil, fmt.Errorf("storage %q of class %v, want float32 or float64", key, cls)
	}
	f, ok := records[key]
	if !ok {
		return nil, fmt.Errorf("storage %q has no data record", key)
	}
	if size < 0 || int64(size) > bud.left/int64(width) {
		return nil, fmt.Errorf("storage %q declares %d elements, want 0 to %d (MaxImportBytes)", key, size, bud.left/int64(width))
	}
	raw, err := bud.read(f)
	if err != nil {
		return nil, err
	}
	if len(raw) < size*width {
		return nil, fmt.Errorf("storage %q declares %d elements of %d bytes, its record holds %d bytes", key, size, width, len(raw))
	}
	if width == 4 {
		data := make([]float32, size)
		for i := range data {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return &pytorch.FloatStorage{BaseStorage: pytorch.BaseStorage{Size: size}, Data: data}, nil
	}
	data := make([]float64, size)
	for i := range data {
		data[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return &pytorch.DoubleStorage{BaseStorage: pytorch.BaseStorage{Size: size}, Data: data}, nil
}

// stateDictTensors converts an unpickled state dict into named tensors.
func stateDictTensors(obj any) (map[string]Tensor, error) {
	od, ok := obj.(*types.OrderedDict)
	if !ok {
		return nil, fmt.Errorf("a2c: ImportSB3: policy.pth holds %T, want an OrderedDict state dict", obj)
	}
	out := map[string]Tensor{}
	for e := od.List.Front(); e != nil; e = e.Next() {
		entry, ok := e.Value.(*types.OrderedDictEntry)
		if !ok {
			return nil, fmt.Errorf("a2c: ImportSB3: state dict entry is %T", e.Value)
		}
		name, ok := entry.Key.(string)
		if !ok {
			return nil, fmt.Errorf("a2c: ImportSB3: state dict key %v is not a string", entry.Key)
		}
		t, ok := entry.Value.(*pytorch.Tensor)
		if !ok {
			return nil, fmt.Errorf("a2c: ImportSB3: %s is %T, want a tensor", name, entry.Value)
		}
		data, err := tensorData(t)
		if err != nil {
			return nil, fmt.Errorf("a2c: ImportSB3: %s: %w", name, err)
		}
		out[name] = Tensor{Name: name, Shape: append([]int(nil), t.Size...), Data: data}
	}
	return out, nil
}

// pickleArg describes how an opcode's argument is stored: a fixed number of bytes, a
// little-endian length of lenBytes bytes followed by that many bytes, or lines ending in '\n'.
type pickleArg struct {
	fixed    int
	lenBytes int
	lines    int
}

// pickleOp returns the argument of opcode op of pickle protocols 0 to 5 (Python's
// pickletools), and false for an unknown opcode.
func pickleOp(op byte) (pickleArg, bool) {
	switch op {
	case '(', '.', '0', '1', '2', 'N', 'R', ']', 'a', 'b', 'd', '}', 'e', 'l', ')', 't', 's', 'u', 'Q', 'o',
		0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
		return pickleArg{}, true
	case 'K', 'h', 'q', 0x82, 0x80:
		return pickleArg{fixed: 1}, true
	case 'M', 0x83:
		return pickleArg{fixed: 2}, true
	case 'J', 'j', 'r', 0x84:
		return pickleArg{fixed: 4}, true
	case 'G', 0x95:
		return pickleArg{fixed: 8}, true
	case 'U', 0x8a, 'C', 0x8c:
		return pickleArg{lenBytes: 1}, true
	case 'T', 'X', 0x8b, 'B':
		return pickleArg{lenBytes: 4}, true
	case 0x8e, 0x8d, 0x96:
		return pickleArg{lenBytes: 8}, true
	case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p':
		return pickleArg{lines: 1}, true
	case 'c', 'i':
		return pickleArg{lines: 2}, true
	}
	return pickleArg{}, false
}

// checkPickle walks the opcodes of p up to STOP and refuses an unknown opcode, an argument
// past the end, or a declared length (of a string, bytes, a long or a frame) larger than the
// bytes that remain: the unpickler allocates such lengths before it reads them.
func checkPickle(p []byte) error {
	for i := 0; i < len(p); {
		op := p[i]
		a, ok := pickleOp(op)
		if !ok {
			return fmt.Errorf("pickle: unknown opcode 0x%02x at byte %d", op, i)
		}
		i++
		if op == '.' {
			return nil
		}
		switch {
		case a.fixed > 0:
			if a.fixed > len(p)-i {
				return fmt.Errorf("pickle: opcode 0x%02x at byte %d: argument past the end", op, i-1)
			}
			if op == '\x95' { // FRAME: the length of what follows, which must be there
				if n := binary.LittleEndian.Uint64(p[i:]); n > uint64(len(p)-i-8) {
					return fmt.Errorf("pickle: frame at byte %d declares %d bytes, %d remain", i-1, n, len(p)-i-8)
				}
			}
			i += a.fixed
		case a.lenBytes > 0:
			if a.lenBytes > len(p)-i {
				return fmt.Errorf("pickle: opcode 0x%02x at byte %d: length past the end", op, i-1)
			}
			var n uint64
			for k := a.lenBytes - 1; k >= 0; k-- {
				n = n<<8 | uint64(p[i+k])
			}
			i += a.lenBytes
			if n > uint64(len(p)-i) {
				return fmt.Errorf("pickle: opcode 0x%02x at byte %d declares %d bytes, %d remain", op, i-1-a.lenBytes, n, len(p)-i)
			}
			i += int(n)
		default:
			for range a.lines {
				k := bytes.IndexByte(p[i:], '\n')
				if k < 0 {
					return fmt.Errorf("pickle: opcode 0x%02x: unterminated line", op)
				}
				i += k + 1
			}
		}
	}
	return errors.New("pickle: no STOP opcode")
}
