package awsadapter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune"
)

// logsOpts are LogsOptions for tests on the virtual clock: logs read 3 minutes after an interval,
// re-queried every minute up to 10 minutes, short retries.
func logsOpts() LogsOptions {
	lo := DefaultLogsOptions()
	lo.Retry = RetryPolicy{MaxAttempts: 4, Base: time.Second, Max: 4 * time.Second}
	return lo
}

// The first Next at t0 (10:00:30) with a 3-minute logs delay reads [09:56, 09:57).
var logsStart = time.Date(2026, 3, 2, 9, 56, 0, 0, time.UTC)

// ignoreLogsErr compares Observations without their error, checked on its own.
var ignoreLogsErr = cmpopts.IgnoreFields(Observation{}, "LogsErr")

func TestLogsOptionsValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*LogsOptions)
		field  string // "" : valid
	}{
		{"defaults", func(*LogsOptions) {}, ""},
		{"custom log group", func(lo *LogsOptions) { lo.LogGroup = "/aws/lambda/my-fn_v2#x" }, ""},
		{"no delay for emulators", func(lo *LogsOptions) { lo.Delay, lo.MaxLag = 0, 0 }, ""},
		{"log group with a space", func(lo *LogsOptions) { lo.LogGroup = "/aws/lambda/my fn" }, "LogsOptions.LogGroup"},
		{"log group too long", func(lo *LogsOptions) { lo.LogGroup = strings.Repeat("a", 513) }, "LogsOptions.LogGroup"},
		{"negative delay", func(lo *LogsOptions) { lo.Delay = -time.Second }, "LogsOptions.Delay"},
		{"max lag below delay", func(lo *LogsOptions) { lo.MaxLag = time.Minute }, "LogsOptions.MaxLag"},
		{"zero requery", func(lo *LogsOptions) { lo.Requery = 0 }, "LogsOptions.Requery"},
		{"zero query timeout", func(lo *LogsOptions) { lo.QueryTimeout = 0 }, "LogsOptions.QueryTimeout"},
		{"zero poll", func(lo *LogsOptions) { lo.Poll = 0 }, "LogsOptions.Poll"},
		{"zero batch", func(lo *LogsOptions) { lo.MaxBatch = 0 }, "LogsOptions.MaxBatch"},
		{"batch above the result rows", func(lo *LogsOptions) { lo.MaxBatch = 10001 }, "LogsOptions.MaxBatch"},
		{"bad retry", func(lo *LogsOptions) { lo.Retry.MaxAttempts = 0 }, "LogsOptions.Retry"},
	}
	f := newFakeAWS(t, "fn", fnConfig{512, 10, 512})
	l := newFakeLogs(t, newFakeClock(t0), "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo := DefaultLogsOptions()
			tt.modify(&lo)
			err := lo.Validate()
			_, nerr := New(mustClients(f), mustCW(f), "fn", WithLogs(l.client(), lo))
			if tt.field == "" {
				if err != nil || nerr != nil {
					t.Errorf("Validate = %v, New = %v; want both nil", err, nerr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.field) || nerr == nil {
				t.Errorf("Validate = %v, New = %v; want errors naming %s", err, nerr, tt.field)
			}
		})
	}
	if _, err := New(mustClients(f), mustCW(f), "fn", WithLogs(nil, DefaultLogsOptions())); err == nil {
		t.Error("WithLogs(nil, ...) accepted")
	}
}

