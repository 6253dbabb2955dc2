package lambdaenv

import (
	"context"
	"fmt"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// AgentConfig is the environment the shipped agents are trained in: the defaults (every profile,
// RandomLoad, the Headroom action set), an action every policy.DefaultEvery intervals, and with
// forecast ("hybrid") a NoisyForecaster with 10 % error, without it none ("rl-only").
//
// Why an action an hour: provisioned concurrency and memory have switching costs (a provisioned
// environment is billed for at least its 5-minute increment, a new memory size sends every request
// to cold environments), so an agent that explores a new action every minute mostly measures what
// its own exploration costs; trained that way, A2C settles on a constant action whatever its
// hyperparameters. Deciding hourly, with the predictive sizing turning the chosen level into a
// count every minute, its exploration costs little, each decision's reward sums an hour (less
// noise), and a discount of 0.7 per hour still covers what a decision changes.
func AgentConfig(forecast bool) Config {
	c := Config{Every: policy.DefaultEvery}
	if forecast {
		c.Forecaster = NoisyForecaster(0.1)
	}
	return c
}

// A2CConfig is the A2C configuration the shipped agents are trained with (see AgentConfig and
// DefaultRecipe): Stable-Baselines3's defaults (lr 7e-4, RMSprop, 64-64 tanh networks) with a
// discount of 0.7 per decision (an hour), GAE λ 0.9, 4-step rollouts and an entropy bonus of 0.003.
func A2CConfig(seed uint64) a2c.Config {
	c := a2c.DefaultConfig()
	c.Gamma = 0.7
	c.GAELambda = 0.9
	c.NSteps = 4
	c.EntCoef = 0.003
	c.Seed = seed
	return c
}

// MinuteA2CConfig is the configuration agents deciding every interval (Config.Every 1) were trained
// with before AgentConfig's hourly decisions: Stable-Baselines3's defaults (lr 7e-4, n_steps 5,
// gamma 0.99, RMSprop, 64-64 tanh networks) with an entropy bonus of 0.01. README.md measures it:
// per-minute, it and every variation tried end at or below the best constant action. The examples
// that study per-minute learners (algorithms, hyperparams, tradeoff) start from it; their agents run
// with harness.Agent (an action every interval).
func MinuteA2CConfig(seed uint64) a2c.Config {
	c := a2c.DefaultConfig()
	c.EntCoef = 0.01
	c.Seed = seed
	return c
}

// Recipe is how an agent is trained on the tuning environment.
type Recipe struct {
	// A2C is the learner's configuration.
	A2C a2c.Config
	// Envs is the number of environments each update's rollout is collected from.
	Envs int
	// Steps is the number of environment steps (decisions) to train for.
	Steps int64
	// NormalizeObs normalizes observations with running statistics (SB3's VecNormalize
	// norm_obs), which the model then carries and applies in Predict. The encoder's features are
	// scaled already, and the shipped recipe leaves it off.
	NormalizeObs bool
	// Prior is the action the untrained policy favours, one index per dimension of the action
	// space (nil: none, the policy starts uniform), and PriorLogit what is added to each of its
	// components' logits (the action network's bias) before training.
	Prior      []int
	PriorLogit float64
}

// DefaultRecipe is the recipe of the shipped models, for AgentConfig's environment: A2CConfig,
// 16 environments and a million decisions (60 million one-minute intervals: about three minutes on
// two cores).
func DefaultRecipe(seed uint64) Recipe {
	return Recipe{A2C: A2CConfig(seed), Envs: 16, Steps: 1_000_000}
}

// Validate reports an error naming the field when the recipe cannot train.
func (r Recipe) Validate() error {
	switch {
	case r.Envs < 1 || r.Envs > 1<<12:
		return fmt.Errorf("lambdaenv: Recipe.Envs = %d, want an integer in [1, %d]", r.Envs, 1<<12)
	case r.Steps < 1:
		return fmt.Errorf("lambdaenv: Recipe.Steps = %d, want >= 1", r.Steps)
	}
	if err := r.A2C.Validate(); err != nil {
		return fmt.Errorf("lambdaenv: Recipe.A2C: %w", err)
	}
	return nil
}

// Train trains an A2C agent on r.Envs copies of the environment cfg describes (stepped on workers
// goroutines; 1 steps them on the caller's) for r.Steps environment steps, with rewards normalized
// by their running return's scale (SB3's VecNormalize) and observations too with NormalizeObs.
// The same recipe (seed included), configuration and worker count give the same model.
func Train(ctx context.Context, cfg Config, r Recipe, workers int, callbacks ...a2c.Callback) (*a2c.Model, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if workers < 1 {
		return nil, fmt.Errorf("lambdaenv: Train: workers = %d, want >= 1", workers)
	}
	venv, err := env.NewVec(r.Envs, func(int) (env.Env, error) { return New(cfg) }, env.WithWorkers(workers))
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	defer venv.Close()
	norm, err := env.NewVecNormalize(venv, env.VecNormalizeConfig{DisableObs: !r.NormalizeObs, Gamma: r.A2C.Gamma})
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	m, err := a2c.New(norm.ObservationSpace(), norm.ActionSpace(), r.A2C)
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	if err := setPrior(m, norm.ActionSpace(), r.Prior, r.PriorLogit); err != nil {
		return nil, err
	}
	if err := m.Learn(ctx, norm, r.Steps, callbacks...); err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	return m, nil
}

// setPrior adds logit to the action network's bias of each component of prior.
func setPrior(m *a2c.Model, space env.Space, prior []int, logit float64) error {
	if prior == nil {
		return nil
	}
	md, ok := space.(env.MultiDiscrete)
	if !ok {
		return fmt.Errorf("lambdaenv: Recipe.Prior needs a MultiDiscrete action space, have %v", space)
	}
	nvec := md.Nvec()
	if len(prior) != len(nvec) {
		return fmt.Errorf("lambdaenv: Recipe.Prior = %v, want %d indices", prior, len(nvec))
	}
	for d, k := range nvec {
		if prior[d] < 0 || prior[d] >= k {
			return fmt.Errorf("lambdaenv: Recipe.Prior[%d] = %d, want an integer in [0, %d)", d, prior[d], k)
		}
	}
	for _, t := range m.StateDict() {
		if t.Name != "action_net.bias" {
			continue
		}
		off := 0
		for d, k := range nvec {
			t.Data[off+prior[d]] += logit
			off += k
		}
	}
	return nil
}
