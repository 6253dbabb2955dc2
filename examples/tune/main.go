// Command tune is lambdatune's headline loop in one program: it trains the hybrid agent (A2C over
// the predictive strategy's headroom, with forecast features) on randomized synthetic load in the
// Lambda tuning environment (the interval model, vectorized), saves it, and runs it through
// lambdatune.Tuner on the event-level simulator for a simulated day of the original project's
// bursty load and of diurnal load, beside target tracking, the predictive strategy and the oracle.
//
//	go run ./examples/tune                 # about five minutes on 2 cores
//	go run ./examples/tune -steps 20000000 # longer training
//
// It prints training progress (steps/s, evaluation returns) and the harness's table, and writes,
// under out/tune/ (or -out):
//   - hybrid.json: the trained model (rl/a2c's format; load it with a2c.LoadFile);
//   - learning_curve.csv and learning_curve.png: the mean return on 10 held-out days while training,
//     beside a random policy and two constant actions on the same days;
//   - summary.csv and cost_slo.png: the evaluation on the event-level simulator.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

type options struct {
	steps        int64
	seed         uint64
	envs, seeds  int
	days         float64
	out          string
	evalEpisodes int
}

func main() {
	var o options
	flag.Int64Var(&o.steps, "steps", 6_000_000, "training steps (environment intervals)")
	flag.Uint64Var(&o.seed, "seed", 1, "training seed")
	flag.IntVar(&o.envs, "envs", 8, "environments trained on in parallel")
	flag.IntVar(&o.seeds, "seeds", 2, "simulation seeds of the evaluation")
	flag.Float64Var(&o.days, "days", 1, "simulated days of each evaluation run")
	flag.IntVar(&o.evalEpisodes, "eval-episodes", 10, "held-out days per learning-curve point")
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
	model, curve, err := train(ctx, o)
	if err != nil {
		return err
	}
	path := filepath.Join(o.out, "hybrid.json")
	if err := model.SaveFile(path); err != nil {
		return err
	}
	fmt.Printf("saved %s\n\n", path)
	if err := writeCurve(o, curve); err != nil {
		return err
	}
	return evaluate(ctx, o, model)
}

// environment is the tuning environment the agent trains in: randomized load and profiles, a
// forecast with 10 % error (policy.NoisyOracle: a real forecaster is too slow for millions of steps;
// the evaluation below uses one).
func environment() lambdaenv.Config {
	return lambdaenv.Config{Forecaster: lambdaenv.NoisyForecaster(0.1)}
}

// train runs A2C with a held-out evaluation every twentieth of the steps.
func train(ctx context.Context, o options) (*a2c.Model, []point, error) {
	evalEnv, err := lambdaenv.New(environment())
	if err != nil {
		return nil, nil, err
	}
	ev := &a2c.Eval{Env: evalEnv, EveryTimesteps: max(o.steps/20, 1), Episodes: o.evalEpisodes, Seed: 1_000_000}
	start := time.Now()
	progress := a2c.CallbackFunc(func(p *a2c.Progress) error {
		if p.Iteration%500 == 0 || p.Timesteps >= p.TotalTimesteps {
			last := "–"
			if n := len(ev.Results); n > 0 {
				last = strconv.FormatFloat(ev.Results[n-1].MeanReturn, 'f', 0, 64)
			}
			fmt.Fprintf(os.Stderr, "\rtraining: %d/%d steps, %.0f steps/s, held-out return %s   ", p.Timesteps, p.TotalTimesteps,
				float64(p.Timesteps)/time.Since(start).Seconds(), last)
		}
		return nil
	})
	workers := min(runtime.GOMAXPROCS(0), o.envs)
	m, err := lambdaenv.Train(ctx, environment(), lambdaenv.A2CConfig(o.seed), o.envs, workers, o.steps, ev, progress)
	if err != nil {
		return nil, nil, err
	}
	wall := time.Since(start)
	fmt.Fprintf(os.Stderr, "\rtrained %d steps in %v: %.0f steps/s on %d workers%20s\n", o.steps, wall.Round(time.Second), float64(o.steps)/wall.Seconds(), workers, "")
	curve := make([]point, 0, len(ev.Results))
	for _, r := range ev.Results {
		curve = append(curve, point{r.Timesteps, r.MeanReturn, r.Std})
	}
	return m, curve, nil
}

