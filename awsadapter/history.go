package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// GetMetricData's limits (CloudWatch quotas): the datapoints one call returns before it paginates,
// and the queries one call may hold.
const (
	// MaxDatapointsPerCall is the most datapoints one GetMetricData call returns (100,800).
	MaxDatapointsPerCall = 100_800
	// MaxQueriesPerCall is the most metric queries one GetMetricData call may hold (500).
	MaxQueriesPerCall = 500
)

// Retention returns how long CloudWatch keeps datapoints of the given period: 3 hours below 60
// seconds (high resolution), 15 days at 60 seconds, 63 days at multiples of 300 seconds below an
// hour, 455 days at multiples of an hour. A period of 60 seconds that is not a multiple of 300
// older than 15 days returns no data: CloudWatch has aggregated it into 5-minute datapoints.
func Retention(period time.Duration) time.Duration {
	const day = 24 * time.Hour
	switch {
	case period < time.Minute:
		return 3 * time.Hour
	case period%time.Hour == 0:
		return 455 * day
	case period%(5*time.Minute) == 0:
		return 63 * day
	}
	return 15 * day
}

// HistoryOptions says which stretch of a function's CloudWatch history Platform.History reads.
type HistoryOptions struct {
	// Span is how far back from End to read: a whole number of the platform's intervals (WithInterval,
	// one minute by default), its start within CloudWatch's retention of that period (Retention:
	// 15 days for one-minute data).
	Span time.Duration
	// End is where the stretch ends, a multiple of the interval; zero means the end of the last
	// interval whose metrics are available (now less the metrics delay).
	End time.Time
	// MaxDatapoints is the most datapoints one GetMetricData call is asked for (at most, and by
	// default, MaxDatapointsPerCall); the stretch is read in chunks of MaxDatapoints / queries
	// intervals. Lower it to keep each call small.
	MaxDatapoints int
	// Progress, if set, is called after each GetMetricData call with the intervals read and the total.
	Progress func(done, total int)
}

// History is a function's past as CloudWatch and its logs recorded it: the load and the duration per
// interval, the whole stretch's duration distribution and, with WithLogs, its INIT durations.
type History struct {
	// Function is the function read (and Alias its alias, if any).
	Function, Alias string
	// Start is the first interval's start, Period the interval length.
	Start  time.Time
	Period time.Duration
	// State is the function's configuration and status when the history was read. CloudWatch does
	// not record past configurations: every interval is reported, and costed, under State.Config.
	State State
	// Runtime is the function's runtime identifier (e.g. "python3.12"; empty for container images).
	Runtime string
	// Intervals holds one Metrics per interval, oldest first, as Next reports them from the same
	// statistics: Invocations, Errors, Throttles, Duration Mean (Sum / Invocations) and Max,
	// MaxConcurrency, the provisioned concurrency metrics with an alias, and the estimated cost. A
	// statistic without datapoints is 0 (Lambda publishes nothing for an interval without traffic).
	// Percentiles, cold starts and SLO misses are not read per interval.
	Intervals []lambdatune.Metrics
	// Duration is the whole stretch's Duration distribution (INIT excluded): Mean from the sums,
	// Max the largest interval maximum, and P50–P99 from one whole-stretch query (0 with
	// WithPercentiles(false), or without invocations).
	Duration lambdatune.Distribution
	// OverSLO is the share of invocations whose Duration exceeded the SLO over the stretch, in [0, 1],
	// from the percentile rank PR(:SLO) (INIT excluded); -1 without WithSLO, without percentiles or
	// without invocations.
	OverSLO float64
	// Init is the INIT durations of the stretch's cold starts from the REPORT log lines (WithLogs).
	Init InitStats
	// FirstData is the start of the first interval with any datapoint (zero when none has one): a
	// function younger than the stretch, or idle at its start, has none before it.
	FirstData time.Time
	// Partial is set when CloudWatch answered a query with StatusCode PartialData and no more pages;
	// Messages holds what CloudWatch said about it and any other message it returned.
	Partial  bool
	Messages []string
	// Calls counts the GetMetricData calls made, pages included.
	Calls int
}

