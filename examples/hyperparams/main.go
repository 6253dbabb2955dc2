// Command hyperparams measures how sensitive A2C is to its hyperparameters on lambdatune's tuning
// environment (env/lambdaenv, the hybrid agent's setting: forecast features of a forecast 10 % off):
// the original project's sweep grid — learning rate {0.001, 0.01, 0.1} × gamma {0.9, 0.99, 0.999}
// × entropy coefficient {0, 0.01, 0.1}, each on top of the recipe lambdaenv.MinuteA2CConfig trains
// lambdatune's agents with — beside Stable-Baselines3's defaults, that recipe itself and the
// original's A2C settings, several seeds each. It is the original project's fourth scenario.
//
//	go run ./examples/hyperparams          # quick: 100k steps, 2 seeds (a few minutes)
//	go run ./examples/hyperparams -full    # 2M steps, 3 seeds, 30 held-out days (22 minutes on 2 cores)
//
// Every run is scored on held-out days (load no training saw) as it learns and at the end. It
// prints the settings ranked by their mean final held-out return (mean ± sd over seeds, with the
// Objective's loss, cost and violations) beside two constant actions on the same days, and writes, under out/hyperparams/ (or -out):
//   - heatmap.png: the grid's mean final held-out return, learning rate × gamma, one panel per
//     entropy coefficient, on one viridis scale;
//   - learning_curves.png: the references and the grid's best and worst settings, mean ± sd;
//   - hyperparams.csv (every setting and seed's final score) and learning_curves.csv.
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
	"time"

	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

type options struct {
	full               bool
	steps              int64
	seeds, envs        int
	episodes, curveEps int
	points             int
	out                string
	progress           io.Writer
	onlyFirst          int // tests: the first n settings only
}

func main() {
	var o options
	flag.BoolVar(&o.full, "full", false, "the paper-grade run: 2M steps, 3 seeds, 30 held-out days")
	flag.Int64Var(&o.steps, "steps", 0, "training steps per setting and seed (default 100k, 2M with -full)")
	flag.IntVar(&o.seeds, "seeds", 0, "seeds per setting (default 2, 3 with -full)")
	flag.IntVar(&o.envs, "envs", 8, "environments per training run")
	flag.IntVar(&o.episodes, "episodes", 0, "held-out days of the final score (default 10, 30 with -full)")
	flag.IntVar(&o.points, "points", 10, "learning-curve points")
	flag.StringVar(&o.out, "out", filepath.Join("out", "hyperparams"), "output directory")
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
	pick(&o.seeds, 2, 3)
	pick(&o.episodes, 10, 30)
	if o.steps == 0 {
		o.steps = 100_000
		if o.full {
			o.steps = 2_000_000
		}
	}
	o.curveEps = max(1, o.episodes/3)
	if o.progress == nil {
		o.progress = io.Discard
	}
}

// setting is one A2C configuration under test.
type setting struct {
	name           string
	lr, gamma, ent float64
	grid           bool
	config         func(seed uint64) a2c.Config
}

// settings are the original's grid on top of lambdatune's recipe, then the references.
func settings() []setting {
	var out []setting
	lrs, gammas, ents := grid()
	for _, ent := range ents {
		for _, lr := range lrs {
			for _, gamma := range gammas {
				out = append(out, setting{name: fmt.Sprintf("lr %g, γ %g, ent %g", lr, gamma, ent), lr: lr, gamma: gamma, ent: ent, grid: true,
					config: func(seed uint64) a2c.Config {
						c := lambdaenv.MinuteA2CConfig(seed)
						c.LearningRate, c.Gamma, c.EntCoef = lr, gamma, ent
						return c
					}})
			}
		}
	}
	sb3 := a2c.DefaultConfig()
	rec := lambdaenv.MinuteA2CConfig(0)
	return append(out,
		setting{name: "SB3 defaults", lr: sb3.LearningRate, gamma: sb3.Gamma, ent: sb3.EntCoef,
			config: func(seed uint64) a2c.Config { c := a2c.DefaultConfig(); c.Seed = seed; return c }},
		setting{name: "lambdatune recipe (lambdaenv.MinuteA2CConfig)", lr: rec.LearningRate, gamma: rec.Gamma, ent: rec.EntCoef, config: lambdaenv.MinuteA2CConfig},
		setting{name: "the original's settings (n_steps 64)", lr: 7e-4, gamma: 0.99, ent: 0.01,
			config: func(seed uint64) a2c.Config {
				c := a2c.DefaultConfig()
				c.NSteps, c.EntCoef, c.Seed = 64, 0.01, seed
				return c
			}},
	)
}

