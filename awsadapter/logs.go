package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
)

// LogsAPI is the subset of *cloudwatchlogs.Client the adapter calls (see WithLogs).
type LogsAPI interface {
	StartQuery(ctx context.Context, in *cloudwatchlogs.StartQueryInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.StartQueryOutput, error)
	GetQueryResults(ctx context.Context, in *cloudwatchlogs.GetQueryResultsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetQueryResultsOutput, error)
	StopQuery(ctx context.Context, in *cloudwatchlogs.StopQueryInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.StopQueryOutput, error)
}

var _ LogsAPI = (*cloudwatchlogs.Client)(nil)

// NewLogsClient returns a CloudWatch Logs client built from cfg for WithLogs, with the same endpoint
// and retry choices and the same guard on request bodies as NewClients (CloudWatch Logs speaks JSON,
// which emulators speak too).
func NewLogsClient(cfg aws.Config, o ClientOptions) *cloudwatchlogs.Client {
	cfg.HTTPClient = guardBodies(cfg.HTTPClient)
	return cloudwatchlogs.NewFromConfig(cfg, func(lo *cloudwatchlogs.Options) {
		if o.Endpoint != "" {
			lo.BaseEndpoint = aws.String(o.Endpoint)
		}
		if !o.SDKRetries {
			lo.Retryer = aws.NopRetryer{}
		}
	})
}

// Logs Insights limits the adapter keeps within (CloudWatch Logs quotas).
const (
	// maxQueryRows is the most rows one GetQueryResults call returns; a batch has one row per
	// interval, so LogsOptions.MaxBatch is at most this.
	maxQueryRows = 10000
	// stopQueryTimeout bounds the best-effort StopQuery of a query that is abandoned.
	stopQueryTimeout = 10 * time.Second
)

// LogsOptions configures how the adapter reads the function's REPORT log lines through CloudWatch
// Logs Insights (WithLogs). Start from DefaultLogsOptions and change fields.
type LogsOptions struct {
	// LogGroup is the function's log group; empty means Lambda's default, /aws/lambda/NAME.
	LogGroup string
	// Delay is how long after an interval ends its logs are first queried (default 3 minutes): log
	// lines reach Logs Insights minutes late. Next waits for the larger of this and the metrics
	// delay. 0 suits emulators.
	Delay time.Duration
	// MaxLag is how long after an interval ends the adapter keeps re-querying it while it has fewer
	// REPORT lines than CloudWatch counted Invocations (default 10 minutes, at least Delay). After
	// it, the lines found are used and marked SourceLogsPartial.
	MaxLag time.Duration
	// Requery is the wait between two queries of an interval whose lines are still short (default
	// 1 minute).
	Requery time.Duration
	// QueryTimeout is how long one query may stay Scheduled or Running before the adapter stops it
	// (StopQuery) and falls back to the percentile rank (default 2 minutes; Logs Insights itself
	// gives up after 60 minutes).
	QueryTimeout time.Duration
	// Poll is the wait between two GetQueryResults calls on a running query (default 1 second).
	Poll time.Duration
	// MaxBatch is the most intervals one query covers when several are due at once, e.g. after
	// Next was called late (default 60; at most 10,000, the rows one GetQueryResults returns).
	MaxBatch int
	// Retry is how throttled Logs Insights calls are retried: ThrottlingException (the per-account
	// request rates) and LimitExceededException (too many concurrent queries in the account).
	// Default: 8 attempts, 1 s doubling up to 30 s.
	Retry RetryPolicy
}

// DefaultLogsOptions returns the defaults described on LogsOptions.
func DefaultLogsOptions() LogsOptions {
	return LogsOptions{
		Delay: 3 * time.Minute, MaxLag: 10 * time.Minute, Requery: time.Minute,
		QueryTimeout: 2 * time.Minute, Poll: time.Second, MaxBatch: 60,
		Retry: RetryPolicy{MaxAttempts: 8, Base: time.Second, Max: 30 * time.Second},
	}
}

// logGroupName is what CloudWatch Logs accepts as a log group name.
var logGroupName = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)

