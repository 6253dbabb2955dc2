package a2c

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/lambdatune/lambdatune/env"
)

// Logger returns a callback that writes one progress line every `every` updates (SB3's
// A2C logs every 100) with the keys of SB3's logger: timesteps, steps per second
// (time/fps), mean episode return and length over the last 100 episodes
// (rollout/ep_rew_mean, rollout/ep_len_mean) and the losses of the update.
func Logger(w io.Writer, every int) Callback {
	if every < 1 {
		every = 1
	}
	return CallbackFunc(func(p *Progress) error {
		if p.Iteration%int64(every) != 0 && p.Timesteps < p.TotalTimesteps {
			return nil
		}
		_, err := fmt.Fprintf(w, "steps=%-9d fps=%-7.0f ep_rew_mean=%-8.2f ep_len_mean=%-8.1f policy_loss=%-9.4g value_loss=%-9.4g entropy_loss=%-8.4f explained_var=%-7.3f lr=%.3g\n",
			p.Timesteps, p.StepsPerSecond, p.MeanReturn, p.MeanLength, p.PolicyLoss, p.ValueLoss, p.EntropyLoss, p.ExplainedVariance, p.LearningRate)
		if err != nil {
			return fmt.Errorf("writing progress: %w", err)
		}
		return nil
	})
}

// StopOnMeanReturn stops training once the mean return of the last 100 training
// episodes reaches threshold (and at least 100 episodes have finished).
func StopOnMeanReturn(threshold float64) Callback {
	return CallbackFunc(func(p *Progress) error {
		if p.Model.ro != nil && p.Model.ro.winN >= episodeWindow && p.MeanReturn >= threshold {
			return ErrStop
		}
		return nil
	})
}

// EvalResult is one evaluation by an [Eval] callback.
type EvalResult struct {
	// Timesteps is the model's NumTimesteps at the evaluation.
	Timesteps int64
	// MeanReturn and Std are the mean and (population) standard deviation of the
	// episodes' returns.
	MeanReturn, Std float64
	// MeanLength is the mean episode length.
	MeanLength float64
}

// Eval is a callback that evaluates the model on its own environment every
// EveryTimesteps steps, like SB3's EvalCallback. Env must be a raw (not normalized)
// environment: the model applies its own observation normalization.
type Eval struct {
	// Env is the evaluation environment.
	Env env.Env
	// EveryTimesteps is the evaluation period in environment steps (≥ 1).
	EveryTimesteps int64
	// Episodes per evaluation; 0 means 5 (SB3's n_eval_episodes).
	Episodes int
	// Stochastic evaluates the stochastic policy instead of the deterministic one.
	Stochastic bool
	// Seed seeds the evaluation env at each evaluation (so evaluations are comparable).
	Seed uint64
	// StopAtReturn, if not NaN and not 0, stops training once an evaluation's mean
	// return reaches it (SB3's StopTrainingOnRewardThreshold).
	StopAtReturn float64
	// BestModelPath, if set, is where the best model so far is saved.
	BestModelPath string
	// Log, if set, receives one line per evaluation.
	Log io.Writer

	// Results holds every evaluation so far.
	Results []EvalResult
	// Best is the best mean return so far.
	Best float64

	next period
}

// OnUpdate evaluates when due.
func (e *Eval) OnUpdate(p *Progress) error {
	if e.Env == nil || e.EveryTimesteps < 1 {
		return fmt.Errorf("eval callback needs an Env and EveryTimesteps ≥ 1 (got %d)", e.EveryTimesteps)
	}
	if e.next.unset() && len(e.Results) == 0 {
		e.Best = math.Inf(-1)
	}
	if !e.next.due(p.Timesteps, e.EveryTimesteps) {
		return nil
	}
	eps := e.Episodes
	if eps == 0 {
		eps = 5
	}
	ctx := p.Context
	if ctx == nil {
		ctx = context.Background()
	}
	rets, lens, err := Evaluate(ctx, p.Model, e.Env, eps, !e.Stochastic, e.Seed)
	if err != nil {
		return err
	}
	mean, std := meanStd(rets)
	ml, _ := meanStd(lens)
	e.Results = append(e.Results, EvalResult{Timesteps: p.Timesteps, MeanReturn: mean, Std: std, MeanLength: ml})
	if e.Log != nil {
		if _, err := fmt.Fprintf(e.Log, "eval steps=%d mean_return=%.2f ± %.2f mean_length=%.1f\n", p.Timesteps, mean, std, ml); err != nil {
			return fmt.Errorf("writing evaluation: %w", err)
		}
	}
	if mean > e.Best {
		e.Best = mean
		if e.BestModelPath != "" {
			if err := p.Model.SaveFile(e.BestModelPath); err != nil {
				return err
			}
		}
	}
	if e.StopAtReturn != 0 && !math.IsNaN(e.StopAtReturn) && mean >= e.StopAtReturn {
		return ErrStop
	}
	return nil
}

