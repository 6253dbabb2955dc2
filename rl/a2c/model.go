package a2c

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/rl/nn"
)

type actionKind int

const (
	categorical actionKind = iota
	multiCategorical
	gaussian
)

// Model is an actor-critic policy with its A2C training state: separate policy and
// value MLPs (SB3's MlpPolicy with net_arch pi/vf), a categorical (Discrete),
// multi-categorical (MultiDiscrete) or diagonal-Gaussian (Box) action distribution, the
// optimizer state and, if trained on a [env.VecNormalize], its observation statistics.
//
// A Model is not safe for concurrent use: Predict and Learn reuse internal buffers.
// Use Clone for one model per goroutine.
type Model struct {
	cfg      Config
	obsSpace *env.Box
	actSpace env.Space
	kind     actionKind
	nvec     []int // categories per action dimension (categorical: one entry)
	actDim   int   // length of an action point
	nOut     int   // policy network outputs: logits or Gaussian means

	pi, vf        *nn.MLP
	logStd        []float64 // Gaussian only; view into params
	gLogStd       []float64
	params, grads []float64
	opt           nn.Optimizer
	rng           *rand.Rand
	obsNorm       *env.ObsNormalizer

	numTimesteps int64
	nUpdates     int64

	// Predict scratch space.
	piTape1, vfTape1 *nn.Tape
	obs1             []float64
	act1             []float64
	std              []float64
	expBuf           []float64 // sample's unnormalized probabilities, max(nvec) values
	actLow, actHigh  []float64 // Gaussian only
	piTapeN          *nn.Tape  // PredictBatch, grown on demand
	obsN             []float64

	ro *rollout
}

// New creates a model for environments with observation space obs (a Box) and action
// space act (Discrete, MultiDiscrete or Box), initialized as SB3 does: orthogonal
// weights with gain √2 in hidden layers, 0.01 on the policy head and 1 on the value
// head, zero biases and log σ = LogStdInit.
func New(obs, act env.Space, cfg Config) (*Model, error) {
	return newModelLimit(obs, act, cfg, maxParams)
}

// newModelLimit is New with a bound on the number of parameters: maxParams for New, the number of
// values a loader has actually read for Load and ImportSB3, so that a small file cannot declare
// networks that take gigabytes to allocate.
func newModelLimit(obs, act env.Space, cfg Config, limit int) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if act == nil || act == env.Space((*env.Box)(nil)) {
		return nil, errors.New("a2c: the action space is nil")
	}
	box, ok := obs.(*env.Box)
	if !ok || box == nil {
		return nil, fmt.Errorf("a2c: observation space %v is not supported, need a Box", obs)
	}
	m := &Model{cfg: cfg, obsSpace: box, actSpace: act}
	m.cfg.PolicyNet = append([]int(nil), cfg.PolicyNet...)
	m.cfg.ValueNet = append([]int(nil), cfg.ValueNet...)
	switch a := act.(type) {
	case env.Discrete:
		m.kind, m.nvec, m.actDim, m.nOut = categorical, []int{a.N()}, 1, a.N()
	case env.MultiDiscrete:
		m.kind, m.nvec, m.actDim = multiCategorical, a.Nvec(), a.Dim()
		for _, n := range m.nvec {
			if n > maxLayer-m.nOut {
				return nil, fmt.Errorf("a2c: action space %v has more than %d categories", act, maxLayer)
			}
			m.nOut += n
		}
	case *env.Box:
		m.kind, m.actDim, m.nOut = gaussian, a.Dim(), a.Dim()
		m.actLow, m.actHigh = a.Low(), a.High()
	default:
		return nil, fmt.Errorf("a2c: action space %v is not supported, need Discrete, MultiDiscrete or Box", act)
	}
	in := box.Dim()
	piSizes := append(append([]int{in}, cfg.PolicyNet...), m.nOut)
	vfSizes := append(append([]int{in}, cfg.ValueNet...), 1)
	for _, s := range append(piSizes, vfSizes...) {
		if s > maxLayer {
			return nil, fmt.Errorf("a2c: a layer of %d units (observation or action size) exceeds %d", s, maxLayer)
		}
	}
	// Every layer is at most maxLayer (2^16) units and there are at most a few thousand
	// layers, so these sums cannot overflow.
	np, nv := nn.NumParams(piSizes), nn.NumParams(vfSizes)
	total := np + nv
	if m.kind == gaussian {
		total += m.actDim
	}
	if total > min(limit, maxParams) {
		if limit < maxParams {
			return nil, fmt.Errorf("a2c: the networks would have %d parameters, the file holds %d values", total, limit)
		}
		return nil, fmt.Errorf("a2c: the networks would have %d parameters, more than %d", total, maxParams)
	}
	m.params, m.grads = make([]float64, total), make([]float64, total)
	var err error
	if m.pi, err = nn.NewMLP(piSizes, cfg.Activation, m.params[:np:np], m.grads[:np:np]); err != nil {
		return nil, fmt.Errorf("a2c: policy network: %w", err)
	}
	if m.vf, err = nn.NewMLP(vfSizes, cfg.Activation, m.params[np:np+nv:np+nv], m.grads[np:np+nv:np+nv]); err != nil {
		return nil, fmt.Errorf("a2c: value network: %w", err)
	}
	if m.kind == gaussian {
		m.logStd, m.gLogStd = m.params[np+nv:], m.grads[np+nv:]
		m.std = make([]float64, m.actDim)
	}
	switch cfg.Optimizer {
	case RMSprop:
		m.opt, err = nn.NewRMSprop(total, cfg.RMSpropAlpha, cfg.RMSpropEps)
	case Adam:
		m.opt, err = nn.NewAdam(total, 0.9, 0.999, cfg.AdamEps)
	}
	if err != nil {
		return nil, fmt.Errorf("a2c: optimizer: %w", err)
	}
	m.rng = rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	initRNG := rand.New(rand.NewPCG(cfg.Seed, 0x1417))
	m.pi.InitOrthogonal(initRNG, math.Sqrt2, 0.01)
	m.vf.InitOrthogonal(initRNG, math.Sqrt2, 1)
	for i := range m.logStd {
		m.logStd[i] = cfg.LogStdInit
	}
	m.piTape1, m.vfTape1 = m.pi.NewTape(1), m.vf.NewTape(1)
	m.obs1 = make([]float64, in)
	m.act1 = make([]float64, m.actDim)
	if len(m.nvec) > 0 {
		m.expBuf = make([]float64, slices.Max(m.nvec))
	}
	return m, nil
}

