package main

import (
	"strconv"

	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// point is one held-out score while training: after steps environment steps, the mean return.
type point struct {
	steps int64
	value float64
}

// band is a learner's curve over its seeds: the mean ± sd at each point (X in millions of steps).
func band(name string, runs [][]point) harness.Curve {
	c := harness.Curve{Name: name}
	if len(runs) == 0 {
		return c
	}
	n := len(runs[0])
	for _, r := range runs {
		n = min(n, len(r))
	}
	for i := range n {
		vs := make([]float64, len(runs))
		for s, r := range runs {
			vs[s] = r[i].value
		}
		st := harness.StatOf(vs)
		c.X = append(c.X, float64(runs[0][i].steps)/1e6)
		c.Mean, c.SD = append(c.Mean, st.Mean), append(c.SD, st.SD)
	}
	return c
}

// curveRows are a learner's curves as CSV rows: env, learner, seed, steps, value.
func curveRows(envName, learner string, runs [][]point) [][]string {
	var rows [][]string
	for s, r := range runs {
		for _, p := range r {
			rows = append(rows, []string{envName, learner, strconv.Itoa(s + 1), strconv.FormatInt(p.steps, 10), strconv.FormatFloat(p.value, 'g', 8, 64)})
		}
	}
	return rows
}

func writeCurvesCSV(path string, rows [][]string) error {
	return harness.WriteCSV(path, append([][]string{{"env", "learner", "seed", "steps", "heldout_value"}}, rows...))
}

func evalPoints(ev *a2c.Eval, perStep float64) []point {
	out := make([]point, len(ev.Results))
	for i, r := range ev.Results {
		out[i] = point{r.Timesteps, r.MeanReturn * perStep}
	}
	return out
}
