package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/rl/qlearn"
)

// heldOutSeed seeds the held-out episodes: no training run resets its environments with it.
const heldOutSeed = 1_000_000

// dayLen is the tuning environment's episode: a day of one-minute intervals.
const dayLen = 1440

// environment is the tuning environment every learner trains in and is scored on: randomized
// load shapes, rates and function profiles, with the forecast features of a forecast 10 % off
// (as examples/tune trains the hybrid agent).
func environment() lambdaenv.Config {
	return lambdaenv.Config{Forecaster: lambdaenv.NoisyForecaster(0.1)}
}

// learner is one way to train an agent on the tuning environment.
type learner struct {
	name, strategy, obs string
	train               func(ctx context.Context, o options, seed uint64, p *harness.Progress) (trained, error)
}

// learners are the algorithms compared, in report order.
func learners() []learner {
	return []learner{
		{"A2C", "a2c", "full: all 20 features", trainA2C},
		{"A2C", "a2c-compact", "compact: 4 features", trainA2CCompact},
		{"Q-learning", "q-learning", "compact: 4 features, binned", trainQ},
	}
}

// trained is one learner's agent from one seed.
type trained struct {
	curve []point
	wall  time.Duration
	// newPredictor returns a copy of the agent that acts on the full observation.
	newPredictor func() (policy.Predictor, error)
}

