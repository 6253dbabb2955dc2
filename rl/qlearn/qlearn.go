// Package qlearn is tabular Q-learning with per-feature binning of a Box observation
// and decaying ε-greedy exploration, the algorithm the original project compared A2C
// against. Its defaults are the original's: 10 bins per feature, learning rate α 0.1,
// discount γ 0.99, ε from 1.0 multiplied by 0.995 after every episode down to 0.05.
//
// An observation is discretized feature by feature: feature i is cut into Bins equal
// intervals over [Low[i], High[i]] (the Box's bounds unless overridden in Config);
// values outside the interval fall into the first or last bin. The table has
// Bins^dim × n entries, so keep the observation small.
package qlearn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/env"
)

// Config configures an Agent. Start from DefaultConfig.
type Config struct {
	// Bins per observation feature (original: 10).
	Bins int
	// Alpha is the learning rate (original: 0.1).
	Alpha float64
	// Gamma is the discount factor (original: 0.99).
	Gamma float64
	// EpsilonStart, EpsilonDecay and EpsilonMin define ε-greedy exploration: ε starts at
	// EpsilonStart and is multiplied by EpsilonDecay after each episode, never going
	// below EpsilonMin (original: 1.0, 0.995, 0.05).
	EpsilonStart, EpsilonDecay, EpsilonMin float64
	// Low and High, if set, replace the observation space's bounds for binning; they
	// are required for features whose bounds are infinite or huge (such as CartPole's
	// velocities). Length: the observation dimension.
	Low, High []float64
	// Seed seeds exploration and the first environment reset.
	Seed uint64
}

// DefaultConfig returns the original project's settings.
func DefaultConfig() Config {
	return Config{Bins: 10, Alpha: 0.1, Gamma: 0.99, EpsilonStart: 1, EpsilonDecay: 0.995, EpsilonMin: 0.05}
}

// maxStates bounds the number of states (Bins^dim), and maxTable the Q-table's values
// (states × actions): 2^24 float64s, 128 MiB.
const (
	maxStates = 1 << 24
	maxTable  = 1 << 24
)

// errZero is returned by the methods of an Agent that New or Load did not make.
var errZero = errors.New("qlearn: the Agent is a zero value, want one from New or Load")

// Agent is a tabular Q-learning agent.
type Agent struct {
	cfg       Config
	dim       int
	nActions  int
	low, high []float64
	q         []float64
	eps       float64
	rng       *rand.Rand
	act       []float64
	episodes  int
}

