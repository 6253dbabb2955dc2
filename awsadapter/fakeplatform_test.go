package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)

func cfg(mem, timeoutS int, reserved lambdatune.Reservation, prov int) lambdatune.Config {
	return lambdatune.Config{MemoryMB: mem, Timeout: time.Duration(timeoutS) * time.Second, Reserved: reserved,
		Provisioned: prov, Architecture: lambdatune.X86_64, EphemeralStorageMB: 512}
}

var unreserved lambdatune.Reservation

// mutating reports whether op changes the function.
func mutating(op string) bool {
	return !strings.HasPrefix(op, "Get")
}

func TestFakeReadAliasState(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{512, 30, 1024}).withAlias("live")
	f.reserved = intp(40)
	f.prov = &provState{requested: 10, allocated: 4, status: "IN_PROGRESS"}
	f.readySteps = 100
	p := f.platform(t, newFakeClock(t0))
	s, err := p.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := State{
		Config:  lambdatune.Config{MemoryMB: 512, Timeout: 30 * time.Second, Reserved: lambdatune.Reserve(40), Provisioned: 10, Architecture: lambdatune.X86_64, EphemeralStorageMB: 1024},
		Version: "1", State: "Active", LastUpdateStatus: "Successful",
		ProvisionedAllocated: 4, ProvisionedStatus: "IN_PROGRESS",
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("State (-want +got):\n%s", diff)
	}
}

func TestFakeApplyPublishesAndWaits(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
	f.reserved = intp(20)
	f.prov = &provState{requested: 5, allocated: 5, status: "READY"}
	f.updateSteps, f.readySteps = 2, 3
	clk := newFakeClock(t0)
	p := f.platform(t, clk, WithWaits(time.Second, time.Minute, time.Minute))
	want := cfg(1024, 20, lambdatune.Reserve(30), 12)
	if err := p.Apply(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, f.config()); diff != "" {
		t.Errorf("fake's configuration (-want +got):\n%s", diff)
	}
	var muts []string
	for _, op := range f.ops() {
		if mutating(op) {
			muts = append(muts, op)
		}
	}
	wantOps := []string{"UpdateFunctionConfiguration", "PublishVersion", "UpdateAlias", "PutFunctionConcurrency", "PutProvisionedConcurrencyConfig"}
	if diff := cmp.Diff(wantOps, muts); diff != "" {
		t.Errorf("change calls (-want +got):\n%s", diff)
	}
	// 2 polls while the update is in progress, 3 while the alias's provisioned concurrency
	// re-allocates on the new version, 3 while the new provisioned concurrency allocates.
	if got := len(clk.Sleeps()); got != 8 {
		t.Errorf("slept %d times (%v), want 8 polls", got, clk.Sleeps())
	}
	// Shrinking provisioned and reserved: provisioned goes first.
	f.mu.Lock()
	f.log = nil
	f.mu.Unlock()
	clk.Advance(time.Hour)
	if err := p.Apply(context.Background(), cfg(1024, 20, lambdatune.Reserve(3), 2)); err != nil {
		t.Fatal(err)
	}
	muts = nil
	for _, op := range f.ops() {
		if mutating(op) {
			muts = append(muts, op)
		}
	}
	if diff := cmp.Diff([]string{"PutProvisionedConcurrencyConfig", "PutFunctionConcurrency"}, muts); diff != "" {
		t.Errorf("shrinking: change calls (-want +got):\n%s", diff)
	}
}

// TestFakeConflictThenSuccess retries a ResourceConflictException with backoff and jitter.
func TestFakeConflictThenSuccess(t *testing.T) {
	run := func(seed uint64) ([]time.Duration, error) {
		f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
		f.fail = func(op string, n int) (int, string) {
			if op == "UpdateFunctionConfiguration" && n <= 3 {
				return 409, "ResourceConflictException"
			}
			return 0, ""
		}
		clk := newFakeClock(t0)
		p := f.platform(t, clk, WithRand(rand.New(rand.NewPCG(seed, 1))), WithRetry(RetryPolicy{MaxAttempts: 5, Base: 100 * time.Millisecond, Max: time.Second}))
		err := p.Apply(context.Background(), cfg(512, 10, unreserved, 0))
		if err == nil && f.config().MemoryMB != 512 {
			t.Errorf("memory = %d after the retried update, want 512", f.config().MemoryMB)
		}
		if got := f.count["UpdateFunctionConfiguration"]; err == nil && got != 4 {
			t.Errorf("UpdateFunctionConfiguration called %d times, want 4", got)
		}
		return clk.Sleeps(), err
	}
	sleeps, err := run(7)
	if err != nil {
		t.Fatal(err)
	}
	if len(sleeps) != 3 {
		t.Fatalf("slept %v, want 3 backoffs", sleeps)
	}
	for i, d := range sleeps {
		hi := 100 * time.Millisecond << i
		if d < hi/2 || d > hi {
			t.Errorf("backoff %d = %v, want in [%v, %v]", i, d, hi/2, hi)
		}
	}
	again, _ := run(7)
	if diff := cmp.Diff(sleeps, again); diff != "" {
		t.Errorf("same seed, different backoffs (-first +second):\n%s", diff)
	}
	other, _ := run(8)
	if cmp.Equal(sleeps, other) {
		t.Errorf("seeds 7 and 8 gave the same jitter %v", sleeps)
	}
}

