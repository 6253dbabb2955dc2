package a2c

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/rl/nn"
	"github.com/nlpodyssey/gopickle/pytorch"
)

// ImportSB3 reads an A2C (or other ActorCriticPolicy, e.g. PPO) model saved by
// Stable-Baselines3's model.save, a .zip holding a JSON "data" file and "policy.pth".
//
// Supported: MlpPolicy with separate actor and critic networks (SB3 ≥ 1.8's default),
// Tanh or ReLU activations, a Box observation space (the Flatten features extractor)
// and a Discrete (start 0), MultiDiscrete or Box action space. The network sizes are
// read from the tensors' shapes; the hyperparameters (learning rate if constant,
// n_steps, gamma, gae_lambda, ent_coef, vf_coef, max_grad_norm, normalize_advantage,
// seed, RMSprop or Adam settings) from "data". The optimizer state is not imported:
// training continues with a fresh optimizer. SB3 keeps VecNormalize statistics in a
// separate file; set them with SetObsNormalizer if the model was trained with them.
// Predictions match SB3's (float32) outputs to about 1e-6 relative error.
func ImportSB3(path string) (*Model, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: %w", err)
	}
	defer zr.Close()
	return importSB3(&zr.Reader)
}

// ImportSB3Reader is ImportSB3 for a zip held in r (size bytes).
func ImportSB3Reader(r io.ReaderAt, size int64) (*Model, error) {
	if r == nil {
		return nil, errors.New("a2c: ImportSB3: the reader is nil")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: %w", err)
	}
	return importSB3(zr)
}

func readZipEntry(zr *zip.Reader, name string, bud *budget) ([]byte, error) {
	for _, f := range zr.File {
		if f.Name == name {
			b, err := bud.read(f)
			if err != nil {
				return nil, fmt.Errorf("a2c: ImportSB3: %w", err)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("a2c: ImportSB3: the archive has no %q", name)
}

func importSB3(zr *zip.Reader) (*Model, error) {
	bud := &budget{left: MaxImportBytes}
	raw, err := readZipEntry(zr, "data", bud)
	if err != nil {
		return nil, err
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: parsing data: %w", err)
	}
	obs, err := sb3Space(data["observation_space"])
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: observation_space: %w", err)
	}
	act, err := sb3Space(data["action_space"])
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: action_space: %w", err)
	}
	pth, err := readZipEntry(zr, "policy.pth", bud)
	if err != nil {
		return nil, err
	}
	tensors, err := loadPTH(pth, bud)
	if err != nil {
		return nil, err
	}
	for name := range tensors {
		if strings.HasPrefix(name, "mlp_extractor.shared_net") {
			return nil, fmt.Errorf("a2c: ImportSB3: shared actor-critic layers (%s) are not supported", name)
		}
	}
	cfg := DefaultConfig()
	if cfg.PolicyNet, err = hiddenSizes(tensors, "mlp_extractor.policy_net"); err != nil {
		return nil, err
	}
	if cfg.ValueNet, err = hiddenSizes(tensors, "mlp_extractor.value_net"); err != nil {
		return nil, err
	}
	if err := sb3Hyperparameters(data, &cfg); err != nil {
		return nil, err
	}
	read := 0
	for _, t := range tensors {
		read += len(t.Data)
	}
	m, err := newModelLimit(obs, act, cfg, read)
	if err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: %w", err)
	}
	if err := m.LoadStateDict(tensors); err != nil {
		return nil, fmt.Errorf("a2c: ImportSB3: %w", err)
	}
	var nts int64
	if json.Unmarshal(data["num_timesteps"], &nts) == nil {
		m.numTimesteps = nts
	}
	return m, nil
}