// Checkpoint is a callback that saves the model every EveryTimesteps steps to
// Dir/<Prefix>_<timesteps>_steps.json, like SB3's CheckpointCallback.
type Checkpoint struct {
	// Dir is created if needed.
	Dir string
	// Prefix of the file names; empty means "a2c".
	Prefix string
	// EveryTimesteps is the period in environment steps (≥ 1).
	EveryTimesteps int64
	next           period
}

// OnUpdate saves when due.
func (c *Checkpoint) OnUpdate(p *Progress) error {
	if c.EveryTimesteps < 1 {
		return fmt.Errorf("checkpoint EveryTimesteps = %d, must be ≥ 1", c.EveryTimesteps)
	}
	if !c.next.due(p.Timesteps, c.EveryTimesteps) {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	prefix := c.Prefix
	if prefix == "" {
		prefix = "a2c"
	}
	return p.Model.SaveFile(filepath.Join(c.Dir, fmt.Sprintf("%s_%d_steps.json", prefix, p.Timesteps)))
}

// period schedules a callback every `every` timesteps: it is due the first time the
// timestep count reaches each multiple of every after the first call, once even if a
// long update passes several multiples.
type period struct{ next int64 }

// unset reports whether due has not been called yet.
func (q *period) unset() bool { return q.next == 0 }

// due reports whether a multiple of every was reached since the previous call; the
// first call only sets the schedule.
func (q *period) due(timesteps, every int64) bool {
	if q.next == 0 {
		q.next = timesteps - timesteps%every + every
		return false
	}
	if timesteps < q.next {
		return false
	}
	for q.next <= timesteps {
		q.next += every
	}
	return true
}

// Evaluate runs the model for the given number of episodes on e (SB3's
// evaluate_policy) and returns each episode's return and length. The env is reseeded
// with seed once, at the first reset. Stochastic evaluation uses the model's random
// generator.
func Evaluate(ctx context.Context, m *Model, e env.Env, episodes int, deterministic bool, seed uint64) (returns, lengths []float64, err error) {
	if m == nil || m.pi == nil || e == nil {
		return nil, nil, fmt.Errorf("a2c: Evaluate needs a model from New, Load or ImportSB3 and an env")
	}
	if episodes < 1 {
		return nil, nil, fmt.Errorf("a2c: Evaluate episodes = %d, must be ≥ 1", episodes)
	}
	s := env.NewSeed(seed)
	for ep := 0; ep < episodes; ep++ {
		obs, _, err := e.Reset(s)
		if err != nil {
			return nil, nil, fmt.Errorf("a2c: evaluate: reset: %w", err)
		}
		s = env.Seed{}
		var ret float64
		n := 0
		for {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, nil, err
				}
			}
			act, err := m.Predict(obs, deterministic)
			if err != nil {
				return nil, nil, err
			}
			r, err := e.Step(act)
			if err != nil {
				return nil, nil, fmt.Errorf("a2c: evaluate: step: %w", err)
			}
			ret += r.Reward
			n++
			obs = r.Obs
			if r.Done() {
				break
			}
		}
		returns = append(returns, ret)
		lengths = append(lengths, float64(n))
	}
	return returns, lengths, nil
}

func meanStd(x []float64) (mean, std float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}
