package lambdasim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// Both the account and each function's view are Platforms.
var (
	_ lambdatune.Platform = (*IntervalSim)(nil)
	_ lambdatune.Platform = (*FunctionPlatform)(nil)
)

// ivConst returns a series of n one-minute intervals of c requests each.
func ivConst(n int, c float64) workload.Series {
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = c
	}
	return workload.Series{Start: ivGrid(0).Start, Step: time.Minute, Counts: counts}
}

func ivMust(t testing.TB, fn Function, cfg lambdatune.Config, s workload.Series, opts Options) *IntervalSim {
	t.Helper()
	l, err := NewLoad(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewInterval(opts, Deployment{Function: fn, Config: cfg, Arrivals: l})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func ivSteps(t testing.TB, p lambdatune.Platform, n int) []lambdatune.Metrics {
	t.Helper()
	return ivRunPlatform(t, p, n, nil)
}

// TestIntervalMonthDeterministic runs a simulated month of one-minute intervals with a
// configuration change every hour, twice: the metrics must be identical (and the month must run:
// it takes well under a second).
func TestIntervalMonthDeterministic(t *testing.T) {
	const month = 30 * 24 * 60
	s := ivBenchSeries(t, month)
	change := func(i int) *lambdatune.Config {
		if i%60 != 0 {
			return nil
		}
		c := ivBenchConfig()
		c.MemoryMB = []int{512, 1024, 2048}[(i/60)%3]
		c.Provisioned = []int{0, 10}[(i/180)%2]
		return &c
	}
	run := func() []lambdatune.Metrics {
		return ivRunPlatform(t, ivNewBench(t, s), month, change)
	}
	a, b := run(), run()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same inputs, different metrics (-first +second):\n%s", diff)
	}
	var inv int64
	for _, m := range a {
		inv += m.Invocations
	}
	if want := s.Total(); math.Abs(float64(inv)-want) > 1 {
		t.Errorf("%d invocations in the month, want the series' %.0f (nothing throttled)", inv, want)
	}
}

// TestIntervalLoadMatchesCounting checks the fast path (a Load's expected counts) against the same
// model fed the Poisson arrivals themselves: the totals agree within the arrivals' noise.
func TestIntervalLoadMatchesCounting(t *testing.T) {
	s := ivBenchSeries(t, 1440)
	fast := ivAggregate(ivSteps(t, ivNewBench(t, s), 1440))
	l, err := NewLoad(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewInterval(Options{Seed: 1}, Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: ivCounted{l}})
	if err != nil {
		t.Fatal(err)
	}
	counted := ivAggregate(ivSteps(t, is, 1440))
	for _, c := range []struct {
		name       string
		fast, slow float64
		tol        float64
	}{
		{"invocations", float64(fast.inv), float64(counted.inv), 0.005},
		{"cost", fast.cost, counted.cost, 0.005},
		{"cold starts", float64(fast.cold), float64(counted.cold), 0.05},
		{"p95", fast.p95, counted.p95, 0.005},
	} {
		if math.Abs(c.fast-c.slow)/c.slow > c.tol {
			t.Errorf("%s: %g from the series, %g from counted arrivals (> %.1f%% apart)", c.name, c.fast, c.slow, 100*c.tol)
		}
	}
}

func TestIntervalApplyValidates(t *testing.T) {
	is := ivNewBench(t, ivConst(10, 100))
	ctx := context.Background()
	before, _ := is.Config(ctx)
	for _, bad := range []lambdatune.Config{
		{MemoryMB: 64, Timeout: time.Second},
		{MemoryMB: 512, Timeout: 1500 * time.Millisecond},
		{MemoryMB: 512, Timeout: time.Second, Reserved: lambdatune.Reserve(950)},
		{MemoryMB: 512, Timeout: time.Second, Reserved: lambdatune.Reserve(5), Provisioned: 6},
	} {
		err := is.Apply(ctx, bad)
		var ce *lambdatune.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("Apply(%v) = %v, want a *lambdatune.ConfigError", bad, err)
		}
	}
	if after, _ := is.Config(ctx); after != before {
		t.Errorf("config changed by rejected Applies: %v, was %v", after, before)
	}
	if _, err := NewInterval(Options{}); err == nil {
		t.Error("NewInterval without deployments: no error")
	}
	if _, err := NewInterval(Options{Interval: time.Microsecond}, Deployment{Function: ivBenchFunction(), Config: ivBenchConfig()}); err == nil {
		t.Error("NewInterval with a 1µs interval: no error")
	}
	if _, err := NewInterval(Options{}, Deployment{Function: Function{}, Config: ivBenchConfig()}); err == nil {
		t.Error("NewInterval with a function without Duration: no error")
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := is.Next(ctx2); !errors.Is(err, context.Canceled) {
		t.Errorf("Next on a cancelled context = %v, want context.Canceled", err)
	}
}

// TestIntervalArchitecturePrices: a change of architecture changes the duration rate from the next
// interval on, and an architecture the prices do not cover is refused when applied, not later (by
// both models).
func TestIntervalArchitecturePrices(t *testing.T) {
	ctx := context.Background()
	l, err := NewLoad(ivConst(3, 600), 1)
	if err != nil {
		t.Fatal(err)
	}
	fn := Function{Name: "fixed", Duration: Flat{Constant(100 * time.Millisecond)}, Runtime: RuntimeGo}
	is, err := NewInterval(Options{Seed: 1}, Deployment{Function: fn, Config: ivBenchConfig(), Arrivals: l})
	if err != nil {
		t.Fatal(err)
	}
	perGBs := func(m lambdatune.Metrics) float64 {
		return m.Cost.Duration / (float64(m.Usage.ComputeMBms) / lambdatune.MBmsPerGBs)
	}
	m0, _ := is.Next(ctx)
	arm := ivBenchConfig()
	arm.Architecture = lambdatune.ARM64
	if err := is.Apply(ctx, arm); err != nil {
		t.Fatal(err)
	}
	is.Next(ctx) // the new environments' cold starts
	m2, _ := is.Next(ctx)
	if got, want := perGBs(m0), 0.0000166667; math.Abs(got-want) > 1e-12 {
		t.Errorf("x86_64 duration price %.10f per GB-s, want %.10f", got, want)
	}
	if got, want := perGBs(m2), 0.0000133334; math.Abs(got-want) > 1e-12 {
		t.Errorf("arm64 duration price %.10f per GB-s, want %.10f", got, want)
	}
	// Both models refuse an architecture without prices when it is applied, not at the next step.
	x86Only := lambdatune.DefaultPrices()
	delete(x86Only.Arch, lambdatune.ARM64)
	for _, model := range []struct {
		name string
		make func(Options, ...Deployment) (lambdatune.Platform, error)
	}{
		{"event", func(o Options, d ...Deployment) (lambdatune.Platform, error) { return New(o, d...) }},
		{"interval", func(o Options, d ...Deployment) (lambdatune.Platform, error) { return NewInterval(o, d...) }},
	} {
		p, err := model.make(Options{Seed: 1, Prices: &x86Only}, Deployment{Function: fn, Config: ivBenchConfig(), Arrivals: l})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(ctx, arm); err == nil || !strings.Contains(err.Error(), "arm64") {
			t.Errorf("%s model: Apply(arm64) without arm64 prices = %v, want an error naming arm64", model.name, err)
		}
		if c, _ := p.Config(ctx); c.Arch() != lambdatune.X86_64 {
			t.Errorf("%s model: config after the refused Apply: %v", model.name, c)
		}
		if _, err := p.Next(ctx); err != nil {
			t.Errorf("%s model: Next after the refused Apply: %v", model.name, err)
		}
		if _, err := model.make(Options{Prices: &x86Only}, Deployment{Function: fn, Config: arm, Arrivals: l}); err == nil {
			t.Errorf("%s model: arm64 deployed without arm64 prices: no error", model.name)
		}
	}
}

// TestIntervalConfigChangeColdStarts: a memory change sends new requests to new environments, so
// the interval after it cold-starts about as many environments as it keeps busy at its peak; a
// change of reserved concurrency alone does not.
func TestIntervalConfigChangeColdStarts(t *testing.T) {
	is := ivMust(t, ivBenchFunction(), ivBenchConfig(), ivConst(40, 2000), Options{})
	ms := ivSteps(t, is, 20)
	if c := ms[19].ColdStarts; c != 0 {
		t.Fatalf("steady state: %d cold starts per interval, want 0", c)
	}
	ctx := context.Background()
	c := ivBenchConfig()
	c.Reserved = lambdatune.Reserve(200)
	if err := is.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if m, _ := is.Next(ctx); m.ColdStarts != 0 {
		t.Errorf("after a reserved-concurrency change: %d cold starts, want 0", m.ColdStarts)
	}
	c.MemoryMB = 1024
	if err := is.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	m, _ := is.Next(ctx)
	if lo, hi := int64(0.8*float64(m.MaxConcurrency)), int64(1.2*float64(m.MaxConcurrency)); m.ColdStarts < lo || m.ColdStarts > hi {
		t.Errorf("after a memory change: %d cold starts, want about the %d environments busy at the peak", m.ColdStarts, m.MaxConcurrency)
	}
	if m.Duration.Mean >= ms[19].Duration.Mean {
		t.Errorf("doubling memory: mean duration %.1f ms, was %.1f ms, want lower (CPU model)", m.Duration.Mean, ms[19].Duration.Mean)
	}
}

// TestIntervalErlangB: with a concurrency cap and no cold starts (no INIT), the throttled share is
// Erlang's loss formula.
func TestIntervalErlangB(t *testing.T) {
	fn := Function{Duration: Flat{Exponential(500 * time.Millisecond)}, Init: Constant(0), MaxLifetime: -1}
	for _, tc := range []struct {
		rate float64 // requests per second
		cap  int
	}{{20, 10}, {20, 8}, {100, 60}, {5, 6}} {
		cfg := bigConfig()
		cfg.Reserved = lambdatune.Reserve(tc.cap)
		is := ivMust(t, fn, cfg, ivConst(30, tc.rate*60), Options{})
		r := ivAggregate(ivSteps(t, is, 30))
		want, _ := ErlangB(tc.cap, tc.rate*0.5)
		got := float64(r.thr) / float64(r.thr+r.inv)
		if math.Abs(got-want) > 0.02*want+1e-3 {
			t.Errorf("λ = %g/s, cap %d: throttled share %.5f, Erlang-B %.5f", tc.rate, tc.cap, got, want)
		}
	}
}

// TestIntervalProvisioned: provisioned concurrency is ready after the allocation delay, serves
// first, spills over to on-demand, and is billed from the request.
func TestIntervalProvisioned(t *testing.T) {
	is := ivMust(t, ivBenchFunction(), ivBenchConfig(), ivConst(20, 1200), Options{ProvisioningDelay: Constant(90 * time.Second)})
	ctx := context.Background()
	ivSteps(t, is, 5)
	c := ivBenchConfig()
	c.Provisioned = 8
	if err := is.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	ms := ivSteps(t, is, 1)
	if err := is.Apply(ctx, c); err != nil { // the same again: the allocation goes on
		t.Fatal(err)
	}
	ms = append(ms, ivSteps(t, is, 3)...)
	// Ready at 90 s: in force at the end of the second interval (as CloudWatch's configuration
	// would show it), serving half of it.
	for i, want := range []int{0, 8, 8, 8} {
		if ms[i].Config.Provisioned != want {
			t.Errorf("interval %d after the request: %d provisioned ready, want %d", i+1, ms[i].Config.Provisioned, want)
		}
		if ms[i].Usage.ProvisionedMBms != 8*512*60_000 {
			t.Errorf("interval %d: provisioned capacity %d MB·ms, want %d (billed from the request)", i+1, ms[i].Usage.ProvisionedMBms, 8*512*60_000)
		}
	}
	m := ms[3]
	// a = 20/s × 0.455 s ≈ 9.1 erlangs on 8 provisioned environments.
	bp, _ := ErlangB(8, 20*m.Duration.Mean/1000)
	if got := float64(m.SpilloverInvocations) / float64(m.Invocations); math.Abs(got-bp) > 0.01 {
		t.Errorf("spill-over share %.3f, want Erlang-B(8, a) = %.3f", got, bp)
	}
	if m.ProvisionedInvocations+m.SpilloverInvocations != m.Invocations {
		t.Errorf("provisioned %d + spill-over %d != invocations %d", m.ProvisionedInvocations, m.SpilloverInvocations, m.Invocations)
	}
	if m.ProvisionedUtilization <= 0.9 || m.ProvisionedUtilization > 1 {
		t.Errorf("provisioned utilization %.3f, want near 1 at 9 erlangs on 8", m.ProvisionedUtilization)
	}
	if m.Usage.ProvisionedComputeMBms == 0 || m.Cost.Provisioned == 0 {
		t.Errorf("no provisioned duration or capacity billed: %+v", m.Usage)
	}
}

// TestIntervalTimeouts: invocations longer than the timeout stop at it, count as errors and
// timeouts, are billed to the timeout, and reset their environment (one cold start each).
func TestIntervalTimeouts(t *testing.T) {
	fn := Function{Duration: Flat{LogNormal(800*time.Millisecond, 0.6)}, Runtime: RuntimeGo}
	cfg := ivBenchConfig()
	cfg.Timeout = time.Second
	is := ivMust(t, fn, cfg, ivConst(60, 600), Options{})
	r := ivAggregate(ivSteps(t, is, 60))
	d := LogNormal(800*time.Millisecond, 0.6)
	pTO := 1 - distCDF(&d, 1e9)
	if got := float64(r.to) / float64(r.inv); math.Abs(got-pTO) > 0.005 {
		t.Errorf("timeout share %.4f, want P(D > 1 s) = %.4f", got, pTO)
	}
	if r.cold < r.to*9/10 {
		t.Errorf("%d cold starts for %d timeouts, want at least one per timeout (reset environments)", r.cold, r.to)
	}
	m := is.Metrics(0)
	if m.Latency.P99 > 1000+60 || m.Duration.Max > 1000.5 {
		t.Errorf("latency p99 %.1f ms, duration max %.1f ms: beyond the 1 s timeout", m.Latency.P99, m.Duration.Max)
	}
	if m.Errors < m.Timeouts {
		t.Errorf("%d errors < %d timeouts", m.Errors, m.Timeouts)
	}
}

// TestIntervalAsync: an asynchronous function that cannot run (reserved 0) throttles every attempt
// and drops every event after its maximum age; with room, throttled events get through later.
func TestIntervalAsync(t *testing.T) {
	fn := ivBenchFunction()
	fn.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}
	off := ivBenchConfig()
	off.Reserved = lambdatune.Reserve(0)
	is := ivMust(t, fn, off, ivConst(30, 100), Options{})
	r := ivAggregate(ivSteps(t, is, 30))
	if r.inv != 0 {
		t.Errorf("%d invocations with reserved concurrency 0", r.inv)
	}
	if r.drops < 2500 || r.drops > 3000 {
		t.Errorf("%d events dropped of 3,000, want all but the last few minutes' (max age 2 min)", r.drops)
	}
	if r.thr <= 3000 {
		t.Errorf("%d throttles for 3,000 events, want more (every retry attempt counts)", r.thr)
	}
	// Room for most of the load: the retried events run in later intervals.
	part := ivBenchConfig()
	part.Reserved = lambdatune.Reserve(6)
	fn.Async = DefaultAsyncOptions()
	is = ivMust(t, fn, part, ivConst(60, 600), Options{})
	r = ivAggregate(ivSteps(t, is, 60))
	if r.thr == 0 || r.drops != 0 {
		t.Errorf("%d throttles, %d dropped: want throttles and no drops (6 h maximum age)", r.thr, r.drops)
	}
	if float64(r.inv) < 0.9*36000 {
		t.Errorf("%d invocations of 36,000 events, want most to get through on retries", r.inv)
	}
}

