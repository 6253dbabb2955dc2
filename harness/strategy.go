package harness

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/forecast"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/workload"
)

// Env is what a strategy is built for: one run of one profile on one workload with one seed.
type Env struct {
	// Profile is the function (its duration already scaled to a trace's, if any).
	Profile Profile
	// Workload is the load's name and generator; Series this run's load (the oracle's future).
	Workload Workload
	Series   workload.Series
	// Seed is the run's seed.
	Seed uint64
	// Sweep is the profile's Power Tuning sweep (Config.PowerTuning), run on the simulator.
	Sweep policy.PowerResult
}

// Setup is a strategy's policy and the Tuner settings it runs under.
type Setup struct {
	// Policy decides every interval.
	Policy lambdatune.Policy
	// Forecaster, Horizon, Refit and WarmUp are lambdatune.TunerConfig's.
	Forecaster             lambdatune.Forecaster
	Horizon, Refit, WarmUp int
}

// Strategy is a named way to build a Setup for a run.
type Strategy struct {
	// Name labels the strategy in reports.
	Name string
	// New builds the strategy for one run.
	New func(ctx context.Context, e Env) (Setup, error)
}

// StandardNames are the strategies Standard knows, in report order.
var StandardNames = []string{"static", "power-tuned", "target-tracking", "predictive", "original-rule", "random", "oracle"}

// Standard returns the named strategies of package policy, built the way the harness compares them:
//
//   - static: the profile's starting configuration;
//   - power-tuned: the sweep's memory size, statically;
//   - target-tracking: DefaultTargetTracking at the sweep's memory size;
//   - predictive: DefaultPredictive at the sweep's memory size, forecasting with forecast.NewAuto
//     (refit every hour on the last day, after an hour of warm-up) three intervals ahead, which
//     covers the 1–2 minute allocation delay;
//   - original-rule: the original project's rule on the same forecaster, one interval ahead;
//   - random: a random one of the original's 36 configurations every minute, seeded by the run;
//   - oracle: predictive fed the workload's true future.
//
// No names means all of them.
func Standard(names ...string) ([]Strategy, error) {
	if len(names) == 0 {
		names = StandardNames
	}
	out := make([]Strategy, 0, len(names))
	for _, n := range names {
		s, ok := standard[n]
		if !ok {
			return nil, fmt.Errorf("harness: unknown strategy %q, want one of %s", n, strings.Join(StandardNames, ", "))
		}
		out = append(out, Strategy{Name: n, New: s})
	}
	return out, nil
}

var standard = map[string]func(context.Context, Env) (Setup, error){
	"static": func(_ context.Context, e Env) (Setup, error) {
		return Setup{Policy: lambdatune.Fixed(e.Profile.Config)}, nil
	},
	"power-tuned": func(_ context.Context, e Env) (Setup, error) {
		return Setup{Policy: policy.PowerTuned(e.Profile.Config, e.Sweep)}, nil
	},
	"target-tracking": func(_ context.Context, e Env) (Setup, error) {
		tt := policy.DefaultTargetTracking()
		tt.MemoryMB = e.Sweep.Best.MemoryMB
		p, err := policy.NewTargetTracking(tt)
		return Setup{Policy: p}, err
	},
	"predictive": func(_ context.Context, e Env) (Setup, error) {
		p, err := policy.NewPredictive(predictiveFor(e))
		return Setup{Policy: p, Forecaster: forecast.NewAuto(), Horizon: 3, Refit: 60, WarmUp: 60}, err
	},
	"oracle": func(_ context.Context, e Env) (Setup, error) {
		p, err := policy.NewPredictive(predictiveFor(e))
		return Setup{Policy: p, Forecaster: policy.Oracle(e.Series), Horizon: 3}, err
	},
	"original-rule": func(_ context.Context, e Env) (Setup, error) {
		return Setup{Policy: policy.OriginalRule(), Forecaster: forecast.NewAuto(), Horizon: 1, Refit: 60, WarmUp: 60}, nil
	},
	"random": func(_ context.Context, e Env) (Setup, error) {
		choices := make([]lambdatune.Config, policy.OriginalActions)
		for a := range choices {
			c, err := policy.OriginalConfig(a, e.Profile.Config)
			if err != nil {
				return Setup{}, err
			}
			choices[a] = c
		}
		p, err := policy.Random(choices, e.Seed)
		return Setup{Policy: p}, err
	},
}

