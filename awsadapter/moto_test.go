package awsadapter

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

// motoEnv is the environment variable holding the moto server's URL (set by .ci/moto.sh).
const motoEnv = "LAMBDATUNE_MOTO_ENDPOINT"

// countingTransport records every request as "METHOD path" (CloudWatch calls are "POST /").
type countingTransport struct {
	mu    sync.Mutex
	calls []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	name := r.Method + " " + r.URL.Path
	c.mu.Lock()
	c.calls = append(c.calls, name)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// motoClients returns SDK clients for the moto server, or skips the test.
type motoClients struct {
	lam   *lambda.Client
	cw    *cloudwatch.Client
	iam   *iam.Client
	count *countingTransport
}

func newMoto(t *testing.T) motoClients {
	t.Helper()
	url := os.Getenv(motoEnv)
	if url == "" {
		t.Skipf("%s is not set: this test needs the moto AWS emulator (source .ci/moto.sh; start_moto)", motoEnv)
	}
	ct := &countingTransport{}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		HTTPClient:  &http.Client{Transport: ct, Timeout: 30 * time.Second},
	}
	lam, cw := NewClients(cfg, ClientOptions{Endpoint: url, QueryProtocol: true})
	im := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) })
	return motoClients{lam: lam, cw: cw, iam: im, count: ct}
}

// functionZip is a deployment package; moto's non-Docker backend never runs it.
func functionZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("#!/bin/sh\n"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// createFunction creates a function with a unique name derived from the test's.
func (m motoClients) createFunction(t *testing.T, memory, timeoutS int32) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("lt-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano()%1e9)
	name = strings.NewReplacer("_", "-", "#", "-").Replace(name)
	if len(name) > 64 {
		name = name[len(name)-64:]
	}
	role, err := m.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	_, err = m.lam.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Role:          role.Role.Arn,
		Runtime:       types.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Code:          &types.FunctionCode{ZipFile: functionZip(t)},
		MemorySize:    aws.Int32(memory),
		Timeout:       aws.Int32(timeoutS),
		Architectures: []types.Architecture{types.ArchitectureX8664},
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	return name
}

func (m motoClients) platform(t *testing.T, fn string, opts ...Option) *Platform {
	t.Helper()
	base := []Option{WithLogger(slog.New(slog.DiscardHandler)), WithLimits(lambdatune.DefaultLimits()), WithPercentiles(false), WithMetricsDelay(0),
		WithWaits(10*time.Millisecond, 10*time.Second, 10*time.Second), WithGuardrails(noLimits())}
	p, err := New(m.lam, m.cw, fn, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMotoReadConfig(t *testing.T) {
	m := newMoto(t)
	fn := m.createFunction(t, 256, 10)
	p := m.platform(t, fn)
	got, err := p.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := lambdatune.Config{MemoryMB: 256, Timeout: 10 * time.Second, Architecture: lambdatune.X86_64, EphemeralStorageMB: 512}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
	s, err := p.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.State != "Active" || s.LastUpdateStatus != "Successful" {
		t.Errorf("State = %q, LastUpdateStatus = %q, want Active, Successful", s.State, s.LastUpdateStatus)
	}
}

func TestMotoApplyMemoryTimeoutReserved(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 128, 3)
	p := m.platform(t, fn)
	steps := []lambdatune.Config{
		{MemoryMB: 512, Timeout: 30 * time.Second, Reserved: lambdatune.Reserve(5)},
		{MemoryMB: 1769, Timeout: 30 * time.Second, Reserved: lambdatune.Reserve(0)},
		{MemoryMB: 1024, Timeout: 900 * time.Second},
	}
	for i, c := range steps {
		if err := p.Apply(ctx, c); err != nil {
			t.Fatalf("step %d: Apply(%v): %v", i, c, err)
		}
		got, err := p.Config(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.Architecture, want.EphemeralStorageMB = lambdatune.X86_64, 512
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("step %d: Config after Apply (-want +got):\n%s", i, diff)
		}
		// Cross-check with the SDK directly.
		fc, err := m.lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &fn})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := m.lam.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: &fn})
		if err != nil {
			t.Fatal(err)
		}
		var reserved lambdatune.Reservation
		if rc.ReservedConcurrentExecutions != nil {
			reserved = lambdatune.Reserve(int(*rc.ReservedConcurrentExecutions))
		}
		if int(*fc.MemorySize) != c.MemoryMB || time.Duration(*fc.Timeout)*time.Second != c.Timeout || reserved != c.Reserved {
			t.Errorf("step %d: AWS has %d MB, %d s, reserved %v; want %v", i, *fc.MemorySize, *fc.Timeout, reserved, c)
		}
	}
}

