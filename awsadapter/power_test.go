package awsadapter

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
)

func TestSchedule(t *testing.T) {
	p := func(w ...int) []Payload {
		ps := make([]Payload, len(w))
		for i := range w {
			ps[i] = Payload{Weight: w[i]}
		}
		return ps
	}
	tests := []struct {
		name    string
		ps      []Payload
		n       int
		want    []int
		wantErr string
	}{
		{"one payload", p(1), 3, []int{0, 0, 0}, ""},
		{"even weights", p(1, 1), 4, []int{0, 0, 1, 1}, ""},
		{"remainder to the first", p(1, 1, 1), 5, []int{0, 0, 0, 1, 2}, ""},
		{"weighted", p(3, 1), 8, []int{0, 0, 0, 0, 0, 0, 1, 1}, ""},
		{"fewer invocations than payloads", p(1, 1, 1), 2, nil, "at least one invocation per payload"},
		{"a weight too small for n", p(10, 1), 5, nil, "Payloads[1].Weight = 1"},
	}
	for _, tt := range tests {
		got, err := schedule(tt.ps, tt.n)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestPowerOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		po   PowerOptions
		want string // "" : valid
	}{
		{"none", PowerOptions{}, ""},
		{"weighted JSON", PowerOptions{Payloads: []Payload{{Body: []byte(`{"a":1}`), Weight: 3}, {Body: []byte(`"x"`), Weight: 1}}}, ""},
		{"zero weight", PowerOptions{Payloads: []Payload{{Weight: 0}}}, "Payloads[0].Weight = 0"},
		{"not JSON", PowerOptions{Payloads: []Payload{{Body: []byte(`{a`), Weight: 1}}}, "Payloads[0].Body is not valid JSON"},
		{"too large", PowerOptions{Payloads: []Payload{{Body: make([]byte, MaxPayloadBytes+1), Weight: 1}}}, "at most 6291456"},
	}
	for _, tt := range tests {
		err := tt.po.Validate()
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewPowerInvoker(mustPowerAPI(), "fn", PowerOptions{}, WithAlias("live")); err == nil || !strings.Contains(err.Error(), "WithAlias") {
		t.Errorf("NewPowerInvoker with an alias: %v, want a refusal", err)
	}
	if _, err := NewPowerInvoker(nil, "fn", PowerOptions{}); err == nil {
		t.Error("NewPowerInvoker(nil) succeeded")
	}
}

func mustPowerAPI() PowerAPI { return lambda.New(lambda.Options{Region: "us-east-1"}) }

func TestParseInvocation(t *testing.T) {
	tail := func(s string) *string { return aws.String(base64.StdEncoding.EncodeToString([]byte(s))) }
	const warm = "START RequestId: a\nEND RequestId: a\nREPORT RequestId: a\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 40 MB\t\n"
	const cold = "REPORT RequestId: b\tDuration: 100.5 ms\tBilled Duration: 351 ms\tMemory Size: 256 MB\tMax Memory Used: 40 MB\tInit Duration: 250.25 ms\t"
	tests := []struct {
		name    string
		out     lambda.InvokeOutput
		want    lambdatune.Invocation
		wantErr string
	}{
		{"warm", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(warm)},
			lambdatune.Invocation{Duration: 12340 * time.Microsecond, BilledMs: 13}, ""},
		{"cold", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(cold)},
			lambdatune.Invocation{Duration: 100500 * time.Microsecond, Init: 250250 * time.Microsecond, BilledMs: 351, Cold: true}, ""},
		{"function error", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(warm), FunctionError: aws.String("Unhandled")},
			lambdatune.Invocation{Duration: 12340 * time.Microsecond, BilledMs: 13, Error: true}, ""},
		{"timeout status", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(strings.TrimSuffix(warm, "\n") + "Status: timeout\n")},
			lambdatune.Invocation{Duration: 12340 * time.Microsecond, BilledMs: 13, Error: true}, ""},
		{"no log tail", lambda.InvokeOutput{StatusCode: 200}, lambdatune.Invocation{}, "no REPORT line"},
		{"not base64", lambda.InvokeOutput{StatusCode: 200, LogResult: aws.String("%%%")}, lambdatune.Invocation{}, "not base64"},
		{"other memory", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(strings.Replace(warm, "256 MB", "128 MB", 1))}, lambdatune.Invocation{}, "Memory Size is not 256 MB"},
		{"billed not whole", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(strings.Replace(warm, "13 ms", "13.5 ms", 1))}, lambdatune.Invocation{}, "no Billed Duration"},
		{"duration past any timeout", lambda.InvokeOutput{StatusCode: 200, LogResult: tail(strings.Replace(warm, "12.34", "99999999", 1))}, lambdatune.Invocation{}, "want a number of ms"},
		{"status 500", lambda.InvokeOutput{StatusCode: 500}, lambdatune.Invocation{}, "status code 500"},
	}
	for _, tt := range tests {
		got, err := parseInvocation(&tt.out, 256)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// simMeasure returns the fake's measurements: what lambdasim.Invoker measures at each memory size,
// n invocations per size (as a sweep asks).
func simMeasure(t *testing.T, inv lambdasim.Invoker, n int) func(mem, i int) lambdatune.Invocation {
	cache := map[int][]lambdatune.Invocation{}
	return func(mem, i int) lambdatune.Invocation {
		if _, ok := cache[mem]; !ok {
			r, err := inv.Invoke(context.Background(), mem, n)
			if err != nil {
				t.Errorf("simulator at %d MB: %v", mem, err)
				return lambdatune.Invocation{}
			}
			cache[mem] = r
		}
		return cache[mem][i]
	}
}

// simInvoker is a CPU-bound function on the simulator.
func simInvoker() lambdasim.Invoker {
	return lambdasim.Invoker{Function: lambdasim.Function{Name: "fn",
		Duration: lambdasim.CPUModel{CPUTime: 200 * time.Millisecond, Parallelism: 1, IOTime: 40 * time.Millisecond, Spread: 0.2},
		Init:     lambdasim.LogNormal(300*time.Millisecond, 0.1)}, Config: lambdatune.Config{MemoryMB: 128, Timeout: 30 * time.Second}, Seed: 7}
}

// TestFakePowerSweepMatchesSimulator runs Power Tuning's sweep on the fake, whose REPORT lines carry
// the simulator's measurements, and on the simulator: the same analysis gives the same result. Every
// version the sweep published is deleted, the one that existed before is kept, and $LATEST's memory is
// restored.
func TestFakePowerSweepMatchesSimulator(t *testing.T) {
	pt := policy.DefaultPowerTuning()
	pt.Num = 10
	pt.Strategy = policy.PowerBalanced
	sim := simInvoker()
	// Version 1 is $LATEST as it is, at 128 MB, the first size: publishing it again returns version 1.
	f := newFakePower(t, 128, simMeasure(t, sim, pt.Num)).withVersion()
	var progress int
	v := f.invoker(t, PowerOptions{Payloads: []Payload{{Body: []byte(`{"n":1}`), Weight: 3}, {Body: []byte(`{"n":2}`), Weight: 1}},
		Progress: func(mem, done, n int) { progress++ }}, WithDryRun(false))
	got, err := pt.Run(powerCtx(t), v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pt.Run(context.Background(), sim)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AWS sweep vs simulator (-sim +aws):\n%s", diff)
	}
	mem, versions := f.state()
	if mem != 128 || !cmp.Equal(versions, []string{"1"}) {
		t.Errorf("after the sweep: $LATEST at %d MB, versions %v; want 128 MB and only the version from before", mem, versions)
	}
	if left, changed := v.Leftovers(); len(left) != 0 || changed {
		t.Errorf("Leftovers = %v, %v; want none", left, changed)
	}
	if progress != 6*pt.Num {
		t.Errorf("progress called %d times, want %d", progress, 6*pt.Num)
	}
	var published, deleted, invoked int
	for _, op := range f.ops() {
		switch strings.Fields(op)[0] {
		case "PublishVersion":
			published++
		case "DeleteFunction":
			deleted++
		case "Invoke":
			invoked++
		}
	}
	// Six sizes: 128 MB is the version from before (used, not deleted), five are new.
	if published != 6 || deleted != 5 || invoked != 6*pt.Num {
		t.Errorf("%d PublishVersion, %d DeleteFunction, %d Invoke; want 6, 5, %d:\n%s", published, deleted, invoked, 6*pt.Num, strings.Join(f.ops(), "\n"))
	}
}

// TestFakePowerInvocationsMatchSimulator: the invocations read from REPORT lines are the simulator's,
// to the REPORT line's precision (10 µs).
func TestFakePowerInvocationsMatchSimulator(t *testing.T) {
	sim := simInvoker()
	f := newFakePower(t, 128, simMeasure(t, sim, 8))
	f.updateSteps = 2
	v := f.invoker(t, PowerOptions{}, WithDryRun(false))
	got, err := v.Invoke(powerCtx(t), 1024, 8)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.Invoke(context.Background(), 1024, 8)
	if err != nil {
		t.Fatal(err)
	}
	round := cmp.Transformer("round", func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) })
	if diff := cmp.Diff(want, got, round); diff != "" {
		t.Errorf("invocations (-sim +aws):\n%s", diff)
	}
	if !got[0].Cold || got[1].Cold {
		t.Errorf("cold starts: %v, %v; want the first cold only", got[0].Cold, got[1].Cold)
	}
}