// point is one held-out evaluation.
type point struct {
	steps     int64
	mean, std float64
}

// reference evaluates fixed policies on the learning curve's held-out days.
func reference(o options) (map[string]point, error) {
	e, err := lambdaenv.New(environment())
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.seed, 2))
	policies := map[string]func() []float64{
		"random":                         func() []float64 { a := make([]float64, 2); _ = e.ActionSpace().Sample(rng, a); return a },
		"hold (no provisioning)":         func() []float64 { return []float64{0, 1} },
		"predictive at 0.1 % (constant)": func() []float64 { return []float64{4, 1} },
	}
	out := map[string]point{}
	for name, act := range policies {
		var returns []float64
		if _, _, err := e.Reset(env.NewSeed(1_000_000)); err != nil {
			return nil, err
		}
		for range o.evalEpisodes {
			ret := 0.0
			for {
				r, err := e.Step(act())
				if err != nil {
					return nil, err
				}
				ret += r.Reward
				if r.Done() {
					break
				}
			}
			returns = append(returns, ret)
			if _, _, err := e.Reset(env.Seed{}); err != nil {
				return nil, err
			}
		}
		mean, std := meanStd(returns)
		out[name] = point{mean: mean, std: std}
	}
	return out, nil
}

// evaluate runs the trained agent and the rule-based strategies on the event-level simulator.
func evaluate(ctx context.Context, o options, m *a2c.Model) error {
	var ws []harness.Workload
	for _, name := range []string{"bursty", "diurnal"} {
		w, err := harness.Synthetic(name, o.days)
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	ss, err := harness.Standard("target-tracking", "predictive", "oracle")
	if err != nil {
		return err
	}
	ss = append(ss, harness.Agent("hybrid", harness.A2C(m), true))
	cfg := harness.Config{Workloads: ws, Profiles: harness.Profiles(), Strategies: ss}
	for i := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(i+1))
	}
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(os.Stderr, "\revaluating on the event-level simulator: %d/%d runs   ", done, total)
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
	fmt.Printf("\nwrote %s\n", filepath.Join(o.out, "{hybrid.json,learning_curve.csv,learning_curve.png,summary.csv,cost_slo.png}"))
	return nil
}

// writeCurve writes the learning curve beside the reference policies, as CSV and PNG.
func writeCurve(o options, curve []point) error {
	ref, err := reference(o)
	if err != nil {
		return err
	}
	rows := [][]string{{"policy", "timesteps", "mean_return", "std_return"}}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	agent := harness.Curve{Name: "hybrid agent (A2C), deterministic"}
	for _, p := range curve {
		rows = append(rows, []string{"hybrid", strconv.FormatInt(p.steps, 10), f(p.mean), f(p.std)})
		agent.X = append(agent.X, float64(p.steps)/1e6)
		agent.Mean = append(agent.Mean, p.mean)
		agent.SD = append(agent.SD, p.std)
	}
	curves := []harness.Curve{agent}
	for _, name := range []string{"hold (no provisioning)", "predictive at 0.1 % (constant)", "random"} {
		p := ref[name]
		rows = append(rows, []string{name, "", f(p.mean), f(p.std)})
		curves = append(curves, harness.Curve{Name: name, X: []float64{0}, Mean: []float64{p.mean}, Flat: true})
	}
	if err := harness.WriteCSV(filepath.Join(o.out, "learning_curve.csv"), rows); err != nil {
		return err
	}
	return harness.PlotCurves(filepath.Join(o.out, "learning_curve.png"), harness.Chart{
		Title:  fmt.Sprintf("hybrid agent on %d held-out days of the tuning environment (mean ± sd)", o.evalEpisodes),
		XLabel: "training steps (millions of one-minute intervals)",
		YLabel: "return per day (−1,440 × the Objective's loss)",
	}, curves)
}

func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x / float64(len(xs))
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean) / float64(len(xs))
	}
	return mean, math.Sqrt(std)
}