// TestMotoInvalidConfigRejectedBeforeAnyCall shows that configurations moto would accept but AWS
// rejects never reach the API.
func TestMotoInvalidConfigRejectedBeforeAnyCall(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 256, 10)
	p := m.platform(t, fn)
	good := lambdatune.Config{MemoryMB: 256, Timeout: 10 * time.Second}
	tests := []struct {
		name   string
		modify func(*lambdatune.Config)
		field  string
		reads  bool // whether the check needs the function's state (reads allowed, no writes)
	}{
		{"memory 100", func(c *lambdatune.Config) { c.MemoryMB = 100 }, "MemoryMB", false},
		{"memory 20000", func(c *lambdatune.Config) { c.MemoryMB = 20000 }, "MemoryMB", false},
		{"timeout 0", func(c *lambdatune.Config) { c.Timeout = 0 }, "Timeout", false},
		{"timeout 1000s", func(c *lambdatune.Config) { c.Timeout = 1000 * time.Second }, "Timeout", false},
		{"timeout 1.5s", func(c *lambdatune.Config) { c.Timeout = 1500 * time.Millisecond }, "Timeout", false},
		{"reserved -1", func(c *lambdatune.Config) { c.Reserved = lambdatune.Reserve(-1) }, "Reserved.N", false},
		{"provisioned without alias", func(c *lambdatune.Config) { c.Provisioned = 2; c.Reserved = lambdatune.Reserve(5) }, "Provisioned", false},
		{"storage 100", func(c *lambdatune.Config) { c.EphemeralStorageMB = 100 }, "EphemeralStorageMB", false},
		{"reserve beyond leaving 100 unreserved", func(c *lambdatune.Config) { c.Reserved = lambdatune.Reserve(901) }, "Reserved.N", true},
		{"architecture change", func(c *lambdatune.Config) { c.Architecture = lambdatune.ARM64 }, "Architecture", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.modify(&c)
			before := len(m.count.Calls())
			err := p.Apply(ctx, c)
			var ce *lambdatune.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("Apply(%v) = %v, want a *ConfigError for %s", c, err, tt.field)
			}
			calls := m.count.Calls()[before:]
			for _, call := range calls {
				if !strings.HasPrefix(call, "GET ") {
					t.Errorf("Apply(%v) made the change call %s", c, call)
				}
			}
			if !tt.reads && len(calls) != 0 {
				t.Errorf("Apply(%v) made %d calls %v, want none", c, len(calls), calls)
			}
		})
	}
	got, err := p.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.MemoryMB != 256 || got.Timeout != 10*time.Second || got.Reserved.Set {
		t.Errorf("function changed to %v by rejected configs", got)
	}
}

func TestMotoMissingFunction(t *testing.T) {
	m := newMoto(t)
	fn := "lt-missing-" + fmt.Sprint(time.Now().UnixNano())
	p := m.platform(t, fn)
	_, err := p.Config(context.Background())
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("Config of a missing function = %v, want *types.ResourceNotFoundException", err)
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != "GetFunctionConfiguration" || oe.Function != fn || oe.Attempts != 1 {
		t.Errorf("error %#v, want an *OpError for GetFunctionConfiguration of %s, 1 attempt", oe, fn)
	}
	if !strings.Contains(err.Error(), fn) {
		t.Errorf("error %q does not name the function", err)
	}
	if err := p.Apply(context.Background(), lambdatune.Config{MemoryMB: 512, Timeout: time.Second}); !errors.As(err, &nf) {
		t.Errorf("Apply to a missing function = %v, want *types.ResourceNotFoundException", err)
	}
}