// TestIntervalSharedAccount: two unreserved functions share the account's unreserved pool.
func TestIntervalSharedAccount(t *testing.T) {
	fn := Function{Duration: Flat{Constant(time.Second)}, Init: Constant(0), MaxLifetime: -1}
	cfg := bigConfig()
	mk := func(rate float64) Deployment {
		l, err := NewLoad(ivConst(10, rate*60), 1)
		if err != nil {
			t.Fatal(err)
		}
		return Deployment{Function: fn, Config: cfg, Arrivals: l}
	}
	lim := lambdatune.Limits{AccountConcurrency: 200, MinUnreserved: 100}
	is, err := NewInterval(Options{Limits: lim}, mk(150), mk(150))
	if err != nil {
		t.Fatal(err)
	}
	var ms []lambdatune.Metrics
	for range 10 {
		if ms, err = is.Step(context.Background(), ms[:0]); err != nil {
			t.Fatal(err)
		}
	}
	total := ms[0].Invocations + ms[1].Invocations
	// 300 erlangs offered to 200 environments: about 200/s get through.
	if total < 190*60 || total > 205*60 {
		t.Errorf("%d invocations per minute for two functions sharing 200 environments, want about 12,000", total)
	}
	if ms[0].Throttles == 0 || ms[1].Throttles == 0 {
		t.Errorf("throttles %d and %d, want both throttled", ms[0].Throttles, ms[1].Throttles)
	}
}

