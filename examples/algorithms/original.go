package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/original"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/rl/qlearn"
)

// reported returns the original project's figures over its 8,604 steps (its notebook's results table):
// average latency (ms), average cost (USD, capped at 0.1 as its logs store it), SLA violations (%).
func reported() []struct {
	name                      string
	latency, cost, violations float64
} {
	return []struct {
		name                      string
		latency, cost, violations float64
	}{
		{"static", 181.89, 0.071125, 11.53},
		{"ML-only", 208.41, 0.045863, 71.70},
		{"RL-only (A2C)", 155.09, 0.100000, 6.21},
		{"hybrid ML+RL (A2C), with its rule layer", 118.60, 0.090639, 5.47},
		{"hybrid ML+RL (Q-learning), with its rule layer", 159.66, 0.066531, 16.43},
	}
}

// origPolicy is a policy of the original env with a name, one per seed for the learners.
type origPolicy struct {
	name  string
	seeds []original.Policy
	curve [][]point
}

// originalScenario trains Q-learning and A2C on the first 80 % of the original's forecast series
// with the same budget of steps, scores them on the last 20 % and on the whole series beside the
// fixed strategies, the original's imported agent and its reported figures, and charts their
// learning. It returns the learning curves as CSV rows.
func originalScenario(ctx context.Context, w io.Writer, o options) ([][]string, error) {
	fc, err := readForecast(filepath.Join(o.seedDir, "baseline_static.csv.gz"))
	if err != nil {
		return nil, err
	}
	split := len(fc) * 8 / 10
	train, held := fc[:split], fc[split:]
	fmt.Fprintf(w, "\n== the original project's environment (env/original): trained on steps 0–%d of its forecast series, held out %d–%d; %d steps per learner and seed\n",
		split-1, split, len(fc)-1, o.originalSteps)
	learnersOrig := []origPolicy{{name: "Q-learning (its defaults, 10 bins)"}, {name: "A2C (its settings: n_steps 64, ent_coef 0.01)"}}
	trainers := []func(context.Context, options, uint64, []float64, []float64, *harness.Progress) (original.Policy, []point, error){trainOrigQ, trainOrigA2C}
	for i := range learnersOrig {
		learnersOrig[i].seeds, learnersOrig[i].curve = make([]original.Policy, o.seeds), make([][]point, o.seeds)
	}
	prog := harness.NewProgress(o.progressWriter, "training on the original env", int64(2*o.seeds)*o.originalSteps)
	err = harness.Parallel(ctx, 0, 2*o.seeds, func(ctx context.Context, i int) error {
		l, s := i/o.seeds, i%o.seeds
		p, c, err := trainers[l](ctx, o, uint64(s+1), train, held, prog)
		learnersOrig[l].seeds[s], learnersOrig[l].curve[s] = p, c
		return err
	})
	if err != nil {
		return nil, err
	}
	prog.Done()
	refs, err := origReferences(o)
	if err != nil {
		return nil, err
	}
	if err := origTable(w, held, fc, append(learnersOrig, refs...)); err != nil {
		return nil, err
	}
	var rows [][]string
	var curves []harness.Curve
	for _, l := range learnersOrig {
		rows = append(rows, curveRows("original", l.name, l.curve)...)
		curves = append(curves, band(l.name, l.curve))
	}
	for _, r := range refs {
		s, err := summarize(held, r.seeds[0])
		if err != nil {
			return nil, err
		}
		curves = append(curves, harness.Curve{Name: r.name, X: []float64{0}, Mean: []float64{s.AvgReward}, Flat: true})
	}
	return rows, harness.PlotCurves(filepath.Join(o.out, "learning_original.png"), harness.Chart{
		Title:  fmt.Sprintf("Original env: reward on its held-out last 20 %% while training (mean ± sd over %d seeds)", o.seeds),
		XLabel: "training steps (millions)",
		YLabel: "mean reward per step (the original's reward)",
	}, curves)
}

// origReferences are the fixed policies: the original's static and ML-only strategies, a random
// policy (one per seed), the best action of every step, and the original's own trained A2C agent.
func origReferences(o options) ([]origPolicy, error) {
	rnd := origPolicy{name: "random"}
	for s := range o.seeds {
		rng := rand.New(rand.NewPCG(uint64(s+1), 0x0a))
		rnd.seeds = append(rnd.seeds, func([]float64) (int, error) { return rng.IntN(original.NumActions), nil })
	}
	m, err := a2c.ImportSB3(filepath.Join(o.seedDir, "a2c_serverless_model.zip"))
	if err != nil {
		return nil, err
	}
	return []origPolicy{
		rnd,
		{name: "static (action 4)", seeds: []original.Policy{original.Static}},
		{name: "ML-only rule", seeds: []original.Policy{original.MLOnly}},
		{name: "best action of each step", seeds: []original.Policy{best}},
		{name: "its trained A2C, imported (parity)", seeds: []original.Policy{a2cPolicy(m)}},
	}, nil
}

// best picks the action with the highest reward at the observed forecast: the reward depends on
// the forecast and the action only, so no policy does better.
func best(obs []float64) (int, error) {
	top, arg := math.Inf(-1), 0
	for a := range original.NumActions {
		act, err := original.Decode(a)
		if err != nil {
			return 0, err
		}
		if r := original.Evaluate(obs[0], act).Reward; r > top {
			top, arg = r, a
		}
	}
	return arg, nil
}

