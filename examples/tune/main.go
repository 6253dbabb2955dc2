// Command tune is lambdatune's headline loop in one program: it trains the hybrid agent (A2C over
// the predictive strategy's headroom, with forecast features) on randomized synthetic load in the
// Lambda tuning environment (the interval model, vectorized), saves it, and runs it through
// lambdatune.Tuner on the event-level simulator for a simulated day of the original project's
// bursty load and of diurnal load, beside target tracking, the predictive strategy and the oracle.
//
//	go run ./examples/tune                 # about five minutes on 2 cores
//	go run ./examples/tune -rl-only        # the rl-only agent (no forecast features) instead
//	go run ./examples/tune -models hybrid=testdata/models/hybrid.json,rl-only=testdata/models/rl-only.json \
//	    -workloads bursty,periodic,irregular,diurnal -seeds 5 -baselines target-tracking,predictive,oracle,power-tuned
//	                                       # evaluate the shipped models, no training
//
// It prints training progress (steps/s, evaluation returns) and the harness's table, and writes,
// under out/tune/ (or -out):
//   - hybrid.json (or rl-only.json): the trained model (rl/a2c's format; load it with a2c.LoadFile);
//   - learning_curve.csv and learning_curve.png: the return on held-out days while training, as its
//     difference to the best constant action's on the same days, beside a random policy, holding
//     (never provisioning) and the predictive strategy's constant action;
//   - summary.csv and cost_slo.png: the evaluation on the event-level simulator.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

type options struct {
	steps        int64
	seed         uint64
	envs, seeds  int
	days         float64
	out          string
	evalEpisodes int
	rlOnly       bool
	models       string // name=path,... to evaluate instead of training
	workloads    string
	baselines    string
}

func main() {
	var o options
	rec := lambdaenv.DefaultRecipe(1)
	flag.Int64Var(&o.steps, "steps", rec.Steps, "training steps (decisions, one per hour of one-minute intervals)")
	flag.Uint64Var(&o.seed, "seed", 1, "training seed")
	flag.IntVar(&o.envs, "envs", rec.Envs, "environments each update collects from")
	flag.BoolVar(&o.rlOnly, "rl-only", false, "train the rl-only agent (no forecast features) instead of the hybrid one")
	flag.StringVar(&o.models, "models", "", "evaluate saved models instead of training: name=path,... (names hybrid, rl-only)")
	flag.StringVar(&o.workloads, "workloads", "bursty,diurnal", "workloads of the evaluation (harness.Synthetic names)")
	flag.StringVar(&o.baselines, "baselines", "target-tracking,predictive,oracle", "rule-based strategies of the evaluation (harness.StandardNames)")
	flag.IntVar(&o.seeds, "seeds", 2, "simulation seeds of the evaluation")
	flag.Float64Var(&o.days, "days", 1, "simulated days of each evaluation run")
	flag.IntVar(&o.evalEpisodes, "eval-episodes", 32, "held-out days per learning-curve point")
	flag.StringVar(&o.out, "out", filepath.Join("out", "tune"), "output directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	agents, err := loadModels(o.models)
	if err != nil {
		return err
	}
	if agents == nil {
		name := agentName(o.rlOnly)
		model, curve, err := train(ctx, o)
		if err != nil {
			return err
		}
		path := filepath.Join(o.out, name+".json")
		if err := model.SaveFile(path); err != nil {
			return err
		}
		fmt.Printf("saved %s\n\n", path)
		if err := curve.write(o); err != nil {
			return err
		}
		agents = []agent{{name, model}}
	}
	return evaluate(ctx, o, agents)
}

// agent is a trained model and the strategy name it runs under.
type agent struct {
	name  string
	model *a2c.Model
}

func agentName(rlOnly bool) string {
	if rlOnly {
		return "rl-only"
	}
	return "hybrid"
}

// loadModels reads -models (name=path,...); empty gives nil.
func loadModels(spec string) ([]agent, error) {
	if spec == "" {
		return nil, nil
	}
	var out []agent
	for _, kv := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(kv, "=")
		if !ok || (name != "hybrid" && name != "rl-only") {
			return nil, fmt.Errorf("-models: %q, want hybrid=PATH or rl-only=PATH", kv)
		}
		m, err := a2c.LoadFile(path)
		if err != nil {
			return nil, fmt.Errorf("-models: %s: %w", name, err)
		}
		out = append(out, agent{name, m})
	}
	return out, nil
}

// environment is the tuning environment the agent trains in (lambdaenv.AgentConfig): randomized
// load and profiles, an action every hour, a forecast with 10 % error (policy.NoisyOracle: a real
// forecaster is too slow for millions of steps; the evaluation below uses one), none for the
// rl-only agent.
func environment(rlOnly bool) lambdaenv.Config { return lambdaenv.AgentConfig(!rlOnly) }

// train runs A2C with a held-out evaluation every twentieth of the steps.
func train(ctx context.Context, o options) (*a2c.Model, *curve, error) {
	c, err := newCurve(o)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	progress := a2c.CallbackFunc(func(p *a2c.Progress) error {
		if p.Iteration%200 == 0 || p.Timesteps >= p.TotalTimesteps {
			fmt.Fprintf(os.Stderr, "\rtraining: %d/%d decisions, %.0f/s, held-out return %s   ", p.Timesteps, p.TotalTimesteps,
				float64(p.Timesteps)/time.Since(start).Seconds(), c.last())
		}
		return nil
	})
	rec := lambdaenv.DefaultRecipe(o.seed)
	rec.Steps, rec.Envs = o.steps, o.envs
	workers := min(runtime.GOMAXPROCS(0), o.envs)
	m, err := lambdaenv.Train(ctx, environment(o.rlOnly), rec, workers, c, progress)
	if err != nil {
		return nil, nil, err
	}
	wall := time.Since(start)
	fmt.Fprintf(os.Stderr, "\rtrained %d decisions (%d intervals) in %v: %.0f intervals/s on %d workers%20s\n", o.steps,
		o.steps*policy.DefaultEvery, wall.Round(time.Second), float64(o.steps*policy.DefaultEvery)/wall.Seconds(), workers, "")
	return m, c, nil
}

// evaluate runs the trained agents and the rule-based strategies on the event-level simulator.
func evaluate(ctx context.Context, o options, agents []agent) error {
	var ws []harness.Workload
	for _, name := range strings.Split(o.workloads, ",") {
		w, err := harness.Synthetic(name, o.days)
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	ss, err := harness.Standard(strings.Split(o.baselines, ",")...)
	if err != nil {
		return err
	}
	for _, a := range agents {
		ss = append(ss, harness.AgentEvery(a.name, harness.A2C(a.model), a.name == "hybrid", policy.DefaultEvery))
	}
	cfg := harness.Config{Workloads: ws, Profiles: harness.Profiles(), Strategies: ss}
	for i := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(i+1))
	}
	start := time.Now()
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(os.Stderr, "\revaluating on the event-level simulator: %d/%d runs, %v   ", done, total, time.Since(start).Round(time.Second))
	}
	rs, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr)
	rows := harness.Summarize(rs, lambdatune.DefaultObjective())
	if err := harness.PrintTable(os.Stdout, rows); err != nil {
		return err
	}
	if err := harness.WriteSummaryFile(filepath.Join(o.out, "summary.csv"), rs); err != nil {
		return err
	}
	if err := harness.PlotCostSLO(filepath.Join(o.out, "cost_slo.png"), rows); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s\n", filepath.Join(o.out, "{summary.csv,cost_slo.png}"))
	return nil
}