// outcome is one setting and seed's training: its learning curve and final held-out score, or
// the error that stopped it (a diverged run).
type outcome struct {
	curve  []a2c.EvalResult
	final  score
	failed error
}

func run(ctx context.Context, w io.Writer, o options) error {
	o.defaults()
	if o.seeds < 1 || o.steps < 1 || o.envs < 1 || o.episodes < 1 || o.points < 1 {
		return fmt.Errorf("-seeds %d, -steps %d, -envs %d, -episodes %d, -points %d: want each >= 1", o.seeds, o.steps, o.envs, o.episodes, o.points)
	}
	ss := settings()
	if o.onlyFirst > 0 {
		ss = append(ss[:o.onlyFirst:o.onlyFirst], ss[len(ss)-3:]...)
	}
	fmt.Fprintf(w, "A2C on the tuning env: %d settings × %d seeds × %d steps; scored on %d held-out days (%d per curve point)\n",
		len(ss), o.seeds, o.steps, o.episodes, o.curveEps)
	start := time.Now()
	res, err := train(ctx, o, ss)
	if err != nil {
		return err
	}
	rows := summarize(ss, res)
	if err := printTable(w, rows); err != nil {
		return err
	}
	if err := printReferences(w, o); err != nil {
		return err
	}
	if err := writeCSVs(o, ss, res); err != nil {
		return err
	}
	if err := plotHeatmap(filepath.Join(o.out, "heatmap.png"), o, rows); err != nil {
		return err
	}
	if err := plotCurves(filepath.Join(o.out, "learning_curves.png"), o, rows, res); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s; wall time %v\n", filepath.Join(o.out, "{heatmap.png,learning_curves.png,hyperparams.csv,learning_curves.csv}"), time.Since(start).Round(time.Second))
	return nil
}

// train runs every setting and seed, in parallel across cores, one environment worker each.
func train(ctx context.Context, o options, ss []setting) ([][]outcome, error) {
	res := make([][]outcome, len(ss))
	for i := range res {
		res[i] = make([]outcome, o.seeds)
	}
	prog := harness.NewProgress(o.progress, "training", int64(len(ss)*o.seeds)*o.steps)
	err := harness.Parallel(ctx, 0, len(ss)*o.seeds, func(ctx context.Context, i int) error {
		k, s := i/o.seeds, i%o.seeds
		out, err := trainOne(ctx, o, ss[k].config(uint64(s+1)), prog.A2C())
		if err != nil && ctx.Err() != nil {
			return err
		}
		out.failed = err // a setting that diverges is a result, not a failure of the program
		res[k][s] = out
		return nil
	})
	if err == nil {
		prog.Done()
	}
	return res, err
}

// trainOne trains one setting with lambdaenv.Train and scores it on the held-out days.
func trainOne(ctx context.Context, o options, ac a2c.Config, progress a2c.Callback) (outcome, error) {
	evalEnv, err := lambdaenv.New(environment())
	if err != nil {
		return outcome{}, err
	}
	ev := &a2c.Eval{Env: evalEnv, EveryTimesteps: max(o.steps/int64(o.points), 1), Episodes: o.curveEps, Seed: heldOutSeed}
	m, err := lambdaenv.Train(ctx, environment(), lambdaenv.Recipe{A2C: ac, Envs: o.envs, Steps: o.steps}, 1, ev, progress)
	if err != nil {
		return outcome{curve: ev.Results}, err
	}
	sc, err := heldOut(func(obs []float64) ([]float64, error) { return m.Predict(obs, true) }, o.episodes)
	return outcome{curve: ev.Results, final: sc}, err
}

// heldOutSeed seeds the held-out days: no training run resets its environments with it.
const heldOutSeed = 1_000_000

// environment is the tuning environment of the hybrid agent, as examples/tune trains it.
func environment() lambdaenv.Config {
	return lambdaenv.Config{Forecaster: lambdaenv.NoisyForecaster(0.1)}
}

// score is a model's mean over the held-out days.
type score struct{ ret, loss, costPerM, violPct float64 }

// heldOut plays act (a model acting deterministically, or a fixed policy) on the held-out days.
func heldOut(act func([]float64) ([]float64, error), episodes int) (score, error) {
	ev, err := lambdaenv.Evaluate(environment(), act, episodes, heldOutSeed)
	return score{ev.Return, ev.Loss, ev.CostPerMillion, ev.ViolationPct}, err
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }
