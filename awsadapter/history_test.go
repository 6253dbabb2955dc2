package awsadapter

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

// histEnd is where the fake histories end: a minute boundary, 2 minutes (the metrics delay) before
// the virtual clock.
var histEnd = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// newHistoryFake returns a fake whose history holds n minutes ending at histEnd: Invocations
// 10·(i mod 7) (none at i mod 7 = 0, as Lambda publishes nothing without traffic), Throttles 1 every
// 10th minute, Errors 1 every 20th, Duration Sum 100 ms per invocation and Maximum 150 ms,
// ConcurrentExecutions 3, and the given whole-stretch statistics.
func newHistoryFake(t *testing.T, n int, whole map[string]float64) *fakeAWS {
	t.Helper()
	f := newFakeAWS(t, "fn", fnConfig{512, 30, 512})
	h := &fakeHistory{base: histEnd.Add(-time.Duration(n) * time.Minute), period: time.Minute, whole: whole,
		series: map[string][]float64{}}
	for _, k := range []string{"Invocations/Sum", "Errors/Sum", "Throttles/Sum", "Duration/Sum", "Duration/Maximum", "ConcurrentExecutions/Maximum"} {
		h.series[k] = make([]float64, n)
	}
	for i := range n {
		inv := float64(10 * (i % 7))
		nan := math.NaN()
		set := func(k string, v float64, ok bool) {
			if !ok {
				v = nan
			}
			h.series[k][i] = v
		}
		set("Invocations/Sum", inv, inv > 0)
		set("Errors/Sum", 1, inv > 0 && i%20 == 0)
		set("Throttles/Sum", 1, i%10 == 0)
		set("Duration/Sum", 100*inv, inv > 0)
		set("Duration/Maximum", 150, inv > 0)
		set("ConcurrentExecutions/Maximum", 3, inv > 0)
	}
	f.hist = h
	return f
}