// TestIntervalErrorDiffusion: rounding keeps running totals within one of the expectations.
func TestIntervalErrorDiffusion(t *testing.T) {
	var r ivRound
	var sum float64
	var got int64
	for i := range 10000 {
		x := 0.37 + 0.01*float64(i%7)
		sum += x
		got += r.take(x)
		if math.Abs(float64(got)-sum) > 0.5+1e-9 {
			t.Fatalf("after %d steps: %d emitted for %.3f expected", i+1, got, sum)
		}
	}
}

// TestIntervalLoadOtherStep: a Load whose step differs from the simulation's interval is spread
// over the intervals by overlap (a piecewise-constant rate).
func TestIntervalLoadOtherStep(t *testing.T) {
	s := ivBenchSeries(t, 60)
	for _, iv := range []time.Duration{30 * time.Second, 5 * time.Minute, 7 * time.Minute} {
		l, err := NewLoad(s, 1)
		if err != nil {
			t.Fatal(err)
		}
		is, err := NewInterval(Options{Interval: iv}, Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l})
		if err != nil {
			t.Fatal(err)
		}
		n := int(time.Hour / iv)
		ms := ivSteps(t, is, n)
		var got int64
		for _, m := range ms {
			got += m.Invocations
		}
		covered := 0.0 // the series' requests in the n intervals
		for i, c := range s.Counts {
			covered += c * min(1, max(0, float64(time.Duration(n)*iv-time.Duration(i)*time.Minute)/float64(time.Minute)))
		}
		if math.Abs(float64(got)-covered) > 1 {
			t.Errorf("interval %v: %d invocations in %d intervals, want %.0f", iv, got, n, covered)
		}
		// The first interval holds its share of the series.
		want := 0.0
		for i := 0; i < int((iv+time.Minute-1)/time.Minute); i++ {
			w := min(time.Minute, iv-time.Duration(i)*time.Minute)
			want += s.Counts[i] * float64(w) / float64(time.Minute)
		}
		if d := math.Abs(float64(ms[0].Invocations) - want); d > 1 {
			t.Errorf("interval %v: %d invocations in the first, want %.1f", iv, ms[0].Invocations, want)
		}
	}
}

