package lambdasim

import (
	"context"
	"io"
	"math"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// ivRun is a whole run's aggregate, as the parity test compares the two models.
type ivRun struct {
	cost                            float64
	inv, cold, thr, to, drops, miss int64
	p95, p50, p99, mean             float64 // invocation-weighted means of the per-interval statistics
	maxConc                         float64 // mean over intervals of MaxConcurrency
	util                            float64 // mean over intervals of ProvisionedUtilization
	spill                           int64
	seeds                           int     // runs added (add)
	runP95, runP50, runP99          float64 // percentiles of every invocation of the run
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
		r.miss += m.SLOMisses
		n := float64(m.Invocations)
		w += n
		r.p50 += n * m.Latency.P50
		r.p95 += n * m.Latency.P95
		r.p99 += n * m.Latency.P99
		r.mean += n * m.Latency.Mean
		r.maxConc += float64(m.MaxConcurrency)
		r.util += m.ProvisionedUtilization
		r.spill += m.SpilloverInvocations
	}
	if w > 0 {
		r.p50, r.p95, r.p99, r.mean = r.p50/w, r.p95/w, r.p99/w, r.mean/w
	}
	r.maxConc /= float64(max(len(ms), 1))
	r.util /= float64(max(len(ms), 1))
	return r
}

