package lambdasim

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

func TestMemoryIncreaseLowersDuration(t *testing.T) {
	model := CPUModel{CPUTime: time.Second, IOTime: 50 * time.Millisecond, Spread: 0.2}
	fn := Function{Duration: model, Runtime: RuntimeGo}
	s := mustNew(t, Options{Seed: 3}, Deployment{Function: fn, Config: cfgMem(512), Arrivals: newPoisson(5, 2)})
	ctx := context.Background()
	meanAt := func() float64 {
		var sum, n float64
		for range 10 {
			m, err := s.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sum += m.Duration.Mean * float64(m.Invocations)
			n += float64(m.Invocations)
		}
		return sum / n
	}
	prev := math.Inf(1)
	for _, mem := range []int{512, 1024, 1769, 3538} {
		if err := s.Apply(ctx, cfgMem(mem)); err != nil {
			t.Fatal(err)
		}
		got := meanAt()
		want := float64(model.Mean(mem, lambdatune.X86_64)) / 1e6
		t.Logf("%5d MB: mean duration %.1f ms, model %.1f ms", mem, got, want)
		if math.Abs(got-want)/want > 0.03 {
			t.Errorf("%d MB: mean duration %.1f ms, want %.1f ms ± 3 %%", mem, got, want)
		}
		if mem <= 1769 && got >= prev {
			t.Errorf("%d MB: duration %.1f ms did not fall from %.1f ms", mem, got, prev)
		}
		prev = got
	}
	// A single-threaded function gains nothing above 1 vCPU.
	if a, b := model.Mean(1769, ""), model.Mean(3538, ""); a != b {
		t.Errorf("single-threaded: %v at 1769 MB, %v at 3538 MB, want equal", a, b)
	}
	model.Parallelism = 2
	if a, b := model.Mean(1769, ""), model.Mean(3538, ""); b >= a {
		t.Errorf("two threads: %v at 1769 MB, %v at 3538 MB, want faster", a, b)
	}
}

