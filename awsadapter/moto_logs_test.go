package awsadapter

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/google/go-cmp/cmp"
)

// targetTransport records the X-Amz-Target of every JSON-protocol request (the operation).
type targetTransport struct {
	mu      sync.Mutex
	targets []string
}

func (c *targetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.targets = append(c.targets, strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328."))
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *targetTransport) Targets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.targets...)
}

// motoLogs returns a CloudWatch Logs client for the moto server and its request log.
func motoLogs(t *testing.T) (*cloudwatchlogs.Client, *targetTransport) {
	t.Helper()
	tt := &targetTransport{}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		HTTPClient: &http.Client{Transport: tt, Timeout: 30 * time.Second}}
	return NewLogsClient(cfg, ClientOptions{Endpoint: os.Getenv(motoEnv)}), tt
}

// motoInterval puts Invocations for fn into moto's CloudWatch for the minute starting at start.
func (m motoClients) putInvocations(t *testing.T, fn string, start time.Time, n float64) {
	t.Helper()
	dims := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(fn)}}
	_, err := m.cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String(Namespace),
		MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("Invocations"), Dimensions: dims, Timestamp: aws.Time(start.Add(10 * time.Second)), Value: aws.Float64(n)}}})
	if err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
}

// TestMotoLogsInsights runs the adapter's Logs Insights query against moto with real REPORT lines
// in the function's log group. moto (5.2) accepts StartQuery and answers GetQueryResults Complete at
// once, but ignores filter and stats and discovers none of Lambda's REPORT fields: it returns the raw
// events as @ptr rows. The adapter must recognise that these are not its aggregates and fall back,
// saying why, rather than read them as zero cold starts.
func TestMotoLogsInsights(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 512, 10)
	logs, calls := motoLogs(t)
	group := "/aws/lambda/" + fn
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		var exists *logtypes.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			t.Fatalf("CreateLogGroup: %v", err)
		}
	}
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("2026/03/02/[$LATEST]abc")}); err != nil {
		t.Fatalf("CreateLogStream: %v", err)
	}
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	report := "REPORT RequestId: 8f5b\tDuration: 395.99 ms\tBilled Duration: 662 ms\tMemory Size: 512 MB\tMax Memory Used: 301 MB\tInit Duration: 265.72 ms\t"
	_, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("2026/03/02/[$LATEST]abc"),
		LogEvents: []logtypes.InputLogEvent{
			{Timestamp: aws.Int64(start.Add(5 * time.Second).UnixMilli()), Message: aws.String("START RequestId: 8f5b Version: $LATEST")},
			{Timestamp: aws.Int64(start.Add(6 * time.Second).UnixMilli()), Message: aws.String(report)},
		}})
	if err != nil {
		t.Fatalf("PutLogEvents: %v", err)
	}
	m.putInvocations(t, fn, start, 1)

	// What moto holds: a plain fields query returns the REPORT line itself.
	sq, err := logs.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{LogGroupName: aws.String(group), QueryString: aws.String("fields @timestamp, @message"),
		StartTime: aws.Int64(start.Unix()), EndTime: aws.Int64(start.Unix() + 60)})
	if err != nil {
		t.Fatalf("StartQuery: %v", err)
	}
	res, err := logs.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: sq.QueryId})
	if err != nil {
		t.Fatalf("GetQueryResults: %v", err)
	}
	found := false
	for _, row := range res.Results {
		for _, f := range row {
			found = found || aws.ToString(f.Field) == "@message" && aws.ToString(f.Value) == report
		}
	}
	if res.Status != logtypes.QueryStatusComplete || !found {
		t.Fatalf("moto's fields query: status %s, REPORT line found %v; want Complete, true", res.Status, found)
	}

	clk := newFakeClock(start.Add(time.Minute))
	lo := DefaultLogsOptions()
	lo.Delay, lo.MaxLag = 0, 0
	p := m.platform(t, fn, WithClock(clk.Now, clk.Sleep), WithSLO(250*time.Millisecond), WithLogs(logs, lo))
	before := len(calls.Targets())
	got, err := p.Next(ctx)
	if err != nil {
		t.Fatalf("Next = %v, want the unusable logs absorbed", err)
	}
	if diff := cmp.Diff([]string{"StartQuery", "GetQueryResults"}, calls.Targets()[before:]); diff != "" {
		t.Errorf("Logs calls (-want +got):\n%s", diff)
	}
	obs := p.LastObservation()
	if obs.LogsErr == nil || !strings.Contains(obs.LogsErr.Error(), "has no field idx") {
		t.Errorf("LogsErr = %v, want moto's raw rows rejected", obs.LogsErr)
	}
	// moto lacks percentile statistics (WithPercentiles(false)): nothing else measures them.
	want := Observation{Start: start, ColdStarts: SourceNone, Init: SourceNone, SLOMisses: SourceNone, RankOver: -1}
	if diff := cmp.Diff(want, obs, ignoreLogsErr); diff != "" {
		t.Errorf("LastObservation (-want +got):\n%s", diff)
	}
	if got.Invocations != 1 || got.ColdStarts != 0 || got.SLO != 250*time.Millisecond || got.SLOMisses != 0 {
		t.Errorf("Metrics: Invocations %d, ColdStarts %d, SLO %v, SLOMisses %d; want 1, 0, 250ms, 0", got.Invocations, got.ColdStarts, got.SLO, got.SLOMisses)
	}
}

// TestMotoLogsOff reads a function that has no log group: moto answers StartQuery with a typed
// ResourceNotFoundException, and the adapter falls back.
func TestMotoLogsOff(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.createFunction(t, 256, 10)
	logs, calls := motoLogs(t)
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	m.putInvocations(t, fn, start, 3)
	clk := newFakeClock(start.Add(time.Minute))
	lo := DefaultLogsOptions()
	lo.Delay, lo.MaxLag = 0, 0
	p := m.platform(t, fn, WithClock(clk.Now, clk.Sleep), WithLogs(logs, lo))
	got, err := p.Next(ctx)
	if err != nil {
		t.Fatalf("Next = %v, want the missing log group absorbed", err)
	}
	obs := p.LastObservation()
	var nf *logtypes.ResourceNotFoundException
	if !errors.As(obs.LogsErr, &nf) || !strings.Contains(obs.LogsErr.Error(), "/aws/lambda/"+fn) {
		t.Errorf("LogsErr = %v, want a ResourceNotFoundException naming the log group", obs.LogsErr)
	}
	if diff := cmp.Diff([]string{"StartQuery"}, calls.Targets()); diff != "" {
		t.Errorf("Logs calls (-want +got):\n%s", diff)
	}
	if got.Invocations != 3 || got.ColdStarts != 0 || obs.ColdStarts != SourceNone || obs.Logs.Read {
		t.Errorf("Metrics %+v, Observation %+v; want 3 invocations and no logs", got, obs)
	}
}