// ivScenario is one workload and function on which the two models must agree.
type ivScenario struct {
	name   string
	series func(t testing.TB) workload.Series
	fn     Function
	cfg    lambdatune.Config
	change func(i int) *lambdatune.Config // configuration to apply before interval i, or nil
	slo    time.Duration                  // the function's SLO (Deployment.SLO)
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

// ivBothModels runs sc through both models. counted: the interval model counts the event model's
// arrival instants (both see the same requests); else it reads the Load's expected counts (the
// fast path) while the event model draws Poisson arrivals from it.
func ivBothModels(t testing.TB, sc ivScenario, seed uint64, counted bool) (ev, iv ivRun) {
	t.Helper()
	s := sc.series(t)
	mk := func() Deployment {
		l, err := NewLoad(s, seed)
		if err != nil {
			t.Fatal(err)
		}
		if counted {
			return Deployment{Function: sc.fn, Config: sc.cfg, Arrivals: ivCounted{l}, SLO: sc.slo}
		}
		return Deployment{Function: sc.fn, Config: sc.cfg, Arrivals: l, SLO: sc.slo}
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
	ev, iv = ivAggregate(ivRunPlatform(t, es, s.Len(), sc.change)), ivAggregate(ivRunPlatform(t, is, s.Len(), sc.change))
	el, il := es.Latency(0).Distribution(), is.RunLatency(0)
	ev.runP50, ev.runP95, ev.runP99 = el.P50, el.P95, el.P99
	iv.runP50, iv.runP95, iv.runP99 = il.P50, il.P95, il.P99
	return ev, iv
}

// ivCounted hides a Load's type, so that the interval model counts its arrival instants: both
// models then see the same requests in every interval, and the comparison measures the models,
// not the Poisson noise of the arrivals.
type ivCounted struct{ Arrivals }

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

// ivTrace reads the per-minute counts of the n-th function (1-based, in file order) of an Azure
// Functions 2019 invocation file, starting on ivGrid's day.
func ivTrace(t testing.TB, path string, n int) workload.Series {
	t.Helper()
	fcs, err := workload.ReadFile(context.Background(), path, func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
		return workload.ReadAzure2019Invocations(ctx, r, ivGrid(0).Start)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || n > len(fcs) {
		t.Fatalf("%s has %d functions, not a %d-th", path, len(fcs), n)
	}
	return fcs[n-1].Series
}

func ivSeedPattern(gen func(workload.Grid, uint64) (workload.Series, error), scale float64) func(testing.TB) workload.Series {
	return func(t testing.TB) workload.Series {
		s, err := gen(ivGrid(1440), 1)
		if err != nil {
			t.Fatal(err)
		}
		return ivScale(s, scale)
	}
}

func ivTraceRow(file string, n int) func(testing.TB) workload.Series {
	return func(t testing.TB) workload.Series { return ivTrace(t, "../testdata/traces/"+file, n) }
}

// ivParityScenarios are the workloads TestIntervalParity holds the two models to: the seed's three
// evaluation patterns at ten times their rate (bursty ≈ 33 requests/s) and at their own (bursty ≈ 3.3
// requests/s, periodic 1.7, irregular 2.2), and Azure 2019 traces, each
// unconstrained (cold starts, cost, latency) and under a reserved concurrency that binds at peaks
// (throttles), plus provisioned concurrency (fixed, and changed every 10 minutes as target tracking
// does), a sparse Java function whose p95 is its cold starts, a 20 ms Go function, a 4 s function
// that times out, exponential service and keep-alive, and memory changes.
func ivParityScenarios() []ivScenario {
	api := Function{Name: "api", Duration: CPUModel{CPUTime: 120 * time.Millisecond, IOTime: 40 * time.Millisecond, Spread: 0.4}, Runtime: RuntimePython}
	javaInit, _ := RuntimeJava.Init()
	java := Function{Name: "java", Duration: CPUModel{CPUTime: 30 * time.Millisecond, IOTime: 20 * time.Millisecond, Spread: 0.3}, Init: javaInit.Scale(3)}
	cfg := lambdatune.DefaultConfig()
	cfg.MemoryMB = 512
	reserve := func(n int) lambdatune.Config {
		c := cfg
		c.Reserved = lambdatune.Reserve(n)
		return c
	}
	prov := cfg
	prov.Provisioned = 10
	prov25 := cfg
	prov25.Provisioned = 25
	javaCfg := cfg
	javaCfg.MemoryMB = 1024
	goFn := Function{Name: "go", Duration: CPUModel{CPUTime: 5 * time.Millisecond, IOTime: 15 * time.Millisecond, Spread: 0.3}, Runtime: RuntimeGo}
	slow := Function{Name: "slow", Duration: Flat{LogNormalMean(4*time.Second, 0.6)}, Runtime: RuntimeNode}
	slowCfg := cfg
	slowCfg.Timeout = 10 * time.Second
	expo := Function{Name: "expo", Duration: Flat{Exponential(800 * time.Millisecond)}, Runtime: RuntimeJava, KeepAlive: Exponential(10 * time.Minute)}
	scs := []ivScenario{
		{name: "bursty", series: ivSeedPattern(workload.OriginalBursty, 10), fn: api, cfg: cfg},
		{name: "periodic", series: ivSeedPattern(workload.OriginalPeriodic, 10), fn: api, cfg: cfg},
		{name: "irregular", series: ivSeedPattern(workload.OriginalIrregular, 10), fn: api, cfg: cfg},
		{name: "bursty reserved 25", series: ivSeedPattern(workload.OriginalBursty, 10), fn: api, cfg: reserve(25)},
		{name: "periodic reserved 12", series: ivSeedPattern(workload.OriginalPeriodic, 10), fn: api, cfg: reserve(12)},
		{name: "irregular reserved 16", series: ivSeedPattern(workload.OriginalIrregular, 10), fn: api, cfg: reserve(16)},
		{name: "bursty provisioned 10", series: ivSeedPattern(workload.OriginalBursty, 10), fn: api, cfg: prov},
		{name: "periodic provisioned 25", series: ivSeedPattern(workload.OriginalPeriodic, 10), fn: api, cfg: prov25},
		{name: "trace top10#9", series: ivTraceRow("az2019_top10_fullday_invocations.csv", 9), fn: api, cfg: cfg},
		{name: "trace top10#9 reserved 8", series: ivTraceRow("az2019_top10_fullday_invocations.csv", 9), fn: api, cfg: reserve(8)},
		{name: "trace sparse java", series: ivTraceRow("az2019_sampled35_fullday_invocations.csv", 13), fn: java, cfg: javaCfg},
		{name: "bursty provisioned changes", series: ivSeedPattern(workload.OriginalBursty, 10), fn: api, cfg: cfg, change: func(i int) *lambdatune.Config {
			if i%10 != 0 {
				return nil
			}
			c := cfg
			c.Provisioned = []int{0, 15, 30}[(i/10)%3]
			return &c
		}},
		{name: "bursty go 20 ms", series: ivSeedPattern(workload.OriginalBursty, 10), fn: goFn, cfg: cfg},
		{name: "periodic 4 s with timeouts", series: ivSeedPattern(workload.OriginalPeriodic, 3), fn: slow, cfg: slowCfg},
		{name: "irregular random keep-alive", series: ivSeedPattern(workload.OriginalIrregular, 3), fn: expo, cfg: cfg},
		{name: "bursty memory changes", series: ivSeedPattern(workload.OriginalBursty, 10), fn: api, cfg: cfg, change: func(i int) *lambdatune.Config {
			if i%120 != 60 {
				return nil
			}
			c := cfg
			c.MemoryMB = []int{512, 1024, 768}[(i/120)%3]
			return &c
		}},
		{name: "bursty at the seed's rate", series: ivSeedPattern(workload.OriginalBursty, 1), fn: api, cfg: cfg},
		{name: "periodic at the seed's rate", series: ivSeedPattern(workload.OriginalPeriodic, 1), fn: api, cfg: cfg},
		{name: "irregular at the seed's rate", series: ivSeedPattern(workload.OriginalIrregular, 1), fn: api, cfg: cfg},
	}
	for i := range scs {
		scs[i].slo = ivTailSLO(scs[i].fn.Name)
	}
	return scs
}

// ivTailSLO is each parity function's SLO in the parity tests, one that 1 % or more of its
// requests miss (at the scenarios' initial configuration; warm quantiles p50/p90/p99 in ms):
//   - api (420/701/1064, INIT ≈ 85): 1 s, between the warm p98 and p99; a cold start misses a
//     little more often than a warm invocation.
//   - java (69/101/138, INIT ≈ 785): 400 ms, above the warm p99 and below INIT + the
//     warm median: a warm invocation meets it, a cold one misses it.
//   - go (31/45/62, INIT ≈ 47): 60 ms, just below the warm p99; most cold starts miss it.
//   - slow (3341/7208/13492, 10 s timeout): 8 s, between the warm p90 and the timeout.
//   - expo (555/1842/3684, 3 s timeout): 2 s, between the warm p90 and the timeout.
func ivTailSLO(fn string) time.Duration {
	switch fn {
	case "java":
		return 400 * time.Millisecond
	case "go":
		return 60 * time.Millisecond
	case "slow":
		return 8 * time.Second
	case "expo":
		return 2 * time.Second
	}
	return time.Second // api
}

// ivCheckSLO logs the SLO misses of both models, with the share of the event model's requests that
// missed, and fails when the interval model's count is further from the event model's than
// sloTol where 1 % of the requests or more missed, or than sloTolRare (the cold-start tolerance:
// rare misses are mostly cold starts) where fewer did.
func ivCheckSLO(t *testing.T, sc ivScenario, ev, iv ivRun) {
	t.Helper()
	const (
		sloTol     = 0.05
		sloTolRare = 0.20
	)
	pct := 100 * float64(ev.miss) / float64(max(ev.inv+ev.thr, 1))
	r := (float64(iv.miss) - float64(ev.miss)) / float64(max(ev.miss, 1))
	t.Logf("SLO %v: misses %d/%d (%.2f%% of requests), %+.1f%%", sc.slo, ev.miss, iv.miss, pct, 100*r)
	tol := sloTol
	if pct < 1 {
		tol = sloTolRare
	}
	if math.Abs(r) > tol {
		t.Errorf("SLO %v: %d misses, event model %d (%+.1f%%, want within %.0f%%)", sc.slo, iv.miss, ev.miss, 100*r, 100*tol)
	}
}

// TestIntervalParitySLOBody holds the interval model's SLO misses to the event model's at an SLO in
// the body of the warm distribution (its 75th percentile at the initial configuration, so that
// about a quarter of the requests miss it), on every parity scenario with both models seeing the
// same requests. TestIntervalParity and TestIntervalParityLoad check a bound in the tail
// (ivTailSLO).
func TestIntervalParitySLOBody(t *testing.T) {
	if testing.Short() {
		t.Skip("a day of each parity scenario in both models (TestIntervalParity checks a tail SLO)")
	}
	for _, sc := range ivParityScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			svc, err := sc.fn.Duration.ServiceTime(sc.cfg.MemoryMB, sc.cfg.Arch())
			if err != nil {
				t.Fatal(err)
			}
			sc.slo = svc.Quantile(0.75).Round(time.Millisecond)
			seeds := 1
			if sc.name == "trace sparse java" {
				seeds = 8
			}
			var ev, iv ivRun
			for seed := 1; seed <= seeds; seed++ {
				e, i := ivBothModels(t, sc, uint64(seed), true)
				ev.add(e)
				iv.add(i)
			}
			ivCheckSLO(t, sc, ev, iv)
		})
	}
}

