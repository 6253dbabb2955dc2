package awsadapter

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune"
)

// WithSLO sets the function's latency SLO, the bound each request is held to (0, the default, means
// none). It must be at most 15 minutes, Lambda's longest timeout; an SLO at or above the function's
// own timeout counts no misses, since a request that long times out and counts in Errors.
//
// Next reports it in Metrics.SLO and estimates Metrics.SLOMisses, the invocations that ran without
// error but took longer than the SLO, from two sources, and says which one it used in
// Observation.SLOMisses:
//
//   - the function's REPORT log lines (WithLogs), where a request's latency is its INIT duration (on
//     a cold start) plus its duration, as a caller sees it;
//   - otherwise CloudWatch's percentile rank statistic on Duration, PR(:SLO in ms), read in the same
//     GetMetricData call as the other statistics (needs WithPercentiles, on by default). On AWS the
//     Duration metric excludes the INIT phase, so a cold start's INIT is not counted by this fallback:
//     a cold request whose INIT pushes it over the SLO is missed. CloudWatch's percentiles are
//     approximate, and the count is rounded to the nearest invocation:
//     over = Invocations × (100 − PR) / 100.
//
// Neither source tells which invocations failed (the Duration metric and the REPORT lines include
// errors and timeouts), so errors are subtracted: SLOMisses = max(0, over − Errors). That is a lower
// bound of the invocations that succeeded over the SLO, exact when every failed invocation was also
// over it (timeouts are), so that nothing is counted twice in the Objective.
func WithSLO(d time.Duration) Option { return func(o *options) { o.slo = d } }

// validSLO checks a WithSLO value before anything is sent to AWS.
func validSLO(d time.Duration) error {
	if d < 0 || d > lambdatune.MaxTimeout {
		return fmt.Errorf("awsadapter: WithSLO(%v): want 0 (no SLO) or 0 < SLO <= %v (Lambda's longest timeout)", d, lambdatune.MaxTimeout)
	}
	return nil
}

// sloMillis formats the SLO in milliseconds, exactly (a Duration has at most 6 decimals in ms, well
// within the 10 CloudWatch accepts in a statistic's bounds).
func sloMillis(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

// rankStat is the CloudWatch statistic giving the percentage of Duration datapoints within the SLO:
// PR(:bound) counts values <= bound (the lower bound, absent here, is exclusive).
func rankStat(slo time.Duration) string { return "PR(:" + sloMillis(slo) + ")" }

// Source says where a field of an interval's Metrics that CloudWatch's metrics do not carry came
// from (see Observation).
type Source string

const (
	// SourceNone means the field was not measured and is 0: no SLO is set, or the source it needs is
	// off or failed (Observation.LogsErr says why).
	SourceNone Source = "none"
	// SourceLogs means the function's REPORT log lines, read through CloudWatch Logs Insights, with at
	// least as many lines as the interval's Invocations.
	SourceLogs Source = "logs"
	// SourceLogsPartial means REPORT lines, but fewer of them than the interval's Invocations, still
	// after LogsOptions.MaxLag (lines delivered late or lost): the field is a lower bound.
	SourceLogsPartial Source = "logs-partial"
	// SourcePercentileRank means CloudWatch's percentile rank statistic PR(:SLO) on Duration, which
	// excludes INIT: a lower bound (see WithSLO).
	SourcePercentileRank Source = "percentile-rank"
)

// Observation says how one interval's Metrics were measured: which source filled each field that
// CloudWatch's Lambda metrics do not carry, what the REPORT log lines said, and why they did not fill
// the fields when they did not. Platform.LastObservation returns the last interval's.
type Observation struct {
	// Start is the interval's start, as in Metrics.Start.
	Start time.Time
	// ColdStarts is the source of Metrics.ColdStarts, Init that of the INIT usage (Usage.InitMBms and
	// Cost.Init), SLOMisses that of Metrics.SLOMisses.
	ColdStarts, Init, SLOMisses Source
	// RankOver is the invocations whose Duration exceeded the SLO by the percentile rank statistic,
	// errors included; -1 when the statistic was not read or had no datapoint.
	RankOver int64
	// Logs is what the REPORT lines said about the interval (zero unless Logs.Read).
	Logs LogsSummary
	// LogsErr is why the REPORT lines did not fill the fields: the log group does not exist (logs are
	// off), a query was throttled past the retry policy, failed or did not complete in time. With
	// Logs.Read, the lines did fill them but a re-query failed, so they are partial. It is nil when
	// the lines filled the fields without error, and when WithLogs is not set.
	LogsErr error
}

// LogsSummary is what the REPORT lines of one interval said.
type LogsSummary struct {
	// Read is true when a Logs Insights query answered for the interval.
	Read bool
	// Complete is true when the REPORT lines were at least as many as the interval's Invocations.
	Complete bool
	// Reports counts REPORT lines, ColdStarts those with an Init Duration, OverSLO those whose INIT
	// plus duration exceeded the SLO (0 without one).
	Reports, ColdStarts, OverSLO int64
	// InitMs and BilledMs are the sums of Init Duration and Billed Duration in milliseconds.
	InitMs, BilledMs float64
	// Queries is how many queries were run while observing this interval, re-queries included (0
	// when a batch query run for an earlier interval had already answered for it).
	Queries int
}

// LastObservation returns how the last interval Next returned was measured (the zero Observation
// before the first).
func (p *Platform) LastObservation() Observation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.obs
}

