package awsadapter

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/lambdatune/lambdatune"
)

// Namespace is the CloudWatch namespace of Lambda's metrics.
const Namespace = "AWS/Lambda"

// metricQuery is one statistic the adapter reads each interval into slot of a reading.
type metricQuery struct {
	id, metric, stat string
	slot             slot
	agg              aggregation
}

type aggregation int

const (
	aggSum aggregation = iota
	aggMax
	aggFirst
)

// slot indexes a reading.
type slot int

const (
	sInvocations slot = iota
	sErrors
	sThrottles
	sDurationSum
	sDurationAvg
	sDurationMax
	sP50
	sP90
	sP95
	sP99
	sConcurrency
	sProvUtil
	sProvInv
	sSpill
	sSLORank     // PR(:SLO) on Duration, a percentage
	sSLORankSeen // 1 when PR(:SLO) had a datapoint, 0 when not (unavailable, unlike a rank of 0 %)
	nSlots
)

// reading holds one interval's statistics; a statistic without datapoints stays 0.
type reading [nSlots]float64

// buildQueries returns the statistics read each interval, in one GetMetricData call.
func (p *Platform) buildQueries() []metricQuery {
	q := []metricQuery{
		{"invocations", "Invocations", "Sum", sInvocations, aggSum},
		{"errors", "Errors", "Sum", sErrors, aggSum},
		{"throttles", "Throttles", "Sum", sThrottles, aggSum},
		{"duration_sum", "Duration", "Sum", sDurationSum, aggSum},
		{"duration_avg", "Duration", "Average", sDurationAvg, aggFirst},
		{"duration_max", "Duration", "Maximum", sDurationMax, aggMax},
		{"concurrency", "ConcurrentExecutions", "Maximum", sConcurrency, aggMax},
	}
	if p.o.percentiles {
		q = append(q,
			metricQuery{"duration_p50", "Duration", "p50", sP50, aggFirst},
			metricQuery{"duration_p90", "Duration", "p90", sP90, aggFirst},
			metricQuery{"duration_p95", "Duration", "p95", sP95, aggFirst},
			metricQuery{"duration_p99", "Duration", "p99", sP99, aggFirst},
		)
	}
	if p.o.slo > 0 && p.o.percentiles {
		q = append(q, metricQuery{"duration_slo_rank", "Duration", rankStat(p.o.slo), sSLORank, aggFirst})
	}
	if p.o.alias != "" {
		q = append(q,
			metricQuery{"provisioned_utilization", "ProvisionedConcurrencyUtilization", "Maximum", sProvUtil, aggMax},
			metricQuery{"provisioned_invocations", "ProvisionedConcurrencyInvocations", "Sum", sProvInv, aggSum},
			metricQuery{"spillover_invocations", "ProvisionedConcurrencySpilloverInvocations", "Sum", sSpill, aggSum},
		)
	}
	return q
}

// Dimensions returns the CloudWatch dimensions the adapter reads: FunctionName, and Resource
// (name:alias) when an alias is tuned.
func (p *Platform) Dimensions() []cwtypes.Dimension {
	d := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(p.name)}}
	if p.o.alias != "" {
		d = append(d, cwtypes.Dimension{Name: aws.String("Resource"), Value: aws.String(p.name + ":" + p.o.alias)})
	}
	return d
}