func TestConfigChangeCausesColdStarts(t *testing.T) {
	fn := Function{Duration: Flat{Constant(200 * time.Millisecond)}, Init: Constant(300 * time.Millisecond)}
	for _, change := range []struct {
		name string
		edit func(*lambdatune.Config)
		cold bool
	}{
		{"memory", func(c *lambdatune.Config) { c.MemoryMB = 1024 }, true},
		{"timeout", func(c *lambdatune.Config) { c.Timeout = 30 * time.Second }, true},
		{"architecture", func(c *lambdatune.Config) { c.Architecture = lambdatune.ARM64 }, true},
		{"reserved", func(c *lambdatune.Config) { c.Reserved = lambdatune.Reserve(100) }, false},
	} {
		t.Run(change.name, func(t *testing.T) {
			s := mustNew(t, Options{Seed: 1}, Deployment{Function: fn, Config: cfgMem(512), Arrivals: newPoisson(50, 1)})
			ms := collect(t, s, 3)
			if ms[2].ColdStarts != 0 {
				t.Fatalf("warm interval has %d cold starts, want 0", ms[2].ColdStarts)
			}
			c := cfgMem(512)
			change.edit(&c)
			if err := s.Apply(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			m := collect(t, s, 1)[0]
			t.Logf("after the %s change: %d cold starts (max concurrency %d)", change.name, m.ColdStarts, m.MaxConcurrency)
			if change.cold && m.ColdStarts < 5 {
				t.Errorf("%d cold starts after a %s change, want new environments (>= 5)", m.ColdStarts, change.name)
			}
			if !change.cold && m.ColdStarts != 0 {
				t.Errorf("%d cold starts after a %s change, want 0", m.ColdStarts, change.name)
			}
			if m.Config != c {
				t.Errorf("Metrics.Config = %v, want %v", m.Config, c)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	run := func(seed uint64) []lambdatune.Metrics {
		fn := Function{Duration: CPUModel{CPUTime: 400 * time.Millisecond, IOTime: 80 * time.Millisecond, Spread: 0.5},
			KeepAlive: Exponential(3 * time.Minute), ErrorRate: 0.01, Async: DefaultAsyncOptions()}
		c := cfgMem(512)
		c.Reserved = lambdatune.Reserve(20)
		s := mustNew(t, Options{Seed: seed}, Deployment{Function: fn, Config: c, Arrivals: newPoisson(40, seed)})
		ms := collect(t, s, 5)
		c.MemoryMB, c.Provisioned = 1024, 5
		if err := s.Apply(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		return append(ms, collect(t, s, 5)...)
	}
	a, b := run(42), run(42)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("two runs with seed 42 differ (-first +second):\n%s", d)
	}
	if cmp.Equal(a, run(43)) {
		t.Error("seeds 42 and 43 give identical metrics")
	}
}

func TestApplyValidates(t *testing.T) {
	s := mustNew(t, Options{}, Deployment{Function: Function{Duration: Flat{Constant(time.Second)}}, Config: cfgMem(256)})
	ctx := context.Background()
	cases := []struct {
		name  string
		c     lambdatune.Config
		field string
	}{
		{"memory", lambdatune.Config{MemoryMB: 64, Timeout: time.Second}, "MemoryMB"},
		{"timeout", lambdatune.Config{MemoryMB: 256, Timeout: 1000 * time.Second}, "Timeout"},
		{"reserved above the account", lambdatune.Config{MemoryMB: 256, Timeout: time.Second, Reserved: lambdatune.Reserve(950)}, "Reserved.N"},
		{"provisioned above reserved", lambdatune.Config{MemoryMB: 256, Timeout: time.Second, Reserved: lambdatune.Reserve(5), Provisioned: 6}, "Provisioned"},
	}
	for _, tc := range cases {
		err := s.Apply(ctx, tc.c)
		var ce *lambdatune.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: Apply error %v, want a *ConfigError on %s", tc.name, err, tc.field)
		}
		if got, _ := s.Config(ctx); got != cfgMem(256) {
			t.Errorf("%s: config changed to %v after a rejected Apply", tc.name, got)
		}
	}
	if _, err := New(Options{}, Deployment{Function: Function{}, Config: cfgMem(256)}); err == nil || !strings.Contains(err.Error(), "Duration") {
		t.Errorf("New without a duration model: error %v, want one naming Duration", err)
	}
}

func TestTimeoutResetsEnvironment(t *testing.T) {
	// Durations of 2 s against a 1 s timeout: every invocation times out, is billed 1 s, and the next
	// one on the same environment pays INIT again.
	fn := Function{Duration: Flat{Constant(2 * time.Second)}, Init: Constant(100 * time.Millisecond)}
	c := cfgMem(1024)
	c.Timeout = time.Second
	s := mustNew(t, Options{}, Deployment{Function: fn, Config: c, Arrivals: &periodic{gap: 5 * time.Second, n: 10}})
	m := collect(t, s, 1)[0]
	want := lambdatune.Metrics{Invocations: 10, Errors: 10, Timeouts: 10, ColdStarts: 10}
	got := lambdatune.Metrics{Invocations: m.Invocations, Errors: m.Errors, Timeouts: m.Timeouts, ColdStarts: m.ColdStarts}
	if got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	if m.Usage.ComputeMBms != 10*1024*1000 {
		t.Errorf("ComputeMBms = %d, want 10 × 1024 MB × 1000 ms (billed to the timeout)", m.Usage.ComputeMBms)
	}
	if s.Stats(0).Environments != 1 {
		t.Errorf("%d environments, want 1 reused (reset, not replaced)", s.Stats(0).Environments)
	}
}

func TestKeepAliveAndLifetime(t *testing.T) {
	cases := []struct {
		name      string
		keep      Dist
		life      time.Duration
		gap       time.Duration
		wantColds int64
	}{
		{"within keep-alive", Dist{}, -1, 9 * time.Minute, 1},
		{"beyond keep-alive", Dist{}, -1, 11 * time.Minute, 6},
		{"custom keep-alive", Constant(30 * time.Minute), -1, 20 * time.Minute, 1},
		{"lifetime", Constant(time.Hour), 45 * time.Minute, 10 * time.Minute, 2}, // at 0 and at 50 min
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := Function{Duration: Flat{Constant(time.Second)}, KeepAlive: tc.keep, MaxLifetime: tc.life}
			s := mustNew(t, Options{Interval: time.Hour}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &periodic{gap: tc.gap, n: 6}})
			runFor(t, s, 2)
			if got := s.Stats(0).ColdStarts; got != tc.wantColds {
				t.Errorf("%d cold starts, want %d", got, tc.wantColds)
			}
		})
	}
}

func TestNewestIdleFirst(t *testing.T) {
	// Environments 0 and 1 become idle at 1.0 s and 1.5 s; the request at 5 s must take environment 1,
	// the newest idle one (as AWS and SimFaaS do), and environment 0 then expires unused.
	fn := Function{Duration: Flat{Constant(time.Second)}, Init: Constant(0)}
	var log bytes.Buffer
	ts := []time.Duration{0, 500 * time.Millisecond, 5 * time.Second, 10*time.Minute + 1200*time.Millisecond}
	s := mustNew(t, Options{Interval: time.Hour, Log: &log}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: ts}})
	runFor(t, s, 1)
	rows, err := csv.NewReader(&log).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var envs, colds []string
	for _, r := range rows[1:] {
		envs, colds = append(envs, r[11]), append(colds, r[9])
	}
	if want := []string{"0", "1", "1", "1"}; !cmp.Equal(envs, want) {
		t.Errorf("environments used %v, want %v", envs, want)
	}
	if want := []string{"1", "1", "0", "0"}; !cmp.Equal(colds, want) {
		t.Errorf("cold flags %v, want %v", colds, want)
	}
	if s.Stats(0).Environments != 2 {
		t.Errorf("%d environments, want 2", s.Stats(0).Environments)
	}
}

