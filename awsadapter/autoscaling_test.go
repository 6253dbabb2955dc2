package awsadapter

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/google/go-cmp/cmp"
)

// fakeAAS is an httptest server speaking Application Auto Scaling's JSON protocol for the four calls
// RegisterTargetTracking and DeregisterTargetTracking make.
type fakeAAS struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hang   bool // every call waits until the client gives up
	fail   func(op string, n int) (int, string)
	count  map[string]int
	calls  []string
	bodies map[string]map[string]any
}

func newFakeAAS(t *testing.T) *fakeAAS {
	f := &fakeAAS{count: map[string]int{}, bodies: map[string]map[string]any{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AnyScaleFrontendService.")
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		hang := f.hang
		f.mu.Unlock()
		if hang {
			<-r.Context().Done()
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.count[op]++
		f.calls = append(f.calls, op)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if f.fail != nil {
			if status, code := f.fail(op, f.count[op]); status != 0 {
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": "injected"})
				return
			}
		}
		var in map[string]any
		json.Unmarshal(body, &in)
		f.bodies[op] = in
		out := map[string]any{}
		if op == "PutScalingPolicy" {
			out["PolicyARN"] = "arn:aws:autoscaling:policy/1"
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAAS) client() *applicationautoscaling.Client {
	return applicationautoscaling.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("t", "t", "")},
		func(o *applicationautoscaling.Options) {
			o.BaseEndpoint = aws.String(f.srv.URL)
			o.Retryer = aws.NopRetryer{}
		})
}

func TestAutoScalingTargetValidate(t *testing.T) {
	ok := AutoScalingTarget{MinCapacity: 1, MaxCapacity: 10, TargetUtilization: 0.7}
	tests := []struct {
		name  string
		edit  func(a *AutoScalingTarget)
		field string
	}{
		{"valid", func(*AutoScalingTarget) {}, ""},
		{"min above max", func(a *AutoScalingTarget) { a.MinCapacity = 20 }, "MinCapacity/MaxCapacity"},
		{"no capacity", func(a *AutoScalingTarget) { a.MaxCapacity = 0 }, "MinCapacity/MaxCapacity"},
		{"target too high", func(a *AutoScalingTarget) { a.TargetUtilization = 0.95 }, "TargetUtilization"},
		{"target NaN", func(a *AutoScalingTarget) { a.TargetUtilization = 0 / zero() }, "TargetUtilization"},
		{"cooldown not whole seconds", func(a *AutoScalingTarget) { a.ScaleInCooldown = 1500 * time.Millisecond }, "ScaleInCooldown"},
		{"negative cooldown", func(a *AutoScalingTarget) { a.ScaleOutCooldown = -time.Second }, "ScaleOutCooldown"},
		{"policy name with spaces", func(a *AutoScalingTarget) { a.PolicyName = "my policy" }, "PolicyName"},
	}
	for _, tt := range tests {
		a := ok
		tt.edit(&a)
		err := a.Validate()
		if (tt.field == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), "AutoScalingTarget."+tt.field) {
			t.Errorf("%s: Validate() = %v, want field %q", tt.name, err, tt.field)
		}
	}
}

func zero() float64 { return 0 }

// TestFakeTargetTracking registers and removes target tracking on the fake: the requests carry the
// target, the bounds and the metric; throttling is retried; a bad target is refused before any call; a
// failed policy names the registered target; what is already gone is not an error.
func TestFakeTargetTracking(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(t0)
	opts := []Option{WithLogger(discard()), WithClock(clk.Now, clk.Sleep)}
	f := newFakeAAS(t)
	f.fail = func(op string, n int) (int, string) {
		if op == "RegisterScalableTarget" && n == 1 {
			return 400, "ThrottlingException"
		}
		return 0, ""
	}
	tt := AutoScalingTarget{MinCapacity: 2, MaxCapacity: 50, TargetUtilization: 0.6, Maximum: true, ScaleInCooldown: 2 * time.Minute}
	reg, err := RegisterTargetTracking(ctx, f.client(), "fn", "live", tt, opts...)
	if err != nil {
		t.Fatal(err)
	}
	want := AutoScalingRegistration{ResourceID: "function:fn:live", PolicyName: DefaultTargetTrackingPolicy, PolicyARN: "arn:aws:autoscaling:policy/1"}
	if diff := cmp.Diff(want, reg); diff != "" {
		t.Errorf("registration (-want +got):\n%s", diff)
	}
	put := f.bodies["PutScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
	spec := put["CustomizedMetricSpecification"].(map[string]any)
	if put["TargetValue"] != 0.6 || put["ScaleInCooldown"] != 120.0 || spec["Statistic"] != "Maximum" || spec["MetricName"] != "ProvisionedConcurrencyUtilization" {
		t.Errorf("PutScalingPolicy configuration %v", put)
	}
	if b := f.bodies["RegisterScalableTarget"]; b["MinCapacity"] != 2.0 || b["MaxCapacity"] != 50.0 || b["ScalableDimension"] != "lambda:function:ProvisionedConcurrency" {
		t.Errorf("RegisterScalableTarget %v", b)
	}
	if err := DeregisterTargetTracking(ctx, f.client(), reg, opts...); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"RegisterScalableTarget", "RegisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy", "DeregisterScalableTarget"}, f.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	n := len(f.calls)
	if _, err := RegisterTargetTracking(ctx, f.client(), "fn", "live", AutoScalingTarget{MaxCapacity: 1, TargetUtilization: 2}, opts...); err == nil {
		t.Error("a target utilization of 2 was registered")
	}
	if _, err := RegisterTargetTracking(ctx, f.client(), "fn", "", tt, opts...); err == nil {
		t.Error("target tracking without an alias was registered")
	}
	if len(f.calls) != n {
		t.Errorf("refused registrations made calls: %v", f.calls[n:])
	}
	f.fail = func(op string, n int) (int, string) {
		switch op {
		case "PutScalingPolicy":
			return 400, "ValidationException"
		case "DeleteScalingPolicy", "DeregisterScalableTarget":
			return 400, "ObjectNotFoundException"
		}
		return 0, ""
	}
	if _, err := RegisterTargetTracking(ctx, f.client(), "fn", "live", tt, opts...); err == nil || !strings.Contains(err.Error(), "function:fn:live is registered") {
		t.Errorf("a failed policy: %v, want an error naming the registered target", err)
	}
	if err := DeregisterTargetTracking(ctx, f.client(), reg, opts...); err != nil {
		t.Errorf("deregistering what is gone: %v", err)
	}
}

// TestFakeTargetTrackingNeverCompletes: a call that never completes ends with the caller's context.
func TestFakeTargetTrackingNeverCompletes(t *testing.T) {
	f := newFakeAAS(t)
	f.hang = true
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := RegisterTargetTracking(ctx, f.client(), "fn", "live", AutoScalingTarget{MinCapacity: 1, MaxCapacity: 5, TargetUtilization: 0.7}, WithLogger(discard()))
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("RegisterTargetTracking on a hung endpoint: %v, want the context's deadline", err)
	}
}