func TestFakeRetryClassification(t *testing.T) {
	tests := []struct {
		name     string
		op       string // operation that fails
		status   int
		code     string
		failures int // how many calls fail
		attempts int // calls expected
		ok       bool
	}{
		{"lambda throttled", "GetFunctionConfiguration", 429, "TooManyRequestsException", 2, 3, true},
		{"update in progress", "PutFunctionConcurrency", 409, "ResourceConflictException", 1, 2, true},
		{"cloudwatch throttled", "GetMetricData", 400, "Throttling", 2, 3, true},
		{"bad parameter not retried", "PutFunctionConcurrency", 400, "InvalidParameterValueException", 1, 1, false},
		{"server fault not retried", "GetFunctionConcurrency", 500, "ServiceException", 1, 1, false},
		{"access denied not retried", "GetMetricData", 403, "AccessDenied", 1, 1, false},
		{"retries exhausted", "GetFunctionConfiguration", 429, "TooManyRequestsException", 100, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
			f.fail = func(op string, n int) (int, string) {
				if op == tt.op && n <= tt.failures {
					return tt.status, tt.code
				}
				return 0, ""
			}
			clk := newFakeClock(t0)
			p := f.platform(t, clk, WithRetry(RetryPolicy{MaxAttempts: 4, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}))
			ctx := context.Background()
			var err error
			switch tt.op {
			case "GetMetricData":
				_, err = p.Next(ctx)
			default:
				err = p.Apply(ctx, cfg(256, 10, lambdatune.Reserve(10), 0))
			}
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok = %v", err, tt.ok)
			}
			if got := f.count[tt.op]; got != tt.attempts {
				t.Errorf("%s called %d times, want %d", tt.op, got, tt.attempts)
			}
			if err != nil {
				var oe *OpError
				if !errors.As(err, &oe) || oe.Op != tt.op || oe.Function != "fn" || oe.Attempts != tt.attempts {
					t.Errorf("error %v, want *OpError{Op: %s, Function: fn, Attempts: %d}", err, tt.op, tt.attempts)
				}
				if !strings.Contains(err.Error(), `"fn"`) || !strings.Contains(err.Error(), tt.op) {
					t.Errorf("error %q does not name the function and the operation", err)
				}
			}
		})
	}
}

func TestFakeBackoffHonoursContext(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
	f.fail = func(op string, n int) (int, string) { return 429, "TooManyRequestsException" }
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// The real sleep, with a long backoff: the context must cut it short.
	p, err := New(mustClients(f), mustCW(f), "fn", WithRetry(RetryPolicy{MaxAttempts: 10, Base: time.Minute, Max: time.Hour}),
		WithLogger(discard()))
	if err != nil {
		t.Fatal(err)
	}
	// Were the backoff not cut short, this would wait minutes and the test would time out.
	_, err = p.Config(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Attempts != 1 {
		t.Errorf("err = %v, want an *OpError after 1 attempt", err)
	}
}

// TestFakeHalfAppliedRolledBack fails the last part of a change and checks the report and the
// rollback.
func TestFakeHalfAppliedRolledBack(t *testing.T) {
	good := cfg(256, 10, lambdatune.Reserve(20), 5)
	want := cfg(512, 10, lambdatune.Reserve(30), 10)
	for _, rollback := range []bool{true, false} {
		t.Run(fmt.Sprintf("rollback=%v", rollback), func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
			f.reserved = intp(20)
			f.prov = &provState{requested: 5, allocated: 5, status: "READY"}
			f.fail = func(op string, n int) (int, string) {
				if op == "PutProvisionedConcurrencyConfig" && n == 1 {
					return 400, "InvalidParameterValueException"
				}
				return 0, ""
			}
			g := noLimits()
			g.RollbackOnFailure = rollback
			log := &auditLog{}
			p := f.platform(t, newFakeClock(t0), WithGuardrails(g), WithLogger(log.logger()))
			err := p.Apply(context.Background(), want)
			var ae *ApplyError
			if !errors.As(err, &ae) {
				t.Fatalf("Apply = %v, want *ApplyError", err)
			}
			var inv *types.InvalidParameterValueException
			if !errors.As(err, &inv) {
				t.Errorf("ApplyError does not wrap the SDK's InvalidParameterValueException: %v", err)
			}
			wantErr := &ApplyError{Function: "fn", From: good, To: want,
				Applied: []Part{PartFunctionConfig, PartAlias, PartReserved}, Failed: PartProvisioned,
				Now: f.config(), NowKnown: true}
			if rollback {
				wantErr.RollbackRan, wantErr.RollbackTarget = true, good
				wantErr.RolledBack = []Part{PartFunctionConfig, PartAlias, PartReserved}
			}
			if diff := cmp.Diff(wantErr, ae, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
				t.Errorf("ApplyError (-want +got):\n%s", diff)
			}
			wantNow := cfg(512, 10, lambdatune.Reserve(30), 5)
			if rollback {
				wantNow = good
			}
			if diff := cmp.Diff(wantNow, f.config()); diff != "" {
				t.Errorf("fake's configuration (-want +got):\n%s", diff)
			}
			if recs := log.records(t, "failed part-way"); len(recs) != 1 {
				t.Errorf("audit log has %d 'failed part-way' records, want 1", len(recs))
			}
		})
	}
}