// TestIntervalParity holds the interval model to the event model on the seed's three patterns and
// on Azure 2019 traces (ivParityScenarios), aggregated over each run of a day of one-minute
// intervals, with both models seeing the same requests in every interval (ivCounted). The issue's
// tolerances are cost 2 %, cold starts 20 %, p95 latency 10 % and throttles 10 %; the test holds the
// tighter bounds below, and PERFORMANCE.md lists what it measured.
//
// p95 is checked twice: over every invocation of the run (RunLatency against Sim.Latency), and as
// the invocation-weighted mean of the per-interval Metrics.Latency.P95. With a handful of
// invocations per interval the latter is a small-sample statistic (often the largest of a few
// values), which the interval model reproduces in expectation (see IntervalSim).
func TestIntervalParity(t *testing.T) {
	const (
		costTol  = 0.015
		concTol  = 0.06 // mean MaxConcurrency and ProvisionedUtilization
		spillTol = 0.02
		coldTol  = 0.20
		runP95   = 0.03
		p95Tol   = 0.02
		thrTol   = 0.03
	)
	for _, sc := range ivParityScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			seeds := 1
			if sc.name == "trace sparse java" {
				seeds = 8 // 40 cold starts a day: average the event model's noise down
			}
			var ev, iv ivRun
			var evRun, ivRun95 float64
			for seed := 1; seed <= seeds; seed++ {
				e, i := ivBothModels(t, sc, uint64(seed), true)
				ev.add(e)
				iv.add(i)
				evRun += e.runP95 / float64(seeds)
				ivRun95 += i.runP95 / float64(seeds)
			}
			ivCheckSLO(t, sc, ev, iv)
			rel := func(a, b float64) float64 { return (b - a) / a }
			t.Logf("cost %.4f/%.4f USD (%+.2f%%), cold starts %d/%d (%+.1f%%), run p95 %.1f/%.1f ms (%+.2f%%), interval p95 %.1f/%.1f ms (%+.2f%%), throttles %d/%d (%+.2f%%), max concurrency %.2f/%.2f, utilization %.3f/%.3f, spill-over %d/%d",
				ev.cost, iv.cost, 100*rel(ev.cost, iv.cost), ev.cold, iv.cold, 100*rel(float64(ev.cold), float64(iv.cold)),
				evRun, ivRun95, 100*rel(evRun, ivRun95), ev.p95, iv.p95, 100*rel(ev.p95, iv.p95), ev.thr, iv.thr, 100*rel(float64(max(ev.thr, 1)), float64(iv.thr)), ev.maxConc, iv.maxConc, ev.util, iv.util, ev.spill, iv.spill)
			if r := rel(ev.cost, iv.cost); math.Abs(r) > costTol {
				t.Errorf("cost %.4f USD, event model %.4f (%+.2f%%, want within %.1f%%)", iv.cost, ev.cost, 100*r, 100*costTol)
			}
			if r := rel(float64(ev.cold), float64(iv.cold)); math.Abs(r) > coldTol {
				t.Errorf("cold starts %d, event model %d (%+.1f%%, want within %.0f%%)", iv.cold, ev.cold, 100*r, 100*coldTol)
			}
			if r := rel(evRun, ivRun95); math.Abs(r) > runP95 {
				t.Errorf("run p95 latency %.1f ms, event model %.1f (%+.2f%%, want within %.0f%%)", ivRun95, evRun, 100*r, 100*runP95)
			}
			if r := rel(ev.p95, iv.p95); math.Abs(r) > p95Tol {
				t.Errorf("mean interval p95 latency %.1f ms, event model %.1f (%+.2f%%, want within %.0f%%)", iv.p95, ev.p95, 100*r, 100*p95Tol)
			}
			if r := rel(ev.maxConc, iv.maxConc); math.Abs(r) > concTol {
				t.Errorf("mean MaxConcurrency %.2f, event model %.2f (%+.1f%%, want within %.0f%%)", iv.maxConc, ev.maxConc, 100*r, 100*concTol)
			}
			if ev.util > 0 {
				if r := rel(ev.util, iv.util); math.Abs(r) > concTol {
					t.Errorf("mean ProvisionedUtilization %.3f, event model %.3f (%+.1f%%, want within %.0f%%)", iv.util, ev.util, 100*r, 100*concTol)
				}
				// Within 2 %, or 0.01 % of the invocations when hardly anything spills.
				if d := math.Abs(float64(iv.spill - ev.spill)); d > max(spillTol*float64(ev.spill), 1e-4*float64(ev.inv)) {
					t.Errorf("spill-over %d, event model %d (want within %.0f%% or %.0f)", iv.spill, ev.spill, 100*spillTol, 1e-4*float64(ev.inv))
				}
			}
			if ev.thr > 0 || iv.thr > 0 {
				if r := rel(float64(max(ev.thr, 1)), float64(iv.thr)); math.Abs(r) > thrTol {
					t.Errorf("throttles %d, event model %d (%+.2f%%, want within %.0f%%)", iv.thr, ev.thr, 100*r, 100*thrTol)
				}
			}
		})
	}
}

