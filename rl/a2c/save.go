package a2c

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/rl/nn"
)

// FormatName and FormatVersion identify the model file format written by Save.
//
// A model file is one JSON object:
//
//	{
//	  "format": "lambdatune/a2c", "version": 1,
//	  "config": {...},                      // Config, except LRSchedule
//	  "observation_space": {"type": "Box", "low": [...], "high": [...], "shape": [...]},
//	  "action_space": {"type": "Discrete", "n": 2},   // or MultiDiscrete "nvec", or Box
//	  "num_timesteps": 150000, "num_updates": 3750,
//	  "state_dict": [{"name": "mlp_extractor.policy_net.0.weight", "shape": [64, 4], "data": [...]}, ...],
//	  "optimizer": {"name": "rmsprop", "square_avg": [...]},  // or adam: exp_avg, exp_avg_sq, step
//	  "obs_normalizer": {"stats": {"mean": [...], "var": [...], "count": ...}, "clip": 10, "epsilon": 1e-8}
//	}
//
// Tensors use SB3/PyTorch state-dict names and layouts (Linear weights [out, in],
// row-major), so a saved model maps one-to-one onto an SB3 MlpPolicy: hidden layer i
// of the actor is mlp_extractor.policy_net.(2i), its head action_net, the critic's
// mlp_extractor.value_net.(2i) and value_net, and Gaussian policies add log_std.
// Floats are written in shortest round-trip form, so Load restores the model bit for
// bit; infinite Box bounds are written as the strings "inf" and "-inf". The optimizer's
// flat state follows the order of state_dict. Readers must reject other versions.
const (
	FormatName    = "lambdatune/a2c"
	FormatVersion = 1
)

type jfloat float64