// InitStats are the INIT durations of a stretch's cold starts, read from the function's REPORT log
// lines through CloudWatch Logs Insights (one aggregating query over the stretch).
type InitStats struct {
	// Source is SourceLogs when the query answered, SourceNone otherwise (Err says why).
	Source Source
	Err    error
	// Reports counts REPORT lines, ColdStarts those with an Init Duration.
	Reports, ColdStarts int64
	// Mean, P50 and P99 summarise the Init Durations (0 without cold starts).
	Mean, P50, P99 time.Duration
}

// Load returns the requests per interval, Invocations + Throttles: the demand the function saw,
// before its concurrency limits turned some of it away. For asynchronous invocations every throttled
// retry counts, as in CloudWatch's Throttles.
func (h History) Load() (workload.Series, error) {
	counts := make([]float64, len(h.Intervals))
	for i, m := range h.Intervals {
		counts[i] = float64(m.Invocations + m.Throttles)
	}
	return workload.NewSeries(h.Start, h.Period, counts)
}

// Requests returns the requests (Invocations + Throttles) of the whole history.
func (h History) Requests() int64 {
	var n int64
	for _, m := range h.Intervals {
		n += m.Invocations + m.Throttles
	}
	return n
}

// historyQueries are the statistics read per interval: those of Next that can be summed or
// maximised over a chunk (no averages, percentiles or ranks, which History reads once for the
// whole stretch).
func (p *Platform) historyQueries() []metricQuery {
	var qs []metricQuery
	for _, q := range p.queries {
		if q.agg != aggFirst {
			qs = append(qs, q)
		}
	}
	return qs
}

// History reads the function's CloudWatch metrics over a stretch of its past, one interval
// (WithInterval) at a time, and, with WithLogs, the INIT durations of its REPORT log lines. It only
// reads: GetFunctionConfiguration, GetFunctionConcurrency (and GetProvisionedConcurrencyConfig with
// an alias), GetMetricData, and with WithLogs logs:StartQuery and logs:GetQueryResults.
//
// GetMetricData returns at most MaxDatapointsPerCall datapoints per call, so the stretch is read in
// chunks of MaxDatapoints / queries intervals (about 16,800 minutes, 11.7 days, with the six
// statistics of an unqualified function), each call following NextToken pages. CloudWatch keeps
// one-minute datapoints for 15 days (Retention); a stretch reaching further back at one-minute
// intervals is refused rather than read as silent zeros: use WithInterval(5*time.Minute) (63 days)
// or a multiple of an hour (455 days). Throttled calls are retried as every call of the adapter is;
// a call that fails otherwise, or a context that ends, ends History with the error: a history with
// a hole in it would replay as a quiet stretch.
//
// The whole-stretch statistics (Duration percentiles and, with WithSLO, the percentile rank) take
// one more call with the stretch as its period. The INIT query's failure does not fail History: it
// is reported in Init.Err, and Init.Source is SourceNone.
func (p *Platform) History(ctx context.Context, ho HistoryOptions) (History, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, err := p.historyWindow(ho)
	if err != nil {
		return History{}, err
	}
	fc, err := p.getConfig(ctx, p.qualifier())
	if err != nil {
		return History{}, err
	}
	h.Runtime = string(fc.Runtime)
	if h.State, err = p.readState(ctx); err != nil {
		return History{}, err
	}
	readings, err := p.historyReadings(ctx, &h, ho)
	if err != nil {
		return History{}, err
	}
	h.Intervals = make([]lambdatune.Metrics, len(readings))
	for i, r := range readings {
		if inv := r[sInvocations]; inv > 0 {
			r[sDurationAvg] = r[sDurationSum] / inv
		}
		if h.Intervals[i], err = p.metrics(h.Start.Add(time.Duration(i)*h.Period), r, h.State); err != nil {
			return History{}, err
		}
		h.Intervals[i].SLO = p.o.slo
	}
	if err := p.historySummary(ctx, &h, readings); err != nil {
		return History{}, err
	}
	h.Init = p.initStats(ctx, h.Start, h.Start.Add(time.Duration(len(readings))*h.Period))
	if err := ctx.Err(); err != nil {
		return History{}, fmt.Errorf("awsadapter: function %q: reading the history: %w", p.fn, err)
	}
	return h, nil
}

