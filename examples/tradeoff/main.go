// Command tradeoff traces the cost–SLO trade-off: an A2C agent trained for each weighting of the
// Objective, from cost first to latency first (lambdaenv.Config.Objective: cost weight 1, SLO
// weight 0.1 … 1000), against the knobs the baselines offer for the same trade — target tracking's
// utilization target (0.5 … 0.9) and the predictive strategy's cold-start target (10 % … 0.01 %) —
// with the static and Power-Tuned configurations, all on the event-level simulator through the
// harness. It prints which points dominate which (cheaper and fewer violations). It is the
// original project's fifth scenario, whose one point was a cost-priority reward.
//
//	go run ./examples/tradeoff          # quick: 5 weights × 40k hourly decisions, a bursty day, 2 seeds (a few minutes)
//	go run ./examples/tradeoff -full    # the shipped agents' recipe per weight (a million decisions), bursty and diurnal, 5 seeds
//
// Each agent is the hybrid agent of examples/tune (forecast features, lambdaenv.Train's recipe)
// with only the Objective changed; with several training seeds, simulation seed s runs the agent
// trained with seed s mod n, so the spread covers training as well as load. It prints the harness's
// table (mean ± sd over seeds), the front of each workload and profile, and the original's
// cost-priority figures beside our most cost-first agent, and writes, under out/tradeoff/ (or
// -out):
//   - summary.csv: one row per workload × profile × strategy × seed (the harness's columns);
//   - pareto.csv: each strategy's mean point and the strategies that dominate it;
//   - front.png: cost against SLO violations, every strategy family a line through its knob's
//     values, with error bars of one sd over seeds.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/policy"
)

type options struct {
	full                bool
	weights             string
	steps               int64
	trainSeeds, seeds   int
	envs                int
	workloads, profiles string
	days                float64
	out                 string
	progress            io.Writer
}

func main() {
	var o options
	flag.BoolVar(&o.full, "full", false, "the paper-grade run: the shipped agents' recipe per weight (1M hourly decisions), bursty and diurnal load, 5 seeds")
	flag.StringVar(&o.weights, "weights", "0.1,1,10,100,1000", "the Objective's SLO weights to train an agent for (cost weight 1), comma-separated")
	flag.Int64Var(&o.steps, "steps", 0, "training decisions per agent, one an hour as the shipped agents decide (default 40k, 1M with -full)")
	flag.IntVar(&o.trainSeeds, "train-seeds", 0, "agents trained per weight, with seeds 1, 2, … (default 1)")
	flag.IntVar(&o.seeds, "seeds", 0, "simulation seeds of the evaluation (default 2, 5 with -full)")
	flag.IntVar(&o.envs, "envs", 16, "environments per training run")
	flag.StringVar(&o.workloads, "workload", "", "synthetic workloads, comma-separated (default bursty; bursty,diurnal with -full)")
	flag.StringVar(&o.profiles, "profile", "cpu,io,java", "function profiles, comma-separated")
	flag.Float64Var(&o.days, "days", 1, "simulated days of each run")
	flag.StringVar(&o.out, "out", filepath.Join("out", "tradeoff"), "output directory")
	flag.Parse()
	o.progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, o); err != nil {
		log.Fatal(err)
	}
}

func (o *options) defaults() {
	pick := func(v *int, quick, full int) {
		if *v == 0 {
			*v = quick
			if o.full {
				*v = full
			}
		}
	}
	pick(&o.trainSeeds, 1, 1) // one agent per weight in both: -full spends its time on a million decisions each
	pick(&o.seeds, 2, 5)
	if o.steps == 0 {
		o.steps = 40_000
		if o.full {
			o.steps = lambdaenv.DefaultRecipe(1).Steps
		}
	}
	if o.workloads == "" {
		o.workloads = "bursty"
		if o.full {
			o.workloads = "bursty,diurnal"
		}
	}
	if o.progress == nil {
		o.progress = io.Discard
	}
}