// rankOver returns the invocations over the SLO by the percentile rank statistic and whether it was
// read. With no invocations there is nothing over the SLO (and no datapoint).
func (p *Platform) rankOver(r reading, inv int64, start time.Time) (int64, bool, error) {
	if p.o.slo <= 0 || !p.o.percentiles {
		return -1, false, nil
	}
	pr := r[sSLORank]
	if inv == 0 {
		return 0, true, nil
	}
	if r[sSLORankSeen] == 0 {
		return -1, false, nil
	}
	if pr < 0 || pr > 100 {
		return -1, false, fmt.Errorf("awsadapter: function %q: interval %v: CloudWatch Duration %s = %v, want a percentage in [0, 100]",
			p.fn, start, rankStat(p.o.slo), pr)
	}
	return int64(math.Round(float64(inv) * (100 - pr) / 100)), true, nil
}

// measure fills the fields CloudWatch's metrics do not carry — ColdStarts, Usage.InitMBms (and the
// cost), SLO and SLOMisses — from the REPORT lines (lg, when read) or the percentile rank, and
// returns their provenance. lerr is why the logs were not read, if they were not.
func (p *Platform) measure(m *lambdatune.Metrics, r reading, lg LogsSummary, lerr error) (Observation, error) {
	obs := Observation{Start: m.Start, ColdStarts: SourceNone, Init: SourceNone, SLOMisses: SourceNone, RankOver: -1, Logs: lg, LogsErr: lerr}
	m.SLO = p.o.slo
	over, rankOK, err := p.rankOver(r, m.Invocations, m.Start)
	if err != nil {
		return obs, err
	}
	obs.RankOver = over
	logSrc := SourceLogs
	if !lg.Complete {
		logSrc = SourceLogsPartial
	}
	if lg.Read {
		m.ColdStarts = lg.ColdStarts
		m.Usage.InitMBms = int64(math.Round(lg.InitMs)) * int64(m.Config.MemoryMB)
		obs.ColdStarts, obs.Init = logSrc, logSrc
	}
	if p.o.slo > 0 {
		switch {
		// Partial logs are a lower bound, as the percentile rank is: take the larger.
		case lg.Read && (lg.Complete || !rankOK || lg.OverSLO >= over):
			m.SLOMisses, obs.SLOMisses = max(0, lg.OverSLO-m.Errors), logSrc
		case rankOK:
			m.SLOMisses, obs.SLOMisses = max(0, over-m.Errors), SourcePercentileRank
		}
	}
	cost, err := p.o.prices.Cost(m.Config.Arch(), m.Usage, 0)
	if err != nil {
		return obs, fmt.Errorf("awsadapter: function %q: cost: %w", p.fn, err)
	}
	m.Cost = cost
	return obs, nil
}
