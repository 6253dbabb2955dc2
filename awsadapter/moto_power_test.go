package awsadapter

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/go-cmp/cmp"
)

// versionsOf lists a function's versions in moto, $LATEST included.
func (m motoClients) versionsOf(t *testing.T, fn string) []string {
	t.Helper()
	out, err := m.lam.ListVersionsByFunction(context.Background(), &lambda.ListVersionsByFunctionInput{FunctionName: &fn})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, aws.ToString(v.Version))
	}
	return vs
}

// TestMotoPowerSweepLeavesNothing runs a sweep step on moto, which publishes, lists, deletes and
// invokes versions but returns no log tail: the step fails reading the REPORT line, after which the
// version it published is gone and $LATEST's memory is back. A dry run only reads.
func TestMotoPowerSweepLeavesNothing(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 384, 10)
	base := []Option{WithLogger(slog.New(slog.DiscardHandler)), WithWaits(10*time.Millisecond, 10*time.Second, 10*time.Second)}
	dry, err := NewPowerInvoker(m.lam, fn, PowerOptions{}, base...)
	if err != nil {
		t.Fatal(err)
	}
	before := len(m.count.Calls())
	if _, err := dry.Invoke(ctx, 1024, 5); !errors.Is(err, ErrDryRun) {
		t.Fatalf("dry run: %v, want ErrDryRun", err)
	}
	for _, c := range m.count.Calls()[before:] {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a dry run called %s", c)
		}
	}
	v, err := NewPowerInvoker(m.lam, fn, PowerOptions{Payloads: []Payload{{Body: []byte(`{"x":1}`), Weight: 1}}}, append(base, WithDryRun(false))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Invoke(ctx, 1024, 5)
	if err == nil || !strings.Contains(err.Error(), "no REPORT line") {
		t.Fatalf("sweep step on moto: %v, want the missing REPORT line", err)
	}
	if diff := cmp.Diff([]string{"$LATEST"}, m.versionsOf(t, fn)); diff != "" {
		t.Errorf("versions left (-want +got):\n%s", diff)
	}
	fc, err := m.lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(fc.MemorySize); got != 384 {
		t.Errorf("$LATEST at %d MB after the sweep, want 384 MB restored", got)
	}
	var published bool
	for _, c := range m.count.Calls() {
		published = published || c == "POST /2015-03-31/functions/"+fn+"/versions"
	}
	if !published {
		t.Error("the sweep never published a version")
	}
}

// TestMotoHistory writes six hours of per-minute metrics into moto's CloudWatch and reads them back
// with History (moto has no percentiles, and its Logs Insights knows no REPORT fields: INIT falls back).
func TestMotoHistory(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 512, 30)
	const n = 360
	end := time.Now().Truncate(time.Minute)
	start := end.Add(-n * time.Minute)
	dims := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(fn)}}
	var data []cwtypes.MetricDatum
	var want int64
	for i := range n {
		inv := float64(5 + i%11)
		want += int64(inv)
		at := aws.Time(start.Add(time.Duration(i) * time.Minute))
		data = append(data, cwtypes.MetricDatum{MetricName: aws.String("Invocations"), Dimensions: dims, Timestamp: at, Value: aws.Float64(inv)},
			cwtypes.MetricDatum{MetricName: aws.String("Duration"), Dimensions: dims, Timestamp: at, StatisticValues: &cwtypes.StatisticSet{
				SampleCount: aws.Float64(inv), Sum: aws.Float64(inv * 200), Minimum: aws.Float64(200), Maximum: aws.Float64(200)}})
	}
	for i := 0; i < len(data); i += 20 {
		if _, err := m.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(Namespace), MetricData: data[i:min(len(data), i+20)]}); err != nil {
			t.Fatal(err)
		}
	}
	logs := NewLogsClient(aws.Config{Region: "us-east-1", Credentials: m.lam.Options().Credentials}, ClientOptions{Endpoint: aws.ToString(m.lam.Options().BaseEndpoint)})
	p := m.platform(t, fn, WithSLO(time.Second), WithLogs(logs, DefaultLogsOptions()))
	h, err := p.History(ctx, HistoryOptions{Span: n * time.Minute, End: end, MaxDatapoints: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, iv := range h.Intervals {
		got += iv.Invocations
	}
	if got != want || len(h.Intervals) != n || math.Abs(h.Duration.Mean-200) > 1e-9 || h.State.Config.MemoryMB != 512 || h.Runtime != "provided.al2023" {
		t.Errorf("history: %d invocations (want %d) in %d intervals, mean %v ms, config %v, runtime %q", got, want, len(h.Intervals), h.Duration.Mean, h.State.Config, h.Runtime)
	}
	if h.Init.Source != SourceNone || h.Init.Err == nil || h.OverSLO != -1 {
		t.Errorf("Init %+v, OverSLO %v: want no INIT from moto's logs and no percentile rank", h.Init, h.OverSLO)
	}
	load, err := h.Load()
	if err != nil || load.Total() != float64(want) {
		t.Errorf("load total %v, %v; want %d", load.Total(), err, want)
	}
}

// TestMotoTargetTracking registers Application Auto Scaling target tracking on an alias's
// provisioned concurrency in moto, finds it, and removes it.
func TestMotoTargetTracking(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 256, 10)
	as := applicationautoscaling.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: m.lam.Options().Credentials}, func(o *applicationautoscaling.Options) {
		o.BaseEndpoint = m.lam.Options().BaseEndpoint
	})
	tt := AutoScalingTarget{MinCapacity: 1, MaxCapacity: 20, TargetUtilization: 0.7, ScaleInCooldown: time.Minute}
	reg, err := RegisterTargetTracking(ctx, as, fn, "live", tt, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if reg.PolicyARN == "" || reg.ResourceID != "function:"+fn+":live" {
		t.Errorf("registration %+v", reg)
	}
	p := m.platform(t, fn, WithAlias("live"), WithAutoScaling(as))
	if err := p.checkAutoScaling(ctx); !errors.Is(err, ErrManagedByAutoScaling) {
		t.Errorf("the adapter does not see the scalable target: %v", err)
	}
	if err := DeregisterTargetTracking(ctx, as, reg, WithLogger(slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	if err := p.checkAutoScaling(ctx); err != nil {
		t.Errorf("after deregistering: %v", err)
	}
	pols, err := as.DescribeScalingPolicies(ctx, &applicationautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: "lambda", ResourceId: aws.String(reg.ResourceID)})
	if err != nil || len(pols.ScalingPolicies) != 0 {
		t.Errorf("scaling policies left: %v, %v", pols, err)
	}
}