// TestFakeFailureNeverUnreported fails every change call of a multi-part change in turn (and, in a
// second pass, the read-back too) and checks that the function is never left in an unreported state:
// either Apply succeeds and the configuration is the target, or it returns *ApplyError whose Now is
// exactly what AWS has, or says that it is unknown.
func TestFakeFailureNeverUnreported(t *testing.T) {
	start := cfg(256, 10, lambdatune.Reserve(20), 5)
	target := cfg(1024, 30, lambdatune.Reserve(40), 15)
	cases := 0
	for _, rollback := range []bool{false, true} {
		for failAt := 1; failAt <= 12; failAt++ {
			for _, breakReads := range []bool{false, true} {
				name := fmt.Sprintf("rollback=%v/fail-change-call-%d/break-reads=%v", rollback, failAt, breakReads)
				t.Run(name, func(t *testing.T) {
					f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
					f.reserved = intp(20)
					f.prov = &provState{requested: 5, allocated: 5, status: "READY"}
					f.updateSteps, f.readySteps = 1, 1
					changes, failed := 0, false
					f.fail = func(op string, n int) (int, string) {
						if failed && breakReads {
							return 400, "AccessDeniedException" // nothing works any more
						}
						if mutating(op) {
							changes++
							if changes == failAt {
								failed = true
								return 400, "InvalidParameterValueException"
							}
						}
						return 0, ""
					}
					g := noLimits()
					g.RollbackOnFailure = rollback
					p := f.platform(t, newFakeClock(t0), WithGuardrails(g))
					err := p.Apply(context.Background(), target)
					actual := f.config()
					if !failed {
						if err != nil || actual != target {
							t.Fatalf("no failure injected: err = %v, config %v, want nil, %v", err, actual, target)
						}
						return
					}
					cases++
					var ae *ApplyError
					if !errors.As(err, &ae) {
						t.Fatalf("Apply = %v, want *ApplyError", err)
					}
					if len(ae.Applied)+1+len(ae.NotAttempted) != len(p.plan(start, target)) {
						t.Errorf("parts applied %v + failed %v + not attempted %v do not add up to the plan", ae.Applied, ae.Failed, ae.NotAttempted)
					}
					switch {
					case ae.NowKnown && ae.Now != actual:
						t.Errorf("reported %v in force, AWS has %v", ae.Now, actual)
					case !ae.NowKnown && (ae.NowErr == nil || !breakReads):
						t.Errorf("state unknown without a reason (NowErr %v)", ae.NowErr)
					case !breakReads && !ae.NowKnown:
						t.Errorf("state unknown although reads work")
					}
					if !strings.Contains(err.Error(), "now in force") && !strings.Contains(err.Error(), "UNKNOWN") {
						t.Errorf("message %q does not state what is in force", err)
					}
					if rollback && !breakReads && len(ae.Applied) > 0 && actual != start {
						t.Errorf("rollback left %v, want the last known good %v", actual, start)
					}
				})
			}
		}
	}
	if cases < 20 {
		t.Errorf("only %d failure cases exercised", cases)
	}
}