// TestIntervalFunctionPlatforms: per-function platforms advance the account in lockstep, like Sim's.
func TestIntervalFunctionPlatforms(t *testing.T) {
	mk := func() Deployment {
		l, err := NewLoad(ivConst(10, 600), 1)
		if err != nil {
			t.Fatal(err)
		}
		return Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l}
	}
	is, err := NewInterval(Options{}, mk(), mk())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := is.Function(0), is.Function(1)
	ma, err := a.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Next(ctx); err == nil {
		t.Error("function 0 asked for interval 2 before function 1 read interval 1: no error")
	}
	mb, err := b.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ma.Start != mb.Start || ma.Invocations != mb.Invocations {
		t.Errorf("same interval, same load: %v %d and %v %d", ma.Start, ma.Invocations, mb.Start, mb.Invocations)
	}
	c := ivBenchConfig()
	c.MemoryMB = 2048
	if err := b.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Config(ctx); got.MemoryMB != 2048 {
		t.Errorf("function 1 config %v after Apply, want 2048 MB", got)
	}
	if got, _ := a.Config(ctx); got.MemoryMB != 512 {
		t.Errorf("function 0 config %v, want it unchanged", got)
	}
	if _, err := is.Function(2).Next(ctx); err == nil {
		t.Error("Function(2) of two: no error")
	}
	if is.Len() != 2 || !is.Now().Equal(DefaultStart().Add(time.Minute)) {
		t.Errorf("Len %d, Now %v", is.Len(), is.Now())
	}
}