// tuning trains every learner on every seed, scores them on held-out days, charts their learning
// and runs them through the harness. It returns the learning curves as CSV rows.
func tuning(ctx context.Context, w io.Writer, o options) ([][]string, error) {
	fmt.Fprintf(w, "== the tuning environment (env/lambdaenv): %d steps per learner and seed, %d seeds\n", o.steps, o.seeds)
	fmt.Fprintf(w, "compact observation: %s; Q-learning: %d bins per feature (%d states × 18 actions)\n",
		compactNames(), o.bins, int(math.Pow(float64(o.bins), float64(len(compactFeatures())))))
	learners := learners()
	agents := make([][]trained, len(learners))
	for i := range agents {
		agents[i] = make([]trained, o.seeds)
	}
	prog := harness.NewProgress(o.progressWriter, "training on the tuning env", int64(len(learners)*o.seeds)*o.steps)
	err := harness.Parallel(ctx, 0, len(learners)*o.seeds, func(ctx context.Context, i int) error {
		l, s := i/o.seeds, i%o.seeds
		start := time.Now()
		t, err := learners[l].train(ctx, o, uint64(s+1), prog)
		if err != nil {
			return fmt.Errorf("%s (%s), seed %d: %w", learners[l].name, learners[l].obs, s+1, err)
		}
		t.wall = time.Since(start)
		agents[l][s] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	prog.Done()
	refs, err := scoreTuning(w, o, agents)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	curves := make([]harness.Curve, 0, len(learners)+len(refs))
	for i, l := range learners {
		runs := make([][]point, o.seeds)
		for s, t := range agents[i] {
			runs[s] = t.curve
		}
		rows = append(rows, curveRows("tuning", l.strategy, runs)...)
		curves = append(curves, band(fmt.Sprintf("%s, %s", l.name, l.obs), runs))
	}
	curves = append(curves, refs...)
	err = harness.PlotCurves(filepath.Join(o.out, "learning_tuning.png"), harness.Chart{
		Title:  fmt.Sprintf("Tuning env: return on %d held-out days while training (mean ± sd over %d seeds)", curveEpisodes(o), o.seeds),
		XLabel: "training steps (millions of one-minute intervals)",
		YLabel: "return per day (−1,440 × the Objective's loss)",
	}, curves)
	if err != nil {
		return nil, err
	}
	return rows, simulate(ctx, w, o, agents)
}

// curveEpisodes is the number of held-out days per learning-curve point.
func curveEpisodes(o options) int { return max(1, o.episodes/3) }

// score is a policy's mean over held-out days: return, Objective loss, cost and violations.
type score struct{ ret, loss, costPerM, violPct float64 }

// heldOut plays act on the held-out days.
func heldOut(act func([]float64) ([]float64, error), episodes int) (score, error) {
	ev, err := lambdaenv.Evaluate(environment(), act, episodes, heldOutSeed)
	return score{ev.Return, ev.Loss, ev.CostPerMillion, ev.ViolationPct}, err
}

// references are the fixed policies every learner must beat, as actions of the tuning env.
func references(seed uint64) []struct {
	name string
	act  func([]float64) ([]float64, error)
} {
	rnd := randomPredictor(seed)
	return []struct {
		name string
		act  func([]float64) ([]float64, error)
	}{
		{"random", rnd.Predict},
		{"no provisioning (constant)", func([]float64) ([]float64, error) { return []float64{1, 1}, nil }},
		{"predictive at 0.1 % (constant)", func([]float64) ([]float64, error) { return []float64{4, 1}, nil }},
	}
}

// randomPredictor picks a uniformly random action of the tuning env from its own generator.
func randomPredictor(seed uint64) policy.Predictor {
	rng := rand.New(rand.NewPCG(seed, 0xa1))
	space, err := env.NewMultiDiscrete([]int{2 + len(policy.HeadroomTargets), 3})
	a := make([]float64, 2)
	return policy.PredictorFunc(func([]float64) ([]float64, error) {
		if err != nil {
			return nil, err
		}
		return a, space.Sample(rng, a)
	})
}

// scoreTuning scores every agent and reference on the held-out days, prints the table, writes
// heldout.csv and returns the references as flat curves for the learning chart.
func scoreTuning(w io.Writer, o options, agents [][]trained) ([]harness.Curve, error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\nheld-out: %d days of load no training saw (mean ± sd over %d seeds)\n", o.episodes, o.seeds)
	fmt.Fprintln(tw, "learner\tobservation\tsteps\ttraining time per seed\treturn per day\tloss\tUSD per M requests\tSLO violations %\t")
	csv := [][]string{{"env", "policy", "seed", "return", "loss", "usd_per_million", "slo_violation_pct"}}
	line := func(name, obs, steps, wall string, scores []score) {
		col := func(f func(score) float64, prec int) string {
			xs := make([]float64, len(scores))
			for i, s := range scores {
				xs[i] = f(s)
			}
			return harness.StatOf(xs).Format(prec)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, obs, steps, wall, col(func(s score) float64 { return s.ret }, 0),
			col(func(s score) float64 { return s.loss }, 2), col(func(s score) float64 { return s.costPerM }, 2), col(func(s score) float64 { return s.violPct }, 3))
		for i, s := range scores {
			csv = append(csv, []string{"tuning", name + " (" + obs + ")", strconv.Itoa(i + 1), ftoa(s.ret), ftoa(s.loss), ftoa(s.costPerM), ftoa(s.violPct)})
		}
	}
	for i, l := range learners() {
		scores := make([]score, o.seeds)
		var wall time.Duration
		for s, t := range agents[i] {
			p, err := t.newPredictor()
			if err != nil {
				return nil, err
			}
			if scores[s], err = heldOut(p.Predict, o.episodes); err != nil {
				return nil, err
			}
			wall += t.wall / time.Duration(o.seeds)
		}
		line(l.name, l.obs, strconv.FormatInt(o.steps, 10), wall.Round(time.Second).String(), scores)
	}
	var curves []harness.Curve
	for r := range references(0) {
		var scores []score
		var name string
		for s := range o.seeds {
			ref := references(uint64(s + 1))[r]
			sc, err := heldOut(ref.act, o.episodes)
			if err != nil {
				return nil, err
			}
			scores, name = append(scores, sc), ref.name
		}
		line(name, "–", "–", "–", scores)
		c, err := heldOut(references(1)[r].act, curveEpisodes(o))
		if err != nil {
			return nil, err
		}
		curves = append(curves, harness.Curve{Name: name, X: []float64{0}, Mean: []float64{c.ret}, Flat: true})
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "loss = lambdatune.DefaultObjective: USD per million requests + 10 × % of requests violating the SLO; return per day ≈ −1,440 × loss")
	return curves, harness.WriteCSV(filepath.Join(o.out, "heldout.csv"), csv)
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }

// simulate runs the trained agents as strategies on the event-level simulator, one agent per
// training seed (harness.Agents), beside the predictive strategy their actions correct and a
// random choice of the same actions.
func simulate(ctx context.Context, w io.Writer, o options, agents [][]trained) error {
	cfg := harness.Config{Profiles: harness.Profiles()}
	for _, name := range strings.Split(o.workloads, ",") {
		wl, err := harness.Synthetic(strings.TrimSpace(name), o.days)
		if err != nil {
			return err
		}
		cfg.Workloads = append(cfg.Workloads, wl)
	}
	for s := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(s+1))
	}
	var err error
	if cfg.Strategies, err = harness.Standard("predictive"); err != nil {
		return err
	}
	cfg.Strategies = append(cfg.Strategies, harness.Strategy{Name: "random", New: func(ctx context.Context, e harness.Env) (harness.Setup, error) {
		return harness.Agent("random", func() (policy.Predictor, error) { return randomPredictor(e.Seed), nil }, false).New(ctx, e)
	}})
	for i, l := range learners() {
		fs := make([]func() (policy.Predictor, error), len(agents[i]))
		for s, t := range agents[i] {
			fs[s] = t.newPredictor
		}
		cfg.Strategies = append(cfg.Strategies, harness.Agents(l.strategy, true, 1, fs...))
	}
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(o.progressWriter, "\revent-level simulator: %d/%d runs   ", done, total)
	}
	rs, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.progressWriter, "\n")
	fmt.Fprintf(w, "\nthe agents as strategies on the event-level simulator (%.3g day(s) of each workload; seed s runs the agent trained with seed s):\n", o.days)
	rows := harness.Summarize(rs, lambdatune.DefaultObjective())
	if err := harness.PrintTable(w, rows); err != nil {
		return err
	}
	if err := harness.WriteSummaryFile(filepath.Join(o.out, "summary.csv"), rs); err != nil {
		return err
	}
	return harness.PlotCostSLO(filepath.Join(o.out, "cost_slo.png"), rows)
}