func TestFakePercentilesAndProvisionedMetrics(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{2048, 10, 1536}).withAlias("live")
	f.reserved = intp(50)
	f.prov = &provState{requested: 10, allocated: 10, status: "READY"}
	f.metrics = map[string]float64{
		"Invocations/Sum": 1000, "Errors/Sum": 10, "Throttles/Sum": 5,
		"Duration/Sum": 120000, "Duration/Average": 120, "Duration/Maximum": 900,
		"Duration/p50": 100, "Duration/p90": 200, "Duration/p95": 300, "Duration/p99": 800,
		"ConcurrentExecutions/Maximum":              12,
		"ProvisionedConcurrencyUtilization/Maximum": 0.9,
		"ProvisionedConcurrencyInvocations/Sum":     800,
		// No spillover datapoints: zero, not an error.
	}
	clk := newFakeClock(t0)
	p := f.platform(t, clk)
	m, err := p.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.cwQueries) != 1 {
		t.Fatalf("%d GetMetricData calls, want 1", len(f.cwQueries))
	}
	wantQ := []string{"invocations=Invocations/Sum", "errors=Errors/Sum", "throttles=Throttles/Sum",
		"duration_sum=Duration/Sum", "duration_avg=Duration/Average", "duration_max=Duration/Maximum",
		"concurrency=ConcurrentExecutions/Maximum", "duration_p50=Duration/p50", "duration_p90=Duration/p90",
		"duration_p95=Duration/p95", "duration_p99=Duration/p99",
		"provisioned_utilization=ProvisionedConcurrencyUtilization/Maximum",
		"provisioned_invocations=ProvisionedConcurrencyInvocations/Sum",
		"spillover_invocations=ProvisionedConcurrencySpilloverInvocations/Sum"}
	if diff := cmp.Diff(wantQ, f.cwQueries[0]); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	start := time.Date(2026, 3, 2, 9, 59, 0, 0, time.UTC)
	billed := int64(120000 + 500) // Duration Sum + 0.5 ms per invocation
	usage := lambdatune.Usage{
		Requests:               1000,
		ComputeMBms:            billed * 2048 * 2 / 10,
		ProvisionedComputeMBms: billed * 2048 * 8 / 10,
		ProvisionedMBms:        10 * 2048 * 60000,
		StorageMBms:            1024 * billed,
	}
	cost, _ := lambdatune.DefaultPrices().Cost(lambdatune.X86_64, usage, 0)
	dist := lambdatune.Distribution{Mean: 120, P50: 100, P90: 200, P95: 300, P99: 800, Max: 900}
	want := lambdatune.Metrics{
		Start: start, Period: time.Minute, Config: cfg(2048, 10, lambdatune.Reserve(50), 10),
		Invocations: 1000, Errors: 10, Throttles: 5, Duration: dist, Latency: dist, MaxConcurrency: 12,
		ProvisionedInvocations: 800, ProvisionedUtilization: 0.9, Usage: usage, Cost: cost,
	}
	want.Config.EphemeralStorageMB = 1536
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("Next (-want +got):\n%s", diff)
	}
}

func TestFakeDryRun(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
	log := &auditLog{}
	p := f.platform(t, newFakeClock(t0), WithDryRun(true), WithLogger(log.logger()))
	if err := p.Apply(context.Background(), cfg(1024, 60, lambdatune.Reserve(10), 0)); err != nil {
		t.Fatal(err)
	}
	for _, op := range f.ops() {
		if mutating(op) {
			t.Errorf("dry run called %s", op)
		}
	}
	if got := f.config(); got != cfg(256, 10, unreserved, 0) {
		t.Errorf("dry run changed the function to %v", got)
	}
	recs := log.records(t, "dry run: would change")
	if len(recs) != 1 {
		t.Fatalf("%d dry-run audit records, want 1", len(recs))
	}
	after, _ := recs[0]["after"].(map[string]any)
	if after["memory_mb"] != float64(1024) || after["reserved"] != "10" {
		t.Errorf("dry-run record's after = %v, want memory 1024, reserved 10", after)
	}
	if o := p.LastOutcome(); !o.DryRun || o.Target != cfg(1024, 60, lambdatune.Reserve(10), 0) {
		t.Errorf("LastOutcome = %+v", o)
	}
}

func TestFakeAutomaticRollback(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{512, 10, 512})
	f.metrics = map[string]float64{"Invocations/Sum": 100, "Errors/Sum": 1}
	clk := newFakeClock(t0)
	g := noLimits()
	g.Rollback = RollbackRule{Window: 2, MaxErrorRate: 0.05, MaxThrottleRate: 0.05, MinRequests: 20}
	log := &auditLog{}
	p := f.platform(t, clk, WithGuardrails(g), WithLogger(log.logger()))
	ctx := context.Background()
	if _, err := p.Next(ctx); err != nil { // healthy baseline: 1 %
		t.Fatal(err)
	}
	if err := p.Apply(ctx, cfg(128, 10, unreserved, 0)); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.metrics["Errors/Sum"] = 30 // 30 %: the change broke it
	f.mu.Unlock()
	if _, err := p.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.config(); got != cfg(512, 10, unreserved, 0) {
		t.Errorf("after the bad interval the function is %v, want rolled back to 512 MB", got)
	}
	if recs := log.records(t, "automatic rollback"); len(recs) != 1 {
		t.Errorf("%d automatic rollback records, want 1", len(recs))
	}
	// A healthy change is confirmed as last known good after the window.
	f.mu.Lock()
	f.metrics["Errors/Sum"] = 0
	f.mu.Unlock()
	if err := p.Apply(ctx, cfg(1024, 10, unreserved, 0)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := p.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if good, ok := p.LastKnownGood(); !ok || good != cfg(1024, 10, unreserved, 0) {
		t.Errorf("LastKnownGood = %v, %v; want 1024 MB", good, ok)
	}
}