// TestIntervalRobust drives random functions, configurations and loads (idle intervals, spikes,
// tiny and huge counts, configuration changes every few intervals) and checks every Metrics for
// finite, consistent values.
func TestIntervalRobust(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	dists := func() Dist {
		switch r.IntN(4) {
		case 0:
			return Constant(time.Duration(1+r.IntN(2000)) * time.Millisecond)
		case 1:
			return Exponential(time.Duration(1+r.IntN(3000)) * time.Millisecond)
		case 2:
			return LogNormal(time.Duration(1+r.IntN(1500))*time.Millisecond, 2*r.Float64())
		}
		lo := time.Duration(1+r.IntN(500)) * time.Millisecond
		return Uniform(lo, lo+time.Duration(r.IntN(500))*time.Millisecond)
	}
	randConfig := func() lambdatune.Config {
		c := lambdatune.DefaultConfig()
		c.MemoryMB = 128 + r.IntN(10240-128+1)
		c.Timeout = time.Duration(1+r.IntN(20)) * time.Second
		if r.IntN(3) == 0 {
			c.Reserved = lambdatune.Reserve(r.IntN(60))
		}
		if r.IntN(3) == 0 {
			c.Provisioned = r.IntN(40)
			if c.Reserved.Set {
				c.Provisioned = min(c.Provisioned, c.Reserved.N)
			}
		}
		if r.IntN(2) == 0 {
			c.Architecture = lambdatune.ARM64
		}
		if r.IntN(4) == 0 {
			c.EphemeralStorageMB = 512 + r.IntN(4096)
		}
		return c
	}
	for trial := range 40 {
		fn := Function{Name: fmt.Sprint("f", trial), Duration: Flat{dists()}, Init: dists(), ErrorRate: r.Float64() * 0.2}
		switch r.IntN(4) {
		case 0:
			fn.Duration = CPUModel{CPUTime: time.Duration(1+r.IntN(3000)) * time.Millisecond, IOTime: time.Duration(r.IntN(500)) * time.Millisecond, Spread: r.Float64(), Parallelism: float64(1 + r.IntN(4))}
		case 1:
			fn.ColdDuration = dists()
		}
		if r.IntN(3) == 0 {
			fn.KeepAlive = Exponential(time.Duration(1+r.IntN(1200)) * time.Second)
		}
		if r.IntN(3) == 0 {
			fn.MaxLifetime = -1
		}
		if r.IntN(3) == 0 {
			fn.Async = &AsyncOptions{MaxEventAge: time.Duration(60+r.IntN(6*3600-60)) * time.Second, MaxRetryAttempts: r.IntN(3)}
		}
		counts := make([]float64, 120)
		for i := range counts {
			switch r.IntN(6) {
			case 0: // idle
			case 1:
				counts[i] = r.Float64() * 3
			case 2:
				counts[i] = r.Float64() * 200000
			default:
				counts[i] = r.Float64() * 5000
			}
		}
		cfg := randConfig()
		is := ivMust(t, fn, cfg, workload.Series{Start: ivGrid(0).Start, Step: time.Minute, Counts: counts}, Options{Seed: uint64(trial)})
		ctx := context.Background()
		var offered float64
		var inv, thr, drop int64
		for i := range counts {
			offered += counts[i]
			if r.IntN(5) == 0 {
				if err := is.Apply(ctx, randConfig()); err != nil {
					var ce *lambdatune.ConfigError
					if !errors.As(err, &ce) {
						t.Fatalf("trial %d: Apply: %v", trial, err)
					}
				}
			}
			m, err := is.Next(ctx)
			if err != nil {
				t.Fatalf("trial %d interval %d: %v", trial, i, err)
			}
			for name, v := range map[string]float64{
				"Latency.Mean": m.Latency.Mean, "Latency.P50": m.Latency.P50, "Latency.P99": m.Latency.P99, "Latency.Max": m.Latency.Max,
				"Duration.P95": m.Duration.P95, "Utilization": m.ProvisionedUtilization, "Cost": m.Cost.Total(),
			} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("trial %d interval %d: %s = %v (%+v)", trial, i, name, v, m)
				}
			}
			if m.Invocations < 0 || m.Throttles < 0 || m.ColdStarts > m.Invocations || m.Errors > m.Invocations || m.Timeouts > m.Errors ||
				m.ProvisionedInvocations > m.Invocations || m.MaxConcurrency < 0 || m.ProvisionedUtilization > 1 {
				t.Fatalf("trial %d interval %d: inconsistent metrics %+v", trial, i, m)
			}
			if m.Invocations > 0 && !(m.Latency.P50 <= m.Latency.P99+1e-9 && m.Latency.P99 <= m.Latency.Max+1e-6) {
				t.Fatalf("trial %d interval %d: percentiles out of order %+v", trial, i, m.Latency)
			}
			inv += m.Invocations
			thr += m.Throttles
			drop += m.AsyncEventsDropped
		}
		if fn.Async == nil && math.Abs(float64(inv+thr)-offered) > 2+1e-6*offered {
			t.Errorf("trial %d: %d invocations + %d throttles for %.0f requests", trial, inv, thr, offered)
		}
		if fn.Async != nil && float64(inv+drop) > offered*1.5+10 {
			t.Errorf("trial %d: %d invocations + %d dropped for %.0f events", trial, inv, drop, offered)
		}
	}
}