// historyWindow checks ho and returns the History with its Start and Period set.
func (p *Platform) historyWindow(ho HistoryOptions) (History, error) {
	iv := p.o.interval
	h := History{Function: p.fn, Alias: p.o.alias, Period: iv, OverSLO: -1}
	end := ho.End
	if end.IsZero() {
		end = p.o.now().Add(-p.o.delay).Truncate(iv)
	}
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("awsadapter: HistoryOptions.%s = %v, want %s", field, v, want))
	}
	if !end.Equal(end.Truncate(iv)) {
		bad("End", end, fmt.Sprintf("a multiple of the interval (%v)", iv))
	}
	keep := Retention(iv)
	if ho.Span <= 0 || ho.Span%iv != 0 {
		bad("Span", ho.Span, fmt.Sprintf("a positive whole number of intervals (%v)", iv))
	} else if oldest := p.o.now().Add(-keep); end.Add(-ho.Span).Before(oldest) {
		bad("Span", ho.Span, fmt.Sprintf("a stretch starting after %v: CloudWatch keeps datapoints of a %v period for %v "+
			"(one-minute data 15 days, 5-minute 63 days, 1-hour 455 days; see Retention and WithInterval)", oldest.Round(iv), iv, keep))
	}
	if ho.MaxDatapoints < 0 || ho.MaxDatapoints > MaxDatapointsPerCall {
		bad("MaxDatapoints", ho.MaxDatapoints, fmt.Sprintf("0 (CloudWatch's %d) or at most %d", MaxDatapointsPerCall, MaxDatapointsPerCall))
	}
	if err := errors.Join(errs...); err != nil {
		return History{}, err
	}
	h.Start = end.Add(-ho.Span)
	return h, nil
}

// historyReadings reads the per-interval statistics in chunks of at most MaxDatapoints datapoints.
func (p *Platform) historyReadings(ctx context.Context, h *History, ho HistoryOptions) ([]reading, error) {
	qs := p.historyQueries()
	n := int(ho.Span / h.Period)
	perCall := ho.MaxDatapoints
	if perCall == 0 {
		perCall = MaxDatapointsPerCall
	}
	chunk := perCall / len(qs)
	if chunk < 1 {
		return nil, fmt.Errorf("awsadapter: HistoryOptions.MaxDatapoints = %d, want at least %d (one per statistic read)", perCall, len(qs))
	}
	readings := make([]reading, n)
	seen := make([]bool, n)
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		from, to := h.Start.Add(time.Duration(lo)*h.Period), h.Start.Add(time.Duration(hi)*h.Period)
		err := p.fetch(ctx, h, qs, from, to, h.Period, int32(perCall), func(q *metricQuery, t time.Time, v float64) {
			i := int(t.Sub(h.Start) / h.Period)
			if i < lo || i >= hi {
				return
			}
			r := &readings[i]
			switch {
			case q.agg == aggSum:
				r[q.slot] += v
			case q.agg == aggMax:
				r[q.slot] = max(r[q.slot], v)
			}
			seen[i] = true
		})
		if err != nil {
			return nil, fmt.Errorf("awsadapter: function %q: history from %v to %v: %w", p.fn, from, to, err)
		}
		if ho.Progress != nil {
			ho.Progress(hi, n)
		}
	}
	for i, ok := range seen {
		if ok {
			h.FirstData = h.Start.Add(time.Duration(i) * h.Period)
			break
		}
	}
	return readings, nil
}

