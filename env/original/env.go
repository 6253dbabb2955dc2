package original

import (
	"errors"
	"fmt"
	"math"

	"github.com/lambdatune/lambdatune/env"
)

// Keys of the Info that Step returns. The first eight are the original's CSV columns, with the
// values its logs store.
const (
	// InfoStep is the index of the step just taken, from 0.
	InfoStep = "step"
	// InfoForecast is the forecast value of the step (not normalized).
	InfoForecast = "forecast"
	// InfoMemory, InfoTimeout and InfoConcurrency describe the action taken (MB, s, units).
	InfoMemory      = "memory"
	InfoTimeout     = "timeout"
	InfoConcurrency = "concurrency"
	// InfoLatency is the latency as the original's logs store it (Outcome.LoggedLatency).
	InfoLatency = "latency"
	// InfoCost is the cost as the original's logs store it, capped at 0.1 USD
	// (Outcome.LoggedCost).
	InfoCost = "cost"
	// InfoSLAViolated is 1 if the step violated the SLA, else 0.
	InfoSLAViolated = "sla_violated"
	// InfoLatencyMS and InfoCostUSD are the formulas' own latency and cost, unrounded and
	// uncapped.
	InfoLatencyMS = "latency_ms"
	InfoCostUSD   = "cost_usd"
)

// Errors returned (wrapped) by Step.
var (
	// ErrNotReset is returned by Step before the first Reset.
	ErrNotReset = errors.New("Step called before Reset")
	// ErrEpisodeOver is returned by Step after the last step of the series; call Reset.
	ErrEpisodeOver = errors.New("Step called after the episode ended; call Reset")
)

// Config configures an Env.
type Config struct {
	// Forecast is the series an episode passes over, one step per value: the original used its
	// XGBoost forecast of its synthetic workload (the forecast column of its logs). It needs at
	// least one value; values must be finite and ≥ 0, with a positive maximum. It is copied.
	Forecast []float64
}

// Env is the original project's environment (see the package documentation). Create it with
// New; call Reset before Step. An Env is not safe for concurrent use.
type Env struct {
	forecast []float64
	max      float64
	obsSpace *env.Box
	actSpace env.Discrete

	obs     []float64
	info    env.Info
	last    Outcome
	t       int // next step
	started bool
}

var _ env.Env = (*Env)(nil)

// New returns the environment for cfg.
func New(cfg Config) (*Env, error) {
	if len(cfg.Forecast) == 0 {
		return nil, errors.New("original: Config.Forecast is empty: want at least one value")
	}
	peak := 0.0
	for i, v := range cfg.Forecast {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("original: Config.Forecast[%d] = %v: want a finite value ≥ 0", i, v)
		}
		peak = max(peak, v)
	}
	if peak == 0 {
		return nil, errors.New("original: Config.Forecast is all zeros: want a positive maximum to normalize by")
	}
	obs, err := env.NewUniformBox(0, 1, 3)
	if err != nil {
		return nil, fmt.Errorf("original: %w", err)
	}
	act, err := env.NewDiscrete(NumActions)
	if err != nil {
		return nil, fmt.Errorf("original: %w", err)
	}
	e := &Env{
		forecast: append([]float64(nil), cfg.Forecast...),
		max:      peak,
		obsSpace: obs,
		actSpace: act,
		obs:      make([]float64, 3),
		info:     make(env.Info, 10),
	}
	return e, nil
}

// ObservationSpace returns Box(0, 1, [3]): [f, latency/300, cost/0.1].
func (e *Env) ObservationSpace() env.Space { return e.obsSpace }

// ActionSpace returns Discrete(36).
func (e *Env) ActionSpace() env.Space { return e.actSpace }

// Len is the number of steps in an episode, the length of the forecast series.
func (e *Env) Len() int { return len(e.forecast) }

// Last returns the outcome of the last step and false if no step was taken since Reset.
func (e *Env) Last() (Outcome, bool) {
	return e.last, e.started && e.t > 0
}

// Reset starts the episode at the first value of the series and returns [f₀, 0, 0]. The env
// is deterministic: the seed is accepted and ignored.
func (e *Env) Reset(env.Seed) ([]float64, env.Info, error) {
	e.t, e.started, e.last = 0, true, Outcome{}
	e.obs[0] = float64(float32(e.forecast[0] / e.max))
	e.obs[1], e.obs[2] = 0, 0
	return e.obs, nil, nil
}

// Step takes action [a], a in [0, 36), for the current step of the series. The observation
// holds the next step's normalized forecast and this step's latency and cost; the episode
// terminates after the last step.
func (e *Env) Step(action []float64) (env.StepResult, error) {
	if !e.started {
		return env.StepResult{}, fmt.Errorf("original: %w", ErrNotReset)
	}
	if e.t >= len(e.forecast) {
		return env.StepResult{}, fmt.Errorf("original: %w", ErrEpisodeOver)
	}
	if !e.actSpace.Contains(action) {
		return env.StepResult{}, fmt.Errorf("original: action %v: %w: want one integer in [0, %d)", action, ErrInvalidAction, NumActions)
	}
	a, err := Decode(int(action[0]))
	if err != nil {
		return env.StepResult{}, err
	}
	t := e.t
	o := Evaluate(e.forecast[t]/e.max, a)
	e.last = o
	e.t++
	next := min(e.t, len(e.forecast)-1)
	e.obs[0] = float64(float32(e.forecast[next] / e.max))
	e.obs[1], e.obs[2] = o.LatencyObs(), o.CostObs()
	e.writeInfo(t, a, o)
	done := e.t == len(e.forecast)
	return env.StepResult{Obs: e.obs, Reward: o.Reward, Terminated: done, Info: e.info}, nil
}

func (e *Env) writeInfo(t int, a Action, o Outcome) {
	e.info[InfoStep] = float64(t)
	e.info[InfoForecast] = e.forecast[t]
	e.info[InfoMemory] = float64(a.MemoryMB)
	e.info[InfoTimeout] = float64(a.TimeoutS)
	e.info[InfoConcurrency] = float64(a.Concurrency)
	e.info[InfoLatency] = o.LoggedLatency()
	e.info[InfoCost] = o.LoggedCost()
	e.info[InfoSLAViolated] = 0
	if o.SLAViolated {
		e.info[InfoSLAViolated] = 1
	}
	e.info[InfoLatencyMS] = o.LatencyMS
	e.info[InfoCostUSD] = o.CostUSD
}