// TestIntervalParityLoad holds the interval model's fast path, one expected count per interval from
// a Load, to the event model drawing Poisson arrivals from the same Load, over the parity scenarios
// (three seeds each, sixteen for the sparse Java function, summed): the Poisson noise of the
// arrivals now separates the two as well.
func TestIntervalParityLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("three days of each parity scenario in both models")
	}
	const (
		invTol  = 0.01
		costTol = 0.01
		coldTol = 0.20
		p95Tol  = 0.05
		thrTol  = 0.01
	)
	for _, sc := range ivParityScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			seeds := uint64(3)
			if sc.name == "trace sparse java" {
				seeds = 16 // 40 cold starts a day: average the noise down
			}
			var ev, iv ivRun
			for seed := uint64(1); seed <= seeds; seed++ {
				e, i := ivBothModels(t, sc, seed, false)
				ev.add(e)
				iv.add(i)
			}
			ivCheckSLO(t, sc, ev, iv)
			rel := func(a, b float64) float64 { return (b - a) / a }
			t.Logf("invocations %+.2f%%, cost %+.2f%%, cold starts %d/%d (%+.1f%%), interval p95 %+.2f%%, throttles %d/%d",
				100*rel(float64(ev.inv), float64(iv.inv)), 100*rel(ev.cost, iv.cost), ev.cold, iv.cold, 100*rel(float64(ev.cold), float64(iv.cold)), 100*rel(ev.p95, iv.p95), ev.thr, iv.thr)
			for _, c := range []struct {
				what        string
				ev, iv, tol float64
			}{
				{"invocations", float64(ev.inv), float64(iv.inv), invTol},
				{"cost", ev.cost, iv.cost, costTol},
				{"cold starts", float64(ev.cold), float64(iv.cold), coldTol},
				{"mean interval p95", ev.p95, iv.p95, p95Tol},
				{"throttles", float64(max(ev.thr, 1)), float64(iv.thr), thrTol},
			} {
				if c.what == "throttles" && ev.thr == 0 && iv.thr == 0 {
					continue
				}
				if r := rel(c.ev, c.iv); math.Abs(r) > c.tol {
					t.Errorf("%s %g, event model %g (%+.2f%%, want within %.0f%%)", c.what, c.iv, c.ev, 100*r, 100*c.tol)
				}
			}
		})
	}
}