// TestFakePowerLeavesNothingBehind fails a sweep at every step that can fail, including a call that
// never completes and a cleanup call that fails: every version the sweep published is deleted and
// $LATEST's memory restored, at once or by Cleanup.
func TestFakePowerLeavesNothingBehind(t *testing.T) {
	failOn := func(op string, at int, status int, typ string) func(string, int) (int, string) {
		return func(o string, n int) (int, string) {
			if o == op && n == at {
				return status, typ
			}
			return 0, ""
		}
	}
	tests := []struct {
		name        string
		fail        func(op string, n int) (int, string)
		hang        func(op string, n int) bool
		onCall      func(f *fakePower, op string, n int)
		wantErr     string
		needCleanup bool // the sweep's own cleanup fails; Cleanup finishes it
	}{
		{"PublishVersion fails at the third size", failOn("PublishVersion", 3, 500, "ServiceException"), nil, nil, "PublishVersion", false},
		{"an invocation fails mid-size", failOn("Invoke", 14, 500, "ServiceException"), nil, nil, "invocation 4 of 10 at 256 MB", false},
		{"restoring the memory fails once", failOn("UpdateFunctionConfiguration", 4, 500, "ServiceException"), nil, nil, "UpdateFunctionConfiguration", false},
		{"restoring the memory fails, and again in the cleanup", func(op string, n int) (int, string) {
			if op == "UpdateFunctionConfiguration" && (n == 4 || n == 5) {
				return 500, "ServiceException"
			}
			return 0, ""
		}, nil, nil, "restoring $LATEST's memory to 1024 MB", true},
		{"deleting a version fails once", failOn("DeleteFunction", 2, 500, "ServiceException"), nil, nil, "deleting version", true},
		{"an invocation never completes", nil, func(op string, n int) bool { return op == "Invoke" && n == 12 }, nil, "deadline exceeded", false},
		{"$LATEST's code changes mid-sweep", nil, nil, func(f *fakePower, op string, n int) {
			if op == "DeleteFunction" && n == 1 { // after the first size
				f.code = "code-2"
			}
		}, "code changed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt := policy.DefaultPowerTuning()
			pt.Num = 10
			f := newFakePower(t, 1024, simMeasure(t, simInvoker(), pt.Num)).withVersion()
			f.fail, f.hang, f.onCall = tt.fail, tt.hang, tt.onCall
			v := f.invoker(t, PowerOptions{}, WithDryRun(false), WithRetry(RetryPolicy{MaxAttempts: 2, Base: time.Millisecond, Max: time.Millisecond}))
			ctx := powerCtx(t)
			if tt.hang != nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
			}
			_, err := pt.Run(ctx, v)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("sweep: %v, want an error containing %q", err, tt.wantErr)
			}
			left, changed := v.Leftovers()
			if tt.needCleanup != (len(left) > 0 || changed) {
				t.Errorf("Leftovers after the failure: %v, memory changed %v (want some: %v)", left, changed, tt.needCleanup)
			}
			if err := v.Cleanup(context.Background()); err != nil {
				t.Fatalf("Cleanup: %v", err)
			}
			mem, versions := f.state()
			if mem != 1024 || !cmp.Equal(versions, []string{"1"}) {
				t.Errorf("left behind: $LATEST at %d MB, versions %v; want 1024 MB and version 1 only\n%s", mem, versions, strings.Join(f.ops(), "\n"))
			}
		})
	}
}