func TestFakeAccountSettings(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
	f.reservedElsewhere = 850
	f.reserved = intp(10)
	p := f.platform(t, newFakeClock(t0))
	ctx := context.Background()
	// 1000 - 100 unreserved - 850 elsewhere = 50 at most.
	if err := p.Apply(ctx, cfg(256, 10, lambdatune.Reserve(50), 0)); err != nil {
		t.Fatalf("Reserve(50): %v", err)
	}
	err := p.Apply(ctx, cfg(256, 10, lambdatune.Reserve(51), 0))
	var ce *lambdatune.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Reserved.N" || !strings.Contains(ce.Allowed, "at most 50") {
		t.Fatalf("Reserve(51) = %v, want a ConfigError allowing at most 50", err)
	}
	if f.count["GetAccountSettings"] != 2 {
		t.Errorf("GetAccountSettings called %d times, want 2", f.count["GetAccountSettings"])
	}
	if f.count["PutFunctionConcurrency"] != 1 {
		t.Errorf("PutFunctionConcurrency called %d times, want 1", f.count["PutFunctionConcurrency"])
	}
}

func TestGuardrails(t *testing.T) {
	g := DefaultGuardrails()
	g.Bounds.MaxMemoryMB = 3008
	g.Bounds.MaxReserved = 200
	g.Bounds.MaxProvisioned = 20
	g.MaxStep = Delta{MemoryMB: 512, Timeout: 30 * time.Second, Reserved: 50, Provisioned: 10}
	g.MaxPerHour = Delta{MemoryMB: 1024}
	g.MinDwell = 5 * time.Minute
	base := cfg(1024, 10, lambdatune.Reserve(100), 5)
	tests := []struct {
		name      string
		history   []change // changes already made
		want, out lambdatune.Config
		held      bool
		notes     int
	}{
		{"within limits", nil, cfg(1536, 20, lambdatune.Reserve(120), 10), cfg(1536, 20, lambdatune.Reserve(120), 10), false, 0},
		{"step limits", nil, cfg(3008, 100, lambdatune.Reserve(160), 20), cfg(1536, 40, lambdatune.Reserve(150), 15), false, 4},
		{"bounds", nil, cfg(4096, 10, lambdatune.Reserve(0), 5), cfg(1536, 10, lambdatune.Reserve(50), 5), false, 4},
		{"provisioned limited to reservation", nil, cfg(1024, 10, lambdatune.Reserve(100), 15), cfg(1024, 10, lambdatune.Reserve(100), 15), false, 0},
		{"dwell", []change{{at: t0.Add(-time.Minute), from: base, to: base}}, cfg(2048, 10, lambdatune.Reserve(100), 5), base, true, 1},
		{"hourly budget", []change{{at: t0.Add(-30 * time.Minute), from: cfg(256, 10, lambdatune.Reserve(100), 5), to: base}}, cfg(2048, 10, lambdatune.Reserve(100), 5), cfg(1280, 10, lambdatune.Reserve(100), 5), false, 2},
		{"old changes leave the budget", []change{{at: t0.Add(-61 * time.Minute), from: cfg(256, 10, lambdatune.Reserve(100), 5), to: base}}, cfg(1536, 10, lambdatune.Reserve(100), 5), cfg(1536, 10, lambdatune.Reserve(100), 5), false, 0},
		{"reserving from unreserved counts the whole reservation", nil, cfg(1024, 10, lambdatune.Reserve(100), 5), cfg(1024, 10, lambdatune.Reserve(100), 5), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{1024, 10, 512})
			p := f.platform(t, newFakeClock(t0), WithGuardrails(g))
			p.changes = slices.Clone(tt.history)
			if len(tt.history) > 0 {
				p.lastChange = tt.history[len(tt.history)-1].at
			}
			out, notes, held := p.guard(t0, base, tt.want)
			if diff := cmp.Diff(tt.out, out); diff != "" {
				t.Errorf("guard (-want +got):\n%s\nnotes: %q", diff, notes)
			}
			if held != tt.held || len(notes) != tt.notes {
				t.Errorf("held = %v, notes = %q; want held = %v, %d notes", held, notes, tt.held, tt.notes)
			}
		})
	}
	// Reserving 100 from the unreserved pool exceeds a step of 50: kept unreserved.
	f := newFakeAWS(t, "fn", fnConfig{1024, 10, 512})
	p := f.platform(t, newFakeClock(t0), WithGuardrails(g))
	out, notes, _ := p.guard(t0, cfg(1024, 10, unreserved, 0), cfg(1024, 10, lambdatune.Reserve(100), 0))
	if out.Reserved.Set || len(notes) != 1 {
		t.Errorf("reserving 100 from unreserved with a step of 50: got %v, notes %q; want unreserved and 1 note", out, notes)
	}
}