// add accumulates o's counts and cost (the percentiles are not summed).
func (r *ivRun) add(o ivRun) {
	r.cost += o.cost
	r.inv += o.inv
	r.cold += o.cold
	r.thr += o.thr
	r.to += o.to
	r.drops += o.drops
	r.miss += o.miss
	r.spill += o.spill
	r.seeds++
	r.maxConc += (o.maxConc - r.maxConc) / float64(r.seeds)
	r.util += (o.util - r.util) / float64(r.seeds)
	w0, w1 := float64(r.inv-o.inv), float64(o.inv)
	if w0+w1 > 0 {
		r.p95 = (r.p95*w0 + o.p95*w1) / (w0 + w1)
	}
}

// TestIntervalParityAsync compares the models on an asynchronous function whose reserved
// concurrency binds at the bursty pattern's peaks: throttled events are retried with backoff
// (and, with a 2-minute maximum age, dropped). The interval model gets the served events (within
// 1 %), the bill (1 %) and the dropped events (7 %) right, but with the default 6-hour age it
// under-counts the throttled retry attempts by about 20 % (it treats attempts as independent,
// while the event model's backoff bunches them in bursts) and with them the time events wait, so
// its latency percentiles of retried events are too low (run p95 43 s against 64 s) and it counts
// about 11 % fewer misses of a 1 s SLO (3 % more with the 2-minute age); the bounds below are what
// it holds.
func TestIntervalParityAsync(t *testing.T) {
	fn := ivBenchFunction()
	for _, tc := range []struct {
		name      string
		async     *AsyncOptions
		reserved  int
		dropTol   float64
		thrTol    float64
		sloTol    float64
		checkDrop bool
	}{
		{"default age, reserved 20", DefaultAsyncOptions(), 20, 0, 0.30, 0.15, false},
		{"2 min age, reserved 12", &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}, 12, 0.10, 0.05, 0.05, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fn
			f.Async = tc.async
			cfg := ivBenchConfig()
			cfg.Reserved = lambdatune.Reserve(tc.reserved)
			ev, iv := ivBothModels(t, ivScenario{name: tc.name, series: ivSeedPattern(workload.OriginalBursty, 10), fn: f, cfg: cfg, slo: ivTailSLO(f.Name)}, 1, true)
			t.Logf("SLO %v: misses %d/%d (%.2f%% of requests)", ivTailSLO(f.Name), ev.miss, iv.miss, 100*float64(ev.miss)/float64(ev.inv+ev.thr))
			t.Logf("invocations %d/%d, throttles %d/%d, dropped %d/%d, cost %.3f/%.3f USD, run p95 %.0f/%.0f ms", ev.inv, iv.inv, ev.thr, iv.thr, ev.drops, iv.drops, ev.cost, iv.cost, ev.runP95, iv.runP95)
			rel := func(a, b float64) float64 { return math.Abs(b-a) / a }
			if r := rel(float64(ev.inv), float64(iv.inv)); r > 0.015 {
				t.Errorf("invocations %d, event model %d (%.1f%% apart, want 1.5%%)", iv.inv, ev.inv, 100*r)
			}
			if r := rel(ev.cost, iv.cost); r > 0.015 {
				t.Errorf("cost %.3f, event model %.3f (%.1f%% apart, want 1.5%%)", iv.cost, ev.cost, 100*r)
			}
			if r := rel(float64(ev.thr), float64(iv.thr)); r > tc.thrTol {
				t.Errorf("throttles %d, event model %d (%.1f%% apart, want %.0f%%)", iv.thr, ev.thr, 100*r, 100*tc.thrTol)
			}
			// Retried events wait a second or more, so nearly every one misses the 1 s SLO: the
			// misses follow the retried events, which the model under-counts with the default age.
			if r := rel(float64(ev.miss), float64(iv.miss)); r > tc.sloTol {
				t.Errorf("SLO misses %d, event model %d (%.1f%% apart, want %.0f%%)", iv.miss, ev.miss, 100*r, 100*tc.sloTol)
			}
			if tc.checkDrop {
				if r := rel(float64(ev.drops), float64(iv.drops)); r > tc.dropTol {
					t.Errorf("dropped %d, event model %d (%.1f%% apart, want %.0f%%)", iv.drops, ev.drops, 100*r, 100*tc.dropTol)
				}
			}
		})
	}
}
