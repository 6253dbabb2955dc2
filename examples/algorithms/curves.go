package main

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

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

// progress prints the steps trained so far across parallel runs, twice a second at most.
type progress struct {
	w     io.Writer
	label string
	total int64

	mu          sync.Mutex
	done        int64
	start, last time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, label: label, total: total, start: time.Now()}
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if time.Since(p.last) > 500*time.Millisecond {
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r%s: %d/%d steps, %.0f steps/s   ", p.label, p.done, p.total, float64(p.done)/time.Since(p.start).Seconds())
	}
}

// a2cCallback reports an A2C run's steps to p.
func (p *progress) a2cCallback() a2c.Callback {
	var prev int64
	return a2c.CallbackFunc(func(pr *a2c.Progress) error {
		p.add(pr.Timesteps - prev)
		prev = pr.Timesteps
		return nil
	})
}

func (p *progress) finish() {
	fmt.Fprintf(p.w, "\r%s: %d steps in %v%30s\n", p.label, p.done, time.Since(p.start).Round(time.Second), "")
}

func evalPoints(ev *a2c.Eval, perStep float64) []point {
	out := make([]point, len(ev.Results))
	for i, r := range ev.Results {
		out[i] = point{r.Timesteps, r.MeanReturn * perStep}
	}
	return out
}