// Config returns the model's hyperparameters.
func (m *Model) Config() Config { return m.cfg }

// ObservationSpace returns the observation space the model was built for.
func (m *Model) ObservationSpace() env.Space { return m.obsSpace }

// ActionSpace returns the action space the model was built for.
func (m *Model) ActionSpace() env.Space { return m.actSpace }

// NumTimesteps is the number of environment steps the model has been trained on.
func (m *Model) NumTimesteps() int64 { return m.numTimesteps }

// PolicyNet returns the policy network (its output is the logits or the Gaussian mean).
func (m *Model) PolicyNet() *nn.MLP { return m.pi }

// ValueNet returns the value network.
func (m *Model) ValueNet() *nn.MLP { return m.vf }

// LogStd returns the Gaussian policy's log standard deviations (nil otherwise); a view
// into the parameters.
func (m *Model) LogStd() []float64 { return m.logStd }

// ObsNormalizer returns the observation normalization the model applies before its
// networks in Predict, Value and ActionProbs, or nil.
func (m *Model) ObsNormalizer() *env.ObsNormalizer { return m.obsNorm }

// SetObsNormalizer sets (or, with nil, removes) the normalization applied to raw
// observations in Predict, Value and ActionProbs. Learn sets it automatically from an
// env.VecNormalize.
func (m *Model) SetObsNormalizer(o *env.ObsNormalizer) error {
	if m.pi == nil {
		return errZero
	}
	if o != nil && (o.Stats == nil || len(o.Stats.Mean) != m.obsSpace.Dim() || len(o.Stats.Var) != m.obsSpace.Dim()) {
		return fmt.Errorf("a2c: observation normalizer does not match observation dimension %d", m.obsSpace.Dim())
	}
	if o != nil {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("a2c: %w", err)
		}
	}
	m.obsNorm = o
	return nil
}

// SetSeed reseeds the random number generator used for stochastic actions.
func (m *Model) SetSeed(seed uint64) { m.rng = rand.New(rand.NewPCG(seed, 0x5eed)) }

// errZero is returned by the methods of a Model that New, Load or ImportSB3 did not make.
var errZero = errors.New("a2c: the Model is a zero value, want one from New, Load or ImportSB3")

// checkFinite returns an error naming the first NaN or infinite value of x.
func checkFinite(what string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("a2c: %s[%d] = %v, want a finite value", what, i, v)
		}
	}
	return nil
}

func (m *Model) prepObs(obs []float64) ([]float64, error) {
	if m.pi == nil {
		return nil, errZero
	}
	if len(obs) != m.obsSpace.Dim() {
		return nil, fmt.Errorf("a2c: observation has %d values, observation space %v has %d", len(obs), m.obsSpace, m.obsSpace.Dim())
	}
	if err := checkFinite("observation", obs); err != nil {
		return nil, err
	}
	if m.obsNorm == nil {
		return obs, nil
	}
	if err := m.obsNorm.Normalize(m.obs1, obs); err != nil {
		return nil, fmt.Errorf("a2c: %w", err)
	}
	return m.obs1, nil
}

// Predict returns the action for one raw observation: the most likely action if
// deterministic, a sample of the policy otherwise (SB3's model.predict). Gaussian
// actions are clipped to the action space's bounds as SB3 does. The returned slice is
// owned by the model and valid until the next call.
func (m *Model) Predict(obs []float64, deterministic bool) ([]float64, error) {
	x, err := m.prepObs(obs)
	if err != nil {
		return nil, err
	}
	out, err := m.pi.Forward(m.piTape1, x, 0, 1)
	if err != nil {
		return nil, err
	}
	if err := checkFinite("policy output", out); err != nil {
		return nil, err
	}
	if deterministic {
		m.mode(out, m.act1)
	} else {
		m.sample(out, m.act1)
	}
	if m.kind == gaussian {
		m.clipAction(m.act1, m.act1)
	}
	return m.act1, nil
}

