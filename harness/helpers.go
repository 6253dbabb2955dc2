package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// Play runs act on e for the given number of episodes, the first Reset seeded with seed and the
// next ones continuing its stream, so that every policy played with the same seed meets the same
// episodes (held-out episodes, when seed is not one training used). It returns each episode's
// undiscounted return and, for each of keys, the sum of that Info value over the episode's steps
// (sums[i][k] for episode i and keys[k]): the tuning environment's (env/lambdaenv) InfoCost,
// InfoRequests and InfoViolations give an episode's lambdatune.Score.
func Play(e env.Env, act func(obs []float64) ([]float64, error), episodes int, seed uint64, keys ...string) (returns []float64, sums [][]float64, err error) {
	if episodes < 1 {
		return nil, nil, fmt.Errorf("harness: Play: %d episodes, want >= 1", episodes)
	}
	s := env.NewSeed(seed)
	for range episodes {
		obs, _, err := e.Reset(s)
		if err != nil {
			return nil, nil, fmt.Errorf("harness: Play: %w", err)
		}
		s = env.Seed{}
		ret, sum := 0.0, make([]float64, len(keys))
		for {
			a, err := act(obs)
			if err != nil {
				return nil, nil, fmt.Errorf("harness: Play: %w", err)
			}
			r, err := e.Step(a)
			if err != nil {
				return nil, nil, fmt.Errorf("harness: Play: %w", err)
			}
			ret += r.Reward
			for k, key := range keys {
				sum[k] += r.Info[key]
			}
			if r.Done() {
				break
			}
			obs = r.Obs
		}
		returns, sums = append(returns, ret), append(sums, sum)
	}
	return returns, sums, nil
}

// Agents returns a strategy that runs one trained agent per training seed (see AgentEvery; every
// is the decision period the agents were trained with, 1 for every interval): the run with seed s
// uses newPredictors[s mod n], so that the spread over seeds holds the spread over training seeds
// as well as over simulated loads.
func Agents(name string, withForecast bool, every int, newPredictors ...func() (policy.Predictor, error)) Strategy {
	return Strategy{Name: name, New: func(ctx context.Context, e Env) (Setup, error) {
		if len(newPredictors) == 0 {
			return Setup{}, errors.New("harness: Agents: no predictors")
		}
		f := newPredictors[e.Seed%uint64(len(newPredictors))]
		return AgentEvery(name, f, withForecast, every).New(ctx, e)
	}}
}

// StatOf returns the mean and sample standard deviation of xs (0 for fewer than two).
func StatOf(xs []float64) Stat { return stat(xs) }

// Parallel calls f(ctx, i) for every i in [0, n) on workers goroutines (0 means GOMAXPROCS), in order
// of i, and returns the first error; the ctx f gets is cancelled once one call has failed, and calls
// not yet started are skipped.
func Parallel(ctx context.Context, workers, n int, f func(ctx context.Context, i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}

// Progress prints on one line how many of a known total of training steps parallel runs have
// taken, at most twice a second: the progress line the training programs share.
type Progress struct {
	w     io.Writer
	label string
	total int64

	mu          sync.Mutex
	done        int64
	start, last time.Time
}

// NewProgress returns a progress line for total steps, written to w (io.Discard for none).
func NewProgress(w io.Writer, label string, total int64) *Progress {
	return &Progress{w: w, label: label, total: total, start: time.Now()}
}

// Add counts n more steps; it is safe for concurrent use.
func (p *Progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if time.Since(p.last) > 500*time.Millisecond {
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r%s: %d/%d steps, %.0f steps/s   ", p.label, p.done, p.total, float64(p.done)/time.Since(p.start).Seconds())
	}
}

// A2C returns a callback that counts one A2C run's steps: one callback per run.
func (p *Progress) A2C() a2c.Callback {
	var prev int64
	return a2c.CallbackFunc(func(pr *a2c.Progress) error {
		p.Add(pr.Timesteps - prev)
		prev = pr.Timesteps
		return nil
	})
}

// Done ends the line with the steps taken and the time it took.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r%s: %d steps in %v, %.0f steps/s%30s\n", p.label, p.done, time.Since(p.start).Round(time.Second),
		float64(p.done)/time.Since(p.start).Seconds(), "")
}