// TestFakePowerThrottled: throttled invocations and updates are retried, and the sweep completes.
func TestFakePowerThrottled(t *testing.T) {
	f := newFakePower(t, 128, simMeasure(t, simInvoker(), 5))
	f.fail = func(op string, n int) (int, string) {
		if (op == "Invoke" && n <= 2) || (op == "UpdateFunctionConfiguration" && n == 1) {
			return 429, "TooManyRequestsException"
		}
		return 0, ""
	}
	v := f.invoker(t, PowerOptions{}, WithDryRun(false))
	got, err := v.Invoke(powerCtx(t), 256, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("%d invocations, want 5", len(got))
	}
	if mem, versions := f.state(); mem != 128 || len(versions) != 0 {
		t.Errorf("after: %d MB, versions %v", mem, versions)
	}
}

// TestFakePowerDryRun: a dry run reads the function, changes and invokes nothing, and says so.
func TestFakePowerDryRun(t *testing.T) {
	f := newFakePower(t, 128, simMeasure(t, simInvoker(), 5))
	v := f.invoker(t, PowerOptions{})
	_, err := policy.DefaultPowerTuning().Run(powerCtx(t), v)
	if !errors.Is(err, ErrDryRun) {
		t.Fatalf("dry-run sweep: %v, want ErrDryRun", err)
	}
	for _, op := range f.ops() {
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			t.Errorf("a dry run called %s", op)
		}
	}
	plan := v.Plan([]int{128, 256}, 10)
	if len(plan) != 11 || !strings.Contains(plan[4], "Invoke the version 10 times") {
		t.Errorf("plan:\n%s", strings.Join(plan, "\n"))
	}
}

// TestFakePowerBadInput refuses sizes and counts outside Lambda's and Power Tuning's ranges before
// any call.
func TestFakePowerBadInput(t *testing.T) {
	f := newFakePower(t, 128, simMeasure(t, simInvoker(), 5))
	v := f.invoker(t, PowerOptions{Payloads: []Payload{{Weight: 1}, {Weight: 1}}}, WithDryRun(false))
	for _, tt := range []struct {
		mem, n int
		want   string
	}{{64, 5, "memory size 64 MB"}, {20480, 5, "memory size 20480 MB"}, {256, 0, "n = 0"}, {256, 20000, "n = 20000"}, {256, 1, "per payload"}} {
		if _, err := v.Invoke(context.Background(), tt.mem, tt.n); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Invoke(%d, %d) = %v, want an error containing %q", tt.mem, tt.n, err, tt.want)
		}
	}
	if ops := f.ops(); len(ops) != 0 {
		t.Errorf("calls made for bad input: %v", ops)
	}
}