func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsInf(v, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-inf"`), nil
	case math.IsNaN(v):
		return nil, fmt.Errorf("NaN cannot be saved")
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jfloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"inf"`:
		*f = jfloat(math.Inf(1))
		return nil
	case `"-inf"`:
		*f = jfloat(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

func toJ(x []float64) []jfloat {
	out := make([]jfloat, len(x))
	for i, v := range x {
		out[i] = jfloat(v)
	}
	return out
}

func fromJ(x []jfloat) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

type spaceJSON struct {
	Type  string   `json:"type"`
	N     int      `json:"n,omitempty"`
	Nvec  []int    `json:"nvec,omitempty"`
	Low   []jfloat `json:"low,omitempty"`
	High  []jfloat `json:"high,omitempty"`
	Shape []int    `json:"shape,omitempty"`
}

func encodeSpace(s env.Space) (spaceJSON, error) {
	switch v := s.(type) {
	case env.Discrete:
		return spaceJSON{Type: "Discrete", N: v.N()}, nil
	case env.MultiDiscrete:
		return spaceJSON{Type: "MultiDiscrete", Nvec: v.Nvec()}, nil
	case *env.Box:
		return spaceJSON{Type: "Box", Low: toJ(v.Low()), High: toJ(v.High()), Shape: v.Shape()}, nil
	}
	return spaceJSON{}, fmt.Errorf("a2c: cannot save space %v", s)
}

func decodeSpace(s spaceJSON) (env.Space, error) {
	switch s.Type {
	case "Discrete":
		return env.NewDiscrete(s.N)
	case "MultiDiscrete":
		return env.NewMultiDiscrete(s.Nvec)
	case "Box":
		return env.NewBox(fromJ(s.Low), fromJ(s.High), s.Shape...)
	}
	return nil, fmt.Errorf("a2c: unknown space type %q, must be Discrete, MultiDiscrete or Box", s.Type)
}

type tensorJSON struct {
	Name  string   `json:"name"`
	Shape []int    `json:"shape"`
	Data  []jfloat `json:"data"`
}

type optimJSON struct {
	Name      string   `json:"name"`
	SquareAvg []jfloat `json:"square_avg,omitempty"`
	ExpAvg    []jfloat `json:"exp_avg,omitempty"`
	ExpAvgSq  []jfloat `json:"exp_avg_sq,omitempty"`
	Step      int      `json:"step,omitempty"`
}

type fileJSON struct {
	Format        string             `json:"format"`
	Version       int                `json:"version"`
	Config        Config             `json:"config"`
	ObsSpace      spaceJSON          `json:"observation_space"`
	ActSpace      spaceJSON          `json:"action_space"`
	NumTimesteps  int64              `json:"num_timesteps"`
	NumUpdates    int64              `json:"num_updates"`
	StateDict     []tensorJSON       `json:"state_dict"`
	Optimizer     *optimJSON         `json:"optimizer,omitempty"`
	ObsNormalizer *env.ObsNormalizer `json:"obs_normalizer,omitempty"`
}

// Tensor is a named parameter tensor in SB3 state-dict naming; Data aliases the model.
type Tensor struct {
	// Name is the SB3 state-dict key, e.g. "action_net.weight".
	Name string
	// Shape is the PyTorch shape, e.g. [out, in] for a Linear weight.
	Shape []int
	// Data holds the values in row-major order.
	Data []float64
}

// StateDict returns the model's parameters as SB3 MlpPolicy state-dict tensors, in
// the order of the flat parameter vector. Data slices alias the model's parameters.
func (m *Model) StateDict() []Tensor {
	if m.pi == nil {
		return nil
	}
	var out []Tensor
	add := func(prefix, head string, net *nn.MLP) {
		ls := net.Layers()
		for i, l := range ls {
			name := fmt.Sprintf("%s.%d", prefix, 2*i)
			if i == len(ls)-1 {
				name = head
			}
			out = append(out, Tensor{name + ".weight", []int{l.Out, l.In}, l.W}, Tensor{name + ".bias", []int{l.Out}, l.B})
		}
	}
	add("mlp_extractor.policy_net", "action_net", m.pi)
	add("mlp_extractor.value_net", "value_net", m.vf)
	if m.kind == gaussian {
		out = append(out, Tensor{"log_std", []int{m.actDim}, m.logStd})
	}
	return out
}

// LoadStateDict copies tensors, matched by name and shape, into the model's
// parameters. Every parameter tensor must be present.
// Every value must be finite: a NaN or infinite weight is refused and the model is left
// unchanged.
func (m *Model) LoadStateDict(tensors map[string]Tensor) error {
	if m.pi == nil {
		return errZero
	}
	dst := m.StateDict()
	for _, t := range dst {
		src, ok := tensors[t.Name]
		if !ok {
			return fmt.Errorf("a2c: state dict has no tensor %q", t.Name)
		}
		if !slices.Equal(src.Shape, t.Shape) || len(src.Data) != len(t.Data) {
			return fmt.Errorf("a2c: tensor %q has shape %v (%d values), the model needs %v", t.Name, src.Shape, len(src.Data), t.Shape)
		}
		if err := checkFinite(t.Name, src.Data); err != nil {
			return err
		}
	}
	for _, t := range dst {
		copy(t.Data, tensors[t.Name].Data)
	}
	return nil
}

// Save writes the model in the versioned JSON format described at FormatName.
func (m *Model) Save(w io.Writer) error {
	if m.pi == nil {
		return errZero
	}
	f := fileJSON{Format: FormatName, Version: FormatVersion, Config: m.cfg, NumTimesteps: m.numTimesteps, NumUpdates: m.nUpdates, ObsNormalizer: m.obsNorm}
	var err error
	if f.ObsSpace, err = encodeSpace(m.obsSpace); err != nil {
		return err
	}
	if f.ActSpace, err = encodeSpace(m.actSpace); err != nil {
		return err
	}
	for _, t := range m.StateDict() {
		f.StateDict = append(f.StateDict, tensorJSON{t.Name, t.Shape, toJ(t.Data)})
	}
	switch o := m.opt.(type) {
	case *nn.RMSprop:
		f.Optimizer = &optimJSON{Name: RMSprop, SquareAvg: toJ(o.State())}
	case *nn.Adam:
		mm, vv, step := o.State()
		f.Optimizer = &optimJSON{Name: Adam, ExpAvg: toJ(mm), ExpAvgSq: toJ(vv), Step: step}
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("a2c: saving model: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("a2c: saving model: %w", err)
	}
	return nil
}

// SaveFile writes the model to path (atomically, through a temporary file).
func (m *Model) SaveFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("a2c: %w", err)
	}
	if err := m.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("a2c: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("a2c: %w", err)
	}
	return nil
}

// Load reads a model written by Save. The learning-rate schedule is not saved: set one
// with SetLRSchedule before training further if you need it.
func Load(r io.Reader) (*Model, error) {
	if r == nil {
		return nil, errors.New("a2c: loading model: the reader is nil")
	}
	var f fileJSON
	dec := json.NewDecoder(bufio.NewReader(r))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("a2c: loading model: %w", err)
	}
	if f.Format != FormatName {
		return nil, fmt.Errorf("a2c: loading model: format %q, want %q", f.Format, FormatName)
	}
	if f.Version != FormatVersion {
		return nil, fmt.Errorf("a2c: loading model: version %d, this library reads version %d", f.Version, FormatVersion)
	}
	obs, err := decodeSpace(f.ObsSpace)
	if err != nil {
		return nil, fmt.Errorf("a2c: loading observation space: %w", err)
	}
	act, err := decodeSpace(f.ActSpace)
	if err != nil {
		return nil, fmt.Errorf("a2c: loading action space: %w", err)
	}
	read := 0
	for _, t := range f.StateDict {
		read += len(t.Data)
	}
	m, err := newModelLimit(obs, act, f.Config, read)
	if err != nil {
		return nil, fmt.Errorf("a2c: loading model: %w", err)
	}
	tensors := map[string]Tensor{}
	for _, t := range f.StateDict {
		tensors[t.Name] = Tensor{t.Name, t.Shape, fromJ(t.Data)}
	}
	if err := m.LoadStateDict(tensors); err != nil {
		return nil, err
	}
	if err := checkOptimizerState(f.Optimizer); err != nil {
		return nil, err
	}
	if f.NumTimesteps < 0 || f.NumUpdates < 0 {
		return nil, fmt.Errorf("a2c: loading model: num_timesteps = %d, num_updates = %d, want both >= 0", f.NumTimesteps, f.NumUpdates)
	}
	if o := f.Optimizer; o != nil {
		switch opt := m.opt.(type) {
		case *nn.RMSprop:
			if o.Name != RMSprop {
				return nil, fmt.Errorf("a2c: optimizer state is %q, config says %q", o.Name, RMSprop)
			}
			if err := opt.SetState(fromJ(o.SquareAvg)); err != nil {
				return nil, fmt.Errorf("a2c: %w", err)
			}
		case *nn.Adam:
			if o.Name != Adam {
				return nil, fmt.Errorf("a2c: optimizer state is %q, config says %q", o.Name, Adam)
			}
			if err := opt.SetState(fromJ(o.ExpAvg), fromJ(o.ExpAvgSq), o.Step); err != nil {
				return nil, fmt.Errorf("a2c: %w", err)
			}
		}
	}
	if err := m.SetObsNormalizer(f.ObsNormalizer); err != nil {
		return nil, err
	}
	m.numTimesteps, m.nUpdates = f.NumTimesteps, f.NumUpdates
	return m, nil
}

// checkOptimizerState refuses saved optimizer moments that would make the next update NaN:
// non-finite values, negative second moments or a negative step count.
func checkOptimizerState(o *optimJSON) error {
	if o == nil {
		return nil
	}
	for _, st := range []struct {
		name   string
		v      []jfloat
		nonNeg bool
	}{{"square_avg", o.SquareAvg, true}, {"exp_avg", o.ExpAvg, false}, {"exp_avg_sq", o.ExpAvgSq, true}} {
		for i, x := range st.v {
			v := float64(x)
			if math.IsNaN(v) || math.IsInf(v, 0) || (st.nonNeg && v < 0) {
				return fmt.Errorf("a2c: loading model: optimizer %s[%d] = %v, want a finite value%s", st.name, i, v, map[bool]string{true: " >= 0"}[st.nonNeg])
			}
		}
	}
	if o.Step < 0 {
		return fmt.Errorf("a2c: loading model: optimizer step = %d, want >= 0", o.Step)
	}
	return nil
}

// LoadFile reads a model saved with SaveFile.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("a2c: %w", err)
	}
	defer f.Close()
	return Load(f)
}

// SetLRSchedule sets the learning-rate schedule for future Learn calls (nil: constant
// LearningRate).
func (m *Model) SetLRSchedule(s Schedule) error {
	if s == nil && !(m.cfg.LearningRate > 0) {
		return fmt.Errorf("a2c: removing the schedule needs LearningRate > 0, have %v", m.cfg.LearningRate)
	}
	m.cfg.LRSchedule = s
	return nil
}

// Clone returns a deep copy of the model (parameters, optimizer state, observation
// normalizer, schedule and counters) without its rollout state, e.g. to run Predict on
// several goroutines (a Model is not safe for concurrent use).
func (m *Model) Clone() (*Model, error) {
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		return nil, fmt.Errorf("a2c: Clone: %w", err)
	}
	c, err := Load(&buf)
	if err != nil {
		return nil, fmt.Errorf("a2c: Clone: %w", err)
	}
	c.cfg.LRSchedule = m.cfg.LRSchedule
	return c, nil
}