func TestGuardrailsValidate(t *testing.T) {
	if err := DefaultGuardrails().Validate(); err != nil {
		t.Fatalf("DefaultGuardrails: %v", err)
	}
	tests := []struct {
		name   string
		modify func(*Guardrails)
		field  string
	}{
		{"memory bounds", func(g *Guardrails) { g.Bounds.MinMemoryMB = 64 }, "Bounds.MinMemoryMB"},
		{"timeout bounds", func(g *Guardrails) { g.Bounds.MaxTimeout = 1000 * time.Second }, "Bounds.MinTimeout"},
		{"reserved bounds", func(g *Guardrails) { g.Bounds.MaxReserved = 0 }, "Bounds.MinReserved"},
		{"negative step", func(g *Guardrails) { g.MaxStep.MemoryMB = -1 }, "MaxStep"},
		{"fractional timeout step", func(g *Guardrails) { g.MaxPerHour.Timeout = 1500 * time.Millisecond }, "MaxPerHour"},
		{"negative dwell", func(g *Guardrails) { g.MinDwell = -time.Second }, "MinDwell"},
		{"rate above 1", func(g *Guardrails) { g.Rollback.MaxErrorRate = 2 }, "Rollback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := DefaultGuardrails()
			tt.modify(&g)
			err := g.Validate()
			if err == nil || !strings.Contains(err.Error(), "Guardrails."+tt.field) {
				t.Errorf("Validate = %v, want an error naming Guardrails.%s", err, tt.field)
			}
		})
	}
	// Several bad fields are reported in the order of the struct, the same every time.
	g := DefaultGuardrails()
	g.MaxStep.MemoryMB, g.MaxPerHour.MemoryMB = -1, -1
	first := g.Validate()
	if first == nil || strings.Index(first.Error(), "Guardrails.MaxStep") > strings.Index(first.Error(), "Guardrails.MaxPerHour") {
		t.Fatalf("Validate = %v, want MaxStep then MaxPerHour", first)
	}
	for range 20 {
		if err := g.Validate(); err.Error() != first.Error() {
			t.Fatalf("Validate gave %q, then %q", first, err)
		}
	}
}

func TestFakeApplyGuardedOverTime(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{128, 3, 512})
	clk := newFakeClock(t0)
	g := DefaultGuardrails()
	log := &auditLog{}
	p := f.platform(t, clk, WithGuardrails(g), WithLogger(log.logger()))
	ctx := context.Background()
	want := cfg(4096, 3, unreserved, 0)
	var mem []int
	for range 8 {
		if err := p.Apply(ctx, want); err != nil {
			t.Fatal(err)
		}
		mem = append(mem, f.config().MemoryMB)
		clk.Advance(3 * time.Minute)
	}
	// Steps of 1,024 MB at most, 5 minutes apart, an hourly budget of 4,096 MB.
	wantMem := []int{1152, 1152, 2176, 2176, 3200, 3200, 4096, 4096}
	if diff := cmp.Diff(wantMem, mem); diff != "" {
		t.Errorf("memory over time (-want +got):\n%s", diff)
	}
	if len(log.records(t, "guardrails limited")) == 0 {
		t.Error("no guardrail records in the audit log")
	}
}

