// Command strategies compares the ways to run a Lambda function side by side on the event-level
// simulator: a static configuration, AWS Lambda Power Tuning, Power Tuning with Application Auto
// Scaling target tracking on provisioned concurrency (what a careful AWS user runs today), the
// forecast-driven predictive strategy, the original project's rule, a random policy and the
// oracle (predictive fed the true future load), and the trained agents rl-only and hybrid when
// their models are in -models (testdata/models by default). It is the original project's first
// scenario.
//
//	go run ./examples/strategies                      # quick: 4 workloads × 3 profiles × 2 seeds, a day each
//	go run ./examples/strategies -full                # the paper-grade run: 5 seeds, two days each
//	go run ./examples/strategies -trace invocations.csv -trace-durations durations.csv -function 9f3a
//
// Every strategy runs on the same arrivals from the same starting configuration; lambdatune's
// Objective judges them (cost in USD, the share of requests that violated the SLO). It prints a
// table of mean ± standard deviation over seeds and writes, under out/strategies/ (or -out):
//   - summary.csv: one row per workload × profile × strategy × seed;
//   - cost_slo.png: cost against SLO violations, one panel per workload and profile.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
)

// defaultStrategies are the standard ones; the agents join them when their models are found.
var defaultStrategies = strings.Join(harness.StandardNames, ",")

type options struct {
	full                            bool
	models                          string
	workloads, profiles, strategies string
	trace, durations, memory, fn    string
	functions                       int
	seeds                           int
	days                            float64
	out                             string
}

func main() {
	var o options
	flag.BoolVar(&o.full, "full", false, "the paper-grade run: 5 seeds and two simulated days per run (overrides -seeds and -days)")
	flag.StringVar(&o.models, "models", filepath.Join("testdata", "models"), "directory of trained agents (rl-only.json, hybrid.json); missing files are skipped")
	flag.StringVar(&o.workloads, "workload", strings.Join(harness.SyntheticNames, ","), "synthetic workloads, comma-separated: "+strings.Join(harness.SyntheticNames, ", "))
	flag.StringVar(&o.profiles, "profile", "cpu,io,java", "function profiles, comma-separated: cpu, io, java")
	flag.StringVar(&o.strategies, "strategy", defaultStrategies, "strategies, comma-separated (rl-only and hybrid need their models in -models)")
	flag.StringVar(&o.trace, "trace", "", "an Azure Functions 2019 invocations file (per minute): run its functions instead of the synthetic workloads")
	flag.StringVar(&o.durations, "trace-durations", "", "the trace's function_durations_percentiles file (optional)")
	flag.StringVar(&o.memory, "trace-memory", "", "the trace's app_memory_percentiles file (optional)")
	flag.StringVar(&o.fn, "function", "", "with -trace: only functions whose owner, app or function hash starts with this")
	flag.IntVar(&o.functions, "functions", 3, "with -trace: at most this many functions (0: all)")
	flag.IntVar(&o.seeds, "seeds", 2, "seeds per workload (1, 2, ...)")
	flag.Float64Var(&o.days, "days", 1, "simulated days per synthetic run")
	flag.StringVar(&o.out, "out", filepath.Join("out", "strategies"), "directory for summary.csv and cost_slo.png")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	cfg, err := config(ctx, o)
	if err != nil {
		return err
	}
	start := time.Now()
	var requests int64
	cfg.Progress = func(done, total int, r harness.Result) {
		requests += r.Score.Requests
		fmt.Fprintf(os.Stderr, "\r[%d/%d] %-40s", done, total, fmt.Sprintf("%s/%s/%s seed %d: %.3f USD, %.3f %% violations",
			r.Workload, r.Profile, r.Strategy, r.Seed, r.Score.Cost.Total(), 100*r.Score.ViolationRate()))
	}
	results, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	fmt.Fprintf(os.Stderr, "\r%d runs, %d simulated requests in %v (%.0f requests/s on the event-level simulator)\n",
		len(results), requests, wall.Round(time.Second), float64(requests)/wall.Seconds())
	rows := harness.Summarize(results, lambdatune.DefaultObjective())
	if err := harness.PrintTable(os.Stdout, rows); err != nil {
		return err
	}
	summary, chart := filepath.Join(o.out, "summary.csv"), filepath.Join(o.out, "cost_slo.png")
	if err := harness.WriteSummaryFile(summary, results); err != nil {
		return err
	}
	if err := harness.PlotCostSLO(chart, rows); err != nil {
		return err
	}
	fmt.Printf("\nloss = USD per million requests + 10 × %% of requests violating the SLO (lambdatune.DefaultObjective)\nwrote %s and %s\n", summary, chart)
	return nil
}

// config turns the flags into the harness's evaluation.
func config(ctx context.Context, o options) (harness.Config, error) {
	var cfg harness.Config
	if o.full {
		o.seeds, o.days = 5, 2
	}
	if o.seeds < 1 {
		return cfg, fmt.Errorf("-seeds %d, want >= 1", o.seeds)
	}
	for i := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(i+1))
	}
	for _, name := range split(o.profiles) {
		p, err := harness.ProfileByName(name)
		if err != nil {
			return cfg, err
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	var err error
	if cfg.Strategies, err = strategies(o); err != nil {
		return cfg, err
	}
	if o.trace != "" {
		cfg.Workloads, err = harness.AzureTrace(ctx, harness.AzureFiles{Invocations: o.trace, Durations: o.durations, Memory: o.memory}, o.fn, o.functions)
		return cfg, err
	}
	for _, name := range split(o.workloads) {
		w, err := harness.Synthetic(name, o.days)
		if err != nil {
			return cfg, err
		}
		cfg.Workloads = append(cfg.Workloads, w)
	}
	return cfg, nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// strategies returns the named standard strategies and, when the list names them or is the
// default, the trained agents found in o.models.
func strategies(o options) ([]harness.Strategy, error) {
	agents, err := harness.AgentsFromDir(o.models)
	if err != nil {
		return nil, err
	}
	var names []string
	var out []harness.Strategy
	for _, n := range split(o.strategies) {
		if i := slices.IndexFunc(agents, func(s harness.Strategy) bool { return s.Name == n }); i >= 0 {
			out = append(out, agents[i])
			continue
		}
		if n == "rl-only" || n == "hybrid" {
			return nil, fmt.Errorf("strategy %s: no model %s.json in %s", n, n, o.models)
		}
		names = append(names, n)
	}
	std, err := harness.Standard(names...)
	if err != nil {
		return nil, err
	}
	if o.strategies == defaultStrategies {
		return append(std, agents...), nil
	}
	return append(std, out...), nil
}