func TestSyncThrottling(t *testing.T) {
	fn := Function{Duration: Flat{Constant(10 * time.Second)}}
	c := cfgMem(256)
	c.Reserved = lambdatune.Reserve(3)
	s := mustNew(t, Options{}, Deployment{Function: fn, Config: c, Arrivals: &periodic{gap: time.Second, n: 10}})
	m := collect(t, s, 1)[0]
	// Requests at 0..9 s: 3 run (0, 1, 2 s), 3..9 s are throttled except when one finishes at 10 s+.
	if m.Invocations != 3 || m.Throttles != 7 {
		t.Errorf("invocations %d, throttles %d, want 3 and 7", m.Invocations, m.Throttles)
	}
	if m.Usage.Requests != 3 {
		t.Errorf("billed requests %d, want 3 (throttles are not billed)", m.Usage.Requests)
	}
	if m.ThrottleRate() != 0.7 {
		t.Errorf("throttle rate %g, want 0.7", m.ThrottleRate())
	}
}

func TestAsyncRetries(t *testing.T) {
	// Reserved concurrency 1 and 30 s invocations: events arriving together queue through throttle
	// retries with backoff; with a 60 s maximum age some are dropped.
	fn := Function{Duration: Flat{Constant(30 * time.Second)}, Async: &AsyncOptions{MaxEventAge: time.Minute, MaxRetryAttempts: 2}}
	c := cfgMem(256)
	c.Reserved = lambdatune.Reserve(1)
	s := mustNew(t, Options{Interval: 10 * time.Minute}, Deployment{Function: fn, Config: c, Arrivals: &fixedTimes{ts: []time.Duration{0, 0, 0}}})
	m := collect(t, s, 1)[0]
	if m.Invocations != 2 || m.AsyncEventsDropped != 1 {
		t.Errorf("invocations %d, dropped %d, want 2 run and 1 dropped after 60 s", m.Invocations, m.AsyncEventsDropped)
	}
	if m.Throttles < 5 {
		t.Errorf("throttles %d, want every retry counted", m.Throttles)
	}
	// Function errors are retried twice, 1 and 2 minutes after the failure.
	fn = Function{Duration: Flat{Constant(time.Second)}, Init: Constant(0), ErrorRate: 1, Async: DefaultAsyncOptions()}
	var log bytes.Buffer
	s = mustNew(t, Options{Interval: 10 * time.Minute, Log: &log}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: []time.Duration{0}}})
	m = collect(t, s, 1)[0]
	if m.Invocations != 3 || m.Errors != 3 || m.AsyncEventsDropped != 1 {
		t.Errorf("invocations %d, errors %d, dropped %d, want 3, 3, 1", m.Invocations, m.Errors, m.AsyncEventsDropped)
	}
	rows, err := csv.NewReader(&log).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, r := range rows[1:] {
		starts = append(starts, r[2])
	}
	if want := []string{"0.000000", "61.000000", "182.000000"}; !cmp.Equal(starts, want) {
		t.Errorf("attempt starts %v, want %v", starts, want)
	}
	if m.Latency.Max < 183_000*0.99 {
		t.Errorf("max latency %.0f ms, want ≈ 183 s (asynchronous latency counts the retries)", m.Latency.Max)
	}
}