func TestHistoryOptionsValidate(t *testing.T) {
	f := newHistoryFake(t, 10, nil)
	clk := newFakeClock(histEnd.Add(2 * time.Minute))
	day := 24 * time.Hour
	tests := []struct {
		name     string
		interval time.Duration
		ho       HistoryOptions
		field    string // "" : valid
	}{
		{"a day of minutes", time.Minute, HistoryOptions{Span: day}, ""},
		{"15 days of minutes", time.Minute, HistoryOptions{Span: 15*day - 2*time.Minute}, ""},
		{"20 days of minutes is past one-minute retention", time.Minute, HistoryOptions{Span: 20 * day}, "Span"},
		{"20 days of 5-minute periods", 5 * time.Minute, HistoryOptions{Span: 20 * day}, ""},
		{"no span", time.Minute, HistoryOptions{}, "Span"},
		{"a span that is not whole intervals", time.Minute, HistoryOptions{Span: 90 * time.Second}, "Span"},
		{"an end off the interval grid", time.Minute, HistoryOptions{Span: time.Hour, End: histEnd.Add(time.Second)}, "End"},
		{"too many datapoints", time.Minute, HistoryOptions{Span: time.Hour, MaxDatapoints: MaxDatapointsPerCall + 1}, "MaxDatapoints"},
		{"too few datapoints for one interval", time.Minute, HistoryOptions{Span: time.Hour, MaxDatapoints: 2}, "MaxDatapoints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.platform(t, clk, WithInterval(tt.interval), WithMetricsDelay(2*time.Minute), WithPercentiles(false))
			_, err := p.History(context.Background(), tt.ho)
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("History: %v", err)
			case tt.field != "" && (err == nil || !strings.Contains(err.Error(), "HistoryOptions."+tt.field)):
				t.Fatalf("History: error %v, want one naming HistoryOptions.%s", err, tt.field)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	day := 24 * time.Hour
	for _, tt := range []struct{ period, want time.Duration }{
		{time.Second, 3 * time.Hour}, {30 * time.Second, 3 * time.Hour}, {time.Minute, 15 * day},
		{2 * time.Minute, 15 * day}, {5 * time.Minute, 63 * day}, {15 * time.Minute, 63 * day}, {time.Hour, 455 * day}, {day, 455 * day},
	} {
		if got := Retention(tt.period); got != tt.want {
			t.Errorf("Retention(%v) = %v, want %v", tt.period, got, tt.want)
		}
	}
}

// TestFakeHistoryChunks reads three days in chunks of at most MaxDatapoints datapoints per call and
// checks the calls tile the stretch, and every interval and whole-stretch statistic.
func TestFakeHistoryChunks(t *testing.T) {
	const n = 3 * 1440
	f := newHistoryFake(t, n, map[string]float64{"Duration/p50": 90, "Duration/p90": 120, "Duration/p95": 130, "Duration/p99": 145, "Duration/PR(:125)": 92.5})
	clk := newFakeClock(histEnd.Add(2 * time.Minute))
	p := f.platform(t, clk, WithMetricsDelay(2*time.Minute), WithSLO(125*time.Millisecond))
	var progress [][2]int
	h, err := p.History(context.Background(), HistoryOptions{Span: n * time.Minute, MaxDatapoints: 6000,
		Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.historyCalls()
	// 6 statistics: chunks of 1,000 minutes, then the whole-stretch call.
	if len(calls) != 6 {
		t.Fatalf("%d GetMetricData calls, want 5 chunks and 1 whole-stretch call", len(calls))
	}
	start := histEnd.Add(-n * time.Minute)
	for i, c := range calls[:5] {
		want := fakeHistoryCall{start: start.Add(time.Duration(i*1000) * time.Minute), end: start.Add(time.Duration(min(n, (i+1)*1000)) * time.Minute),
			period: time.Minute, maxDatapoints: 6000, queries: 6}
		if diff := cmp.Diff(want, c, cmp.AllowUnexported(fakeHistoryCall{})); diff != "" {
			t.Errorf("call %d (-want +got):\n%s", i, diff)
		}
	}
	if w := calls[5]; w.period != n*time.Minute || w.queries != 5 {
		t.Errorf("whole-stretch call: period %v with %d queries, want %v with 4 percentiles and the rank", w.period, w.queries, time.Duration(n)*time.Minute)
	}
	if diff := cmp.Diff([][2]int{{1000, n}, {2000, n}, {3000, n}, {4000, n}, {n, n}}, progress); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if len(h.Intervals) != n || !h.Start.Equal(start) || h.Period != time.Minute || h.Calls != 6 || h.Runtime != "provided.al2023" {
		t.Fatalf("history: %d intervals from %v every %v, %d calls, runtime %q", len(h.Intervals), h.Start, h.Period, h.Calls, h.Runtime)
	}
	var sumInv, sumDur float64
	for i, m := range h.Intervals {
		inv := int64(10 * (i % 7))
		var thr, errs int64
		if i%10 == 0 {
			thr = 1
		}
		if inv > 0 && i%20 == 0 {
			errs = 1
		}
		got := [6]float64{float64(m.Invocations), float64(m.Errors), float64(m.Throttles), m.Duration.Mean, m.Duration.Max, float64(m.MaxConcurrency)}
		want := [6]float64{float64(inv), float64(errs), float64(thr), 0, 0, 0}
		if inv > 0 {
			want[3], want[4], want[5] = 100, 150, 3
		}
		if got != want || !m.Start.Equal(start.Add(time.Duration(i)*time.Minute)) || m.Config != f.config() || m.SLO != 125*time.Millisecond {
			t.Fatalf("interval %d: %+v, want invocations/errors/throttles/mean/max/concurrency %v under %v", i, m, want, f.config())
		}
		if inv > 0 && m.Cost.Total() <= 0 {
			t.Fatalf("interval %d: no cost estimated for %d invocations", i, inv)
		}
		sumInv += float64(inv)
		sumDur += 100 * float64(inv)
	}
	wantDur := lambdatune.Distribution{Mean: sumDur / sumInv, P50: 90, P90: 120, P95: 130, P99: 145, Max: 150}
	if diff := cmp.Diff(wantDur, h.Duration); diff != "" {
		t.Errorf("whole-stretch duration (-want +got):\n%s", diff)
	}
	if math.Abs(h.OverSLO-0.075) > 1e-12 || !h.FirstData.Equal(start) || h.Partial {
		t.Errorf("OverSLO %v, FirstData %v, Partial %v; want 0.075, %v, false", h.OverSLO, h.FirstData, h.Partial, start)
	}
	load, err := h.Load()
	if err != nil {
		t.Fatal(err)
	}
	if load.Len() != n || load.Counts[10] != 31 || load.Counts[1] != 10 || load.Total() != float64(h.Requests()) {
		t.Errorf("load: %d intervals, [10] = %v, [1] = %v, total %v vs %d requests", load.Len(), load.Counts[10], load.Counts[1], load.Total(), h.Requests())
	}
	if h.Init.Source != SourceNone || !errors.Is(h.Init.Err, errNoLogs) {
		t.Errorf("Init without WithLogs: %+v, want SourceNone and errNoLogs", h.Init)
	}
}

// TestFakeHistoryPages follows CloudWatch's own pages (NextToken, PartialData) within a chunk, and
// records PartialData that comes without a further page.
func TestFakeHistoryPages(t *testing.T) {
	const n = 600
	tests := []struct {
		name           string
		partialNoToken bool
		wantCalls      int
	}{
		{"pages merged", false, 5},
		{"partial data without a further page", true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHistoryFake(t, n, nil)
			f.hist.pageLimit = 500
			f.hist.partialNoToken = tt.partialNoToken
			p := f.platform(t, newFakeClock(histEnd.Add(2*time.Minute)), WithMetricsDelay(2*time.Minute), WithPercentiles(false))
			h, err := p.History(context.Background(), HistoryOptions{Span: n * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			// 600 minutes, 6 statistics, most minutes without errors or throttles: 2,142 datapoints
			// in pages of 500.
			if h.Calls != tt.wantCalls || len(f.historyCalls()) != tt.wantCalls {
				t.Errorf("%d calls (%d answered), want %d pages", h.Calls, len(f.historyCalls()), tt.wantCalls)
			}
			var inv int64
			for _, m := range h.Intervals {
				inv += m.Invocations
			}
			want := int64(0)
			for i := range n {
				want += int64(10 * (i % 7))
			}
			if inv != want {
				t.Errorf("invocations %d, want %d: a page was lost or counted twice", inv, want)
			}
			if h.Partial != tt.partialNoToken || (tt.partialNoToken && len(h.Messages) == 0) {
				t.Errorf("Partial = %v with messages %q, want %v", h.Partial, h.Messages, tt.partialNoToken)
			}
		})
	}
}

// TestFakeHistoryFailures covers throttling (retried), a failed query result, a call that never
// completes (the context ends it), and a chunk that fails after earlier ones succeeded: each fails
// History or succeeds as a whole, never with a silent hole.
func TestFakeHistoryFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fakeAWS)
		timeout   time.Duration
		wantErr   string // "" : success
		wantCalls int
	}{
		{"throttled twice, then answered", func(f *fakeAWS) {
			f.fail = func(op string, n int) (int, string) {
				if op == "GetMetricData" && n <= 2 {
					return 400, "Throttling"
				}
				return 0, ""
			}
		}, 0, "", 1},
		{"throttled past the retry policy", func(f *fakeAWS) {
			f.fail = func(op string, n int) (int, string) {
				if op == "GetMetricData" {
					return 400, "Throttling"
				}
				return 0, ""
			}
		}, 0, "after 8 attempts", 0},
		{"query result InternalError", func(f *fakeAWS) { f.hist.status = "InternalError" }, 0, "status InternalError", 1},
		{"access denied", func(f *fakeAWS) {
			f.fail = func(op string, n int) (int, string) {
				if op == "GetMetricData" {
					return 403, "AccessDenied"
				}
				return 0, ""
			}
		}, 0, "AccessDenied", 0},
		{"second chunk fails", func(f *fakeAWS) {
			f.fail = func(op string, n int) (int, string) {
				if op == "GetMetricData" && n >= 2 {
					return 400, "InvalidParameterValue"
				}
				return 0, ""
			}
		}, 0, "history from", 1},
		{"a call that never completes", func(f *fakeAWS) { f.hist.hang = func(n int) bool { return true } }, 200 * time.Millisecond, "deadline exceeded", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHistoryFake(t, 120, nil)
			tt.setup(f)
			clk := newFakeClock(histEnd.Add(2 * time.Minute))
			p := f.platform(t, clk, WithMetricsDelay(2*time.Minute), WithPercentiles(false))
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			h, err := p.History(ctx, HistoryOptions{Span: 120 * time.Minute, MaxDatapoints: 6 * 60})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(h.Intervals) != 120 || h.Intervals[1].Invocations != 10 {
					t.Errorf("history after retries: %d intervals, [1] has %d invocations", len(h.Intervals), h.Intervals[1].Invocations)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("History: error %v, want one containing %q", err, tt.wantErr)
			}
			if got := len(f.historyCalls()); got != tt.wantCalls+boolInt(tt.wantErr == "") {
				t.Errorf("%d calls answered, want %d", got, tt.wantCalls+boolInt(tt.wantErr == ""))
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFakeHistoryEmptyStart: a function younger than the stretch has no datapoints before its first
// invocation; FirstData says where they start.
func TestFakeHistoryEmptyStart(t *testing.T) {
	f := newHistoryFake(t, 100, nil)
	for k := range f.hist.series {
		for i := range 40 {
			f.hist.series[k][i] = math.NaN()
		}
	}
	p := f.platform(t, newFakeClock(histEnd.Add(2*time.Minute)), WithMetricsDelay(2*time.Minute), WithPercentiles(false))
	h, err := p.History(context.Background(), HistoryOptions{Span: 100 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if want := h.Start.Add(40 * time.Minute); !h.FirstData.Equal(want) {
		t.Errorf("FirstData = %v, want %v", h.FirstData, want)
	}
	if h.Duration.P50 != 0 || h.OverSLO != -1 {
		t.Errorf("without percentiles: %+v, OverSLO %v; want no percentiles and -1", h.Duration, h.OverSLO)
	}
}

// TestFakeHistoryInit reads the stretch's INIT durations from the REPORT lines, and falls back (with
// the reason) when the logs are off, throttled past the policy, never complete, or malformed.
func TestFakeHistoryInit(t *testing.T) {
	tests := []struct {
		name    string
		group   string
		setup   func(l *fakeLogs)
		want    InitStats
		wantErr string
	}{
		{"measured", "/aws/lambda/fn", nil, InitStats{Source: SourceLogs, Reports: 100, ColdStarts: 10,
			Mean: 455 * time.Millisecond, P50: 450 * time.Millisecond, P99: 500 * time.Millisecond}, ""},
		{"logs off", "", nil, InitStats{Source: SourceNone}, "not found"},
		{"throttled, then answered", "/aws/lambda/fn", func(l *fakeLogs) {
			l.fail = func(op string, n int) (int, string) {
				if op == "StartQuery" && n == 1 {
					return 400, "ThrottlingException"
				}
				return 0, ""
			}
		}, InitStats{Source: SourceLogs, Reports: 100, ColdStarts: 10, Mean: 455 * time.Millisecond, P50: 450 * time.Millisecond, P99: 500 * time.Millisecond}, ""},
		{"concurrent-query limit past the policy", "/aws/lambda/fn", func(l *fakeLogs) {
			l.fail = func(op string, n int) (int, string) {
				if op == "StartQuery" {
					return 400, "LimitExceededException"
				}
				return 0, ""
			}
		}, InitStats{Source: SourceNone}, "LimitExceededException"},
		{"never completes", "/aws/lambda/fn", func(l *fakeLogs) { l.running = -1 }, InitStats{Source: SourceNone}, "QueryTimeout"},
		{"malformed result", "/aws/lambda/fn", func(l *fakeLogs) {
			l.mangle = func(rows []map[string]string) []map[string]string {
				rows[0]["coldStarts"] = "500"
				return rows
			}
		}, InitStats{Source: SourceNone}, "coldStarts <= reports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHistoryFake(t, 60, nil)
			clk := newFakeClock(histEnd.Add(2 * time.Minute))
			logs := newFakeLogs(t, clk, tt.group)
			start := histEnd.Add(-60 * time.Minute)
			for i := range 100 {
				r := fakeReport{at: start.Add(time.Duration(i) * 30 * time.Second), durationMs: 100}
				if i%10 == 0 {
					r.initMs = float64(410 + 10*i/10)
				}
				logs.add(r)
			}
			if tt.setup != nil {
				logs.configure(tt.setup)
			}
			lo := DefaultLogsOptions()
			lo.Retry = RetryPolicy{MaxAttempts: 3, Base: time.Second, Max: time.Second}
			p := f.platform(t, clk, WithMetricsDelay(2*time.Minute), WithPercentiles(false), WithLogs(logs.client(), lo))
			h, err := p.History(context.Background(), HistoryOptions{Span: 60 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			got := h.Init
			if tt.wantErr == "" && got.Err != nil || tt.wantErr != "" && (got.Err == nil || !strings.Contains(got.Err.Error(), tt.wantErr)) {
				t.Fatalf("Init.Err = %v, want %q", got.Err, tt.wantErr)
			}
			got.Err = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Init (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGuardBodies: the request bodies the SDK's clients send hide WriterTo (see NewClients), and
// wrapping is done once.
func TestGuardBodies(t *testing.T) {
	g := guardBodies(nil)
	if _, ok := g.(bodyGuard); !ok {
		t.Fatalf("guardBodies(nil) = %T, want bodyGuard", g)
	}
	if again := guardBodies(g); again != g {
		t.Errorf("guardBodies(guarded) wrapped twice")
	}
	var body io.ReadCloser = readOnlyBody{io.NopCloser(strings.NewReader("x"))}
	if _, ok := body.(io.WriterTo); ok {
		t.Errorf("readOnlyBody exposes WriterTo")
	}
}
