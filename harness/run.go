package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/workload"
)

// Config is an evaluation: every strategy on every workload, profile and seed.
type Config struct {
	Workloads  []Workload
	Profiles   []Profile
	Strategies []Strategy
	Seeds      []uint64
	// Workers is how many runs go in parallel; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// PowerTuning is the sweep behind power-tuned, target-tracking, predictive and oracle; the zero
	// value means DefaultSweep().
	PowerTuning policy.PowerTuning
	// KeepIntervals keeps every run's per-interval metrics in its Result.
	KeepIntervals bool
	// Progress, if set, is called after each run (from one goroutine at a time).
	Progress func(done, total int, r Result)
}

// Result is one run: one strategy on one workload and profile with one seed, on the event-level
// simulator for the whole series.
type Result struct {
	Workload, Profile, Strategy string
	Seed                        uint64
	// Score is what the Objective judges: requests, violations, cost.
	Score lambdatune.Score
	// Latency is the whole run's latency distribution (every invocation), in ms.
	Latency lambdatune.Distribution
	// Intervals holds every interval's metrics when Config.KeepIntervals is set.
	Intervals []lambdatune.Metrics
	// Deployed summarises the configurations the strategy kept in force over the run.
	Deployed Deployed
	// Wall is how long the run took.
	Wall time.Duration
}

// Deployed summarises the configurations a strategy kept in force over a run, by the configuration
// each interval ended with (Metrics.Config): what a team would deploy to run the strategy.
type Deployed struct {
	// Final is the configuration in force at the end.
	Final lambdatune.Config
	// MinMemoryMB and MaxMemoryMB are the smallest and largest memory sizes in force.
	MinMemoryMB, MaxMemoryMB int
	// MeanProvisioned is the provisioned concurrency averaged over intervals, MaxProvisioned its
	// largest value.
	MeanProvisioned float64
	MaxProvisioned  int
	// Changes counts the intervals whose configuration differs from the one before.
	Changes int
}

// add records one interval's configuration; n is how many intervals were recorded before it.
func (d *Deployed) add(c lambdatune.Config, n int) {
	if n == 0 {
		d.MinMemoryMB, d.MaxMemoryMB = c.MemoryMB, c.MemoryMB
	} else if c != d.Final {
		d.Changes++
	}
	d.Final = c
	d.MinMemoryMB, d.MaxMemoryMB = min(d.MinMemoryMB, c.MemoryMB), max(d.MaxMemoryMB, c.MemoryMB)
	d.MeanProvisioned += (float64(c.Provisioned) - d.MeanProvisioned) / float64(n+1)
	d.MaxProvisioned = max(d.MaxProvisioned, c.Provisioned)
}

// Run evaluates cfg: each seed's load is drawn once per workload and every strategy runs on the
// same arrivals (common random numbers) from the same starting configuration, in parallel across
// Workers. Results come in a fixed order (workload, seed, profile, strategy) whatever the number of
// workers, and the same inputs give the same results.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if len(cfg.Workloads) == 0 || len(cfg.Profiles) == 0 || len(cfg.Strategies) == 0 || len(cfg.Seeds) == 0 {
		return nil, errors.New("harness: Config needs at least one workload, profile, strategy and seed")
	}
	if cfg.PowerTuning.PowerValues == nil {
		cfg.PowerTuning = DefaultSweep()
	}
	if err := cfg.PowerTuning.Validate(); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	type job struct {
		w      Workload
		p      Profile
		s      Strategy
		seed   uint64
		series *lazySeries
	}
	var jobs []job
	for _, w := range cfg.Workloads {
		for _, seed := range cfg.Seeds {
			ls := &lazySeries{w: w, seed: seed}
			for _, p := range cfg.Profiles {
				for _, s := range cfg.Strategies {
					jobs = append(jobs, job{w: w, p: p, s: s, seed: seed, series: ls})
				}
			}
		}
	}
	results := make([]Result, len(jobs))
	var (
		mu   sync.Mutex
		done int
	)
	err := Parallel(ctx, cfg.Workers, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		r, err := runOne(ctx, cfg, j.w, j.p, j.s, j.seed, j.series)
		if err != nil {
			return fmt.Errorf("harness: %s/%s/%s seed %d: %w", j.w.Name, j.p.Name, j.s.Name, j.seed, err)
		}
		results[i] = r
		mu.Lock()
		defer mu.Unlock()
		done++
		if cfg.Progress != nil {
			cfg.Progress(done, len(jobs), r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// lazySeries draws a workload's series for a seed once, for all the runs that share it.
type lazySeries struct {
	w    Workload
	seed uint64
	once sync.Once
	s    workload.Series
	err  error
}

func (l *lazySeries) get() (workload.Series, error) {
	l.once.Do(func() { l.s, l.err = l.w.Series(l.seed) })
	return l.s, l.err
}

// runOne runs one strategy through the closed loop on the event-level simulator.
func runOne(ctx context.Context, cfg Config, w Workload, p Profile, s Strategy, seed uint64, ls *lazySeries) (Result, error) {
	start := time.Now()
	series, err := ls.get()
	if err != nil {
		return Result{}, fmt.Errorf("workload: %w", err)
	}
	if w.MeanDuration > 0 {
		if p, err = p.WithMeanDuration(w.MeanDuration, w.MemoryMB); err != nil {
			return Result{}, err
		}
	}
	sw, err := Sweep(ctx, cfg.PowerTuning, p)
	if err != nil {
		return Result{}, err
	}
	setup, err := s.New(ctx, Env{Profile: p, Workload: w, Series: series, Seed: seed, Sweep: sw})
	if err != nil {
		return Result{}, fmt.Errorf("strategy: %w", err)
	}
	load, err := lambdasim.NewLoad(series, seed)
	if err != nil {
		return Result{}, err
	}
	sim, err := lambdasim.New(lambdasim.Options{Start: series.Start, Interval: series.Step, Seed: seed},
		lambdasim.Deployment{Function: p.Function, Config: p.Config, Arrivals: load, SLO: p.SLO})
	if err != nil {
		return Result{}, err
	}
	r := Result{Workload: w.Name, Profile: p.Name, Strategy: s.Name, Seed: seed}
	if cfg.KeepIntervals {
		r.Intervals = make([]lambdatune.Metrics, 0, series.Len())
	}
	tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{
		Platform: sim, Policy: setup.Policy, Forecaster: setup.Forecaster,
		Horizon: setup.Horizon, Refit: setup.Refit, WarmUp: setup.WarmUp,
		OnStep: func(st lambdatune.StepReport) {
			r.Deployed.add(st.Metrics.Config, r.Score.Intervals)
			r.Score.Add(&st.Metrics)
			if cfg.KeepIntervals {
				r.Intervals = append(r.Intervals, st.Metrics)
			}
		},
	})
	if err != nil {
		return Result{}, err
	}
	if err := tuner.Run(ctx, series.Len()); err != nil {
		return Result{}, err
	}
	r.Latency = sim.Latency(0).Distribution()
	r.Wall = time.Since(start)
	return r, nil
}
