package lambdaenv

import (
	"context"
	"fmt"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// A2CConfig is the A2C configuration the tuning environment's agents are trained with:
// Stable-Baselines3's defaults (lr 7e-4, n_steps 5, gamma 0.99, RMSprop, 64-64 tanh networks)
// with an entropy bonus of 0.01, which keeps the policy exploring the headroom levels long enough
// to find where provisioning pays (with SB3's 0 it settles on holding within a few hundred
// thousand steps).
func A2CConfig(seed uint64) a2c.Config {
	c := a2c.DefaultConfig()
	c.EntCoef = 0.01
	c.Seed = seed
	return c
}

// Train trains an A2C agent on n copies of the environment cfg describes (stepped on workers
// goroutines; 1 steps them on the caller's) for steps environment steps, with rewards normalized by
// their running return's scale (SB3's VecNormalize with norm_obs=False: the observation is scaled
// already). The same seed, configuration and worker count give the same model.
func Train(ctx context.Context, cfg Config, ac a2c.Config, n, workers int, steps int64, callbacks ...a2c.Callback) (*a2c.Model, error) {
	if n < 1 || workers < 1 {
		return nil, fmt.Errorf("lambdaenv: Train: %d environments on %d workers, want both >= 1", n, workers)
	}
	venv, err := env.NewVec(n, func(int) (env.Env, error) { return New(cfg) }, env.WithWorkers(workers))
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	defer venv.Close()
	norm, err := env.NewVecNormalize(venv, env.VecNormalizeConfig{DisableObs: true, Gamma: ac.Gamma})
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	m, err := a2c.New(norm.ObservationSpace(), norm.ActionSpace(), ac)
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	if err := m.Learn(ctx, norm, steps, callbacks...); err != nil {
		return nil, fmt.Errorf("lambdaenv: Train: %w", err)
	}
	return m, nil
}