// Validate reports options that make no sense, naming the field and the allowed range.
func (lo LogsOptions) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("awsadapter: LogsOptions.%s = %v, want %s", field, v, want))
	}
	if lo.LogGroup != "" && !logGroupName.MatchString(lo.LogGroup) {
		bad("LogGroup", strconv.Quote(lo.LogGroup), "empty (the function's default) or 1-512 of A-Z a-z 0-9 . - _ / #")
	}
	if lo.Delay < 0 {
		bad("Delay", lo.Delay, ">= 0")
	}
	if lo.MaxLag < lo.Delay {
		bad("MaxLag", lo.MaxLag, fmt.Sprintf(">= Delay (%v)", lo.Delay))
	}
	if lo.Requery <= 0 {
		bad("Requery", lo.Requery, "> 0")
	}
	if lo.QueryTimeout <= 0 {
		bad("QueryTimeout", lo.QueryTimeout, "> 0")
	}
	if lo.Poll <= 0 {
		bad("Poll", lo.Poll, "> 0")
	}
	if lo.MaxBatch < 1 || lo.MaxBatch > maxQueryRows {
		bad("MaxBatch", lo.MaxBatch, fmt.Sprintf("1 <= MaxBatch <= %d", maxQueryRows))
	}
	if err := lo.Retry.validate(); err != nil {
		errs = append(errs, fmt.Errorf("awsadapter: LogsOptions.Retry: %w", err))
	}
	return errors.Join(errs...)
}

type logsConfig struct {
	api LogsAPI
	LogsOptions
}

func (c *logsConfig) validate() error {
	if c.api == nil {
		return errors.New("awsadapter: WithLogs: the CloudWatch Logs client must be non-nil")
	}
	return c.LogsOptions.Validate()
}

// WithLogs makes Next read the function's REPORT log lines through CloudWatch Logs Insights
// (StartQuery and GetQueryResults on the function's log group; StopQuery for a query abandoned),
// so that cold starts, INIT duration and SLO misses are measured on AWS: Metrics.ColdStarts counts
// the lines with an Init Duration, Usage.InitMBms (and Cost.Init) is their INIT duration times the
// memory in force, and with WithSLO, Metrics.SLOMisses counts the lines whose INIT plus duration
// exceeds the SLO, less Errors (see WithSLO).
//
// One query aggregates the lines per interval inside Logs Insights, so its result is one row per
// interval whatever the traffic; when several intervals are due at once (Next called late) one query
// covers up to LogsOptions.MaxBatch of them. Because log lines reach Logs Insights minutes late, an
// interval's logs are read LogsOptions.Delay after it ends, and re-queried every Requery until they
// hold at least as many REPORT lines as CloudWatch counted Invocations or MaxLag has passed.
// Throttled calls and the account's concurrent-query limit are retried with backoff
// (LogsOptions.Retry); a query that does not complete within QueryTimeout is stopped.
//
// When the logs cannot be read — no log group (logs are off or the function never ran), access
// denied, a failed, throttled or timed-out query — Next does not fail: it falls back to the
// percentile rank for SLOMisses, leaves ColdStarts and INIT at 0, and says so in LastObservation
// (and the audit log); when only a re-query fails, the lines found before it are used as partial.
// Only the caller's context ends Next with an error.
//
// Lambda's CloudWatch metrics have one-minute resolution; with shorter intervals (emulators) one
// query runs per interval, closer to Logs Insights' request rates.
//
// What the lines cannot say: a request counts in the interval its REPORT line was written (its end),
// while CloudWatch's metrics may place a long request elsewhere. The log group holds every version's
// lines: with an alias, invocations of other versions or aliases count too. Only the default text
// log format is read (the JSON format's platform.report records are not), with the system log level
// at INFO or finer. SnapStart restores (Restore Duration) are not counted as cold starts. It needs
// logs:StartQuery on the log group and logs:GetQueryResults and logs:StopQuery on "*".
func WithLogs(api LogsAPI, lo LogsOptions) Option {
	return func(o *options) { o.logs = &logsConfig{api: api, LogsOptions: lo} }
}