func TestProvisionedConcurrency(t *testing.T) {
	fn := Function{Duration: Flat{Constant(time.Second)}, Init: Constant(time.Second)}
	c := cfgMem(512)
	s := mustNew(t, Options{ProvisioningDelay: Constant(90 * time.Second)},
		Deployment{Function: fn, Config: c, Arrivals: &periodic{gap: 100 * time.Millisecond, n: 1 << 30}}) // ≈ 10 busy
	ctx := context.Background()
	collect(t, s, 2)
	c.Provisioned = 5
	if err := s.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	ms := collect(t, s, 3)
	if ms[0].Config.Provisioned != 0 || ms[0].ProvisionedInvocations != 0 {
		t.Errorf("first minute after the request: provisioned %d, invocations on it %d, want 0 (allocation takes 90 s)",
			ms[0].Config.Provisioned, ms[0].ProvisionedInvocations)
	}
	if ms[1].Config.Provisioned != 5 || ms[2].ProvisionedInvocations == 0 || ms[2].SpilloverInvocations == 0 {
		t.Errorf("after allocation: %+v, want 5 provisioned, provisioned and spillover invocations", ms[2])
	}
	if ms[2].ProvisionedUtilization != 1 {
		t.Errorf("utilization %g, want 1 (≈ 10 busy > 5 provisioned)", ms[2].ProvisionedUtilization)
	}
	if ms[2].ProvisionedInvocations+ms[2].SpilloverInvocations != ms[2].Invocations {
		t.Errorf("provisioned %d + spillover %d != invocations %d", ms[2].ProvisionedInvocations, ms[2].SpilloverInvocations, ms[2].Invocations)
	}
	if ms[0].Usage.ProvisionedMBms != 5*512*60_000 {
		t.Errorf("capacity billed while allocating: %d MB·ms, want %d (billed from the request)", ms[0].Usage.ProvisionedMBms, 5*512*60_000)
	}
	// Releasing is immediate.
	c.Provisioned = 0
	if err := s.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if m := collect(t, s, 1)[0]; m.ProvisionedInvocations != 0 || m.Config.Provisioned != 0 {
		t.Errorf("after release: %d provisioned invocations, want 0", m.ProvisionedInvocations)
	}
}

func TestScalingRate(t *testing.T) {
	// 2,500 simultaneous long requests: 1,000 environments at once, then 100 per second.
	fn := Function{Duration: Flat{Constant(time.Hour)}, Init: Constant(0)}
	ts := make([]time.Duration, 2500)
	for i := 1000; i < len(ts); i++ {
		ts[i] = 5 * time.Second // 1,500 more after 5 s: 500 tokens refilled
	}
	c := cfgMem(128)
	c.Timeout = 900 * time.Second
	lim := lambdatune.Limits{AccountConcurrency: 5000, MinUnreserved: 100}
	s := mustNew(t, Options{Limits: lim}, Deployment{Function: fn, Config: c, Arrivals: &fixedTimes{ts: ts}})
	m := collect(t, s, 1)[0]
	if m.Invocations != 1500 || m.Throttles != 1000 {
		t.Errorf("invocations %d, throttles %d, want 1500 and 1000", m.Invocations, m.Throttles)
	}
}