// Agent returns a trained agent's strategy: a policy.Agent over the Headroom action set (on top of
// policy.DefaultPredictive) with the Encoder of the tuning environment (env/lambdaenv), its SLO and
// base memory the run's profile's and sweep's, choosing a new action every interval (an agent
// trained with lambdaenv.Config.Every 1; AgentEvery for others, such as the shipped ones). With
// withForecast it is "hybrid" (forecast features, forecast.NewAuto refit hourly as for predictive,
// three intervals ahead), without it "rl-only". newPredictor is called once per run (runs go in
// parallel; a model is not safe for concurrent use): see A2C.
func Agent(name string, newPredictor func() (policy.Predictor, error), withForecast bool) Strategy {
	return AgentEvery(name, newPredictor, withForecast, 1)
}

// AgentEvery is Agent choosing a new action every `every` intervals and mapping the one in force
// in between, as an agent trained with lambdaenv.Config.Every = every must run: the shipped agents
// (lambdaenv.AgentConfig, AgentsFromDir) with policy.DefaultEvery.
func AgentEvery(name string, newPredictor func() (policy.Predictor, error), withForecast bool, every int) Strategy {
	return Strategy{Name: name, New: func(_ context.Context, e Env) (Setup, error) {
		pred, err := newPredictor()
		if err != nil {
			return Setup{}, err
		}
		hr, err := policy.NewHeadroom(policy.DefaultPredictive())
		if err != nil {
			return Setup{}, err
		}
		enc := policy.Encoder{SLO: e.Profile.SLO, BaseMemoryMB: e.Sweep.Best.MemoryMB, Forecast: withForecast, Horizon: 3, KeepAlive: lambdasim.DefaultKeepAlive}
		a, err := policy.NewAgent(pred, enc, hr)
		if err != nil {
			return Setup{}, err
		}
		if err := a.SetEvery(every); err != nil {
			return Setup{}, err
		}
		if !withForecast {
			return Setup{Policy: a}, nil
		}
		return Setup{Policy: a, Forecaster: forecast.NewAuto(), Horizon: 3, Refit: 60, WarmUp: 60}, nil
	}}
}

// A2C returns a predictor factory for Agent: a clone of m per run, acting deterministically.
func A2C(m *a2c.Model) func() (policy.Predictor, error) {
	return func() (policy.Predictor, error) {
		c, err := m.Clone()
		if err != nil {
			return nil, err
		}
		return policy.PredictorFunc(func(obs []float64) ([]float64, error) { return c.Predict(obs, true) }), nil
	}
}

// predictiveFor is DefaultPredictive at the sweep's memory size and mean duration.
func predictiveFor(e Env) policy.Predictive {
	p := policy.DefaultPredictive()
	p.MemoryMB = e.Sweep.Best.MemoryMB
	p.MeanDuration = time.Duration(e.Sweep.Best.AverageDuration * float64(time.Millisecond))
	return p
}

// DefaultSweep is the Power Tuning sweep the harness runs for the strategies that use one: Power
// Tuning's defaults with the balanced strategy (weight 0.5), what a team with a latency SLO runs
// (the cost strategy would pick 128 MB for a CPU-bound function and miss every SLO).
func DefaultSweep() policy.PowerTuning {
	p := policy.DefaultPowerTuning()
	p.Strategy = policy.PowerBalanced
	return p
}

// Sweep runs the Power Tuning sweep for a profile on the simulator, with a fixed seed: every run of the profile
// gets the same memory size, as a team runs Power Tuning once. The sweep runs with Lambda's longest
// timeout, as a team sweeping a slow function sets it, so that the smallest sizes do not time out.
func Sweep(ctx context.Context, pt policy.PowerTuning, p Profile) (policy.PowerResult, error) {
	cfg := p.Config
	cfg.Timeout = lambdatune.MaxTimeout
	inv := lambdasim.Invoker{Function: p.Function, Config: cfg, Seed: 1}
	r, err := pt.Run(ctx, inv)
	if err != nil {
		return policy.PowerResult{}, fmt.Errorf("harness: profile %s: %w", p.Name, err)
	}
	return r, nil
}

// ModelFiles are the file names AgentsFromDir looks for, and the strategy each becomes.
var ModelFiles = []struct{ File, Strategy string }{{"rl-only.json", "rl-only"}, {"hybrid.json", "hybrid"}}

// AgentsFromDir returns the agent strategies whose trained models (rl/a2c's format) are in dir:
// "rl-only" from rl-only.json (no forecast features) and "hybrid" from hybrid.json, each deciding
// every policy.DefaultEvery intervals as lambdaenv.AgentConfig trains them to. A missing file
// is skipped; one that does not load is an error. The models shipped with lambdatune are in
// testdata/models (see its README for the commands that trained them).
func AgentsFromDir(dir string) ([]Strategy, error) {
	var out []Strategy
	for _, f := range ModelFiles {
		path := filepath.Join(dir, f.File)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		m, err := a2c.LoadFile(path)
		if err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
		out = append(out, AgentEvery(f.Strategy, A2C(m), f.Strategy == "hybrid", policy.DefaultEvery))
	}
	return out, nil
}