// readDelay is how long after an interval ends Next reads it.
func (p *Platform) readDelay() time.Duration {
	if p.o.logs != nil {
		return max(p.o.delay, p.o.logs.Delay)
	}
	return p.o.delay
}

func (p *Platform) logGroup() string {
	if g := p.o.logs.LogGroup; g != "" {
		return g
	}
	return "/aws/lambda/" + p.name
}

// logsRow is one interval's aggregate of REPORT lines.
type logsRow struct {
	reports, coldStarts, overSLO int64
	initMs, billedMs             float64
}

// readLogs returns what the REPORT lines say about the interval starting at start, which had inv
// invocations by CloudWatch. An error with a summary that was not Read means the logs could not be
// read (the caller falls back); with one that was, a re-query failed and the lines found before it
// are partial.
func (p *Platform) readLogs(ctx context.Context, start time.Time, inv int64) (LogsSummary, error) {
	if p.o.logs == nil {
		return LogsSummary{}, nil
	}
	s, err := p.logsFor(ctx, start, inv)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg != p.logsErrMsg {
		if err != nil {
			p.o.log.LogAttrs(ctx, slog.LevelWarn, "awsadapter: logs unavailable: cold starts and INIT not measured, SLO misses from the percentile rank",
				slog.String("function", p.fn), slog.String("log_group", p.logGroup()), slog.Time("interval", start), slog.String("error", msg))
		} else {
			p.o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: logs readable again", slog.String("function", p.fn),
				slog.String("log_group", p.logGroup()), slog.Time("interval", start))
		}
		p.logsErrMsg = msg
	}
	return s, err
}

// logsFor reads the interval's lines, from a batch already run or by querying, and re-queries while
// they are fewer than inv and MaxLag has not passed. When a re-query fails, the lines found before
// it are returned with the error.
func (p *Platform) logsFor(ctx context.Context, start time.Time, inv int64) (LogsSummary, error) {
	lo, iv := p.o.logs, p.o.interval
	for t := range p.logsCache {
		if t.Before(start) {
			delete(p.logsCache, t)
		}
	}
	var s LogsSummary
	row, cached := p.logsCache[start]
	for {
		if !cached {
			n := p.logsBatch(start)
			rows, err := p.queryLogs(ctx, start, n)
			if err != nil {
				return s, err
			}
			s.Queries++
			if p.logsCache == nil {
				p.logsCache = make(map[time.Time]logsRow)
			}
			for i, r := range rows {
				p.logsCache[start.Add(time.Duration(i)*iv)] = r
			}
			row = rows[0]
		}
		s.Read, s.Complete = true, row.reports >= inv
		s.Reports, s.ColdStarts, s.OverSLO, s.InitMs, s.BilledMs = row.reports, row.coldStarts, row.overSLO, row.initMs, row.billedMs
		wait := start.Add(iv + lo.MaxLag).Sub(p.o.now())
		if s.Complete || wait <= 0 {
			return s, nil
		}
		if err := p.o.sleep(ctx, min(lo.Requery, wait)); err != nil {
			return s, fmt.Errorf("waiting to re-query the logs (%d REPORT lines, %d invocations): %w", row.reports, inv, err)
		}
		cached = false
	}
}

// logsBatch is how many intervals from start one query covers: those whose logs are due now, at
// least 1 and at most MaxBatch.
func (p *Platform) logsBatch(start time.Time) int {
	lo, iv, now := p.o.logs, p.o.interval, p.o.now()
	n := 1
	for n < lo.MaxBatch && !start.Add(time.Duration(n+1)*iv+lo.Delay).After(now) {
		n++
	}
	return n
}