func a2cPolicy(m *a2c.Model) original.Policy {
	return func(obs []float64) (int, error) {
		a, err := m.Predict(obs, true)
		if err != nil {
			return 0, err
		}
		return int(a[0]), nil
	}
}

func summarize(series []float64, p original.Policy) (original.Summary, error) {
	e, err := original.New(original.Config{Forecast: series})
	if err != nil {
		return original.Summary{}, err
	}
	rows, err := original.Run(e, p)
	if err != nil {
		return original.Summary{}, err
	}
	return original.Summarize(rows), nil
}

// origTable prints every policy's figures on the held-out part and on the whole series, then the
// original's reported ones.
func origTable(w io.Writer, held, whole []float64, ps []origPolicy) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\nmean ± sd over seeds; cost as the original logged it (capped at 0.1 USD a step)")
	fmt.Fprintln(tw, "policy\theld out: reward/step\tlatency ms\tcost USD\tSLA violations %\twhole series: latency ms\tcost USD\tSLA violations %\t")
	for _, p := range ps {
		var cols [7][]float64
		for _, pol := range p.seeds {
			h, err := summarize(held, pol)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			a, err := summarize(whole, pol)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			for i, v := range []float64{h.AvgReward, h.AvgLatency, h.AvgCost, 100 * h.SLAViolationRate, a.AvgLatency, a.AvgCost, 100 * a.SLAViolationRate} {
				cols[i] = append(cols[i], v)
			}
		}
		fmt.Fprintf(tw, "%s\t", p.name)
		for i, prec := range []int{3, 2, 6, 2, 2, 6, 2} {
			fmt.Fprintf(tw, "%s\t", harness.StatOf(cols[i]).Format(prec))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t")
	for _, r := range reported() {
		fmt.Fprintf(tw, "the original reported: %s\t–\t–\t–\t–\t%.2f\t%.6f\t%.2f\t\n", r.name, r.latency, r.cost, r.violations)
	}
	return tw.Flush()
}

// trainOrigQ trains the original's Q-learning (its defaults: 10 bins, α 0.1, γ 0.99) on train,
// with ε's decay set so that it reaches its floor after 70 % of the budget's episodes, and scores
// the greedy policy on held as it learns.
func trainOrigQ(ctx context.Context, o options, seed uint64, train, held []float64, p *harness.Progress) (original.Policy, []point, error) {
	e, err := original.New(original.Config{Forecast: train})
	if err != nil {
		return nil, nil, err
	}
	episodes := max(1, int(o.originalSteps)/len(train))
	qc := qlearn.DefaultConfig()
	qc.Seed = seed
	qc.EpsilonDecay = math.Pow(qc.EpsilonMin/qc.EpsilonStart, 1/(0.7*float64(episodes)))
	q, err := qlearn.New(e.ObservationSpace(), e.ActionSpace(), qc)
	if err != nil {
		return nil, nil, err
	}
	pol := func(obs []float64) (int, error) {
		a, err := q.Predict(obs)
		if err != nil {
			return 0, err
		}
		return int(a[0]), nil
	}
	every := max(o.originalSteps/int64(o.points), 1)
	var done int64
	var curve []point
	err = q.Learn(ctx, e, episodes, func(ep qlearn.Episode) error {
		done += int64(ep.Length)
		p.Add(int64(ep.Length))
		if done < every*int64(len(curve)+1) && ep.Index < episodes-1 {
			return nil
		}
		s, err := summarize(held, pol)
		curve = append(curve, point{done, s.AvgReward})
		return err
	})
	return pol, curve, err
}

// trainOrigA2C trains A2C with the original's settings (Stable-Baselines3's defaults with n_steps
// 64 and ent_coef 0.01, one environment, no normalization) on train, scoring it on held.
func trainOrigA2C(ctx context.Context, o options, seed uint64, train, held []float64, p *harness.Progress) (original.Policy, []point, error) {
	venv, err := env.NewVec(1, func(int) (env.Env, error) { return original.New(original.Config{Forecast: train}) })
	if err != nil {
		return nil, nil, err
	}
	defer venv.Close()
	heldEnv, err := original.New(original.Config{Forecast: held})
	if err != nil {
		return nil, nil, err
	}
	ac := a2c.DefaultConfig()
	ac.NSteps, ac.EntCoef, ac.Seed = 64, 0.01, seed
	m, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), ac)
	if err != nil {
		return nil, nil, err
	}
	ev := &a2c.Eval{Env: heldEnv, EveryTimesteps: max(o.originalSteps/int64(o.points), 1), Episodes: 1, Seed: 1}
	if err := m.Learn(ctx, venv, o.originalSteps, ev, p.A2C()); err != nil {
		return nil, nil, err
	}
	return a2cPolicy(m), evalPoints(ev, 1/float64(len(held))), nil
}

// readForecast reads the forecast column of one of the original's gzipped logs: the series its
// every run passed over.
func readForecast(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rows, err := original.ReadLog(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fc := make([]float64, len(rows))
	for i, r := range rows {
		fc[i] = r.Forecast
	}
	return fc, nil
}