// Next waits until the next interval's metrics are available (its end plus the metrics delay, or the
// logs delay when it is longer and WithLogs is set), reads them with one GetMetricData call (and the
// function's REPORT log lines with WithLogs) and returns them. It implements lambdatune.Platform.
//
// Intervals are aligned to multiples of the interval length (CloudWatch periods). The first call
// reads the latest interval whose metrics are available, without waiting; later calls read the
// following intervals in turn, none skipped. A metric without datapoints is zero (no traffic), not an
// error. After a change, Next also applies the automatic rollback rule (see RollbackRule).
//
// Cost is estimated from the metrics with the shared price table (WithPrices), as follows. Requests
// are Invocations. Billed duration is the Duration Sum plus 0.5 ms per invocation (the expected
// rounding up to 1 ms), times the memory in force; the share ProvisionedConcurrencyInvocations /
// Invocations of it is priced at the provisioned duration rate. Provisioned capacity is the allocated
// environments at the end of the interval times memory times the interval (AWS's 5-minute minimum is
// ignored). Ephemeral storage above 512 MB is billed on the same duration. Cold starts and INIT
// duration are not in CloudWatch's metrics: with WithLogs they are read from the REPORT log lines
// (Usage.InitMBms is their INIT duration times the memory, billed at the on-demand rate); without,
// ColdStarts and Usage.InitMBms are 0. With WithSLO, SLO and SLOMisses are filled as WithSLO
// describes. LastObservation says which source filled each of these fields. Not estimated: timeouts
// (counted in Errors; Timeouts is 0), the free tier and tiered prices. Latency is the Duration
// distribution (CloudWatch has no caller-side latency).
func (p *Platform) Next(ctx context.Context) (lambdatune.Metrics, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	iv, delay := p.o.interval, p.readDelay()
	start := p.next
	if start.IsZero() {
		start = p.o.now().Add(-delay).Truncate(iv).Add(-iv)
	} else if wait := start.Add(iv + delay).Sub(p.o.now()); wait > 0 {
		if err := p.o.sleep(ctx, wait); err != nil {
			return lambdatune.Metrics{}, fmt.Errorf("awsadapter: function %q: waiting for interval %v: %w", p.fn, start, err)
		}
	}
	r, err := p.read(ctx, start, start.Add(iv))
	if err != nil {
		return lambdatune.Metrics{}, err
	}
	lg, lerr := p.readLogs(ctx, start, int64(math.Round(r[sInvocations])))
	if lerr != nil && ctx.Err() != nil {
		return lambdatune.Metrics{}, fmt.Errorf("awsadapter: function %q: reading the logs of interval %v: %w", p.fn, start, lerr)
	}
	s, err := p.readState(ctx)
	if err != nil {
		return lambdatune.Metrics{}, err
	}
	p.noteBaseline(s.Config)
	m, err := p.metrics(start, r, s)
	if err != nil {
		return lambdatune.Metrics{}, err
	}
	obs, err := p.measure(&m, r, lg, lerr)
	if err != nil {
		return lambdatune.Metrics{}, err
	}
	p.obs = obs
	p.next = start.Add(iv)
	p.o.log.LogAttrs(ctx, slog.LevelDebug, "awsadapter: interval observed", slog.String("function", p.fn),
		slog.Time("start", start), slog.Int64("invocations", m.Invocations), slog.Int64("errors", m.Errors),
		slog.Int64("throttles", m.Throttles), slog.Float64("cost_usd", m.Cost.Total()))
	if err := p.afterInterval(ctx, m); err != nil {
		return m, err
	}
	return m, nil
}

