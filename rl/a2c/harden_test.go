package a2c

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/lambdatune/lambdatune/env"
)

// readZip returns the entries of a zip archive in order.
func readZip(t testing.TB, b []byte) (names []string, data map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	data = map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		data[f.Name] = d
	}
	return names, data
}

// writeZip builds a zip archive of the named entries, deflated.
func writeZip(t testing.TB, names []string, data map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sb3Layers splits the shipped SB3 model into its outer entries and the entries of its
// policy.pth, so that tests can change one layer and rebuild the file.
type sb3Layers struct {
	outerNames, innerNames []string
	outer, inner           map[string][]byte
}

func loadSB3Layers(t testing.TB) sb3Layers {
	b, err := os.ReadFile(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	var l sb3Layers
	l.outerNames, l.outer = readZip(t, b)
	l.innerNames, l.inner = readZip(t, l.outer["policy.pth"])
	return l
}

// build returns the model file with inner entry name (if not empty) replaced by data.
func (l sb3Layers) build(t testing.TB, name string, data []byte) []byte {
	inner := map[string][]byte{}
	for k, v := range l.inner {
		inner[k] = v
	}
	if name != "" {
		inner[name] = data
	}
	outer := map[string][]byte{}
	for k, v := range l.outer {
		outer[k] = v
	}
	outer["policy.pth"] = writeZip(t, l.innerNames, inner)
	return writeZip(t, l.outerNames, outer)
}

func importBytes(b []byte) (*Model, error) { return ImportSB3Reader(bytes.NewReader(b), int64(len(b))) }

// TestImportSB3RefusesHostileFiles covers files that once panicked or made the importer
// allocate gigabytes: each must be refused quickly.
func TestImportSB3RefusesHostileFiles(t *testing.T) {
	l := loadSB3Layers(t)
	pkl := l.inner["archive/data.pkl"]
	// BINUNICODE ('X') with a declared length of 2^32−1 bytes, where a few remain.
	hugeString := append([]byte{0x80, 2, 'X', 0xff, 0xff, 0xff, 0xff}, "abc."...)
	// The first storage's size, a BININT ('J') after its location string, set to 1e9 elements.
	loc := []byte("cpuq\x07K\xc0") // location "cpu", memo 7, BININT1 size 192 of the first storage
	if !bytes.Contains(pkl, loc) {
		t.Fatalf("data.pkl has no %q", loc)
	}
	bigStorage := bytes.Replace(pkl, loc, []byte("cpuq\x07J\x00\xca\x9a\x3b"), 1) // BININT 1e9
	bomb := l.outer
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"pickle declaring a 4 GiB string", l.build(t, "archive/data.pkl", hugeString), "declares"},
		{"storage declaring 1e9 elements", l.build(t, "archive/data.pkl", bigStorage), "declares 1000000000 elements"},
		{"truncated pickle", l.build(t, "archive/data.pkl", pkl[:len(pkl)/2]), "pickle"},
		{"storage record too short", l.build(t, "archive/data/2", make([]byte, 8)), "record holds 8 bytes"},
		{"zip bomb", writeZip(t, []string{"data", "policy.pth"}, map[string][]byte{"data": bomb["data"], "policy.pth": make([]byte, MaxImportBytes+1)}), "MaxImportBytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importBytes(tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := ImportSB3Reader(nil, 0); err == nil {
		t.Error("ImportSB3Reader(nil): no error")
	}
}

// TestImportSB3Mutations is a seeded mutation campaign over the shipped SB3 model: random
// byte changes at each layer (the outer zip, the pickle inside policy.pth, a tensor's data)
// must give an error or a model that predicts finite actions, never a panic or a hang.
func TestImportSB3Mutations(t *testing.T) {
	l := loadSB3Layers(t)
	rng := rand.New(rand.NewPCG(15, 2026))
	n := 300
	if testing.Short() {
		n = 60
	}
	mutate := func(b []byte) []byte {
		b = bytes.Clone(b)
		switch rng.IntN(4) {
		case 0: // flip bytes
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			}
		case 1: // truncate
			b = b[:rng.IntN(len(b))]
		case 2: // set a 4-byte little-endian field to an extreme
			if len(b) > 4 {
				binary.LittleEndian.PutUint32(b[rng.IntN(len(b)-4):], []uint32{0xffffffff, 0x7fffffff, 1e9, 0}[rng.IntN(4)])
			}
		default: // duplicate a span
			i := rng.IntN(len(b))
			b = append(b[:i:i], b[i:]...)
			b = append(b, b[i:min(len(b), i+16)]...)
		}
		return b
	}
	obs := []float64{0.5, 0.5, 0.5}
	accepted := 0
	for i := range n {
		var file []byte
		switch i % 3 {
		case 0:
			file = mutate(l.build(t, "", nil))
		case 1:
			file = l.build(t, "archive/data.pkl", mutate(l.inner["archive/data.pkl"]))
		default:
			key := l.innerNames[rng.IntN(len(l.innerNames))]
			file = l.build(t, key, mutate(l.inner[key]))
		}
		m, err := importBytes(file)
		if err != nil {
			continue
		}
		accepted++
		act, err := m.Predict(obs, true)
		if err != nil {
			continue
		}
		if math.IsNaN(act[0]) {
			t.Fatalf("mutation %d: accepted model predicts %v", i, act)
		}
	}
	t.Logf("%d mutations, %d still loaded", n, accepted)
}

