package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/harness"
)

// references are the fixed policies the learning curve is drawn beside, as Headroom actions.
var references = []struct {
	name   string
	action []float64 // nil: random
}{
	{"random", nil},
	{"hold (no provisioning)", []float64{0, 1}},
	{"10 % cold-start target (best constant)", []float64{2, 1}},
	{"predictive at 0.1 % (constant)", []float64{4, 1}},
}

// reference evaluates the reference policies on the learning curve's held-out days.
func reference(o options) (map[string]point, error) {
	e, err := lambdaenv.New(environment(o.rlOnly))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.seed, 2))
	out := map[string]point{}
	for _, ref := range references {
		act := func() ([]float64, error) { return ref.action, nil }
		if ref.action == nil {
			act = func() ([]float64, error) { a := make([]float64, 2); return a, e.ActionSpace().Sample(rng, a) }
		}
		var returns []float64
		if _, _, err := e.Reset(env.NewSeed(1_000_000)); err != nil {
			return nil, err
		}
		for range o.evalEpisodes {
			ret := 0.0
			for {
				a, err := act()
				if err != nil {
					return nil, err
				}
				r, err := e.Step(a)
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
		out[ref.name] = point{mean: mean, std: std}
	}
	return out, nil
}

// writeCurve writes the learning curve beside the reference policies, as CSV and PNG.
func writeCurve(o options, curve []point) error {
	ref, err := reference(o)
	if err != nil {
		return err
	}
	name := agentName(o.rlOnly)
	rows := [][]string{{"policy", "timesteps", "mean_return", "std_return"}}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	agent := harness.Curve{Name: name + " agent (A2C), deterministic"}
	for _, p := range curve {
		rows = append(rows, []string{name, strconv.FormatInt(p.steps, 10), f(p.mean), f(p.std)})
		agent.X = append(agent.X, float64(p.steps)/1e6)
		agent.Mean = append(agent.Mean, p.mean)
		agent.SD = append(agent.SD, p.std)
	}
	curves := []harness.Curve{agent}
	for _, r := range references {
		p := ref[r.name]
		rows = append(rows, []string{r.name, "", f(p.mean), f(p.std)})
		curves = append(curves, harness.Curve{Name: r.name, X: []float64{0}, Mean: []float64{p.mean}, Flat: true})
	}
	if err := harness.WriteCSV(filepath.Join(o.out, "learning_curve.csv"), rows); err != nil {
		return err
	}
	return harness.PlotCurves(filepath.Join(o.out, "learning_curve.png"), harness.Chart{
		Title:  fmt.Sprintf("%s agent on %d held-out days of the tuning environment (mean ± sd)", name, o.evalEpisodes),
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