func TestMultiFunctionAccount(t *testing.T) {
	// Two unreserved functions share a 300-concurrency account (100 kept unreserved is irrelevant
	// without reservations): together they need ≈ 400.
	lim := lambdatune.Limits{AccountConcurrency: 300, MinUnreserved: 100}
	fn := Function{Duration: Flat{Constant(2 * time.Second)}, Init: Constant(0)}
	d := func(name string, seed uint64) Deployment {
		f := fn
		f.Name = name
		return Deployment{Function: f, Config: cfgMem(256), Arrivals: newPoisson(100, seed)}
	}
	s := mustNew(t, Options{Limits: lim}, d("a", 1), d("b", 2))
	ctx := context.Background()
	pa, pb := s.Function(0), s.Function(1)
	ma, err := pa.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pa.Next(ctx); err == nil {
		t.Error("function a ran ahead of b: want a lockstep error")
	}
	mb, err := pb.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Stats(0).MeanConcurrency() + s.Stats(1).MeanConcurrency()
	if ma.Throttles == 0 || mb.Throttles == 0 || sum > 300 || sum < 280 {
		t.Errorf("a: %d throttles; b: %d throttles; mean concurrency together %.1f; want both throttled, saturating 300", ma.Throttles, mb.Throttles, sum)
	}
	// Reserving 150 for a leaves b the other 150.
	c := cfgMem(256)
	c.Reserved = lambdatune.Reserve(150)
	if err := pa.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	var ms []lambdatune.Metrics
	for range 2 { // the first interval still has the invocations started before the reservation
		if ms, err = s.Step(ctx, ms[:0]); err != nil {
			t.Fatal(err)
		}
	}
	if ms[0].MaxConcurrency > 150 || ms[1].MaxConcurrency > 150 || ms[0].MaxConcurrency < 140 {
		t.Errorf("max concurrency a %d, b %d, want both ≤ 150 and a near 150", ms[0].MaxConcurrency, ms[1].MaxConcurrency)
	}
	c.Reserved = lambdatune.Reserve(201)
	if err := pa.Apply(ctx, c); err == nil {
		t.Error("reserving 201 of 300 with 100 kept unreserved: want an error")
	}
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	fn := Function{Duration: Flat{Constant(100 * time.Millisecond)}, Init: Constant(50 * time.Millisecond)}
	s := mustNew(t, Options{Log: &buf}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: []time.Duration{0, time.Second}}})
	collect(t, s, 1)
	want := LogHeader +
		"fn0,0.000000,0.000000,0.150000,50.000,100.000,150.000,1,ok,1,0,0\n" +
		"fn0,1.000000,1.000000,1.100000,0.000,100.000,100.000,1,ok,0,0,0\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Errorf("log (-want +got):\n%s", d)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRequestLogError(t *testing.T) {
	fn := Function{Duration: Flat{Constant(100 * time.Millisecond)}}
	s := mustNew(t, Options{Log: failWriter{}}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: []time.Duration{0}}})
	if _, err := s.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Next error %v, want the log's write error", err)
	}
}

func TestArrivalsGoingBack(t *testing.T) {
	fn := Function{Duration: Flat{Constant(time.Millisecond)}}
	s := mustNew(t, Options{}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: []time.Duration{time.Second, 0}}})
	if _, err := s.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "non-decreasing") {
		t.Errorf("Next error %v, want one about non-decreasing arrivals", err)
	}
	if _, err := New(Options{}, Deployment{Function: fn, Config: cfgMem(256), Arrivals: &fixedTimes{ts: []time.Duration{-1}}}); err == nil {
		t.Error("negative first arrival: want an error")
	}
}

func TestMemoryChangeReallocatesProvisioned(t *testing.T) {
	// A memory change publishes a new version: provisioned environments of the old one drain and the
	// new ones are allocated after the delay, meanwhile requests run on demand (cold).
	fn := Function{Duration: Flat{Constant(500 * time.Millisecond)}, Init: Constant(time.Second)}
	c := cfgMem(512)
	c.Provisioned = 4
	s := mustNew(t, Options{ProvisioningDelay: Constant(90 * time.Second)},
		Deployment{Function: fn, Config: c, Arrivals: &periodic{gap: 250 * time.Millisecond, n: 1 << 30}}) // ≈ 2 busy
	ms := collect(t, s, 2)
	if ms[1].ColdStarts != 0 || ms[1].ProvisionedInvocations != ms[1].Invocations {
		t.Fatalf("before the change: %d cold, %d of %d on provisioned, want 0 and all", ms[1].ColdStarts, ms[1].ProvisionedInvocations, ms[1].Invocations)
	}
	c.MemoryMB = 1024
	if err := s.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	ms = collect(t, s, 3)
	if ms[0].Config.Provisioned != 0 || ms[0].ColdStarts == 0 || ms[0].ProvisionedInvocations != 0 {
		t.Errorf("minute 1 after: provisioned %d, cold %d, on provisioned %d; want 0, > 0, 0", ms[0].Config.Provisioned, ms[0].ColdStarts, ms[0].ProvisionedInvocations)
	}
	if ms[1].Config.Provisioned != 4 || ms[2].ProvisionedInvocations != ms[2].Invocations || ms[2].ColdStarts != 0 {
		t.Errorf("minutes 2–3 after: provisioned %d, %d of %d on provisioned, %d cold; want 4, all, 0",
			ms[1].Config.Provisioned, ms[2].ProvisionedInvocations, ms[2].Invocations, ms[2].ColdStarts)
	}
	// The old version's enablement (2 minutes) is rounded up to 5; the new one is billed at 1,024 MB.
	if got, want := ms[0].Usage.ProvisionedMBms, int64(4*512*3*60_000+4*1024*60_000); got != want {
		t.Errorf("provisioned MB·ms in the first minute after: %d, want %d", got, want)
	}
}