// New returns an agent for a Box observation space and a Discrete action space, with
// a zero Q-table.
func New(obs, act env.Space, cfg Config) (*Agent, error) {
	box, ok := obs.(*env.Box)
	if !ok {
		return nil, fmt.Errorf("qlearn: observation space %v is not supported, need a Box", obs)
	}
	d, ok := act.(env.Discrete)
	if !ok {
		return nil, fmt.Errorf("qlearn: action space %v is not supported, need Discrete", act)
	}
	switch {
	case cfg.Bins < 1:
		return nil, fmt.Errorf("qlearn: Bins = %d, must be ≥ 1", cfg.Bins)
	case !(cfg.Alpha > 0 && cfg.Alpha <= 1):
		return nil, fmt.Errorf("qlearn: Alpha = %v, must be in (0, 1]", cfg.Alpha)
	case !(cfg.Gamma >= 0 && cfg.Gamma <= 1):
		return nil, fmt.Errorf("qlearn: Gamma = %v, must be in [0, 1]", cfg.Gamma)
	case !(cfg.EpsilonStart >= 0 && cfg.EpsilonStart <= 1):
		return nil, fmt.Errorf("qlearn: EpsilonStart = %v, must be in [0, 1]", cfg.EpsilonStart)
	case !(cfg.EpsilonDecay > 0 && cfg.EpsilonDecay <= 1):
		return nil, fmt.Errorf("qlearn: EpsilonDecay = %v, must be in (0, 1]", cfg.EpsilonDecay)
	case !(cfg.EpsilonMin >= 0 && cfg.EpsilonMin <= cfg.EpsilonStart):
		return nil, fmt.Errorf("qlearn: EpsilonMin = %v, must be in [0, EpsilonStart = %v]", cfg.EpsilonMin, cfg.EpsilonStart)
	}
	dim := box.Dim()
	low, high := box.Low(), box.High()
	if cfg.Low != nil || cfg.High != nil {
		if len(cfg.Low) != dim || len(cfg.High) != dim {
			return nil, fmt.Errorf("qlearn: Low/High have %d/%d values, the observation has %d", len(cfg.Low), len(cfg.High), dim)
		}
		low, high = append([]float64(nil), cfg.Low...), append([]float64(nil), cfg.High...)
	}
	for i := range low {
		if !(high[i]-low[i] > 0) || math.IsInf(high[i]-low[i], 0) || high[i]-low[i] > 1e30 {
			return nil, fmt.Errorf("qlearn: binning range of feature %d is [%v, %v]; set Config.Low/High to a finite range", i, low[i], high[i])
		}
	}
	states := 1
	for i := 0; i < dim; i++ {
		states *= cfg.Bins
		if states > maxStates {
			return nil, fmt.Errorf("qlearn: %d bins over %d features exceed %d states; use fewer bins or features", cfg.Bins, dim, maxStates)
		}
	}
	if d.N() > maxTable/states {
		return nil, fmt.Errorf("qlearn: %d states × %d actions exceed %d Q-values; use fewer bins, features or actions", states, d.N(), maxTable)
	}
	return &Agent{
		cfg: cfg, dim: dim, nActions: d.N(), low: low, high: high,
		q: make([]float64, states*d.N()), eps: cfg.EpsilonStart,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x9)), act: make([]float64, 1),
	}, nil
}

// NumStates is the number of discrete states, Bins^dim (0 for a zero Agent).
func (a *Agent) NumStates() int {
	if a.nActions == 0 {
		return 0
	}
	return len(a.q) / a.nActions
}

// Epsilon is the current exploration rate.
func (a *Agent) Epsilon() float64 { return a.eps }

// Q returns the Q-values of state s (a view into the table); s must be in
// [0, NumStates).
func (a *Agent) Q(s int) ([]float64, error) {
	if a.q == nil {
		return nil, errZero
	}
	if s < 0 || s >= a.NumStates() {
		return nil, fmt.Errorf("qlearn: state %d outside [0, %d)", s, a.NumStates())
	}
	return a.row(s), nil
}

func (a *Agent) row(s int) []float64 { return a.q[s*a.nActions : (s+1)*a.nActions] }

// State returns the discrete state, in [0, NumStates), of an observation of the
// agent's dimension. A NaN or infinite value is an error: it has no bin (values outside
// the binning range but finite go to the first or last bin).
func (a *Agent) State(obs []float64) (int, error) {
	if a.q == nil {
		return 0, errZero
	}
	if len(obs) != a.dim {
		return 0, fmt.Errorf("qlearn: observation has %d values, need %d", len(obs), a.dim)
	}
	for i, x := range obs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("qlearn: observation[%d] = %v, want a finite value", i, x)
		}
	}
	return a.state(obs), nil
}

// state is State for an observation of the right length.
func (a *Agent) state(obs []float64) int {
	s := 0
	b := a.cfg.Bins
	for i, x := range obs[:a.dim] {
		k := int(math.Floor((x - a.low[i]) / (a.high[i] - a.low[i]) * float64(b)))
		k = min(max(k, 0), b-1)
		s = s*b + k
	}
	return s
}

func (a *Agent) greedy(s int) int {
	q := a.row(s)
	best := 0
	for j, v := range q {
		if v > q[best] {
			best = j
		}
	}
	return best
}