// logsQuery is the Logs Insights query aggregating the REPORT lines of n intervals from start, one
// row per interval: idx (the interval's index), reports, coldStarts, initMs, billedMs and, with an
// SLO, overSLO. Each line's interval is computed from its timestamp, so intervals need not align with
// Logs Insights' bins, and lines outside [start, start+n·interval) are dropped. A line is over the
// SLO when ceil(latency − SLO) >= 1, i.e. latency > SLO, written with least/greatest since Logs
// Insights sums numbers, not Booleans.
func (p *Platform) logsQuery(start time.Time, n int) string {
	var b strings.Builder
	b.WriteString(`filter @type = "REPORT"`)
	fmt.Fprintf(&b, "\n| fields floor((toMillis(@timestamp) - %d) / %d) as idx, coalesce(@initDuration, 0) as init",
		start.UnixMilli(), p.o.interval.Milliseconds())
	if p.o.slo > 0 {
		fmt.Fprintf(&b, ", least(1, greatest(0, ceil(@duration + coalesce(@initDuration, 0) - %s))) as slow", sloMillis(p.o.slo))
	}
	fmt.Fprintf(&b, "\n| filter idx >= 0 and idx < %d", n)
	b.WriteString("\n| stats count(*) as reports, count(@initDuration) as coldStarts, sum(init) as initMs, sum(@billedDuration) as billedMs")
	if p.o.slo > 0 {
		b.WriteString(", sum(slow) as overSLO")
	}
	b.WriteString(" by idx")
	return b.String()
}

// logsRetryable adds Logs Insights' concurrent-query limit to the throttling errors Retryable retries.
func logsRetryable(err error) bool {
	var ae smithy.APIError
	return Retryable(err) || (errors.As(err, &ae) && ae.ErrorCode() == "LimitExceededException")
}

// queryLogs runs one Logs Insights query over n intervals from start and returns one row per
// interval (zero for an interval without REPORT lines).
func (p *Platform) queryLogs(ctx context.Context, start time.Time, n int) ([]logsRow, error) {
	lo, group := p.o.logs, p.logGroup()
	end := start.Add(time.Duration(n) * p.o.interval)
	in := &cloudwatchlogs.StartQueryInput{
		LogGroupName: aws.String(group), QueryString: aws.String(p.logsQuery(start, n)),
		// Whole seconds, both inclusive; the query drops lines outside [start, end) by their
		// millisecond timestamps.
		StartTime: aws.Int64(start.Unix()), EndTime: aws.Int64(end.Unix()),
		Limit: aws.Int32(int32(n)), // n <= maxQueryRows, checked in Validate
	}
	sq, err := callWith(ctx, p, "StartQuery", lo.Retry, logsRetryable, func(ctx context.Context) (*cloudwatchlogs.StartQueryOutput, error) {
		return lo.api.StartQuery(ctx, in)
	})
	if err != nil {
		var nf *logtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("log group %q not found (logs off, or the function never ran): %w", group, err)
		}
		return nil, err
	}
	id := aws.ToString(sq.QueryId)
	results, err := p.awaitQuery(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := parseLogsRows(results, n, p.o.slo > 0)
	if err != nil {
		return nil, fmt.Errorf("log group %q, query %s: %w", group, id, err)
	}
	return rows, nil
}

// awaitQuery polls a query until it completes and returns all its result rows. A query still
// Scheduled or Running (its rows partial) after QueryTimeout, or when ctx ends, is stopped.
func (p *Platform) awaitQuery(ctx context.Context, id string) ([][]logtypes.ResultField, error) {
	lo := p.o.logs
	deadline := p.o.now().Add(lo.QueryTimeout)
	in := &cloudwatchlogs.GetQueryResultsInput{QueryId: aws.String(id)}
	get := func(ctx context.Context) (*cloudwatchlogs.GetQueryResultsOutput, error) {
		return lo.api.GetQueryResults(ctx, in)
	}
	for {
		res, err := callWith(ctx, p, "GetQueryResults", lo.Retry, logsRetryable, get)
		if err != nil {
			p.stopQuery(ctx, id)
			return nil, err
		}
		switch res.Status {
		case logtypes.QueryStatusComplete:
			rows := res.Results
			for res.NextToken != nil {
				in.NextToken = res.NextToken
				if res, err = callWith(ctx, p, "GetQueryResults", lo.Retry, logsRetryable, get); err != nil {
					return nil, err
				}
				rows = append(rows, res.Results...)
			}
			return rows, nil
		case logtypes.QueryStatusFailed, logtypes.QueryStatusCancelled, logtypes.QueryStatusTimeout:
			return nil, &OpError{Function: p.fn, Op: "GetQueryResults", Attempts: 1, Err: fmt.Errorf("Logs Insights query %s ended %s", id, res.Status)}
		}
		left := deadline.Sub(p.o.now())
		if left <= 0 {
			p.stopQuery(ctx, id)
			return nil, &OpError{Function: p.fn, Op: "GetQueryResults", Attempts: 1,
				Err: fmt.Errorf("Logs Insights query %s still %s after %v (LogsOptions.QueryTimeout); stopped", id, res.Status, lo.QueryTimeout)}
		}
		if err := p.o.sleep(ctx, min(lo.Poll, left)); err != nil {
			p.stopQuery(ctx, id)
			return nil, fmt.Errorf("Logs Insights query %s still %s: %w", id, res.Status, err)
		}
	}
}