// nanEnv is a one-env VecEnv whose rewards turn NaN after a few steps.
type nanEnv struct {
	steps, badAt int
	obs          []float64
}

func (e *nanEnv) NumEnvs() int                { return 1 }
func (e *nanEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (e *nanEnv) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (e *nanEnv) Reset(env.Seed) ([]float64, error) {
	e.obs = []float64{0.5}
	return e.obs, nil
}
func (e *nanEnv) Step([]float64) (env.VecStep, error) {
	e.steps++
	r := 1.0
	if e.steps > e.badAt {
		r = math.NaN()
	}
	return env.VecStep{Obs: e.obs, Rewards: []float64{r}, Terminated: []bool{false}, Truncated: []bool{false}, FinalObs: e.obs, Infos: []env.Info{nil}}, nil
}

// TestLearnStopsAtNonFinite checks that training stops with an error naming the timestep at
// the first NaN reward, with the parameters still finite, and that Predict refuses a NaN
// observation instead of returning action 0.
func TestLearnStopsAtNonFinite(t *testing.T) {
	e := &nanEnv{badAt: 12}
	m, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Learn(context.Background(), e, 1000)
	if err == nil || !strings.Contains(err.Error(), "timestep 12") {
		t.Fatalf("Learn: got %v, want an error naming timestep 12", err)
	}
	for _, tn := range m.StateDict() {
		if err := checkFinite(tn.Name, tn.Data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Predict([]float64{math.NaN()}, true); err == nil {
		t.Error("Predict on a NaN observation: no error")
	}
	var zero Model
	if _, err := zero.Predict([]float64{0}, true); err == nil {
		t.Error("zero Model Predict: no error")
	}
	if err := zero.Learn(context.Background(), e, 10); err == nil {
		t.Error("zero Model Learn: no error")
	}
	if _, err := Load(nil); err == nil {
		t.Error("Load(nil): no error")
	}
}

// TestLoadRefusesBadValues checks that a saved model with values it cannot have produced is
// refused: infinite weights, a negative normalizer variance or clip, networks larger than the
// file's data.
func TestLoadRefusesBadValues(t *testing.T) {
	e := &nanEnv{}
	m, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	// Replace the first value of the first tensor by "inf".
	k := strings.Index(good, `"data":[`) + len(`"data":[`)
	infWeight := good[:k] + `"inf"` + good[k+strings.IndexByte(good[k:], ','):]
	if _, err := Load(strings.NewReader(infWeight)); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Errorf("infinite weight: got %v, want an error about a finite value", err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"huge hidden layers", `"pi":[64,64]`, `"pi":[65536,65536,65536]`, "the file holds"},
		{"negative step", `"num_timesteps":0`, `"num_timesteps":-5`, "num_timesteps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("saved model has no %q", tc.old)
			}
			_, err := Load(strings.NewReader(strings.Replace(good, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	neg := &env.ObsNormalizer{Stats: &env.RunningMeanStd{Mean: []float64{0}, Var: []float64{-1}, Count: 1}, Clip: 10}
	if err := m.SetObsNormalizer(neg); err == nil {
		t.Error("SetObsNormalizer with a negative variance: no error")
	}
}

// FuzzImportSB3Pickle fuzzes the pickle inside policy.pth (the layer a fuzzer of the outer
// zip almost never reaches intact): the model is rebuilt around each input.
func FuzzImportSB3Pickle(f *testing.F) {
	l := loadSB3Layers(f)
	f.Add(l.inner["archive/data.pkl"])
	f.Add([]byte{0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, '.'})
	f.Fuzz(func(t *testing.T, pkl []byte) {
		if m, err := importBytes(l.build(t, "archive/data.pkl", pkl)); err == nil {
			if _, err := m.Predict([]float64{0.5, 0.5, 0.5}, true); err != nil {
				t.Logf("accepted model does not predict: %v", err)
			}
		}
	})
}

// FuzzImportSB3Tensor fuzzes one tensor's storage record (the second layer's weights) and
// the pickle's declared sizes through it.
func FuzzImportSB3Tensor(f *testing.F) {
	l := loadSB3Layers(f)
	f.Add(l.inner["archive/data/2"])
	f.Add([]byte{0, 0, 0xc0, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := importBytes(l.build(t, "archive/data/2", data))
		if err != nil {
			return
		}
		for _, tn := range m.StateDict() {
			if err := checkFinite(tn.Name, tn.Data); err != nil {
				t.Fatalf("accepted a model with %v", err)
			}
		}
	})
}

// FuzzImportSB3 fuzzes the whole model file.
func FuzzImportSB3(f *testing.F) {
	b, err := os.ReadFile(seedModel)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, file []byte) {
		if m, err := importBytes(file); err == nil {
			_, _ = m.Predict([]float64{0.5, 0.5, 0.5}, true)
		}
	})
}