// read makes the GetMetricData call for [start, end).
func (p *Platform) read(ctx context.Context, start, end time.Time) (reading, error) {
	dims := p.Dimensions()
	period := int32(p.o.interval / time.Second)
	qs := make([]cwtypes.MetricDataQuery, len(p.queries))
	byID := make(map[string]*metricQuery, len(p.queries))
	for i := range p.queries {
		q := &p.queries[i]
		byID[q.id] = q
		qs[i] = cwtypes.MetricDataQuery{
			Id: aws.String(q.id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(Namespace), MetricName: aws.String(q.metric), Dimensions: dims},
				Period: aws.Int32(period),
				Stat:   aws.String(q.stat),
			},
			ReturnData: aws.Bool(true),
		}
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end),
		MetricDataQueries: qs, ScanBy: cwtypes.ScanByTimestampAscending,
	}
	var r reading
	var seen [nSlots]bool // whether r[slot] holds a datapoint yet
	for {
		out, err := call(ctx, p, "GetMetricData", func(ctx context.Context) (*cloudwatch.GetMetricDataOutput, error) {
			return p.cw.GetMetricData(ctx, in)
		})
		if err != nil {
			return r, err
		}
		for _, res := range out.MetricDataResults {
			q := byID[aws.ToString(res.Id)]
			if q == nil {
				continue
			}
			if res.StatusCode == cwtypes.StatusCodeInternalError || res.StatusCode == cwtypes.StatusCodeForbidden {
				msg := ""
				for _, m := range res.Messages {
					msg += " " + aws.ToString(m.Code) + ": " + aws.ToString(m.Value)
				}
				return r, &OpError{Function: p.fn, Op: "GetMetricData", Attempts: 1, Err: fmt.Errorf("query %s: status %s%s", q.id, res.StatusCode, msg)}
			}
			for i, v := range res.Values {
				if i < len(res.Timestamps) && (res.Timestamps[i].Before(start) || !res.Timestamps[i].Before(end)) {
					continue
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				cur := r[q.slot]
				switch {
				case !seen[q.slot]:
				case q.agg == aggSum:
					v += cur
				case q.agg == aggMax:
					v = max(v, cur)
				case q.agg == aggFirst:
					v = cur
				}
				seen[q.slot] = true
				r[q.slot] = v
			}
		}
		if out.NextToken == nil {
			if seen[sSLORank] {
				r[sSLORankSeen] = 1
			}
			return r, nil
		}
		in.NextToken = out.NextToken
	}
}

// maxCount bounds a CloudWatch count or sum the adapter believes: 2^53, where float64 stops
// holding whole numbers exactly (a function would need 10^8 invocations a second for a minute).
const maxCount = 1 << 53

// checkReading refuses CloudWatch values that cannot be true and would steer decisions or hide a
// failure from automatic rollback: negative or non-finite values, counts past maxCount, more
// errors than invocations, a utilization outside [0, 1], a concurrency past what Lambda allows,
// percentiles out of order.
func checkReading(r reading) error {
	names := [nSlots]string{"Invocations", "Errors", "Throttles", "Duration Sum", "Duration Average", "Duration Maximum",
		"Duration p50", "Duration p90", "Duration p95", "Duration p99", "ConcurrentExecutions", "ProvisionedConcurrencyUtilization",
		"ProvisionedConcurrencyInvocations", "ProvisionedConcurrencySpilloverInvocations", "Duration PR(:SLO)", "Duration PR(:SLO) present"}
	for i, v := range r {
		if !(v >= 0) || v > maxCount {
			return fmt.Errorf("awsadapter: CloudWatch %s = %v, want a finite value in [0, %d]", names[i], v, int64(maxCount))
		}
	}
	switch {
	case r[sErrors] > r[sInvocations]:
		return fmt.Errorf("awsadapter: CloudWatch Errors = %v > Invocations = %v", r[sErrors], r[sInvocations])
	case r[sProvInv]+r[sSpill] > r[sInvocations]+0.5:
		return fmt.Errorf("awsadapter: CloudWatch ProvisionedConcurrencyInvocations + SpilloverInvocations = %v > Invocations = %v", r[sProvInv]+r[sSpill], r[sInvocations])
	case r[sProvUtil] > 1:
		return fmt.Errorf("awsadapter: CloudWatch ProvisionedConcurrencyUtilization = %v, want in [0, 1]", r[sProvUtil])
	case r[sConcurrency] > lambdatune.MaxConcurrency:
		return fmt.Errorf("awsadapter: CloudWatch ConcurrentExecutions = %v, want at most %d", r[sConcurrency], lambdatune.MaxConcurrency)
	}
	for k := sP90; k <= sP99; k++ {
		if r[k] < r[k-1] {
			return fmt.Errorf("awsadapter: CloudWatch %s = %v < %s = %v, want percentiles non-decreasing", names[k], r[k], names[k-1], r[k-1])
		}
	}
	return nil
}