// TestMotoCloudWatchRead puts Lambda metrics into moto, then reads them as an interval.
func TestMotoCloudWatchRead(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 1024, 10)
	// The interval [start, start+1m), well in the past and aligned to the minute.
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	dims := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(fn)}}
	put := func(metric string, ts time.Time, values ...float64) {
		t.Helper()
		var data []cwtypes.MetricDatum
		for _, v := range values {
			data = append(data, cwtypes.MetricDatum{MetricName: aws.String(metric), Dimensions: dims, Timestamp: aws.Time(ts), Value: aws.Float64(v)})
		}
		if _, err := m.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(Namespace), MetricData: data}); err != nil {
			t.Fatalf("PutMetricData %s: %v", metric, err)
		}
	}
	in := start.Add(20 * time.Second)
	put("Invocations", in, 60, 40)
	put("Errors", in, 3)
	put("Duration", in, 100, 200, 300, 400)
	put("ConcurrentExecutions", in, 4, 7)
	// Outside the interval: must not count.
	put("Invocations", start.Add(-30*time.Second), 1000)
	put("Invocations", start.Add(150*time.Second), 1000)

	clk := newFakeClock(start.Add(time.Minute)) // the first Next reads the interval that just ended
	p := m.platform(t, fn, WithClock(clk.Now, clk.Sleep))
	before := len(m.count.Calls())
	got, err := p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gmd := 0
	for _, c := range m.count.Calls()[before:] {
		if c == "POST /" {
			gmd++
		}
	}
	if gmd != 1 {
		t.Errorf("Next made %d CloudWatch calls, want 1", gmd)
	}
	cfg := lambdatune.Config{MemoryMB: 1024, Timeout: 10 * time.Second, Architecture: lambdatune.X86_64, EphemeralStorageMB: 512}
	want := lambdatune.Metrics{
		Start: start, Period: time.Minute, Config: cfg,
		Invocations: 100, Errors: 3, Throttles: 0,
		Duration:       lambdatune.Distribution{Mean: 250, Max: 400},
		Latency:        lambdatune.Distribution{Mean: 250, Max: 400},
		MaxConcurrency: 7,
		Usage:          lambdatune.Usage{Requests: 100, ComputeMBms: (1000 + 50) * 1024},
	}
	want.Cost, err = lambdatune.DefaultPrices().Cost(lambdatune.X86_64, want.Usage, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Next (-want +got):\n%s", diff)
	}

	// The next interval has no datapoints: zero traffic, not an error.
	got, err = p.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	empty := lambdatune.Metrics{Start: start.Add(time.Minute), Period: time.Minute, Config: cfg}
	if diff := cmp.Diff(empty, got); diff != "" {
		t.Errorf("empty interval (-want +got):\n%s", diff)
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != time.Minute {
		t.Errorf("second Next slept %v, want [1m0s] (until the interval ended)", s)
	}
}

// TestMotoAutoScalingManaged detects an Application Auto Scaling target on an alias's provisioned
// concurrency (moto implements Application Auto Scaling, not the provisioned concurrency routes).
func TestMotoAutoScalingManaged(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 256, 10)
	url := os.Getenv(motoEnv)
	as := applicationautoscaling.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")},
		func(o *applicationautoscaling.Options) { o.BaseEndpoint = aws.String(url) })
	_, err := as.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: astypes.ServiceNamespaceLambda, ResourceId: aws.String("function:" + fn + ":live"),
		ScalableDimension: astypes.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		MinCapacity:       aws.Int32(1), MaxCapacity: aws.Int32(50),
	})
	if err != nil {
		t.Fatalf("RegisterScalableTarget: %v", err)
	}
	for _, tt := range []struct {
		alias   string
		managed bool
	}{{"live", true}, {"canary", false}} {
		p := m.platform(t, fn, WithAlias(tt.alias), WithAutoScaling(as))
		err := p.checkAutoScaling(ctx)
		if got := errors.Is(err, ErrManagedByAutoScaling); got != tt.managed || (!tt.managed && err != nil) {
			t.Errorf("alias %s: checkAutoScaling = %v, want managed = %v", tt.alias, err, tt.managed)
		}
		if tt.managed && !strings.Contains(err.Error(), "1..50") {
			t.Errorf("error %q lacks the target's capacity", err)
		}
	}
}
