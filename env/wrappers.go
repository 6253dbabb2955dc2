package env

import (
	"fmt"
	"math"
)

// TimeLimit truncates episodes after MaxSteps steps, like Gymnasium's TimeLimit: the
// step that reaches the limit has Truncated set (even if it also terminated) and its
// Info gets InfoTimeLimitTruncated = 1.
type TimeLimit struct {
	inner    Env
	maxSteps int
	steps    int
	info     Info
}

var _ Env = (*TimeLimit)(nil)

// NewTimeLimit wraps e so that episodes last at most maxSteps (≥ 1) steps.
func NewTimeLimit(e Env, maxSteps int) (*TimeLimit, error) {
	if e == nil {
		return nil, fmt.Errorf("env: TimeLimit: env is nil")
	}
	if maxSteps < 1 {
		return nil, fmt.Errorf("env: TimeLimit maxSteps = %d, must be ≥ 1", maxSteps)
	}
	return &TimeLimit{inner: e, maxSteps: maxSteps}, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (t *TimeLimit) ObservationSpace() Space { return t.inner.ObservationSpace() }

// ActionSpace returns the wrapped env's action space.
func (t *TimeLimit) ActionSpace() Space { return t.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (t *TimeLimit) Unwrap() Env { return t.inner }

// Reset resets the wrapped env and the step counter.
func (t *TimeLimit) Reset(seed Seed) ([]float64, Info, error) {
	t.steps = 0
	return t.inner.Reset(seed)
}

// Step steps the wrapped env and truncates at the limit.
func (t *TimeLimit) Step(action []float64) (StepResult, error) {
	r, err := t.inner.Step(action)
	if err != nil {
		return r, err
	}
	t.steps++
	if t.steps >= t.maxSteps {
		r.Truncated = true
		r.Info = copyInfo(&t.info, r.Info)
		r.Info[InfoTimeLimitTruncated] = 1
	}
	return r, nil
}

// EpisodeStats records the undiscounted return and length of every episode, like
// Gymnasium's RecordEpisodeStatistics and SB3's Monitor: on the step that ends an
// episode it adds InfoEpisodeReturn and InfoEpisodeLength to Info, and it keeps the
// last Window episodes for Returns and Lengths.
type EpisodeStats struct {
	inner   Env
	window  int
	ret     float64
	length  int
	returns []float64
	lengths []int
	total   int
	info    Info
}

var _ Env = (*EpisodeStats)(nil)

// NewEpisodeStats wraps e; window (≥ 1) is how many recent episodes are kept (Gymnasium
// uses 100).
func NewEpisodeStats(e Env, window int) (*EpisodeStats, error) {
	if e == nil {
		return nil, fmt.Errorf("env: EpisodeStats: env is nil")
	}
	if window < 1 {
		return nil, fmt.Errorf("env: EpisodeStats window = %d, must be ≥ 1", window)
	}
	return &EpisodeStats{inner: e, window: window, returns: make([]float64, 0, window), lengths: make([]int, 0, window)}, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (s *EpisodeStats) ObservationSpace() Space { return s.inner.ObservationSpace() }

// ActionSpace returns the wrapped env's action space.
func (s *EpisodeStats) ActionSpace() Space { return s.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (s *EpisodeStats) Unwrap() Env { return s.inner }

// Reset resets the wrapped env and the running return.
func (s *EpisodeStats) Reset(seed Seed) ([]float64, Info, error) {
	s.ret, s.length = 0, 0
	return s.inner.Reset(seed)
}

// Step steps the wrapped env and records finished episodes.
func (s *EpisodeStats) Step(action []float64) (StepResult, error) {
	r, err := s.inner.Step(action)
	if err != nil {
		return r, err
	}
	s.ret += r.Reward
	s.length++
	if r.Done() {
		r.Info = copyInfo(&s.info, r.Info)
		r.Info[InfoEpisodeReturn] = s.ret
		r.Info[InfoEpisodeLength] = float64(s.length)
		if len(s.returns) == s.window {
			copy(s.returns, s.returns[1:])
			copy(s.lengths, s.lengths[1:])
			s.returns, s.lengths = s.returns[:s.window-1], s.lengths[:s.window-1]
		}
		s.returns = append(s.returns, s.ret)
		s.lengths = append(s.lengths, s.length)
		s.total++
		s.ret, s.length = 0, 0
	}
	return r, nil
}

// Returns returns a copy of the returns of the last (up to Window) finished episodes, oldest first.
func (s *EpisodeStats) Returns() []float64 { return append([]float64(nil), s.returns...) }

// Lengths returns a copy of the lengths of the last (up to Window) finished episodes, oldest first.
func (s *EpisodeStats) Lengths() []int { return append([]int(nil), s.lengths...) }

// Episodes is the number of finished episodes since creation.
func (s *EpisodeStats) Episodes() int { return s.total }

// ActionMap exposes an env under a different action space: the agent acts in Space and
// Map translates each action into the wrapped env's action space. Use it to flatten a
// MultiDiscrete action into a Discrete one, to rescale a Box to [-1, 1], or to map
// action indices to configurations.
type ActionMap struct {
	inner Env
	space Space
	fn    func(dst, src []float64) error
	buf   []float64
}

var _ Env = (*ActionMap)(nil)

// NewActionMap wraps e. fn writes into dst (length e.ActionSpace().Dim()) the inner
// action for the outer action src (a point of space); it must not retain either slice.
func NewActionMap(e Env, space Space, fn func(dst, src []float64) error) (*ActionMap, error) {
	if e == nil || space == nil || fn == nil {
		return nil, fmt.Errorf("env: ActionMap needs a non-nil env, space and function")
	}
	return &ActionMap{inner: e, space: space, fn: fn, buf: make([]float64, e.ActionSpace().Dim())}, nil
}

// NewFlattenMultiDiscrete exposes an env with a MultiDiscrete(nvec) action space as
// Discrete(∏nvec). Index k maps to the mixed-radix digits of k with the LAST dimension
// changing fastest (like numpy.unravel_index).
func NewFlattenMultiDiscrete(e Env) (*ActionMap, error) {
	if e == nil {
		return nil, fmt.Errorf("env: FlattenMultiDiscrete: env is nil")
	}
	md, ok := e.ActionSpace().(MultiDiscrete)
	if !ok {
		return nil, fmt.Errorf("env: FlattenMultiDiscrete: action space is %v, need MultiDiscrete", e.ActionSpace())
	}
	nvec := md.Nvec()
	total := 1
	for _, n := range nvec {
		if total > math.MaxInt/n {
			return nil, fmt.Errorf("env: FlattenMultiDiscrete: %v has more than %d actions", md, math.MaxInt)
		}
		total *= n
	}
	d, err := NewDiscrete(total)
	if err != nil {
		return nil, err
	}
	return NewActionMap(e, d, func(dst, src []float64) error {
		k := int(src[0])
		for i := len(nvec) - 1; i >= 0; i-- {
			dst[i] = float64(k % nvec[i])
			k /= nvec[i]
		}
		return nil
	})
}

// NewRescaleAction exposes an env with a bounded Box action space as Box(-1, 1), the
// range Gaussian policies work best in; actions are mapped linearly onto the bounds.
func NewRescaleAction(e Env) (*ActionMap, error) {
	if e == nil {
		return nil, fmt.Errorf("env: RescaleAction: env is nil")
	}
	b, ok := e.ActionSpace().(*Box)
	if !ok || !b.Bounded() {
		return nil, fmt.Errorf("env: RescaleAction: action space is %v, need a bounded Box", e.ActionSpace())
	}
	outer, err := NewUniformBox(-1, 1, b.Dim())
	if err != nil {
		return nil, err
	}
	lo, hi := b.Low(), b.High()
	return NewActionMap(e, outer, func(dst, src []float64) error {
		for i := range dst {
			dst[i] = lo[i] + (src[i]+1)*0.5*(hi[i]-lo[i])
		}
		return nil
	})
}

// ObservationSpace returns the wrapped env's observation space.
func (a *ActionMap) ObservationSpace() Space { return a.inner.ObservationSpace() }

// ActionSpace returns the outer action space.
func (a *ActionMap) ActionSpace() Space { return a.space }

// Unwrap returns the wrapped env.
func (a *ActionMap) Unwrap() Env { return a.inner }

// Reset resets the wrapped env.
func (a *ActionMap) Reset(seed Seed) ([]float64, Info, error) { return a.inner.Reset(seed) }

// Step checks that action lies in the outer space, maps it and steps the wrapped env.
func (a *ActionMap) Step(action []float64) (StepResult, error) {
	if !a.space.Contains(action) {
		return StepResult{}, fmt.Errorf("env: action %v is not in %v", action, a.space)
	}
	if err := a.fn(a.buf, action); err != nil {
		return StepResult{}, fmt.Errorf("env: mapping action %v: %w", action, err)
	}
	return a.inner.Step(a.buf)
}

// RunningMeanStd tracks the mean and variance of a stream of vectors with the parallel
// algorithm of Chan et al., exactly like SB3's RunningMeanStd (initial mean 0,
// variance 1, count Epsilon = 1e-4).
type RunningMeanStd struct {
	// Mean and Var are the per-dimension mean and population variance.
	Mean []float64 `json:"mean"`
	Var  []float64 `json:"var"`
	// Count is the number of vectors seen, plus the initial 1e-4.
	Count float64 `json:"count"`
}

// NewRunningMeanStd returns statistics for vectors of dimension dim with SB3's initial values.
func NewRunningMeanStd(dim int) *RunningMeanStd {
	r := &RunningMeanStd{Mean: make([]float64, dim), Var: make([]float64, dim), Count: 1e-4}
	for i := range r.Var {
		r.Var[i] = 1
	}
	return r
}

// Update folds a batch of n ≥ 1 row vectors (x is n×dim) into the statistics. It uses
// the population variance of the batch, as NumPy's var does.
func (r *RunningMeanStd) Update(x []float64, n int) error {
	dim := len(r.Mean)
	if n < 1 || len(x) != n*dim || len(r.Var) != dim {
		return fmt.Errorf("env: RunningMeanStd.Update: %d values for %d rows of dimension %d", len(x), n, dim)
	}
	bc := float64(n)
	tot := r.Count + bc
	for j := 0; j < dim; j++ {
		var m float64
		for i := 0; i < n; i++ {
			m += x[i*dim+j]
		}
		m /= bc
		var v float64
		for i := 0; i < n; i++ {
			d := x[i*dim+j] - m
			v += d * d
		}
		v /= bc
		delta := m - r.Mean[j]
		r.Mean[j] += delta * bc / tot
		m2 := r.Var[j]*r.Count + v*bc + delta*delta*r.Count*bc/tot
		r.Var[j] = m2 / tot
	}
	r.Count = tot
	return nil
}

// Clone returns a deep copy.
func (r *RunningMeanStd) Clone() *RunningMeanStd {
	return &RunningMeanStd{Mean: append([]float64(nil), r.Mean...), Var: append([]float64(nil), r.Var...), Count: r.Count}
}

// ObsNormalizer normalizes observations with frozen running statistics:
// clip((obs − mean)/√(var + Epsilon), −Clip, Clip). It is what a trained model keeps from
// a [VecNormalize] to act on raw observations.
type ObsNormalizer struct {
	// Stats are the observation statistics; Mean and Var set the dimension.
	Stats *RunningMeanStd `json:"stats"`
	// Clip bounds normalized values to [−Clip, Clip].
	Clip float64 `json:"clip"`
	// Epsilon is added to the variance before the square root.
	Epsilon float64 `json:"epsilon"`
}

// Validate reports normalization statistics that cannot come from a VecNormalize and would
// turn observations into NaN or silently wrong values: missing or mismatched Mean and Var, a
// non-finite mean, a negative or non-finite variance, a Clip that is not positive (+Inf means no
// clipping), a negative or non-finite Epsilon, or a zero Var + Epsilon.
func (o *ObsNormalizer) Validate() error {
	if o.Stats == nil || len(o.Stats.Mean) == 0 || len(o.Stats.Var) != len(o.Stats.Mean) {
		return fmt.Errorf("env: ObsNormalizer.Stats is missing or has Mean and Var of different lengths")
	}
	if !(o.Clip > 0) {
		return fmt.Errorf("env: ObsNormalizer.Clip = %v, want > 0", o.Clip)
	}
	if !(o.Epsilon >= 0) || math.IsInf(o.Epsilon, 0) {
		return fmt.Errorf("env: ObsNormalizer.Epsilon = %v, want a finite value >= 0", o.Epsilon)
	}
	for j, m := range o.Stats.Mean {
		v := o.Stats.Var[j]
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("env: ObsNormalizer.Stats.Mean[%d] = %v, want a finite value", j, m)
		}
		if !(v >= 0) || math.IsInf(v, 0) || !(v+o.Epsilon > 0) {
			return fmt.Errorf("env: ObsNormalizer.Stats.Var[%d] = %v (Epsilon %v), want a finite variance >= 0 with Var + Epsilon > 0", j, v, o.Epsilon)
		}
	}
	return nil
}

// Normalize writes the normalized rows of src (n×dim) into dst (same length).
func (o *ObsNormalizer) Normalize(dst, src []float64) error {
	if o.Stats == nil {
		return fmt.Errorf("env: ObsNormalizer.Normalize: Stats is nil")
	}
	dim := len(o.Stats.Mean)
	if len(dst) != len(src) || dim == 0 || len(src)%dim != 0 || len(o.Stats.Var) != dim {
		return fmt.Errorf("env: ObsNormalizer.Normalize: %d source and %d destination values for dimension %d", len(src), len(dst), dim)
	}
	for i, x := range src {
		j := i % dim
		v := (x - o.Stats.Mean[j]) / math.Sqrt(o.Stats.Var[j]+o.Epsilon)
		dst[i] = min(max(v, -o.Clip), o.Clip)
	}
	return nil
}