// historySummary fills the whole stretch's Duration distribution and share over the SLO.
func (p *Platform) historySummary(ctx context.Context, h *History, readings []reading) error {
	var inv, sum float64
	for _, r := range readings {
		inv += r[sInvocations]
		sum += r[sDurationSum]
		h.Duration.Max = max(h.Duration.Max, r[sDurationMax])
	}
	if inv == 0 {
		return nil
	}
	h.Duration.Mean = sum / inv
	if !p.o.percentiles {
		return nil
	}
	span := time.Duration(len(readings)) * h.Period
	qs := []metricQuery{
		{"duration_p50", "Duration", "p50", sP50, aggFirst}, {"duration_p90", "Duration", "p90", sP90, aggFirst},
		{"duration_p95", "Duration", "p95", sP95, aggFirst}, {"duration_p99", "Duration", "p99", sP99, aggFirst},
	}
	if p.o.slo > 0 {
		qs = append(qs, metricQuery{"duration_slo_rank", "Duration", rankStat(p.o.slo), sSLORank, aggFirst})
	}
	var r reading
	var seen [nSlots]bool
	err := p.fetch(ctx, h, qs, h.Start, h.Start.Add(span), span, MaxDatapointsPerCall, func(q *metricQuery, _ time.Time, v float64) {
		if !seen[q.slot] {
			r[q.slot], seen[q.slot] = v, true
		}
	})
	if err != nil {
		return fmt.Errorf("awsadapter: function %q: whole-history statistics: %w", p.fn, err)
	}
	h.Duration.P50, h.Duration.P90, h.Duration.P95, h.Duration.P99 = r[sP50], r[sP90], r[sP95], r[sP99]
	if seen[sSLORank] {
		if pr := r[sSLORank]; pr < 0 || pr > 100 {
			return fmt.Errorf("awsadapter: function %q: CloudWatch Duration %s over the history = %v, want a percentage in [0, 100]", p.fn, rankStat(p.o.slo), pr)
		}
		h.OverSLO = (100 - r[sSLORank]) / 100
	}
	return nil
}

// fetch makes one GetMetricData call for qs over [start, end) at period, following its pages, and
// hands every finite datapoint inside the range to add. Statuses InternalError and Forbidden are
// errors; PartialData without a further page, and CloudWatch's messages, are recorded in h.
func (p *Platform) fetch(ctx context.Context, h *History, qs []metricQuery, start, end time.Time, period time.Duration,
	maxPoints int32, add func(q *metricQuery, t time.Time, v float64)) error {
	if len(qs) > MaxQueriesPerCall {
		return fmt.Errorf("%d metric queries, want at most %d", len(qs), MaxQueriesPerCall)
	}
	dims := p.Dimensions()
	mq := make([]cwtypes.MetricDataQuery, len(qs))
	byID := make(map[string]*metricQuery, len(qs))
	for i := range qs {
		q := &qs[i]
		byID[q.id] = q
		mq[i] = cwtypes.MetricDataQuery{Id: aws.String(q.id), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(Namespace), MetricName: aws.String(q.metric), Dimensions: dims},
			Period: aws.Int32(int32(period / time.Second)), Stat: aws.String(q.stat)}}
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end), MetricDataQueries: mq,
		ScanBy: cwtypes.ScanByTimestampAscending, MaxDatapoints: aws.Int32(maxPoints)}
	for {
		out, err := call(ctx, p, "GetMetricData", func(ctx context.Context) (*cloudwatch.GetMetricDataOutput, error) {
			return p.cw.GetMetricData(ctx, in)
		})
		if err != nil {
			return err
		}
		h.Calls++
		for _, m := range out.Messages {
			h.Messages = append(h.Messages, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
		}
		for _, res := range out.MetricDataResults {
			q := byID[aws.ToString(res.Id)]
			if q == nil {
				continue
			}
			if err := p.checkResult(h, q, res, out.NextToken != nil); err != nil {
				return err
			}
			for i, v := range res.Values {
				if i >= len(res.Timestamps) || math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				if t := res.Timestamps[i]; !t.Before(start) && t.Before(end) {
					add(q, t, v)
				}
			}
		}
		if out.NextToken == nil {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

// checkResult refuses a failed query result and records a partial one.
func (p *Platform) checkResult(h *History, q *metricQuery, res cwtypes.MetricDataResult, more bool) error {
	var msg []string
	for _, m := range res.Messages {
		msg = append(msg, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
	}
	switch res.StatusCode {
	case cwtypes.StatusCodeInternalError, cwtypes.StatusCodeForbidden:
		return &OpError{Function: p.fn, Op: "GetMetricData", Attempts: 1,
			Err: fmt.Errorf("query %s (%s %s): status %s %s", q.id, q.metric, q.stat, res.StatusCode, strings.Join(msg, "; "))}
	case cwtypes.StatusCodePartialData:
		if !more {
			h.Partial = true
			h.Messages = append(h.Messages, fmt.Sprintf("query %s (%s %s): PartialData without a further page %s", q.id, q.metric, q.stat, strings.Join(msg, "; ")))
		}
	}
	return nil
}
