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
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// heldOutSeed seeds the learning curve's held-out days (training never resets to it).
const heldOutSeed = 1_000_000

// reference is a fixed policy the learning curve is drawn beside, as a Headroom action.
type reference struct {
	name   string
	action []float64 // nil: random
}

// bestRef indexes, in references, the best constant Headroom action on the training distribution
// (10 % cold-start target at the Power Tuning memory size): the learning curve is drawn relative
// to it.
const bestRef = 2

// references returns the fixed policies the learning curve is drawn beside.
func references() []reference {
	return []reference{
		{"random", nil},
		{"hold (no provisioning)", []float64{0, 1}},
		{"10 % cold-start target (best constant)", []float64{2, 1}},
		{"predictive at 0.1 % (constant)", []float64{4, 1}},
	}
}

// heldOut returns each held-out day's return under act.
func heldOut(e *lambdaenv.Env, days int, act func(obs []float64) ([]float64, error)) ([]float64, error) {
	obs, _, err := e.Reset(env.NewSeed(heldOutSeed))
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, days)
	for d := range days {
		ret := 0.0
		for {
			a, err := act(obs)
			if err != nil {
				return nil, err
			}
			r, err := e.Step(a)
			if err != nil {
				return nil, err
			}
			ret += r.Reward
			obs = r.Obs
			if r.Done() {
				break
			}
		}
		out = append(out, ret)
		if d < days-1 {
			if obs, _, err = e.Reset(env.Seed{}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// curve evaluates the model on the held-out days every `every` steps, beside the reference
// policies' returns on the same days.
type curve struct {
	env    *lambdaenv.Env
	days   int
	every  int64
	next   int64
	refs   map[string][]float64
	points []point
}

// point is one evaluation: the mean return and the mean and standard error of its per-day
// difference to the best constant action.
type point struct {
	steps          int64
	mean, diff, se float64
}

func newCurve(o options) (*curve, error) {
	e, err := lambdaenv.New(environment(o.rlOnly))
	if err != nil {
		return nil, err
	}
	c := &curve{env: e, days: o.evalEpisodes, every: max(o.steps/20, 1), refs: map[string][]float64{}}
	c.next = c.every
	rng := rand.New(rand.NewPCG(o.seed, 2))
	for _, ref := range references() {
		act := func([]float64) ([]float64, error) { return ref.action, nil }
		if ref.action == nil {
			act = func([]float64) ([]float64, error) { a := make([]float64, 2); return a, e.ActionSpace().Sample(rng, a) }
		}
		if c.refs[ref.name], err = heldOut(e, c.days, act); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// OnUpdate evaluates when due.
func (c *curve) OnUpdate(p *a2c.Progress) error {
	if p.Timesteps < c.next && p.Timesteps < p.TotalTimesteps {
		return nil
	}
	c.next = p.Timesteps + c.every
	rs, err := heldOut(c.env, c.days, func(obs []float64) ([]float64, error) { return p.Model.Predict(obs, true) })
	if err != nil {
		return err
	}
	diff, se := pairedDiff(rs, c.refs[references()[bestRef].name])
	c.points = append(c.points, point{p.Timesteps, mean(rs), diff, se})
	return nil
}

// last is the latest evaluation's summary for the progress line.
func (c *curve) last() string {
	if len(c.points) == 0 {
		return "–"
	}
	p := c.points[len(c.points)-1]
	return fmt.Sprintf("%.0f (%+.0f ± %.0f vs the best constant)", p.mean, p.diff, p.se)
}

// write writes the learning curve beside the reference policies, as CSV and PNG: the return's
// difference to the best constant action on the same days (the days differ far more from each
// other than the policies do).
func (c *curve) write(o options) error {
	name := agentName(o.rlOnly)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	rows := [][]string{{"policy", "decisions", "mean_return", "minus_best_constant", "se"}}
	agent := harness.Curve{Name: name + " agent (A2C), deterministic: mean ± standard error over days"}
	for _, p := range c.points {
		rows = append(rows, []string{name, strconv.FormatInt(p.steps, 10), f(p.mean), f(p.diff), f(p.se)})
		agent.X = append(agent.X, float64(p.steps)/1e6)
		agent.Mean = append(agent.Mean, p.diff)
		agent.SD = append(agent.SD, p.se)
	}
	curves := []harness.Curve{agent}
	best := c.refs[references()[bestRef].name]
	for _, r := range references() {
		rs := c.refs[r.name]
		diff, se := pairedDiff(rs, best)
		rows = append(rows, []string{r.name, "", f(mean(rs)), f(diff), f(se)})
		if r.action != nil && r.action[0] < 4 { // the others are off the chart
			curves = append(curves, harness.Curve{Name: r.name, X: []float64{0}, Mean: []float64{diff}, Flat: true})
		}
	}
	if err := harness.WriteCSV(filepath.Join(o.out, "learning_curve.csv"), rows); err != nil {
		return err
	}
	return harness.PlotCurves(filepath.Join(o.out, "learning_curve.png"), harness.Chart{
		Title:  fmt.Sprintf("%s agent on %d held-out days, relative to the best constant action", name, c.days),
		XLabel: "training decisions (millions; one an hour of one-minute intervals)",
		YLabel: "return per day − the best constant's (same days)",
	}, curves)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// pairedDiff returns the mean of a − b and its standard error (0 with one day).
func pairedDiff(a, b []float64) (diff, se float64) {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	diff = mean(d)
	if len(d) < 2 {
		return diff, 0
	}
	v := 0.0
	for _, x := range d {
		v += (x - diff) * (x - diff)
	}
	return diff, math.Sqrt(v / float64(len(d)-1) / float64(len(d)))
}