// metrics turns a reading into lambdatune.Metrics with the estimated bill. It refuses a reading
// checkReading finds impossible.
func (p *Platform) metrics(start time.Time, r reading, s State) (lambdatune.Metrics, error) {
	if err := checkReading(r); err != nil {
		return lambdatune.Metrics{}, err
	}
	c := s.Config
	inv := int64(math.Round(r[sInvocations]))
	m := lambdatune.Metrics{
		Start: start, Period: p.o.interval, Config: c,
		Invocations: inv,
		Errors:      int64(math.Round(r[sErrors])),
		Throttles:   int64(math.Round(r[sThrottles])),
		Duration: lambdatune.Distribution{
			Mean: r[sDurationAvg], P50: r[sP50], P90: r[sP90], P95: r[sP95], P99: r[sP99], Max: r[sDurationMax],
		},
		MaxConcurrency:         int(math.Round(r[sConcurrency])),
		ProvisionedInvocations: int64(math.Round(r[sProvInv])),
		SpilloverInvocations:   int64(math.Round(r[sSpill])),
		ProvisionedUtilization: r[sProvUtil],
	}
	m.Latency = m.Duration
	billedMs := int64(math.Ceil(r[sDurationSum] + 0.5*float64(inv)))
	if inv == 0 {
		billedMs = 0
	}
	mem := int64(c.MemoryMB)
	total := billedMs * mem
	var prov int64
	if inv > 0 && m.ProvisionedInvocations > 0 {
		share := math.Min(1, float64(m.ProvisionedInvocations)/float64(inv))
		prov = int64(math.Round(float64(total) * share))
	}
	m.Usage = lambdatune.Usage{
		Requests:               inv,
		ComputeMBms:            total - prov,
		ProvisionedComputeMBms: prov,
		ProvisionedMBms:        int64(s.ProvisionedAllocated) * mem * p.o.interval.Milliseconds(),
		StorageMBms:            int64(c.Storage()-lambdatune.MinEphemeralStorageMB) * billedMs,
	}
	cost, err := p.o.prices.Cost(c.Arch(), m.Usage, 0)
	if err != nil {
		return m, fmt.Errorf("awsadapter: function %q: cost: %w", p.fn, err)
	}
	m.Cost = cost
	return m, nil
}

// afterInterval applies the automatic rollback rule and confirms healthy changes.
func (p *Platform) afterInterval(ctx context.Context, m lambdatune.Metrics) error {
	defer func() { p.last = &m }()
	rule := p.o.guard.Rollback
	reqs := m.Invocations + m.Throttles
	if p.watch <= 0 {
		// Not watching a change: a healthy interval makes its configuration the last known good
		// (this follows changes made outside the adapter too).
		if reqs < rule.MinRequests || (m.ErrorRate() <= rule.MaxErrorRate && m.ThrottleRate() <= rule.MaxThrottleRate) {
			p.setLastGood(m.Config)
		}
		return nil
	}
	p.watch--
	var base lambdatune.Metrics
	if p.before != nil {
		base = *p.before
	}
	var why string
	if reqs >= rule.MinRequests && reqs > 0 {
		if er := m.ErrorRate(); er > rule.MaxErrorRate && er > base.ErrorRate() {
			why = fmt.Sprintf("error rate %.3f above %.3f (%.3f before the change)", er, rule.MaxErrorRate, base.ErrorRate())
		} else if tr := m.ThrottleRate(); tr > rule.MaxThrottleRate && tr > base.ThrottleRate() {
			why = fmt.Sprintf("throttle rate %.3f above %.3f (%.3f before the change)", tr, rule.MaxThrottleRate, base.ThrottleRate())
		}
	}
	if why != "" {
		p.watch = 0
		p.audit(ctx, slog.LevelWarn, "automatic rollback", m.Config, p.lastGood, p.lastGood, why,
			slog.Time("interval", m.Start), slog.Int64("requests", reqs))
		if err := p.settle(p.rollback(ctx, "automatic rollback: "+why)); err != nil {
			return fmt.Errorf("awsadapter: function %q: automatic rollback: %w", p.fn, err)
		}
		return nil
	}
	if p.watch == 0 && !p.o.dryRun {
		p.setLastGood(m.Config)
		p.audit(ctx, slog.LevelInfo, "change confirmed as last known good", m.Config, m.Config, m.Config,
			fmt.Sprintf("healthy for %d intervals", rule.Window))
	}
	return nil
}
