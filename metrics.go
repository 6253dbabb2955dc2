package lambdatune

import "time"

// Distribution summarises a latency or duration distribution over one interval, in milliseconds, as
// CloudWatch's statistics do (Average, p50, p90, p95, p99, Maximum). All fields are 0 when nothing ran.
type Distribution struct {
	// Mean is the average (CloudWatch Average).
	Mean float64
	// P50, P90, P95 and P99 are percentiles.
	P50, P90, P95, P99 float64
	// Max is the largest value (CloudWatch Maximum).
	Max float64
}

// Metrics is what happened to one function during one interval, in CloudWatch's terms
// (namespace AWS/Lambda), plus the bill. Platforms fill it: the simulator from its model, the AWS
// adapter from CloudWatch.
type Metrics struct {
	// Start is the beginning of the interval, Period its length.
	Start  time.Time
	Period time.Duration
	// Config is the configuration in force when the interval ended.
	Config Config

	// Invocations counts invocations that ran (CloudWatch Invocations, Sum): successes and errors,
	// not throttled requests.
	Invocations int64
	// Errors counts invocations that failed, timeouts included (Errors, Sum).
	Errors int64
	// Throttles counts rejected requests (Throttles, Sum). For asynchronous invocations each rejected
	// attempt counts, as on AWS.
	Throttles int64
	// Timeouts counts invocations stopped at the configured timeout (also counted in Errors).
	Timeouts int64
	// ColdStarts counts invocations that ran an INIT phase first.
	ColdStarts int64
	// SLO is the latency bound each request of the function is held to (set where the function is
	// deployed: lambdasim.Deployment.SLO, awsadapter.WithSLO); 0 means none.
	SLO time.Duration
	// SLOMisses counts invocations that ran without error but took longer than SLO, by the latency a
	// caller sees (Latency: INIT included). Errors and throttles are counted in their own fields, so
	// a request is never counted twice; Objective counts all three as violations. The simulators
	// count it exactly (event model) or in expectation (interval model); on AWS it is estimated from
	// CloudWatch, whose Duration excludes INIT (see awsadapter).
	SLOMisses int64
	// AsyncEventsDropped counts asynchronous events dropped after their maximum age or retries
	// (AsyncEventsDropped, Sum).
	AsyncEventsDropped int64

	// Duration is the function's run time without INIT (CloudWatch Duration).
	Duration Distribution
	// Latency is what a caller sees: INIT (on a cold start) plus duration, plus any time an
	// asynchronous event waited for retries.
	Latency Distribution

	// MaxConcurrency is the most environments busy at once (ConcurrentExecutions, Maximum).
	MaxConcurrency int
	// ProvisionedInvocations counts invocations served by provisioned environments
	// (ProvisionedConcurrencyInvocations, Sum).
	ProvisionedInvocations int64
	// SpilloverInvocations counts invocations that found every provisioned environment busy and ran
	// on demand (ProvisionedConcurrencySpilloverInvocations, Sum).
	SpilloverInvocations int64
	// ProvisionedUtilization is the highest fraction of provisioned environments busy at once
	// (ProvisionedConcurrencyUtilization, Maximum), 0 when none are provisioned.
	ProvisionedUtilization float64

	// Usage is the billed quantities and Cost their price (DefaultPrices unless the platform says otherwise).
	Usage Usage
	Cost  Cost
}

// ErrorRate returns Errors / Invocations, 0 when nothing ran.
func (m Metrics) ErrorRate() float64 {
	if m.Invocations == 0 {
		return 0
	}
	return float64(m.Errors) / float64(m.Invocations)
}

// ThrottleRate returns the share of requests throttled: Throttles / (Invocations + Throttles).
func (m Metrics) ThrottleRate() float64 {
	if n := m.Invocations + m.Throttles; n > 0 {
		return float64(m.Throttles) / float64(n)
	}
	return 0
}

// ColdStartRate returns ColdStarts / Invocations, 0 when nothing ran.
func (m Metrics) ColdStartRate() float64 {
	if m.Invocations == 0 {
		return 0
	}
	return float64(m.ColdStarts) / float64(m.Invocations)
}