// stopQuery stops an abandoned query so that it does not hold one of the account's concurrent
// queries. It is best effort, under a short timeout that survives the caller's cancellation.
func (p *Platform) stopQuery(ctx context.Context, id string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopQueryTimeout)
	defer cancel()
	if _, err := p.o.logs.api.StopQuery(sctx, &cloudwatchlogs.StopQueryInput{QueryId: aws.String(id)}); err != nil {
		p.o.log.LogAttrs(ctx, slog.LevelDebug, "awsadapter: StopQuery failed", slog.String("function", p.fn),
			slog.String("query", id), slog.String("error", err.Error()))
	}
}

// parseLogsRows turns the query's result rows into one row per interval, checking every value.
func parseLogsRows(results [][]logtypes.ResultField, n int, slo bool) ([]logsRow, error) {
	rows := make([]logsRow, n)
	seen := make([]bool, n)
	fields := []string{"idx", "reports", "coldStarts", "initMs", "billedMs"}
	if slo {
		fields = append(fields, "overSLO")
	}
	for i, res := range results {
		got := make(map[string]string, len(res))
		for _, f := range res {
			got[aws.ToString(f.Field)] = aws.ToString(f.Value)
		}
		v := make(map[string]float64, len(fields))
		for _, name := range fields {
			s, ok := got[name]
			if !ok {
				return nil, fmt.Errorf("result row %d has no field %s (want the aggregate fields %s)", i, name, strings.Join(fields, ", "))
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, fmt.Errorf("result row %d: %s = %q, want a finite number >= 0", i, name, s)
			}
			v[name] = x
		}
		idx := v["idx"]
		if idx != math.Trunc(idx) || idx >= float64(n) {
			return nil, fmt.Errorf("result row %d: idx = %v, want an integer in [0, %d)", i, idx, n)
		}
		k := int(idx)
		if seen[k] {
			return nil, fmt.Errorf("result row %d: idx %d appears twice", i, k)
		}
		seen[k] = true
		r, err := logsRowOf(v)
		if err != nil {
			return nil, fmt.Errorf("result row %d (idx %d): %w", i, k, err)
		}
		rows[k] = r
	}
	return rows, nil
}

// logsRowOf checks one row's aggregates: counts are whole, and no count exceeds the REPORT lines.
func logsRowOf(v map[string]float64) (logsRow, error) {
	for _, name := range []string{"reports", "coldStarts", "overSLO"} {
		if x := v[name]; x != math.Trunc(x) || x > math.MaxInt64/2 {
			return logsRow{}, fmt.Errorf("%s = %v, want a whole count", name, x)
		}
	}
	r := logsRow{reports: int64(v["reports"]), coldStarts: int64(v["coldStarts"]), overSLO: int64(v["overSLO"]),
		initMs: v["initMs"], billedMs: v["billedMs"]}
	if r.coldStarts > r.reports {
		return logsRow{}, fmt.Errorf("coldStarts = %d, want <= reports (%d)", r.coldStarts, r.reports)
	}
	if r.overSLO > r.reports {
		return logsRow{}, fmt.Errorf("overSLO = %d, want <= reports (%d)", r.overSLO, r.reports)
	}
	return r, nil
}