func tensorData(t *pytorch.Tensor) ([]float64, error) {
	var avail int
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		avail = len(s.Data)
	case *pytorch.DoubleStorage:
		avail = len(s.Data)
	default:
		return nil, fmt.Errorf("storage %T is not supported, need float32 or float64", t.Source)
	}
	// The element count may not exceed the storage: checking each partial product against it
	// keeps the product from overflowing.
	n := 1
	for _, s := range t.Size {
		if s < 0 || (s > 0 && n > avail/s) {
			return nil, fmt.Errorf("tensor of size %v does not fit its storage of %d values", t.Size, avail)
		}
		n *= s
	}
	// Only contiguous row-major tensors (what state dicts of Linear layers hold).
	if len(t.Stride) != len(t.Size) {
		return nil, fmt.Errorf("tensor of size %v has strides %v", t.Size, t.Stride)
	}
	stride := 1
	for i := len(t.Size) - 1; i >= 0; i-- {
		if t.Size[i] > 1 && t.Stride[i] != stride {
			return nil, fmt.Errorf("non-contiguous tensor (size %v, stride %v)", t.Size, t.Stride)
		}
		stride *= t.Size[i]
	}
	if t.StorageOffset < 0 || n < 0 || n > avail-t.StorageOffset {
		return nil, fmt.Errorf("storage of %d values is too short for offset %d + %d", avail, t.StorageOffset, n)
	}
	out := make([]float64, n)
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		for i, v := range s.Data[t.StorageOffset : t.StorageOffset+n] {
			out[i] = float64(v)
		}
	case *pytorch.DoubleStorage:
		copy(out, s.Data[t.StorageOffset:t.StorageOffset+n])
	}
	return out, nil
}

// hiddenSizes reads the hidden layer sizes of prefix.0, prefix.2, … from the weights.
func hiddenSizes(t map[string]Tensor, prefix string) ([]int, error) {
	var sizes []int
	for i := 0; ; i += 2 {
		w, ok := t[fmt.Sprintf("%s.%d.weight", prefix, i)]
		if !ok {
			break
		}
		if len(w.Shape) != 2 {
			return nil, fmt.Errorf("a2c: ImportSB3: %s.%d.weight has shape %v, want 2-D", prefix, i, w.Shape)
		}
		sizes = append(sizes, w.Shape[0])
	}
	return sizes, nil
}

// sb3Space decodes the readable fields of a serialized gymnasium space.
func sb3Space(raw json.RawMessage) (env.Space, error) {
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	typ, _ := s[":type:"].(string)
	str := func(k string) string {
		switch v := s[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default: // e.g. _shape stored as a JSON list
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	switch {
	case strings.Contains(typ, "spaces.discrete.Discrete"):
		n, err := strconv.Atoi(str("n"))
		if err != nil {
			return nil, fmt.Errorf("Discrete n = %q: %w", str("n"), err)
		}
		if st := str("start"); st != "" && st != "0" {
			return nil, fmt.Errorf("Discrete start = %s is not supported, need 0", st)
		}
		return env.NewDiscrete(n)
	case strings.Contains(typ, "spaces.multi_discrete.MultiDiscrete"):
		nvec, err := numpyInts(str("nvec"))
		if err != nil {
			return nil, fmt.Errorf("MultiDiscrete nvec: %w", err)
		}
		if st := str("start"); st != "" && strings.Trim(st, "[] 0") != "" {
			return nil, fmt.Errorf("MultiDiscrete start = %s is not supported, need 0", st)
		}
		return env.NewMultiDiscrete(nvec)
	case strings.Contains(typ, "spaces.box.Box"):
		lo, err := numpyArray(str("low"))
		if err != nil {
			return nil, fmt.Errorf("Box low: %w", err)
		}
		hi, err := numpyArray(str("high"))
		if err != nil {
			return nil, fmt.Errorf("Box high: %w", err)
		}
		shape, err := numpyInts(strings.NewReplacer("(", "[", ")", "]", ",", " ").Replace(str("_shape")))
		if err != nil {
			return nil, fmt.Errorf("Box shape: %w", err)
		}
		return env.NewBox(lo, hi, shape...)
	}
	return nil, fmt.Errorf("space type %q is not supported, need Discrete, MultiDiscrete or Box", typ)
}

// numpyArray parses NumPy's repr of a numeric array, e.g. "[0. 0. 1.]" or "[[1 2] [3 4]]".
func numpyArray(s string) ([]float64, error) {
	if strings.Contains(s, "...") {
		return nil, fmt.Errorf("array %q is abbreviated by NumPy", s)
	}
	fields := strings.Fields(strings.NewReplacer("[", " ", "]", " ", ",", " ").Replace(s))
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty array %q", s)
	}
	out := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSuffix(f, "."), 64)
		if err != nil {
			return nil, fmt.Errorf("element %q: %w", f, err)
		}
		out[i] = v
	}
	return out, nil
}