func run(ctx context.Context, w io.Writer, o options) error {
	o.defaults()
	start := time.Now()
	weights, err := floats(o.weights)
	if err != nil {
		return fmt.Errorf("-weights: %w", err)
	}
	cfg, err := config(o)
	if err != nil {
		return err
	}
	fams, err := families(weights)
	if err != nil {
		return err
	}
	agents, err := train(ctx, o, weights)
	if err != nil {
		return err
	}
	for _, f := range fams {
		for _, m := range f.members {
			s := m.strategy
			if f.agent {
				s = harness.Agents(m.name, true, policy.DefaultEvery, agents[m.index]...)
			}
			cfg.Strategies = append(cfg.Strategies, s)
		}
	}
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(o.progress, "\revent-level simulator: %d/%d runs   ", done, total)
	}
	rs, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.progress)
	rows := harness.Summarize(rs, lambdatune.DefaultObjective())
	if err := harness.PrintTable(w, rows); err != nil {
		return err
	}
	if err := pareto(w, filepath.Join(o.out, "pareto.csv"), rows, fams); err != nil {
		return err
	}
	costPriority(w, rows, fams)
	if err := harness.WriteSummaryFile(filepath.Join(o.out, "summary.csv"), rs); err != nil {
		return err
	}
	if err := plotFront(filepath.Join(o.out, "front.png"), rows, fams); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s; wall time %v\n", filepath.Join(o.out, "{summary.csv,pareto.csv,front.png}"), time.Since(start).Round(time.Second))
	return nil
}

// config is the evaluation without its strategies: the workloads, profiles and seeds.
func config(o options) (harness.Config, error) {
	var cfg harness.Config
	if o.seeds < 1 || o.trainSeeds < 1 || o.steps < 1 || o.envs < 1 || !(o.days > 0) {
		return cfg, fmt.Errorf("-seeds %d, -train-seeds %d, -steps %d, -envs %d, -days %g: want each > 0", o.seeds, o.trainSeeds, o.steps, o.envs, o.days)
	}
	for s := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(s+1))
	}
	for _, name := range split(o.workloads) {
		wl, err := harness.Synthetic(name, o.days)
		if err != nil {
			return cfg, err
		}
		cfg.Workloads = append(cfg.Workloads, wl)
	}
	for _, name := range split(o.profiles) {
		p, err := harness.ProfileByName(name)
		if err != nil {
			return cfg, err
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	if len(cfg.Workloads) == 0 || len(cfg.Profiles) == 0 {
		return cfg, fmt.Errorf("no workload or no profile")
	}
	return cfg, nil
}

// train trains one agent per weight and training seed, in parallel across cores.
func train(ctx context.Context, o options, weights []float64) ([][]func() (policy.Predictor, error), error) {
	agents := make([][]func() (policy.Predictor, error), len(weights))
	for i := range agents {
		agents[i] = make([]func() (policy.Predictor, error), o.trainSeeds)
	}
	prog := harness.NewProgress(o.progress, fmt.Sprintf("training %d agents", len(weights)*o.trainSeeds), int64(len(weights)*o.trainSeeds)*o.steps)
	err := harness.Parallel(ctx, 0, len(weights)*o.trainSeeds, func(ctx context.Context, i int) error {
		k, s := i/o.trainSeeds, i%o.trainSeeds
		cfg := lambdaenv.AgentConfig(true)
		cfg.Objective = lambdatune.Objective{CostWeight: 1, SLOWeight: weights[k]}
		r := lambdaenv.DefaultRecipe(uint64(s + 1))
		r.Envs, r.Steps = o.envs, o.steps
		m, err := lambdaenv.Train(ctx, cfg, r, 1, prog.A2C())
		if err != nil {
			return fmt.Errorf("agent for SLO weight %g, seed %d: %w", weights[k], s+1, err)
		}
		agents[k][s] = harness.A2C(m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	prog.Done()
	return agents, nil
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

func floats(s string) ([]float64, error) {
	var out []float64
	for _, f := range split(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v >= 0) {
			return nil, fmt.Errorf("%q is not a weight >= 0", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no weights")
	}
	return out, nil
}