// PredictBatch writes into dst (n×ActionDim) the actions for the n raw observations
// in obs (n×ObsDim, row-major), like Predict on each row but in one batched pass. It
// allocates only when n exceeds every earlier batch size.
func (m *Model) PredictBatch(dst, obs []float64, deterministic bool) error {
	if m.pi == nil {
		return errZero
	}
	if err := checkFinite("observations", obs); err != nil {
		return err
	}
	d := m.obsSpace.Dim()
	if len(obs)%d != 0 || len(obs) == 0 {
		return fmt.Errorf("a2c: PredictBatch got %d observation values, need a non-zero multiple of %d", len(obs), d)
	}
	n := len(obs) / d
	if len(dst) != n*m.actDim {
		return fmt.Errorf("a2c: PredictBatch dst has %d values, need %d rows × %d", len(dst), n, m.actDim)
	}
	if m.piTapeN == nil || m.piTapeN.Cap() < n {
		m.piTapeN = m.pi.NewTape(n)
		m.obsN = make([]float64, n*d)
	}
	x := obs
	if m.obsNorm != nil {
		x = m.obsN[:len(obs)]
		if err := m.obsNorm.Normalize(x, obs); err != nil {
			return fmt.Errorf("a2c: %w", err)
		}
	}
	out, err := m.pi.Forward(m.piTapeN, x, 0, n)
	if err != nil {
		return err
	}
	if err := checkFinite("policy outputs", out[:n*m.nOut]); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		row, act := out[i*m.nOut:(i+1)*m.nOut], dst[i*m.actDim:(i+1)*m.actDim]
		if deterministic {
			m.mode(row, act)
		} else {
			m.sample(row, act)
		}
	}
	if m.kind == gaussian {
		m.clipAction(dst, dst)
	}
	return nil
}

// Value returns the critic's estimate V(obs) for one raw observation.
func (m *Model) Value(obs []float64) (float64, error) {
	x, err := m.prepObs(obs)
	if err != nil {
		return 0, err
	}
	v, err := m.vf.Forward(m.vfTape1, x, 0, 1)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// ActionProbs writes the action probabilities for one raw observation into dst: for
// Discrete(n) the n probabilities, for MultiDiscrete the per-dimension probabilities
// concatenated. It fails for Gaussian policies.
func (m *Model) ActionProbs(obs, dst []float64) error {
	if m.pi == nil {
		return errZero
	}
	if m.kind == gaussian {
		return fmt.Errorf("a2c: ActionProbs needs a discrete action space, the model has %v", m.actSpace)
	}
	if len(dst) != m.nOut {
		return fmt.Errorf("a2c: ActionProbs dst has %d values, need %d", len(dst), m.nOut)
	}
	x, err := m.prepObs(obs)
	if err != nil {
		return err
	}
	out, err := m.pi.Forward(m.piTape1, x, 0, 1)
	if err != nil {
		return err
	}
	off := 0
	for _, n := range m.nvec {
		softmax(dst[off:off+n], out[off:off+n])
		off += n
	}
	return nil
}

// mode writes the most likely action for policy output row out.
func (m *Model) mode(out, act []float64) {
	if m.kind == gaussian {
		copy(act, out)
		return
	}
	off := 0
	for d, n := range m.nvec {
		z := out[off : off+n]
		best := 0
		for j, v := range z {
			if v > z[best] {
				best = j
			}
		}
		act[d] = float64(best)
		off += n
	}
}

// sample draws an action for policy output row out.
func (m *Model) sample(out, act []float64) {
	if m.kind == gaussian {
		for j, mu := range out {
			act[j] = mu + math.Exp(m.logStd[j])*m.rng.NormFloat64()
		}
		return
	}
	off := 0
	for d, n := range m.nvec {
		e := m.expBuf[:n]
		_, s := expShifted(e, out[off:off+n])
		u := m.rng.Float64() * s
		k := n - 1
		var c float64
		for j, x := range e {
			c += x
			if u < c {
				k = j
				break
			}
		}
		act[d] = float64(k)
		off += n
	}
}

func (m *Model) clipAction(dst, src []float64) {
	for j, v := range src { // src may hold several rows
		k := j % m.actDim
		dst[j] = min(max(v, m.actLow[k]), m.actHigh[k])
	}
}

// expShifted writes exp(z[j] − max(z)) into e and returns max(z) and the sum of e: the stable
// first half of a softmax or a log-sum-exp.
func expShifted(e, z []float64) (mx, sum float64) {
	mx = z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	for j, v := range z {
		x := math.Exp(v - mx)
		e[j] = x
		sum += x
	}
	return mx, sum
}

// softmax writes softmax(z) into p.
func softmax(p, z []float64) {
	_, s := expShifted(p, z)
	for j := range p {
		p[j] /= s
	}
}