// numpyInts parses NumPy's repr of an integer array (sizes, shapes); a non-integer
// element is an error rather than truncated.
func numpyInts(s string) ([]int, error) {
	v, err := numpyArray(s)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(v))
	for i, x := range v {
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return nil, fmt.Errorf("element %d = %v, must be an integer", i, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

var (
	reAlpha = regexp.MustCompile(`'alpha':\s*([0-9.eE+-]+)`)
	reEps   = regexp.MustCompile(`'eps':\s*([0-9.eE+-]+)`)
	reConst = regexp.MustCompile(`ConstantSchedule\(val=([0-9.eE+-]+)\)`)
)

func sb3Hyperparameters(data map[string]json.RawMessage, cfg *Config) error {
	num := func(key string, dst *float64) {
		var v float64
		if json.Unmarshal(data[key], &v) == nil {
			*dst = v
		}
	}
	num("gamma", &cfg.Gamma)
	num("gae_lambda", &cfg.GAELambda)
	num("ent_coef", &cfg.EntCoef)
	num("vf_coef", &cfg.VFCoef)
	num("max_grad_norm", &cfg.MaxGradNorm)
	var lr float64
	if json.Unmarshal(data["learning_rate"], &lr) == nil {
		cfg.LearningRate = lr
	} else if m := reConst.FindSubmatch(data["lr_schedule"]); m != nil {
		if v, err := strconv.ParseFloat(string(m[1]), 64); err == nil {
			cfg.LearningRate = v
		}
	}
	var ns int
	if json.Unmarshal(data["n_steps"], &ns) == nil {
		cfg.NSteps = ns
	}
	var seed int64
	if json.Unmarshal(data["seed"], &seed) == nil && seed >= 0 {
		cfg.Seed = uint64(seed)
	}
	var na bool
	if json.Unmarshal(data["normalize_advantage"], &na) == nil {
		cfg.NormalizeAdvantage = na
	}
	var sde bool
	if json.Unmarshal(data["use_sde"], &sde) == nil && sde {
		return fmt.Errorf("a2c: ImportSB3: use_sde = true is not supported")
	}
	var pk map[string]any
	if err := json.Unmarshal(data["policy_kwargs"], &pk); err == nil {
		if a, ok := pk["activation_fn"].(string); ok {
			switch {
			case strings.Contains(a, "Tanh"):
				cfg.Activation = nn.Tanh
			case strings.Contains(a, "ReLU"):
				cfg.Activation = nn.ReLU
			default:
				return fmt.Errorf("a2c: ImportSB3: activation_fn %s is not supported, need Tanh or ReLU", a)
			}
		}
		if oc, ok := pk["optimizer_class"].(string); ok {
			switch {
			case strings.Contains(oc, "RMSprop"):
				cfg.Optimizer = RMSprop
			case strings.Contains(oc, "Adam"):
				cfg.Optimizer = Adam
			}
		}
		if ok, _ := pk["optimizer_kwargs"].(string); ok != "" {
			if m := reAlpha.FindStringSubmatch(ok); m != nil {
				cfg.RMSpropAlpha, _ = strconv.ParseFloat(m[1], 64)
			}
			if m := reEps.FindStringSubmatch(ok); m != nil {
				eps, _ := strconv.ParseFloat(m[1], 64)
				cfg.RMSpropEps, cfg.AdamEps = eps, eps
			}
		}
		if l, ok := pk["log_std_init"].(string); ok {
			cfg.LogStdInit, _ = strconv.ParseFloat(l, 64)
		}
	}
	var pc map[string]any
	if json.Unmarshal(data["policy_class"], &pc) == nil {
		if t, _ := pc[":serialized:"].(string); t != "" && pc["__module__"] != nil {
			// The readable module path is enough to reject recurrent or CNN policies.
			if mod, _ := pc["__module__"].(string); mod != "stable_baselines3.common.policies" {
				return fmt.Errorf("a2c: ImportSB3: policy class from %q is not supported, need ActorCriticPolicy (MlpPolicy)", mod)
			}
		}
	}
	return nil
}