// TestIntervalNoAllocs: once warmed up, a step allocates nothing, also for an asynchronous function
// with provisioned concurrency, throttles and few invocations per interval.
func TestIntervalNoAllocs(t *testing.T) {
	for _, keep := range []Dist{{}, Exponential(10 * time.Minute)} { // fixed 10 minutes; a geometric tail
		fn := ivBenchFunction()
		fn.Async = DefaultAsyncOptions()
		fn.KeepAlive = keep
		cfg := ivBenchConfig()
		cfg.Reserved, cfg.Provisioned = lambdatune.Reserve(20), 5
		counts := make([]float64, 3000)
		for i := range counts {
			counts[i] = float64((i * 37) % 2900) // from idle to overload
		}
		is := ivMust(t, fn, cfg, workload.Series{Start: ivGrid(0).Start, Step: time.Minute, Counts: counts}, Options{})
		ctx := context.Background()
		ivSteps(t, is, 2000) // warm up: caches and buffers reach their size
		if n := testing.AllocsPerRun(500, func() {
			if _, err := is.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("keep-alive %v: %.1f allocations per step, want 0", keep, n)
		}
	}
}

// TestIntervalSparse runs intervals of a few invocations each, where the percentiles are expected
// sample percentiles (including 19.5–20 invocations, which round to 20), and holds the Duration
// percentiles cached per configuration to the ones computed afresh.
func TestIntervalSparse(t *testing.T) {
	counts := []float64{0.3, 1, 2.5, 5, 9.4, 12, 19.5, 19.7, 19.99, 25}
	series := workload.Series{Start: ivGrid(0).Start, Step: time.Minute, Counts: counts}
	is := ivMust(t, ivBenchFunction(), ivBenchConfig(), series, Options{})
	ctx := context.Background()
	for i := range counts {
		m, err := is.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []lambdatune.Distribution{m.Duration, m.Latency} {
			if m.Invocations > 0 && !(d.P50 > 0 && d.P50 <= d.P90 && d.P90 <= d.P95 && d.P95 <= d.P99 && d.P99 <= d.Max) {
				t.Errorf("interval %d (%v requests): percentiles %+v not ordered", i, counts[i], d)
			}
		}
	}
	f := is.fns[0]
	sh := f.shape
	for _, n := range []float64{1, 3, 9.4, 19.6} {
		fresh := f.distribution(sh.fWarm, sh.fColdDur, 0, 1e8, n, nil)
		for range 2 { // computed, then from the cache
			if diff := cmp.Diff(fresh, f.distribution(sh.fWarm, sh.fColdDur, 0.2, 1e8, n, &sh.durQ)); diff != "" {
				t.Errorf("n = %v: cached Duration percentiles differ (-fresh +cached):\n%s", n, diff)
			}
		}
		// The cold fraction changes nothing but rounding (the Duration tables are the same).
		if diff := cmp.Diff(fresh, f.distribution(sh.fWarm, sh.fColdDur, 0.2, 1e8, n, nil), cmpopts.EquateApprox(1e-12, 0)); diff != "" {
			t.Errorf("n = %v: Duration percentiles depend on the cold fraction (-pc 0 +pc 0.2):\n%s", n, diff)
		}
	}
}
