// Command algorithms compares the learning algorithms the original project compared — tabular
// Q-learning against A2C, with a random policy as the floor — on the same budget of environment
// steps, in two environments: lambdatune's tuning environment (env/lambdaenv: a Lambda function's
// provisioned headroom and memory, rewarded by lambdatune.Objective) and the original project's
// (env/original: its three formulas and its own reward). It is the original project's second
// scenario.
//
//	go run ./examples/algorithms          # quick: 2 seeds, 300k steps on the tuning env (a few minutes)
//	go run ./examples/algorithms -full    # 5 seeds, 3M steps, bursty and diurnal load (6 minutes on 2 cores)
//
// Tabular Q-learning bins every observation feature, so its table has Bins^dim states: on the
// tuning environment it sees a compact observation, four of the Encoder's twenty features (see
// compact), and A2C is trained twice, on the same compact observation and on the full one. Every
// learner is scored on held-out episodes (days of load drawn from seeds no training used) as it
// learns and at the end, and the tuning environment's agents then run as strategies through the
// harness on the event-level simulator (a day of the original's bursty load, the three function
// profiles), beside the predictive strategy their actions correct. On the original's environment
// the agents train on the first 80 % of its forecast series and are scored on the last 20 %, and
// on the whole series beside the figures the original reported and beside its own imported A2C
// model (the parity run).
//
// It prints the tables (mean ± standard deviation over training seeds) and writes, under
// out/algorithms/ (or -out):
//   - learning_tuning.png and learning_original.png: held-out return while training, mean ± sd;
//   - learning_curves.csv: the curves' points, and heldout.csv: the final held-out scores;
//   - summary.csv and cost_slo.png: the event-level evaluation (the harness's columns and chart).
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
	"time"
)

type options struct {
	full           bool
	steps          int64 // training steps per learner and seed on the tuning env
	originalSteps  int64 // the same on the original's env
	seeds          int
	bins           int
	episodes       int // held-out episodes of the final score (a third of them per curve point)
	points         int // learning-curve points
	workloads      string
	days           float64
	seedDir, out   string
	trainingEnvs   int
	progressWriter io.Writer
}

func main() {
	var o options
	flag.BoolVar(&o.full, "full", false, "the paper-grade run: 5 seeds, 3M steps, bursty and diurnal load")
	flag.Int64Var(&o.steps, "steps", 0, "training steps per learner and seed on the tuning env (default 300k, 3M with -full)")
	flag.Int64Var(&o.originalSteps, "original-steps", 0, "training steps per learner and seed on the original's env (default 500k, 5M with -full)")
	flag.IntVar(&o.seeds, "seeds", 0, "training seeds per learner, and simulation seeds of the evaluation (default 2, 5 with -full)")
	flag.IntVar(&o.bins, "bins", 6, "Q-learning's bins per feature of the compact observation")
	flag.IntVar(&o.episodes, "episodes", 0, "held-out episodes of the final score (default 12, 30 with -full)")
	flag.IntVar(&o.points, "points", 10, "learning-curve points")
	flag.StringVar(&o.workloads, "workload", "", "synthetic workloads of the event-level evaluation (default bursty; bursty,diurnal with -full)")
	flag.Float64Var(&o.days, "days", 1, "simulated days of each event-level run")
	flag.StringVar(&o.seedDir, "seed-dir", filepath.Join("testdata", "seed"), "the original project's files (its logs and model)")
	flag.StringVar(&o.out, "out", filepath.Join("out", "algorithms"), "output directory")
	flag.Parse()
	o.trainingEnvs, o.progressWriter = 8, os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, o); err != nil {
		log.Fatal(err)
	}
}

// defaults fills what -full changes.
func (o *options) defaults() {
	pick := func(v *int, quick, full int) {
		if *v == 0 {
			*v = quick
			if o.full {
				*v = full
			}
		}
	}
	pick(&o.seeds, 2, 5)
	pick(&o.episodes, 12, 30)
	if o.steps == 0 {
		o.steps = 300_000
		if o.full {
			o.steps = 3_000_000
		}
	}
	if o.originalSteps == 0 {
		o.originalSteps = 500_000
		if o.full {
			o.originalSteps = 5_000_000
		}
	}
	if o.workloads == "" {
		o.workloads = "bursty"
		if o.full {
			o.workloads = "bursty,diurnal"
		}
	}
	if o.progressWriter == nil {
		o.progressWriter = io.Discard
	}
}

func run(ctx context.Context, w io.Writer, o options) error {
	o.defaults()
	if o.seeds < 1 || o.steps < 1 || o.originalSteps < 1 || o.bins < 2 || o.episodes < 1 || o.points < 1 {
		return fmt.Errorf("-seeds %d, -steps %d, -original-steps %d, -bins %d, -episodes %d, -points %d: want seeds, steps, episodes, points >= 1 and bins >= 2",
			o.seeds, o.steps, o.originalSteps, o.bins, o.episodes, o.points)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	curves, err := tuning(ctx, w, o)
	if err != nil {
		return fmt.Errorf("tuning env: %w", err)
	}
	c, err := originalScenario(ctx, w, o)
	if err != nil {
		return fmt.Errorf("original env: %w", err)
	}
	curves = append(curves, c...)
	if err := writeCurvesCSV(filepath.Join(o.out, "learning_curves.csv"), curves); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s; wall time %v\n", filepath.Join(o.out, "{learning_tuning.png,learning_original.png,learning_curves.csv,heldout.csv,summary.csv,cost_slo.png}"),
		time.Since(start).Round(time.Second))
	return nil
}
