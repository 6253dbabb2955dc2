package lambdasim

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// ivRun is a whole run's aggregate, as the parity test compares the two models.
type ivRun struct {
	cost                      float64
	inv, cold, thr, to, drops int64
	p95, p50, p99, mean       float64 // invocation-weighted means of the per-interval statistics
	maxConc                   float64 // mean over intervals of MaxConcurrency
}

func ivAggregate(ms []lambdatune.Metrics) ivRun {
	var r ivRun
	var w float64
	for _, m := range ms {
		r.cost += m.Cost.Total()
		r.inv += m.Invocations
		r.cold += m.ColdStarts
		r.thr += m.Throttles
		r.to += m.Timeouts
		r.drops += m.AsyncEventsDropped
		n := float64(m.Invocations)
		w += n
		r.p50 += n * m.Latency.P50
		r.p95 += n * m.Latency.P95
		r.p99 += n * m.Latency.P99
		r.mean += n * m.Latency.Mean
		r.maxConc += float64(m.MaxConcurrency)
	}
	if w > 0 {
		r.p50, r.p95, r.p99, r.mean = r.p50/w, r.p95/w, r.p99/w, r.mean/w
	}
	r.maxConc /= float64(max(len(ms), 1))
	return r
}

// ivScenario is one workload and function on which the two models must agree.
type ivScenario struct {
	name   string
	series func(t testing.TB) workload.Series
	fn     Function
	cfg    lambdatune.Config
	change func(i int) *lambdatune.Config // configuration to apply before interval i, or nil
}

func ivRunPlatform(t testing.TB, p lambdatune.Platform, n int, change func(int) *lambdatune.Config) []lambdatune.Metrics {
	t.Helper()
	ctx := context.Background()
	out := make([]lambdatune.Metrics, 0, n)
	for i := range n {
		if change != nil {
			if c := change(i); c != nil {
				if err := p.Apply(ctx, *c); err != nil {
					t.Fatal(err)
				}
			}
		}
		m, err := p.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func ivBothModels(t testing.TB, sc ivScenario, seed uint64) (ev, iv ivRun) {
	t.Helper()
	s := sc.series(t)
	mk := func() Deployment {
		l, err := NewLoad(s, seed)
		if err != nil {
			t.Fatal(err)
		}
		return Deployment{Function: sc.fn, Config: sc.cfg, Arrivals: l}
	}
	opts := Options{Seed: seed, Interval: s.Step}
	es, err := New(opts, mk())
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewInterval(opts, mk())
	if err != nil {
		t.Fatal(err)
	}
	return ivAggregate(ivRunPlatform(t, es, s.Len(), sc.change)), ivAggregate(ivRunPlatform(t, is, s.Len(), sc.change))
}

func ivScale(s workload.Series, f float64) workload.Series {
	c := make([]float64, len(s.Counts))
	for i, v := range s.Counts {
		c[i] = v * f
	}
	s.Counts = c
	return s
}

func ivGrid(n int) workload.Grid {
	return workload.Grid{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Step: time.Minute, Len: n}
}

// ivTrace reads one function's per-minute counts from an Azure Functions 2019 invocation file.
func ivTrace(t testing.TB, path string, row int) workload.Series {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[row]
	counts := make([]float64, 0, 1440)
	for _, v := range rec[4:] {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, x)
	}
	return workload.Series{Start: ivGrid(0).Start, Step: time.Minute, Counts: counts}
}

func ivParityScenarios() []ivScenario {
	api := Function{Name: "api", Duration: CPUModel{CPUTime: 120 * time.Millisecond, IOTime: 40 * time.Millisecond, Spread: 0.4}, Runtime: RuntimePython}
	cfg := lambdatune.DefaultConfig()
	cfg.MemoryMB = 512
	seedPattern := func(gen func(workload.Grid, uint64) (workload.Series, error), scale float64) func(testing.TB) workload.Series {
		return func(t testing.TB) workload.Series {
			s, err := gen(ivGrid(1440), 1)
			if err != nil {
				t.Fatal(err)
			}
			return ivScale(s, scale)
		}
	}
	capped := cfg
	capped.Reserved = lambdatune.Reserve(8)
	return []ivScenario{
		{name: "bursty", series: seedPattern(workload.SeedBursty, 10), fn: api, cfg: cfg},
		{name: "periodic", series: seedPattern(workload.SeedPeriodic, 10), fn: api, cfg: cfg},
		{name: "irregular", series: seedPattern(workload.SeedIrregular, 10), fn: api, cfg: cfg},
		{name: "bursty capped", series: seedPattern(workload.SeedBursty, 20), fn: api, cfg: capped},
		{name: "trace", series: func(t testing.TB) workload.Series {
			return ivTrace(t, "../testdata/traces/az2019_top10_fullday_invocations.csv", 1)
		}, fn: api, cfg: cfg},
	}
}

func TestIntervalParityExplore(t *testing.T) {
	for _, sc := range ivParityScenarios() {
		ev, iv := ivBothModels(t, sc, 1)
		rel := func(a, b float64) float64 { return (b - a) / math.Max(math.Abs(a), 1e-12) * 100 }
		t.Logf("%-14s cost %.4f/%.4f (%+.2f%%) cold %d/%d (%+.1f%%) p95 %.1f/%.1f (%+.1f%%) p50 %.1f/%.1f p99 %.1f/%.1f thr %d/%d (%+.1f%%) inv %d/%d maxc %.2f/%.2f",
			sc.name, ev.cost, iv.cost, rel(ev.cost, iv.cost), ev.cold, iv.cold, rel(float64(ev.cold), float64(iv.cold)),
			ev.p95, iv.p95, rel(ev.p95, iv.p95), ev.p50, iv.p50, ev.p99, iv.p99, ev.thr, iv.thr, rel(float64(ev.thr), float64(iv.thr)), ev.inv, iv.inv, ev.maxConc, iv.maxConc)
	}
}