func TestFakeTunerLoop(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
	f.metrics = map[string]float64{"Invocations/Sum": 600, "Duration/Sum": 60000, "Duration/Average": 100}
	clk := newFakeClock(t0)
	log := &auditLog{}
	g := noLimits()
	p := f.platform(t, clk, WithGuardrails(g), WithLogger(log.logger()))
	policy := lambdatune.PolicyFunc(func(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		c := obs.Current
		last := obs.History[len(obs.History)-1]
		if last.Invocations > 500 {
			c.MemoryMB = 512
		}
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("%d invocations", last.Invocations)}, nil
	})
	var steps []lambdatune.StepReport
	tu, err := lambdatune.NewTuner(lambdatune.TunerConfig{Platform: p, Policy: p.AuditPolicy(policy), OnStep: func(s lambdatune.StepReport) { steps = append(steps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.Run(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || !steps[0].Applied || steps[1].Applied || steps[2].Metrics.Config.MemoryMB != 512 {
		t.Errorf("steps: %+v", steps)
	}
	for i := 1; i < 3; i++ {
		if d := steps[i].Metrics.Start.Sub(steps[i-1].Metrics.Start); d != time.Minute {
			t.Errorf("interval %d starts %v after the previous, want 1m", i, d)
		}
	}
	decisions := log.records(t, "decision")
	if len(decisions) != 3 || decisions[0]["reason"] != "600 invocations" {
		t.Errorf("decision records: %v", decisions)
	}
	applied := log.records(t, "change: applied")
	if len(applied) != 1 || applied[0]["reason"] != "600 invocations" {
		t.Errorf("change records: %v", applied)
	}
}

// TestFakeUnpublishedCodeNotDeployed refuses to publish $LATEST when it carries unpublished code.
func TestFakeUnpublishedCodeNotDeployed(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
	f.codeDrift = true
	p := f.platform(t, newFakeClock(t0))
	err := p.Apply(context.Background(), cfg(512, 10, unreserved, 0))
	var ae *ApplyError
	if !errors.As(err, &ae) || ae.Failed != PartFunctionConfig || len(ae.Applied) != 0 || !strings.Contains(err.Error(), "code") {
		t.Fatalf("Apply = %v, want an ApplyError failing at %s for unpublished code", err, PartFunctionConfig)
	}
	for _, op := range f.ops() {
		if mutating(op) {
			t.Errorf("called %s although $LATEST has unpublished code", op)
		}
	}
	if !ae.NowKnown || ae.Now != cfg(256, 10, unreserved, 0) {
		t.Errorf("Now = %v (known %v), want the unchanged configuration", ae.Now, ae.NowKnown)
	}
}

func FuzzFunctionName(f *testing.F) {
	for _, s := range []string{"fn", "arn:aws:lambda:us-east-1:123456789012:function:fn", "arn:aws:lambda:us-east-1:123456789012:function:fn:live", "", "a:b", "arn:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := functionName(s)
		if err != nil {
			return
		}
		if name == "" || strings.Contains(name, ":") {
			t.Errorf("functionName(%q) = %q, want a non-empty name without ':'", s, name)
		}
		if !strings.HasPrefix(s, "arn:") && name != s {
			t.Errorf("functionName(%q) = %q, want the name unchanged", s, name)
		}
	})
}

func BenchmarkGuard(b *testing.B) {
	f := newFakeAWS(b, "fn", fnConfig{1024, 10, 512})
	p, err := New(mustClients(f), mustCW(f), "fn", WithLogger(discard()))
	if err != nil {
		b.Fatal(err)
	}
	cur, want := cfg(1024, 10, lambdatune.Reserve(100), 5), cfg(3008, 60, lambdatune.Reserve(300), 80)
	b.ReportAllocs()
	for b.Loop() {
		p.guard(t0, cur, want)
	}
}

// BenchmarkNextFake measures one observed interval (a GetMetricData call and three Lambda reads)
// against the local fake: the adapter's and the SDK's overhead without the network.
func BenchmarkNextFake(b *testing.B) {
	f := newFakeAWS(b, "fn", fnConfig{1024, 10, 512}).withAlias("live")
	f.metrics = map[string]float64{"Invocations/Sum": 1000, "Duration/Sum": 1e5, "Duration/p95": 300}
	clk := newFakeClock(t0)
	p := f.platform(b, clk)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFakeFailedPartThatTookEffect rolls back a part that failed after taking effect: provisioned
// concurrency accepted, then FAILED to allocate.
func TestFakeFailedPartThatTookEffect(t *testing.T) {
	for _, failures := range []int{1, 2} {
		t.Run(fmt.Sprintf("allocation-failures=%d", failures), func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
			f.prov = &provState{requested: 5, allocated: 5, status: "READY"}
			f.readySteps = 1
			p := f.platform(t, newFakeClock(t0))
			ctx := context.Background()
			if _, err := p.Config(ctx); err != nil { // the last known good: 5 provisioned
				t.Fatal(err)
			}
			f.mu.Lock()
			f.provFailures = failures
			f.mu.Unlock()
			err := p.Apply(ctx, cfg(256, 10, unreserved, 20))
			var ae *ApplyError
			if !errors.As(err, &ae) || ae.Failed != PartProvisioned || len(ae.Applied) != 0 {
				t.Fatalf("Apply = %v, want an ApplyError failing at %s", err, PartProvisioned)
			}
			if !strings.Contains(err.Error(), "injected allocation failure") {
				t.Errorf("error %q lacks the StatusReason", err)
			}
			if !ae.RollbackRan {
				t.Errorf("no rollback although the failed part took effect")
			}
			if failures == 1 {
				// The rollback re-allocates the 5 environments.
				if ae.RollbackErr != nil || !slices.Equal(ae.RolledBack, []Part{PartProvisioned}) || f.config() != cfg(256, 10, unreserved, 5) {
					t.Errorf("rollback: err %v, re-applied %v, AWS has %v; want nil, [%s], 5 provisioned", ae.RollbackErr, ae.RolledBack, f.config(), PartProvisioned)
				}
			} else if ae.RollbackErr == nil || len(ae.RolledBack) != 0 {
				t.Errorf("rollback: err %v, re-applied %v; want the second allocation failure and nothing re-applied", ae.RollbackErr, ae.RolledBack)
			}
			if !ae.NowKnown || ae.Now != f.config() {
				t.Errorf("Now = %v (known %v), AWS has %v", ae.Now, ae.NowKnown, f.config())
			}
		})
	}
}

// TestFakeAutomaticRollbackRule checks when the rule fires.
func TestFakeAutomaticRollbackRule(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]float64
		rollback      bool
	}{
		{"throttles after a change", map[string]float64{"Invocations/Sum": 100}, map[string]float64{"Invocations/Sum": 80, "Throttles/Sum": 20}, true},
		{"errors as bad as before", map[string]float64{"Invocations/Sum": 100, "Errors/Sum": 30}, map[string]float64{"Invocations/Sum": 100, "Errors/Sum": 30}, false},
		{"too few requests", map[string]float64{"Invocations/Sum": 10}, map[string]float64{"Invocations/Sum": 10, "Errors/Sum": 9}, false},
		{"healthy", map[string]float64{"Invocations/Sum": 100}, map[string]float64{"Invocations/Sum": 100, "Errors/Sum": 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{512, 10, 512})
			f.metrics = tt.before
			g := noLimits()
			g.Rollback = RollbackRule{Window: 3, MaxErrorRate: 0.05, MaxThrottleRate: 0.05, MinRequests: 20}
			p := f.platform(t, newFakeClock(t0), WithGuardrails(g))
			ctx := context.Background()
			if _, err := p.Next(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.Apply(ctx, cfg(1024, 10, lambdatune.Reserve(40), 0)); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			f.metrics = tt.after
			f.mu.Unlock()
			if _, err := p.Next(ctx); err != nil {
				t.Fatal(err)
			}
			rolledBack := f.config() == cfg(512, 10, unreserved, 0)
			if rolledBack != tt.rollback {
				t.Errorf("rolled back = %v (AWS has %v), want %v", rolledBack, f.config(), tt.rollback)
			}
		})
	}
}

// stubAutoScaling answers DescribeScalableTargets with fixed targets and counts calls.
type stubAutoScaling struct {
	targets []astypes.ScalableTarget
	calls   int
}

func (s *stubAutoScaling) DescribeScalableTargets(_ context.Context, in *applicationautoscaling.DescribeScalableTargetsInput, _ ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScalableTargetsOutput, error) {
	s.calls++
	if in.ServiceNamespace != astypes.ServiceNamespaceLambda || !slices.Equal(in.ResourceIds, []string{"function:fn:live"}) {
		return nil, fmt.Errorf("unexpected query %+v", in)
	}
	return &applicationautoscaling.DescribeScalableTargetsOutput{ScalableTargets: s.targets}, nil
}

func TestFakeAutoScalingManaged(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512}).withAlias("live")
	as := &stubAutoScaling{targets: []astypes.ScalableTarget{{MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(20)}}}
	p := f.platform(t, newFakeClock(t0), WithAutoScaling(as))
	ctx := context.Background()
	err := p.Apply(ctx, cfg(256, 10, unreserved, 5))
	if !errors.Is(err, ErrManagedByAutoScaling) {
		t.Fatalf("Apply(provisioned 5) = %v, want ErrManagedByAutoScaling", err)
	}
	for _, op := range f.ops() {
		if mutating(op) {
			t.Errorf("called %s on an alias managed by Application Auto Scaling", op)
		}
	}
	// Memory alone is the tuner's to change, without asking.
	if err := p.Apply(ctx, cfg(512, 10, unreserved, 0)); err != nil || as.calls != 1 {
		t.Errorf("Apply(memory) = %v after %d DescribeScalableTargets calls, want nil after 1", err, as.calls)
	}
}

