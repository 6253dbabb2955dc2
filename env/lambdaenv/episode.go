package lambdaenv

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/workload"
)

// Reset starts an episode: a profile, a load and a starting memory size (the profile's sweep
// choice or a rung of policy.MemoryLadder next to it) drawn from the environment's generator,
// and one interval run under the starting configuration, whose metrics make the first
// observation.
func (e *Env) Reset(seed env.Seed) ([]float64, env.Info, error) {
	if s, ok := seed.Value(); ok {
		e.rng = rand.New(rand.NewPCG(s, 0x1a3bda))
	}
	e.running = false
	e.prof = &e.profiles[e.rng.IntN(len(e.profiles))]
	series, err := e.cfg.Load(e.rng, e.cfg.EpisodeLen+1)
	if err != nil {
		return nil, nil, fmt.Errorf("lambdaenv: Config.Load: %w", err)
	}
	if series.Len() < e.cfg.EpisodeLen+1 {
		return nil, nil, fmt.Errorf("lambdaenv: Config.Load gave %d intervals, want at least %d", series.Len(), e.cfg.EpisodeLen+1)
	}
	e.scale = max(series.Total()/float64(series.Len()), 1e-3)
	start := e.prof.Config
	start.MemoryMB = e.prof.memoryMB
	if d := e.rng.IntN(4); d >= 2 { // half the episodes start a rung off the base
		start.MemoryMB = policy.StepMemory(start.MemoryMB, 2*d-5)
	}
	if err := e.newPlatform(series, start); err != nil {
		return nil, nil, err
	}
	e.fc = lambdatune.Forecasting{Horizon: e.cfg.Horizon, Refit: e.cfg.Refit, WarmUp: e.cfg.WarmUp}
	if e.cfg.Forecaster != nil {
		if e.fc.Forecaster, err = e.cfg.Forecaster(series, e.rng); err != nil {
			return nil, nil, fmt.Errorf("lambdaenv: Config.Forecaster: %w", err)
		}
	}
	if e.history, err = lambdatune.NewHistory(e.cfg.HistoryLen); err != nil {
		return nil, nil, err
	}
	e.enc.SLO, e.enc.BaseMemoryMB = e.prof.SLO, e.prof.memoryMB
	e.actions.Reset(e.prof.memoryMB)
	e.current, e.steps = start, 0
	if err := e.advance(); err != nil {
		return nil, nil, err
	}
	e.running = true
	return e.obs, nil, nil
}

// newPlatform builds the episode's simulator: the interval model, or the event model.
func (e *Env) newPlatform(series workload.Series, start lambdatune.Config) error {
	seed := e.rng.Uint64()
	e.episode = Episode{Profile: e.prof.Profile, MemoryMB: e.prof.memoryMB, MeanDuration: e.prof.mean, Series: series, Start: start, Seed: seed}
	load, err := lambdasim.NewLoad(series, seed)
	if err != nil {
		return fmt.Errorf("lambdaenv: %w", err)
	}
	opts := lambdasim.Options{Start: series.Start, Interval: series.Step, Seed: seed}
	dep := lambdasim.Deployment{Function: e.prof.Function, Config: start, Arrivals: load, SLO: e.prof.SLO}
	if e.cfg.Event {
		e.platform, err = lambdasim.New(opts, dep)
	} else {
		e.platform, err = lambdasim.NewInterval(opts, dep)
	}
	if err != nil {
		return fmt.Errorf("lambdaenv: %w", err)
	}
	return nil
}

// Step applies the action's configuration for the next Every intervals (mapped afresh for each),
// runs them and rewards them.
func (e *Env) Step(action []float64) (env.StepResult, error) {
	if !e.running {
		return env.StepResult{}, fmt.Errorf("lambdaenv: Step before Reset or after the episode ended")
	}
	if !e.actSpace.Contains(action) {
		return env.StepResult{}, fmt.Errorf("lambdaenv: action %v outside %v", action, e.actSpace)
	}
	var reward, cost, requests, violations float64
	for range e.cfg.Every {
		c, err := e.actions.Config(action, e.last)
		if err != nil {
			return env.StepResult{}, fmt.Errorf("lambdaenv: step %d: %w", e.steps, err)
		}
		if !c.Equal(e.current) {
			if err := e.platform.Apply(context.Background(), c); err != nil {
				return env.StepResult{}, fmt.Errorf("lambdaenv: step %d: apply %v: %w", e.steps, c, err)
			}
			e.current = c
		}
		if err := e.advance(); err != nil {
			return env.StepResult{}, err
		}
		e.steps++
		m := &e.last.History[len(e.last.History)-1]
		cost += m.Cost.Total()
		requests += float64(m.Invocations + m.Throttles)
		violations += float64(m.SLOMisses + m.Errors + m.Throttles)
		reward += e.cfg.Objective.Reward(*m, e.scale)
		if e.steps >= e.cfg.EpisodeLen {
			break
		}
	}
	e.info[InfoCost], e.info[InfoRequests], e.info[InfoViolations] = cost, requests, violations
	done := e.steps >= e.cfg.EpisodeLen
	e.running = !done
	return env.StepResult{Obs: e.obs, Reward: reward, Truncated: done, Info: e.info}, nil
}

// advance runs one interval, records it, forecasts and encodes the observation.
func (e *Env) advance() error {
	ctx := context.Background()
	m, err := e.platform.Next(ctx)
	if err != nil {
		return fmt.Errorf("lambdaenv: step %d: %w", e.steps, err)
	}
	e.history.Record(m)
	fc, err := e.fc.Forecast(ctx, e.history)
	if err != nil {
		return fmt.Errorf("lambdaenv: step %d: %w", e.steps, err)
	}
	e.last = e.history.Observation(e.current, fc)
	return e.enc.Encode(e.obs, e.last)
}