// Predict returns the greedy action for obs; the slice is owned by the agent and valid
// until the next call.
func (a *Agent) Predict(obs []float64) ([]float64, error) {
	s, err := a.State(obs)
	if err != nil {
		return nil, err
	}
	a.act[0] = float64(a.greedy(s))
	return a.act, nil
}

// Episode summarizes one training episode.
type Episode struct {
	// Index counts the agent's training episodes from 0, across Learn calls.
	Index int
	// Return is the undiscounted sum of the episode's rewards.
	Return float64
	// Length is the number of steps.
	Length int
	// Epsilon is the ε used during the episode.
	Epsilon float64
}

// Learn trains for the given number of episodes on e. The first call resets e with
// Config.Seed. It checks ctx between episodes and every 1024 steps within one, so an
// env without a time limit cannot keep it running after ctx is done. onEpisode, if not nil, is called after every episode; returning an
// error stops training and Learn returns it.
func (a *Agent) Learn(ctx context.Context, e env.Env, episodes int, onEpisode func(Episode) error) error {
	if a.q == nil {
		return errZero
	}
	if e == nil {
		return errors.New("qlearn: Learn: the env is nil")
	}
	if episodes < 1 {
		return fmt.Errorf("qlearn: episodes = %d, must be ≥ 1", episodes)
	}
	if e.ObservationSpace().Dim() != a.dim {
		return fmt.Errorf("qlearn: env observation dimension %d, agent has %d", e.ObservationSpace().Dim(), a.dim)
	}
	if d, ok := e.ActionSpace().(env.Discrete); !ok || d.N() != a.nActions {
		return fmt.Errorf("qlearn: env action space %v, agent needs Discrete(%d)", e.ActionSpace(), a.nActions)
	}
	for ep := 0; ep < episodes; ep++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		seed := env.Seed{}
		if a.episodes == 0 {
			seed = env.NewSeed(a.cfg.Seed)
		}
		obs, _, err := e.Reset(seed)
		if err != nil {
			return fmt.Errorf("qlearn: reset: %w", err)
		}
		s, err := a.State(obs)
		if err != nil {
			return fmt.Errorf("qlearn: episode %d reset: %w", a.episodes, err)
		}
		var ret float64
		n := 0
		for {
			if n > 0 && n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			act := a.greedy(s)
			if a.rng.Float64() < a.eps {
				act = a.rng.IntN(a.nActions)
			}
			a.act[0] = float64(act)
			r, err := e.Step(a.act)
			if err != nil {
				return fmt.Errorf("qlearn: step: %w", err)
			}
			s2, err := a.State(r.Obs)
			if err != nil {
				return fmt.Errorf("qlearn: episode %d step %d: %w", a.episodes, n, err)
			}
			if math.IsNaN(r.Reward) || math.IsInf(r.Reward, 0) {
				return fmt.Errorf("qlearn: episode %d step %d: reward = %v, want a finite value", a.episodes, n, r.Reward)
			}
			target := r.Reward
			if !r.Terminated {
				target += a.cfg.Gamma * a.q[s2*a.nActions+a.greedy(s2)] // max_a' Q(s', a')
			}
			q := &a.q[s*a.nActions+act]
			nq := *q + a.cfg.Alpha*(target-*q)
			if math.IsNaN(nq) || math.IsInf(nq, 0) {
				return fmt.Errorf("qlearn: episode %d step %d: Q-value overflows to %v (reward %v); scale the rewards down", a.episodes, n, nq, r.Reward)
			}
			*q = nq
			ret += r.Reward
			n++
			s = s2
			if r.Done() {
				break
			}
		}
		info := Episode{Index: a.episodes, Return: ret, Length: n, Epsilon: a.eps}
		a.episodes++
		a.eps = max(a.cfg.EpsilonMin, a.eps*a.cfg.EpsilonDecay)
		if onEpisode != nil {
			if err := onEpisode(info); err != nil {
				return err
			}
		}
	}
	return nil
}
