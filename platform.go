package lambdatune

import (
	"context"
	"time"
)

// Platform is where a function runs: the simulator (package lambdasim, on a virtual clock) or AWS
// (package awsadapter, on the wall clock). The closed loop talks to both through this interface, so a
// policy trained on the simulator runs unchanged against AWS.
//
// A platform works in intervals of fixed length. Next runs (simulator) or waits out (AWS) the next
// interval under the configuration in force and reports its metrics; Apply asks for a configuration
// from then on. Implementations validate a configuration before applying it and return an error
// wrapping *ConfigError for a bad one, applying nothing.
type Platform interface {
	// Config returns the configuration currently in force.
	Config(ctx context.Context) (Config, error)
	// Apply requests configuration c for the following intervals. Some parts take effect later, as on
	// AWS (provisioned concurrency takes minutes to allocate); Metrics.Config shows what was in force.
	Apply(ctx context.Context, c Config) error
	// Next completes the next interval and returns what happened in it.
	Next(ctx context.Context) (Metrics, error)
}

// DecisionApplier is implemented by a Platform that takes the whole Decision rather than only its
// configuration, so that it can record why a change was made (awsadapter writes Decision.Reason to
// its audit log). Tuner calls ApplyDecision instead of Platform.Apply when its platform implements
// it; ApplyDecision must do what Apply(ctx, d.Config) does. A wrapper that embeds a Platform hides
// this method unless it implements it too.
type DecisionApplier interface {
	ApplyDecision(ctx context.Context, d Decision) error
}

// Observation is what a Policy sees before each decision.
type Observation struct {
	// Time is the start of the interval the decision is for.
	Time time.Time
	// Current is the configuration in force.
	Current Config
	// History holds the metrics of past intervals, oldest first; the last one just ended. Policies must
	// not modify or retain it: the tuner reuses its storage.
	History []Metrics
	// Forecast holds the predicted invocations of the next intervals (Forecast[0] is the interval the
	// decision is for), or is nil when the tuner has no forecaster.
	Forecast []float64
}

// Decision is a policy's choice for the next interval.
type Decision struct {
	// Config is the configuration wanted; equal to Observation.Current to keep it.
	Config Config
	// Reason says why, for the audit log (e.g. "forecast 840/min above 600").
	Reason string
}

// Policy chooses a function's configuration from what happened so far: a fixed configuration, a rule,
// or a trained agent.
type Policy interface {
	Decide(ctx context.Context, obs Observation) (Decision, error)
}

// PolicyFunc adapts a function to the Policy interface.
type PolicyFunc func(ctx context.Context, obs Observation) (Decision, error)

// Decide calls f.
func (f PolicyFunc) Decide(ctx context.Context, obs Observation) (Decision, error) {
	return f(ctx, obs)
}

// Fixed returns a policy that always asks for c: the static baseline.
func Fixed(c Config) Policy {
	return PolicyFunc(func(context.Context, Observation) (Decision, error) {
		return Decision{Config: c, Reason: "fixed configuration"}, nil
	})
}

// Invocation is the outcome of one test invocation, as the function's REPORT log line gives it.
type Invocation struct {
	// Duration is the function's run time (REPORT's Duration), Init its INIT phase (0 when warm).
	Duration, Init time.Duration
	// BilledMs is the billed duration in whole milliseconds (REPORT's Billed Duration): INIT and
	// duration rounded up together on a cold start, as Lambda bills INIT since 2025-08-01.
	BilledMs int64
	// Cold says whether the invocation ran an INIT phase first.
	Cold bool
	// Error says whether the invocation failed (a function error or a timeout).
	Error bool
}

// Invoker runs test invocations of one function at a given memory size, as AWS Lambda Power Tuning
// does: n invocations one after another, each starting once the previous ended, on environments of
// that memory size. The simulator (lambdasim.Invoker) and AWS implement it; a Power Tuning sweep
// (package policy) runs against either.
type Invoker interface {
	// Invoke runs n invocations at memoryMB and returns their outcomes in order.
	Invoke(ctx context.Context, memoryMB, n int) ([]Invocation, error)
}