func TestLogsQuery(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{512, 10, 512})
	l := newFakeLogs(t, newFakeClock(t0), "")
	start := time.Date(2026, 3, 2, 9, 56, 0, 0, time.UTC) // 1772445360000 ms
	tests := []struct {
		name string
		opts []Option
		n    int
		want string
	}{
		{"SLO 250 ms, one interval", []Option{WithSLO(250 * time.Millisecond)}, 1,
			`filter @type = "REPORT"
| fields floor((toMillis(@timestamp) - 1772445360000) / 60000) as idx, coalesce(@initDuration, 0) as init, least(1, greatest(0, ceil(@duration + coalesce(@initDuration, 0) - 250))) as slow
| filter idx >= 0 and idx < 1
| stats count(*) as reports, count(@initDuration) as coldStarts, sum(init) as initMs, sum(@billedDuration) as billedMs, sum(slow) as overSLO by idx`},
		{"no SLO, 5-minute intervals, a batch of 12", []Option{WithInterval(5 * time.Minute)}, 12,
			`filter @type = "REPORT"
| fields floor((toMillis(@timestamp) - 1772445360000) / 300000) as idx, coalesce(@initDuration, 0) as init
| filter idx >= 0 and idx < 12
| stats count(*) as reports, count(@initDuration) as coldStarts, sum(init) as initMs, sum(@billedDuration) as billedMs by idx`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustClients(f), mustCW(f), "fn", append(tt.opts, WithLogs(l.client(), DefaultLogsOptions()))...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.logsQuery(start, tt.n)); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

// logsFixture is an adapter on the fake Lambda/CloudWatch server and the fake Logs Insights server.
type logsFixture struct {
	f   *fakeAWS
	l   *fakeLogs
	clk *fakeClock
	p   *Platform
}

func newLogsFixture(t *testing.T, lo LogsOptions, metrics map[string]float64, opts ...Option) *logsFixture {
	t.Helper()
	clk := newFakeClock(t0)
	f := newFakeAWS(t, "fn", fnConfig{1024, 10, 512})
	for k, v := range metrics {
		f.metrics[k] = v
	}
	l := newFakeLogs(t, clk, "/aws/lambda/fn")
	p := f.platform(t, clk, append([]Option{WithSLO(250 * time.Millisecond), WithLogs(l.client(), lo)}, opts...)...)
	return &logsFixture{f: f, l: l, clk: clk, p: p}
}

// TestFakeLogsMeasure reads cold starts, INIT and SLO misses from REPORT lines.
func TestFakeLogsMeasure(t *testing.T) {
	in := func(s float64) time.Time { return logsStart.Add(time.Duration(s * float64(time.Second))) }
	reports := []fakeReport{
		{at: in(1), durationMs: 100, initMs: 300},   // cold, 400 ms: over
		{at: in(2), durationMs: 50, initMs: 200},    // cold, 250 ms: not over (the bound is inclusive)
		{at: in(3), durationMs: 100},                // warm
		{at: in(4), durationMs: 240},                // warm
		{at: in(5), durationMs: 260},                // warm, over
		{at: in(59.999), durationMs: 400},           // warm, over; the interval's last millisecond
		{at: in(-0.001), durationMs: 900},           // the interval before: not counted
		{at: in(60), durationMs: 900, initMs: 1000}, // the interval after (same whole second as the end): not counted
	}
	tests := []struct {
		name    string
		group   string // LogsOptions.LogGroup
		metrics map[string]float64
		misses  int64
		source  Source
	}{
		{"default log group, 1 error", "", map[string]float64{"Invocations/Sum": 6, "Errors/Sum": 1, "Duration/PR(:250)": 50}, 2, SourceLogs},
		{"custom log group, more errors than misses", "/custom/group", map[string]float64{"Invocations/Sum": 6, "Errors/Sum": 4, "Duration/PR(:250)": 50}, 0, SourceLogs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo := logsOpts()
			lo.LogGroup = tt.group
			fx := newLogsFixture(t, lo, tt.metrics)
			if tt.group != "" {
				fx.l.configure(func(l *fakeLogs) { l.group = tt.group })
			}
			fx.l.add(reports...)
			m, err := fx.p.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !m.Start.Equal(logsStart) {
				t.Fatalf("read interval %v, want %v (3 minutes of logs delay)", m.Start, logsStart)
			}
			qs := fx.l.ran()
			if len(qs) != 1 {
				t.Fatalf("%d queries, want 1", len(qs))
			}
			group := tt.group
			if group == "" {
				group = "/aws/lambda/fn"
			}
			if qs[0].group != group || qs[0].start != logsStart.Unix() || qs[0].end != logsStart.Unix()+60 || qs[0].limit != 1 {
				t.Errorf("StartQuery(%s, %d..%d, limit %d), want (%s, %d..%d, limit 1)", qs[0].group, qs[0].start, qs[0].end, qs[0].limit,
					group, logsStart.Unix(), logsStart.Unix()+60)
			}
			const mem = 1024
			if m.ColdStarts != 2 || m.Usage.InitMBms != 500*mem || m.SLO != 250*time.Millisecond || m.SLOMisses != tt.misses {
				t.Errorf("ColdStarts %d, InitMBms %d, SLO %v, SLOMisses %d; want 2, %d, 250ms, %d",
					m.ColdStarts, m.Usage.InitMBms, m.SLO, m.SLOMisses, 500*mem, tt.misses)
			}
			want, err := lambdatune.DefaultPrices().Cost(lambdatune.X86_64, m.Usage, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Cost != want || m.Cost.Init <= 0 {
				t.Errorf("Cost = %+v, want %+v with INIT priced", m.Cost, want)
			}
			wantObs := Observation{Start: logsStart, ColdStarts: tt.source, Init: tt.source, SLOMisses: tt.source, RankOver: 3,
				Logs: LogsSummary{Read: true, Complete: true, Reports: 6, ColdStarts: 2, OverSLO: 3, InitMs: 500, BilledMs: 400 + 250 + 100 + 240 + 260 + 400, Queries: 1}}
			if diff := cmp.Diff(wantObs, fx.p.LastObservation(), ignoreLogsErr); diff != "" {
				t.Errorf("LastObservation (-want +got):\n%s", diff)
			}
			if err := fx.p.LastObservation().LogsErr; err != nil {
				t.Errorf("LogsErr = %v, want nil", err)
			}
		})
	}
}

// TestFakeLogsThrottled retries Logs Insights' throttling and concurrent-query limit, and falls back
// when they outlast the retry policy.
func TestFakeLogsThrottled(t *testing.T) {
	tests := []struct {
		name     string
		fail     func(op string, n int) (int, string)
		fallback bool
		starts   int
		attempts int // of the failed StartQuery, when falling back
	}{
		{"too many concurrent queries, then a throttled poll", func(op string, n int) (int, string) {
			switch {
			case op == "StartQuery" && n <= 2:
				return 400, "LimitExceededException"
			case op == "GetQueryResults" && n == 1:
				return 400, "ThrottlingException"
			}
			return 0, ""
		}, false, 3, 0},
		{"limit outlasts the retries", func(op string, n int) (int, string) {
			if op == "StartQuery" {
				return 400, "LimitExceededException"
			}
			return 0, ""
		}, true, 4, 4},
		{"a malformed query is not retried", func(op string, n int) (int, string) {
			if op == "StartQuery" {
				return 400, "MalformedQueryException"
			}
			return 0, ""
		}, true, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newLogsFixture(t, logsOpts(), map[string]float64{"Invocations/Sum": 2, "Duration/PR(:250)": 50})
			fx.l.add(fakeReport{at: logsStart.Add(time.Second), durationMs: 500, initMs: 100}, fakeReport{at: logsStart.Add(2 * time.Second), durationMs: 10})
			fx.l.configure(func(l *fakeLogs) { l.fail = tt.fail })
			m, err := fx.p.Next(context.Background())
			if err != nil {
				t.Fatalf("Next = %v, want the logs' failure absorbed", err)
			}
			if got := fx.l.calls("StartQuery"); got != tt.starts {
				t.Errorf("%d StartQuery calls, want %d", got, tt.starts)
			}
			obs := fx.p.LastObservation()
			if !tt.fallback {
				if obs.LogsErr != nil || obs.ColdStarts != SourceLogs || m.ColdStarts != 1 || m.SLOMisses != 1 {
					t.Errorf("after retries: LogsErr %v, ColdStarts %d (%s), SLOMisses %d; want nil, 1 (logs), 1", obs.LogsErr, m.ColdStarts, obs.ColdStarts, m.SLOMisses)
				}
				for _, d := range fx.clk.Sleeps() {
					if d < 500*time.Millisecond || d > 4*time.Second {
						t.Errorf("backoff %v outside the retry policy's [0.5s, 4s]", d)
					}
				}
				return
			}
			var oe *OpError
			if !errors.As(obs.LogsErr, &oe) || oe.Op != "StartQuery" || oe.Attempts != tt.attempts {
				t.Errorf("LogsErr = %v, want an *OpError of StartQuery after %d attempts", obs.LogsErr, tt.attempts)
			}
			// Fallback: SLO misses from the percentile rank (1 of 2 over), cold starts not measured.
			want := Observation{Start: logsStart, ColdStarts: SourceNone, Init: SourceNone, SLOMisses: SourcePercentileRank, RankOver: 1}
			if diff := cmp.Diff(want, obs, ignoreLogsErr); diff != "" {
				t.Errorf("LastObservation (-want +got):\n%s", diff)
			}
			if m.ColdStarts != 0 || m.Usage.InitMBms != 0 || m.SLOMisses != 1 {
				t.Errorf("ColdStarts %d, InitMBms %d, SLOMisses %d; want 0, 0, 1", m.ColdStarts, m.Usage.InitMBms, m.SLOMisses)
			}
		})
	}
}

func TestLogsRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&logtypes.LimitExceededException{}, true},
		{&logtypes.ThrottlingException{}, true},
		{&logtypes.MalformedQueryException{}, false},
		{&logtypes.ResourceNotFoundException{}, false},
		{&logtypes.AccessDeniedException{}, false},
		{errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := logsRetryable(tt.err); got != tt.want {
			t.Errorf("logsRetryable(%T) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestFakeLogsQueryNeverCompletes stops a query that stays Running: after QueryTimeout the adapter
// falls back; when the caller's context ends first, Next fails with the context's error.
func TestFakeLogsQueryNeverCompletes(t *testing.T) {
	t.Run("QueryTimeout", func(t *testing.T) {
		lo := logsOpts()
		lo.QueryTimeout, lo.Poll = 30*time.Second, 4*time.Second
		fx := newLogsFixture(t, lo, map[string]float64{"Invocations/Sum": 1, "Duration/PR(:250)": 100})
		fx.l.configure(func(l *fakeLogs) { l.running = -1 })
		m, err := fx.p.Next(context.Background())
		if err != nil {
			t.Fatalf("Next = %v, want a fallback", err)
		}
		obs := fx.p.LastObservation()
		if obs.LogsErr == nil || !strings.Contains(obs.LogsErr.Error(), "still Running after 30s (LogsOptions.QueryTimeout); stopped") {
			t.Errorf("LogsErr = %v, want the query reported stopped after 30s", obs.LogsErr)
		}
		if diff := cmp.Diff([]string{"q1"}, fx.l.stoppedIDs()); diff != "" {
			t.Errorf("stopped queries (-want +got):\n%s", diff)
		}
		var waited time.Duration
		for _, d := range fx.clk.Sleeps() {
			waited += d
		}
		if want := 30 * time.Second; waited != want { // polls until the timeout (the first Next does not wait)
			t.Errorf("waited %v, want %v", waited, want)
		}
		if obs.SLOMisses != SourcePercentileRank || m.SLOMisses != 0 || obs.ColdStarts != SourceNone {
			t.Errorf("fallback: %+v, SLOMisses %d", obs, m.SLOMisses)
		}
	})
	t.Run("context cancelled while polling", func(t *testing.T) {
		fx := newLogsFixture(t, logsOpts(), map[string]float64{"Invocations/Sum": 1})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fx.l.configure(func(l *fakeLogs) {
			l.running = -1
			l.onPoll = func(n int) {
				if n == 3 {
					cancel()
				}
			}
		})
		_, err := fx.p.Next(ctx)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "reading the logs of interval") {
			t.Fatalf("Next = %v, want context.Canceled while reading the logs", err)
		}
		if diff := cmp.Diff([]string{"q1"}, fx.l.stoppedIDs()); diff != "" {
			t.Errorf("stopped queries (-want +got):\n%s", diff)
		}
		// The interval was not consumed: the next call reads it again.
		if !fx.p.next.IsZero() {
			t.Errorf("next interval advanced to %v after a failed Next", fx.p.next)
		}
	})
	t.Run("real clock, deadline", func(t *testing.T) {
		f := newFakeAWS(t, "fn", fnConfig{1024, 10, 512})
		l := newFakeLogs(t, newFakeClock(t0), "/aws/lambda/fn")
		l.running = -1
		lo := logsOpts()
		lo.Delay, lo.MaxLag, lo.Poll, lo.QueryTimeout = 0, 0, 10*time.Millisecond, time.Hour
		p, err := New(mustClients(f), mustCW(f), "fn", WithLogger(discard()), WithMetricsDelay(0), WithLogs(l.client(), lo))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		begin := time.Now()
		_, err = p.Next(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("Next took %v after a 200ms deadline", d)
		}
		if l.calls("StopQuery") != 1 {
			t.Errorf("%d StopQuery calls, want 1", l.calls("StopQuery"))
		}
	})
}

// TestFakeLogsLateAndPartial handles log lines that arrive late, results that are partial while a
// query runs, and lines that never arrive.
func TestFakeLogsLateAndPartial(t *testing.T) {
	at := func(s int) time.Time { return logsStart.Add(time.Duration(s) * time.Second) }
	// The logs are queried at t0 (10:00:30) and every minute after; a line at 09:56:03 with a lag of
	// 6 minutes appears between the second query and the third.
	tests := []struct {
		name     string
		reports  []fakeReport
		running  int
		metrics  map[string]float64
		queries  int
		logs     LogsSummary
		misses   int64
		source   Source // of ColdStarts
		sloSrc   Source
		rankOver int64
		fail     func(op string, n int) (int, string)
		logsErr  string // "" : none
	}{
		{name: "late lines re-queried until complete",
			reports: []fakeReport{{at: at(1), durationMs: 300, initMs: 50}, {at: at(2), durationMs: 10}, {at: at(3), durationMs: 400, lag: 6 * time.Minute}},
			metrics: map[string]float64{"Invocations/Sum": 3, "Duration/PR(:250)": 33.3},
			queries: 3, misses: 2, source: SourceLogs, sloSrc: SourceLogs, rankOver: 2,
			logs: LogsSummary{Read: true, Complete: true, Reports: 3, ColdStarts: 1, OverSLO: 2, InitMs: 50, BilledMs: 350 + 10 + 400, Queries: 3}},
		{name: "a line never arrives, partial logs above the rank",
			reports: []fakeReport{{at: at(1), durationMs: 300, initMs: 50}, {at: at(2), durationMs: 10}, {at: at(3), durationMs: 400, lag: time.Hour}},
			metrics: map[string]float64{"Invocations/Sum": 3, "Duration/PR(:250)": 100},
			queries: 8, misses: 1, source: SourceLogsPartial, sloSrc: SourceLogsPartial, rankOver: 0,
			logs: LogsSummary{Read: true, Reports: 2, ColdStarts: 1, OverSLO: 1, InitMs: 50, BilledMs: 360, Queries: 8}},
		{name: "a line never arrives, the rank counts more",
			reports: []fakeReport{{at: at(1), durationMs: 10, initMs: 50}, {at: at(2), durationMs: 10}, {at: at(3), durationMs: 400, lag: time.Hour}},
			metrics: map[string]float64{"Invocations/Sum": 3, "Duration/PR(:250)": 66.7},
			queries: 8, misses: 1, source: SourceLogsPartial, sloSrc: SourcePercentileRank, rankOver: 1,
			logs: LogsSummary{Read: true, Reports: 2, ColdStarts: 1, OverSLO: 0, InitMs: 50, BilledMs: 70, Queries: 8}},
		{name: "a re-query fails: the lines found before it, as partial",
			reports: []fakeReport{{at: at(1), durationMs: 300, initMs: 50}, {at: at(2), durationMs: 10}, {at: at(3), durationMs: 400, lag: time.Hour}},
			metrics: map[string]float64{"Invocations/Sum": 3},
			fail: func(op string, n int) (int, string) {
				if op == "StartQuery" && n > 1 {
					return 400, "LimitExceededException"
				}
				return 0, ""
			},
			queries: 1, misses: 1, source: SourceLogsPartial, sloSrc: SourceLogsPartial, rankOver: -1, logsErr: "StartQuery",
			logs: LogsSummary{Read: true, Reports: 2, ColdStarts: 1, OverSLO: 1, InitMs: 50, BilledMs: 360, Queries: 1}},
		{name: "partial rows while running are not used",
			reports: []fakeReport{{at: at(1), durationMs: 300}, {at: at(2), durationMs: 10}, {at: at(3), durationMs: 10}, {at: at(4), durationMs: 10}},
			running: 3, metrics: map[string]float64{"Invocations/Sum": 4},
			queries: 1, misses: 1, source: SourceLogs, sloSrc: SourceLogs, rankOver: -1,
			logs: LogsSummary{Read: true, Complete: true, Reports: 4, OverSLO: 1, BilledMs: 330, Queries: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newLogsFixture(t, logsOpts(), tt.metrics)
			fx.l.add(tt.reports...)
			fx.l.configure(func(l *fakeLogs) { l.running, l.fail = tt.running, tt.fail })
			m, err := fx.p.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			obs := fx.p.LastObservation()
			want := Observation{Start: logsStart, ColdStarts: tt.source, Init: tt.source, SLOMisses: tt.sloSrc, RankOver: tt.rankOver, Logs: tt.logs}
			if diff := cmp.Diff(want, obs, ignoreLogsErr); diff != "" {
				t.Errorf("LastObservation (-want +got):\n%s", diff)
			}
			if tt.logsErr == "" && obs.LogsErr != nil || tt.logsErr != "" && (obs.LogsErr == nil || !strings.Contains(obs.LogsErr.Error(), tt.logsErr)) {
				t.Errorf("LogsErr = %v, want %q", obs.LogsErr, tt.logsErr)
			}
			if m.SLOMisses != tt.misses || m.ColdStarts != tt.logs.ColdStarts {
				t.Errorf("SLOMisses %d, ColdStarts %d; want %d, %d", m.SLOMisses, m.ColdStarts, tt.misses, tt.logs.ColdStarts)
			}
			if got := len(fx.l.ran()); got != tt.queries {
				t.Errorf("%d queries, want %d", got, tt.queries)
			}
			// Re-queries stop MaxLag after the interval's end at the latest.
			if end := logsStart.Add(time.Minute + 10*time.Minute); fx.clk.Now().After(end) {
				t.Errorf("Next returned at %v, after the interval's end + MaxLag (%v)", fx.clk.Now(), end)
			}
		})
	}
}

// TestFakeLogsBatch reads the intervals due at once with one query, and an interval without lines
// as zero.
func TestFakeLogsBatch(t *testing.T) {
	lo := logsOpts()
	lo.MaxLag = lo.Delay // no re-query: an interval short of lines is partial at once
	fx := newLogsFixture(t, lo, map[string]float64{"Invocations/Sum": 1})
	for i := range 6 {
		if i == 3 {
			continue // no lines in the fourth interval
		}
		fx.l.add(fakeReport{at: logsStart.Add(time.Duration(i)*time.Minute + 30*time.Second), durationMs: 100 * float64(i+1), initMs: float64(i)})
	}
	ctx := context.Background()
	if _, err := fx.p.Next(ctx); err != nil {
		t.Fatal(err)
	}
	fx.clk.Advance(5 * time.Minute) // Next called late: the 5 following intervals are due
	var got []Observation
	for range 5 {
		if _, err := fx.p.Next(ctx); err != nil {
			t.Fatal(err)
		}
		got = append(got, fx.p.LastObservation())
	}
	qs := fx.l.ran()
	if len(qs) != 2 || qs[1].limit != 5 || qs[1].start != logsStart.Add(time.Minute).Unix() || qs[1].end != logsStart.Add(6*time.Minute).Unix() {
		t.Fatalf("queries %+v, want a second one over the 5 due intervals", qs)
	}
	var want []Observation
	for i := 1; i < 6; i++ {
		o := Observation{Start: logsStart.Add(time.Duration(i) * time.Minute), ColdStarts: SourceLogs, Init: SourceLogs, SLOMisses: SourceLogs, RankOver: -1,
			Logs: LogsSummary{Read: true, Complete: true, Reports: 1, ColdStarts: 1, InitMs: float64(i), BilledMs: 101*float64(i) + 100}}
		if 100*float64(i+1)+float64(i) > 250 {
			o.Logs.OverSLO = 1
		}
		if i == 1 {
			o.Logs.Queries = 1
		}
		if i == 3 {
			o.ColdStarts, o.Init, o.SLOMisses = SourceLogsPartial, SourceLogsPartial, SourceLogsPartial
			o.Logs = LogsSummary{Read: true}
		}
		want = append(want, o)
	}
	if diff := cmp.Diff(want, got, ignoreLogsErr); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}

// TestFakeLogsOff falls back when the function has no log group, and says so once in the audit log.
func TestFakeLogsOff(t *testing.T) {
	var audit auditLog
	fx := newLogsFixture(t, logsOpts(), map[string]float64{"Invocations/Sum": 10, "Errors/Sum": 1, "Duration/PR(:250)": 70}, WithLogger(audit.logger()))
	fx.l.configure(func(l *fakeLogs) { l.group = "" })
	for i := range 2 {
		m, err := fx.p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		obs := fx.p.LastObservation()
		var nf *logtypes.ResourceNotFoundException
		if !errors.As(obs.LogsErr, &nf) || !strings.Contains(obs.LogsErr.Error(), `log group "/aws/lambda/fn" not found (logs off`) {
			t.Errorf("interval %d: LogsErr = %v, want a ResourceNotFoundException naming the log group", i, obs.LogsErr)
		}
		want := Observation{Start: m.Start, ColdStarts: SourceNone, Init: SourceNone, SLOMisses: SourcePercentileRank, RankOver: 3}
		if diff := cmp.Diff(want, obs, ignoreLogsErr); diff != "" {
			t.Errorf("interval %d: LastObservation (-want +got):\n%s", i, diff)
		}
		if m.SLOMisses != 2 || m.ColdStarts != 0 {
			t.Errorf("interval %d: SLOMisses %d, ColdStarts %d; want 2, 0", i, m.SLOMisses, m.ColdStarts)
		}
	}
	if n := fx.l.calls("StartQuery"); n != 2 {
		t.Errorf("%d StartQuery calls, want one per interval (the log group may appear)", n)
	}
	if n := len(audit.records(t, "logs unavailable")); n != 1 {
		t.Errorf("%d audit records of the logs being unavailable, want 1 (a change is logged once)", n)
	}
}

// TestFakeLogsQueryEndsBadly falls back on a query that fails or answers rows it cannot use.
func TestFakeLogsQueryEndsBadly(t *testing.T) {
	tests := []struct {
		name   string
		final  string
		mangle func([]map[string]string) []map[string]string
		want   string
	}{
		{name: "Failed", final: "Failed", want: "Logs Insights query q1 ended Failed"},
		{name: "Timeout", final: "Timeout", want: "Logs Insights query q1 ended Timeout"},
		{name: "Cancelled", final: "Cancelled", want: "Logs Insights query q1 ended Cancelled"},
		{name: "raw rows, as moto answers", mangle: func(rows []map[string]string) []map[string]string {
			return []map[string]string{{"@ptr": "0"}}
		}, want: "result row 0 has no field idx"},
		{name: "cold starts above reports", mangle: func(rows []map[string]string) []map[string]string {
			rows[0]["coldStarts"] = "9"
			return rows
		}, want: "coldStarts = 9, want <= reports (1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newLogsFixture(t, logsOpts(), map[string]float64{"Invocations/Sum": 1})
			fx.l.add(fakeReport{at: logsStart.Add(time.Second), durationMs: 10})
			fx.l.configure(func(l *fakeLogs) { l.final, l.mangle = tt.final, tt.mangle })
			if _, err := fx.p.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
			obs := fx.p.LastObservation()
			if obs.LogsErr == nil || !strings.Contains(obs.LogsErr.Error(), tt.want) {
				t.Errorf("LogsErr = %v, want it to contain %q", obs.LogsErr, tt.want)
			}
			if obs.ColdStarts != SourceNone || obs.Logs.Read {
				t.Errorf("observation %+v, want the logs unused", obs)
			}
		})
	}
}

func TestParseLogsRows(t *testing.T) {
	row := func(kv ...string) []logtypes.ResultField {
		var r []logtypes.ResultField
		for i := 0; i+1 < len(kv); i += 2 {
			r = append(r, logtypes.ResultField{Field: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return r
	}
	full := func(idx, reports, cold, over string) []logtypes.ResultField {
		return row("idx", idx, "reports", reports, "coldStarts", cold, "initMs", "12.5", "billedMs", "40", "overSLO", over)
	}
	tests := []struct {
		name    string
		results [][]logtypes.ResultField
		want    []logsRow
		err     string
	}{
		{"empty: no lines in any interval", nil, []logsRow{{}, {}, {}}, ""},
		{"rows out of order, one interval missing", [][]logtypes.ResultField{full("2", "3", "1", "2"), full("0", "1", "0", "0")},
			[]logsRow{{reports: 1, initMs: 12.5, billedMs: 40}, {}, {reports: 3, coldStarts: 1, overSLO: 2, initMs: 12.5, billedMs: 40}}, ""},
		{"counts written as floats", [][]logtypes.ResultField{full("1.0", "4.0", "2.0", "1.0")},
			[]logsRow{{}, {reports: 4, coldStarts: 2, overSLO: 1, initMs: 12.5, billedMs: 40}, {}}, ""},
		{"@ptr noise ignored", [][]logtypes.ResultField{append(full("0", "1", "0", "0"), row("@ptr", "abc")...)},
			[]logsRow{{reports: 1, initMs: 12.5, billedMs: 40}, {}, {}}, ""},
		{"missing field", [][]logtypes.ResultField{row("idx", "0", "reports", "1")}, nil, "has no field coldStarts"},
		{"idx out of range", [][]logtypes.ResultField{full("3", "1", "0", "0")}, nil, "idx = 3, want an integer in [0, 3)"},
		{"fractional idx", [][]logtypes.ResultField{full("0.5", "1", "0", "0")}, nil, "idx = 0.5, want an integer in [0, 3)"},
		{"duplicate idx", [][]logtypes.ResultField{full("1", "1", "0", "0"), full("1", "1", "0", "0")}, nil, "idx 1 appears twice"},
		{"negative", [][]logtypes.ResultField{full("0", "-1", "0", "0")}, nil, `reports = "-1", want a finite number >= 0`},
		{"not a number", [][]logtypes.ResultField{full("0", "x", "0", "0")}, nil, `reports = "x", want a finite number >= 0`},
		{"NaN", [][]logtypes.ResultField{full("0", "NaN", "0", "0")}, nil, `reports = "NaN", want a finite number >= 0`},
		{"fractional count", [][]logtypes.ResultField{full("0", "1.5", "0", "0")}, nil, "reports = 1.5, want a whole count"},
		{"over above reports", [][]logtypes.ResultField{full("0", "1", "0", "2")}, nil, "overSLO = 2, want <= reports (1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLogsRows(tt.results, 3, true)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseLogsRows = %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(logsRow{})); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := parseLogsRows([][]logtypes.ResultField{row("idx", "0", "reports", "1", "coldStarts", "0", "initMs", "0", "billedMs", "1")}, 1, false); err != nil {
		t.Errorf("without an SLO, overSLO is not required: %v", err)
	}
}