// trainA2C trains A2C on the full observation with the tuning env's recipe (lambdaenv.Train).
func trainA2C(ctx context.Context, o options, seed uint64, p *harness.Progress) (trained, error) {
	evalEnv, err := lambdaenv.New(environment())
	if err != nil {
		return trained{}, err
	}
	ev := &a2c.Eval{Env: evalEnv, EveryTimesteps: max(o.steps/int64(o.points), 1), Episodes: curveEpisodes(o), Seed: heldOutSeed}
	m, err := lambdaenv.Train(ctx, environment(), lambdaenv.Recipe{A2C: lambdaenv.MinuteA2CConfig(seed), Envs: o.trainingEnvs, Steps: o.steps}, 1, ev, p.A2C())
	if err != nil {
		return trained{}, err
	}
	return trained{curve: evalPoints(ev, 1), newPredictor: harness.A2C(m)}, nil
}

// trainA2CCompact trains A2C on the compact observation, as lambdaenv.Train does on the full one
// (the same configuration, rewards normalized by their running return's scale).
func trainA2CCompact(ctx context.Context, o options, seed uint64, p *harness.Progress) (trained, error) {
	evalEnv, err := newCompactEnv()
	if err != nil {
		return trained{}, err
	}
	venv, err := env.NewVec(o.trainingEnvs, func(int) (env.Env, error) { return newCompactEnv() })
	if err != nil {
		return trained{}, err
	}
	defer venv.Close()
	ac := lambdaenv.MinuteA2CConfig(seed)
	norm, err := env.NewVecNormalize(venv, env.VecNormalizeConfig{DisableObs: true, Gamma: ac.Gamma})
	if err != nil {
		return trained{}, err
	}
	m, err := a2c.New(norm.ObservationSpace(), norm.ActionSpace(), ac)
	if err != nil {
		return trained{}, err
	}
	ev := &a2c.Eval{Env: evalEnv, EveryTimesteps: max(o.steps/int64(o.points), 1), Episodes: curveEpisodes(o), Seed: heldOutSeed}
	if err := m.Learn(ctx, norm, o.steps, ev, p.A2C()); err != nil {
		return trained{}, err
	}
	newPredictor := func() (policy.Predictor, error) {
		c, err := m.Clone()
		if err != nil {
			return nil, err
		}
		return compactPredictor(func(obs []float64) ([]float64, error) { return c.Predict(obs, true) }), nil
	}
	return trained{curve: evalPoints(ev, 1), newPredictor: newPredictor}, nil
}

// trainQ trains tabular Q-learning on the compact observation, its 6 × 3 actions flattened into
// Discrete(18), with the original's settings except ε's decay, set so that ε reaches its floor
// after 70 % of the budget's episodes (the original's 0.995 per episode would still explore at
// ε ≈ 0.35 after the 208 days of the quick budget).
func trainQ(ctx context.Context, o options, seed uint64, p *harness.Progress) (trained, error) {
	ce, err := newCompactEnv()
	if err != nil {
		return trained{}, err
	}
	flat, err := env.NewFlattenMultiDiscrete(ce)
	if err != nil {
		return trained{}, err
	}
	episodes := max(1, int(o.steps/dayLen))
	qc := qlearn.DefaultConfig()
	qc.Bins, qc.Seed = o.bins, seed
	qc.EpsilonDecay = math.Pow(qc.EpsilonMin/qc.EpsilonStart, 1/(0.7*float64(episodes)))
	q, err := qlearn.New(flat.ObservationSpace(), flat.ActionSpace(), qc)
	if err != nil {
		return trained{}, err
	}
	every := max(o.steps/int64(o.points), 1)
	var done int64
	var curve []point
	err = q.Learn(ctx, flat, episodes, func(ep qlearn.Episode) error {
		done += int64(ep.Length)
		p.Add(int64(ep.Length))
		if done < every*int64(len(curve)+1) && ep.Index < episodes-1 {
			return nil
		}
		sc, err := heldOut(qPredictor(q).Predict, curveEpisodes(o))
		curve = append(curve, point{done, sc.ret})
		return err
	})
	if err != nil {
		return trained{}, err
	}
	var saved bytes.Buffer
	if err := q.Save(&saved); err != nil {
		return trained{}, err
	}
	newPredictor := func() (policy.Predictor, error) {
		c, err := qlearn.Load(bytes.NewReader(saved.Bytes()))
		if err != nil {
			return nil, err
		}
		return qPredictor(c), nil
	}
	return trained{curve: curve, newPredictor: newPredictor}, nil
}

// qPredictor acts with q's greedy action on the full observation, unflattening Discrete(18) into
// the tuning env's [headroom, memory] (the last dimension fastest, as env.NewFlattenMultiDiscrete).
func qPredictor(q *qlearn.Agent) policy.Predictor {
	a := make([]float64, 2)
	return compactPredictor(func(obs []float64) ([]float64, error) {
		k, err := q.Predict(obs)
		if err != nil {
			return nil, err
		}
		a[0], a[1] = math.Floor(k[0]/3), math.Mod(k[0], 3)
		return a, nil
	})
}
