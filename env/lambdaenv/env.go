// Package lambdaenv is the Lambda tuning environment: an env.Env in which an agent chooses a
// function's configuration every interval and is rewarded by lambdatune.Objective.
//
// It composes what the closed loop is made of: a platform (the interval model to train, the
// event-level model to evaluate), a workload drawn afresh each episode, a forecaster, the
// policy.Encoder that turns what a policy sees into the observation, the policy.ActionSet that
// turns the action into a configuration, and the Objective's reward. The observation is built by
// lambdatune.History and lambdatune.Forecasting, as in the lambdatune.Tuner, so a trained agent run
// as a policy.Agent in a Tuner sees exactly what it saw in training.
//
// The shipped agents decide once an hour (AgentConfig, Config.Every) and are trained with
// DefaultRecipe; README.md in this directory has what they learn, how they compare with the
// constant actions and the rules, and why per-minute decisions learn nothing better than a
// constant.
package lambdaenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/workload"
)

// Config configures the environment. The zero value of every field has the default its comment
// gives.
type Config struct {
	// Profiles are the functions an episode draws from, uniformly; nil means harness.Profiles().
	Profiles []harness.Profile
	// Load draws an episode's load; nil means RandomLoad. The series must have at least
	// EpisodeLen + 1 intervals.
	Load func(rng *rand.Rand, intervals int) (workload.Series, error)
	// Forecaster builds an episode's forecaster for its load; nil means none, and the observation
	// has no forecast features ("rl-only"). NoisyOracle is fast enough to train with.
	Forecaster func(s workload.Series, rng *rand.Rand) (lambdatune.Forecaster, error)
	// Refit and WarmUp are lambdatune.Forecasting's (0, 0: a forecaster that needs no fitting).
	Refit, WarmUp int
	// Horizon is the number of intervals forecast (default 3: the allocation delay).
	Horizon int
	// Actions builds the action set; nil means policy.NewHeadroom(policy.DefaultPredictive()).
	Actions func() (policy.ActionSet, error)
	// Objective gives the reward; the zero value means lambdatune.DefaultObjective().
	Objective lambdatune.Objective
	// EpisodeLen is the number of intervals in an episode (default 1,440: a day of minutes).
	EpisodeLen int
	// Every is the number of intervals an action stands for (default 1): the agent decides every
	// Every intervals, and in between its action is mapped afresh every interval (the ActionSet
	// sizes provisioned concurrency from each interval's forecast); a step's reward is the sum of
	// its intervals'. policy.Agent.SetEvery does the same in deployment.
	Every int
	// HistoryLen is the number of intervals the observation is built from (default 60).
	HistoryLen int
	// Event evaluates on the event-level simulator instead of the interval model.
	Event bool
	// Sweep is the Power Tuning sweep that sets each profile's base memory; the zero value means
	// harness.DefaultSweep().
	Sweep policy.PowerTuning
}

// Env is the tuning environment. Create it with New.
type Env struct {
	cfg      Config
	profiles []profile
	enc      policy.Encoder
	actions  policy.ActionSet
	obsSpace *env.Box
	actSpace env.MultiDiscrete
	rng      *rand.Rand

	// The episode.
	episode  Episode
	prof     *profile
	platform lambdatune.Platform
	history  *lambdatune.History
	fc       lambdatune.Forecasting
	current  lambdatune.Config
	last     lambdatune.Observation
	scale    float64
	steps    int
	running  bool
	obs      []float64
	info     env.Info
}

// profile is a harness profile with its sweep's memory size and mean duration.
type profile struct {
	harness.Profile
	memoryMB int
	mean     time.Duration
}

// Info keys of every step.
const (
	InfoCost       = "cost_usd"   // the interval's bill
	InfoRequests   = "requests"   // its requests
	InfoViolations = "violations" // its requests that violated the SLO
)

// New returns the environment for cfg.
func New(cfg Config) (*Env, error) {
	if err := defaults(&cfg); err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, rng: rand.New(rand.NewPCG(0, 0)), info: env.Info{InfoCost: 0, InfoRequests: 0, InfoViolations: 0}}
	for _, p := range cfg.Profiles {
		sw, err := harness.Sweep(context.Background(), cfg.Sweep, p)
		if err != nil {
			return nil, fmt.Errorf("lambdaenv: profile %s: %w", p.Name, err)
		}
		e.profiles = append(e.profiles, profile{Profile: p, memoryMB: sw.Best.MemoryMB,
			mean: time.Duration(sw.Best.AverageDuration * float64(time.Millisecond))})
	}
	var err error
	if e.actions, err = cfg.Actions(); err != nil {
		return nil, fmt.Errorf("lambdaenv: Config.Actions: %w", err)
	}
	e.enc = policy.Encoder{SLO: time.Second, BaseMemoryMB: 1024, Forecast: cfg.Forecaster != nil, Horizon: cfg.Horizon, KeepAlive: lambdasim.DefaultKeepAlive}
	if err := e.enc.Validate(); err != nil {
		return nil, fmt.Errorf("lambdaenv: %w", err)
	}
	if e.obsSpace, err = env.NewUniformBox(-5, 5, e.enc.Dim()); err != nil {
		return nil, err
	}
	if e.actSpace, err = env.NewMultiDiscrete(e.actions.NVec()); err != nil {
		return nil, err
	}
	e.obs = make([]float64, e.enc.Dim())
	return e, nil
}