// TestFakeOutcomeWhenReadFails checks that an Apply or Rollback that cannot read the configuration
// reports its own failure in LastOutcome, not the previous call's outcome.
func TestFakeOutcomeWhenReadFails(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
	p := f.platform(t, newFakeClock(t0))
	ctx := context.Background()
	if err := p.Apply(ctx, cfg(512, 10, unreserved, 0)); err != nil {
		t.Fatal(err)
	}
	if o := p.LastOutcome(); o.Err != nil || o.Target != cfg(512, 10, unreserved, 0) {
		t.Fatalf("first Apply: LastOutcome = %+v", o)
	}
	f.mu.Lock()
	f.fail = func(op string, _ int) (int, string) {
		if op == "GetFunctionConfiguration" {
			return 403, "AccessDeniedException"
		}
		return 0, ""
	}
	f.mu.Unlock()
	want := cfg(1024, 10, unreserved, 0)
	err := p.Apply(ctx, want)
	if err == nil {
		t.Fatal("Apply succeeded although the configuration cannot be read")
	}
	if o := p.LastOutcome(); !errors.Is(o.Err, err) || o.Requested != want || o.Rollback {
		t.Errorf("after a failed read, LastOutcome = %+v, want this Apply's request %v and error %v", o, want, err)
	}
	err = p.Rollback(ctx, "test")
	if err == nil {
		t.Fatal("Rollback succeeded although the configuration cannot be read")
	}
	if o := p.LastOutcome(); !errors.Is(o.Err, err) || !o.Rollback || o.Reason != "test" {
		t.Errorf("after a failed rollback read, LastOutcome = %+v, want the rollback and its error %v", o, err)
	}
}
