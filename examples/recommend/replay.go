package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/workload"
)

// baseline names the current configuration, replayed as a static strategy.
const baseline = "current"

// replayed is a finished replay: the input, every run, and what they say.
type replayed struct {
	in      input
	o       options
	profile harness.Profile
	results []harness.Result
	comps   []harness.Comparison
	rec     harness.Recommendation
	wall    time.Duration
}

// replay runs the current configuration and every strategy over the input's load with o.seeds seeds.
func replay(ctx context.Context, o options, in input, stderr io.Writer) (*replayed, error) {
	prof, err := harness.MeasuredProfile(in.measurement)
	if err != nil {
		return nil, err
	}
	others, err := o.selected()
	if err != nil {
		return nil, err
	}
	strategies, err := harness.Standard("static")
	if err != nil {
		return nil, err
	}
	strategies[0].Name = baseline
	strategies = append(strategies, others...)
	load := in.load
	cfg := harness.Config{
		Workloads:  []harness.Workload{{Name: in.name, Series: func(uint64) (workload.Series, error) { return load, nil }}},
		Profiles:   []harness.Profile{prof},
		Strategies: strategies,
	}
	for i := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(i+1))
	}
	start := time.Now()
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(stderr, "\rreplaying: %d/%d runs (%s seed %d: %.4f USD, %.3f %% violations)%10s", done, total, r.Strategy, r.Seed,
			r.Score.Cost.Total(), 100*r.Score.ViolationRate(), "")
	}
	fmt.Fprintf(stderr, "replaying %d minutes (%.0f requests) under %d strategies × %d seeds on the event-level simulator\n",
		load.Len(), load.Total(), len(strategies), len(cfg.Seeds))
	results, err := harness.Run(ctx, cfg)
	fmt.Fprintln(stderr)
	if err != nil {
		return nil, err
	}
	comps, err := harness.Compare(results, baseline, lambdatune.DefaultObjective())
	if err != nil {
		return nil, err
	}
	rec, err := harness.Recommend(comps)
	if err != nil {
		return nil, err
	}
	return &replayed{in: in, o: o, profile: prof, results: results, comps: comps, rec: rec, wall: time.Since(start)}, nil
}

// comparison returns the comparison of the named strategy.
func (r *replayed) comparison(name string) harness.Comparison {
	for _, c := range r.comps {
		if c.Strategy == name {
			return c
		}
	}
	return harness.Comparison{}
}

// deploys describes what a team would deploy to run a strategy, from what it kept in force.
func deploys(name string, d harness.Deployed) string {
	// The strategies below set memory once, after the first interval; another (hybrid) may move it.
	mem := fmt.Sprintf("%d MB", d.Final.MemoryMB)
	prov := fmt.Sprintf("provisioned concurrency %.1f on average, at most %d", d.MeanProvisioned, d.MaxProvisioned)
	switch name {
	case baseline:
		return fmt.Sprintf("as now: %s, timeout %v, reserved %s, provisioned %d", mem, d.Final.Timeout, d.Final.Reserved, d.Final.Provisioned)
	case "power-tuned":
		return fmt.Sprintf("%s (Power Tuning's balanced pick on the replayed profile), the rest as now", mem)
	case "target-tracking":
		return fmt.Sprintf("%s on an alias, with Application Auto Scaling target tracking of provisioned concurrency (utilization 0.7, capacity 1–100): %s", mem, prov)
	case "predictive":
		return fmt.Sprintf("%s on an alias, with lambdatune's predictive tuner setting provisioned concurrency every minute from the load forecast (examples/awspoc -policy predictive): %s, %d changes", mem, prov, d.Changes)
	}
	if d.MinMemoryMB != d.MaxMemoryMB {
		mem = fmt.Sprintf("%d–%d MB (%d MB at the end)", d.MinMemoryMB, d.MaxMemoryMB, d.Final.MemoryMB)
	}
	return fmt.Sprintf("%s; %s; %d configuration changes", mem, prov, d.Changes)
}

// progress returns a progress callback that prints label and done/total on w, overwriting its
// line, at most once per 5 % and at the end.
func progress(w io.Writer, label string) func(done, total int) {
	last := -1
	return func(done, total int) {
		pct := 100 * done / max(total, 1)
		if pct/5 == last/5 && done != total {
			return
		}
		last = pct
		fmt.Fprintf(w, "\r%s: %d/%d (%d %%)", label, done, total, pct)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// plural returns "n word" or "n words".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