func defaults(cfg *Config) error {
	if cfg.Profiles == nil {
		cfg.Profiles = harness.Profiles()
	}
	if len(cfg.Profiles) == 0 {
		return fmt.Errorf("lambdaenv: Config.Profiles is empty")
	}
	if cfg.Load == nil {
		cfg.Load = RandomLoad
	}
	if cfg.Horizon == 0 {
		cfg.Horizon = 3
	}
	if cfg.Actions == nil {
		cfg.Actions = func() (policy.ActionSet, error) { return policy.NewHeadroom(policy.DefaultPredictive()) }
	}
	if cfg.Objective == (lambdatune.Objective{}) {
		cfg.Objective = lambdatune.DefaultObjective()
	}
	if cfg.EpisodeLen == 0 {
		cfg.EpisodeLen = 1440
	}
	if cfg.Every == 0 {
		cfg.Every = 1
	}
	if cfg.HistoryLen == 0 {
		cfg.HistoryLen = 60
	}
	if cfg.Sweep.PowerValues == nil {
		cfg.Sweep = harness.DefaultSweep()
	}
	switch {
	case cfg.Horizon < 1 || cfg.Horizon > 60:
		return fmt.Errorf("lambdaenv: Config.Horizon = %d, want an integer in [1, 60]", cfg.Horizon)
	case cfg.EpisodeLen < 1 || cfg.EpisodeLen > 1<<24:
		return fmt.Errorf("lambdaenv: Config.EpisodeLen = %d, want an integer in [1, %d]", cfg.EpisodeLen, 1<<24)
	case cfg.Every < 1 || cfg.Every > cfg.EpisodeLen:
		return fmt.Errorf("lambdaenv: Config.Every = %d, want an integer in [1, EpisodeLen = %d]", cfg.Every, cfg.EpisodeLen)
	case cfg.HistoryLen < 1 || cfg.HistoryLen > lambdatune.MaxHistoryLen:
		return fmt.Errorf("lambdaenv: Config.HistoryLen = %d, want an integer in [1, %d]", cfg.HistoryLen, lambdatune.MaxHistoryLen)
	case cfg.Refit < 0 || cfg.WarmUp < 0 || cfg.WarmUp > cfg.HistoryLen:
		return fmt.Errorf("lambdaenv: Config.Refit, WarmUp = %d, %d, want >= 0 with WarmUp <= HistoryLen", cfg.Refit, cfg.WarmUp)
	}
	if err := cfg.Objective.Validate(); err != nil {
		return fmt.Errorf("lambdaenv: %w", err)
	}
	return nil
}

// ObservationSpace is a Box of the Encoder's features, bounded to [−5, 5].
func (e *Env) ObservationSpace() env.Space { return e.obsSpace }

// ActionSpace is the action set's MultiDiscrete space.
func (e *Env) ActionSpace() env.Space { return e.actSpace }

// Encoder returns the encoder of the current episode (its SLO and base memory are the episode's
// profile's): what a policy.Agent needs to act as the agent did in it.
func (e *Env) Encoder() policy.Encoder { return e.enc }

// Episode is what an episode was drawn: enough to replay it on another platform or through a
// lambdatune.Tuner.
type Episode struct {
	// Profile is the function, and MemoryMB and MeanDuration its sweep's choice and average.
	Profile      harness.Profile
	MemoryMB     int
	MeanDuration time.Duration
	// Series is the load, Start the starting configuration, Seed the simulator's and the arrivals'.
	Series workload.Series
	Start  lambdatune.Config
	Seed   uint64
}

// Episode returns the current episode.
func (e *Env) Episode() Episode { return e.episode }

// Observation returns what a policy sees now, as lambdatune.Observation (valid until the next step).
func (e *Env) Observation() lambdatune.Observation { return e.last }

// NoisyForecaster returns a Config.Forecaster that gives each episode a policy.NoisyOracle of its
// load with forecast error cv (the coefficient of variation of the multiplicative noise), seeded
// from the episode's generator: fast enough to train with, and as wrong as a real forecaster.
func NoisyForecaster(cv float64) func(workload.Series, *rand.Rand) (lambdatune.Forecaster, error) {
	return func(s workload.Series, rng *rand.Rand) (lambdatune.Forecaster, error) {
		return policy.NoisyOracle(s, cv, rng.Uint64())
	}
}
