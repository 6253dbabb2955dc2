package lambdasim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults of the execution-environment model, from the AWS documentation and published measurements
// (see the package documentation for sources).
const (
	// DefaultKeepAlive is how long an idle environment is kept: not documented by AWS, measured at
	// about 10 minutes since mid-2019 (mikhail.io, 2019; Shahrad et al., ATC'20).
	DefaultKeepAlive = 10 * time.Minute
	// DefaultMaxLifetime is when a busy or idle environment is recycled at the latest: about 2 hours
	// (Ngo et al., arXiv 2203.10227).
	DefaultMaxLifetime = 2 * time.Hour
	// MaxOnDemandInit is the longest INIT phase of an on-demand environment; a longer initialisation
	// is cut at 10 s and finished inside the first invocation's duration (lambda-runtime-environment.html).
	MaxOnDemandInit = 10 * time.Second
	// DefaultMaxEventAge and DefaultMaxRetryAttempts are AWS's asynchronous invocation defaults
	// (invocation-async-error-handling.html).
	DefaultMaxEventAge       = 6 * time.Hour
	DefaultMaxRetryAttempts  = 2
	minMaxEventAge           = time.Minute
	asyncThrottleFirstRetry  = time.Second
	asyncThrottleMaxBackoff  = 5 * time.Minute
	asyncErrorFirstRetry     = time.Minute
	asyncErrorRetryIncrement = time.Minute
)

// Function is the model of one function's code: how long it runs under a configuration, how long
// its environments take to initialise, how long they live, and how it is invoked. The configuration
// itself (memory, timeout, concurrency) is a lambdatune.Config, applied separately. Only Duration is
// required; every zero field has the default its documentation gives.
type Function struct {
	// Name identifies the function in logs and errors; empty means "fn<index>".
	Name string
	// Duration gives the service time under a memory size and architecture (Flat, CPUModel,
	// Measured, or your own). Required.
	Duration DurationModel
	// Init is the INIT duration of a new environment (cold start). Zero means Runtime's preset.
	Init Dist
	// Runtime selects the INIT preset when Init is zero; empty means RuntimePython.
	Runtime Runtime
	// ColdDuration, when set, replaces the whole cold invocation (INIT and duration) by one draw from
	// it, with no separate INIT phase: the model of SimFaaS, whose cold requests have their own
	// service time distribution. Leave it zero for Lambda's INIT + duration.
	ColdDuration Dist
	// KeepAlive is how long an environment stays idle before Lambda reclaims it; zero means
	// Constant(DefaultKeepAlive). A random distribution draws a new period each time an environment
	// becomes idle.
	KeepAlive Dist
	// MaxLifetime is the age after which an environment is recycled (after finishing its current
	// invocation, so the next request on it is a cold start); 0 means DefaultMaxLifetime and a
	// negative value means environments live as long as they are used. Provisioned environments are
	// recycled by AWS without cold starts, so the simulator does not recycle them.
	MaxLifetime time.Duration
	// ErrorRate is the probability that an invocation fails with a function error (0 ≤ p ≤ 1).
	ErrorRate float64
	// Async, when set, makes the function invoked asynchronously (event invocation): throttled events
	// are retried with backoff and failed ones retried as configured. Nil means synchronous
	// (RequestResponse): throttled requests are rejected.
	Async *AsyncOptions
}

// AsyncOptions is a function's asynchronous invocation configuration (PutFunctionEventInvokeConfig).
// Start from DefaultAsyncOptions.
type AsyncOptions struct {
	// MaxEventAge is how long Lambda keeps retrying a throttled event before dropping it, 60 s to 6 h.
	MaxEventAge time.Duration
	// MaxRetryAttempts is how often a failed event is retried (1 min, then 2 min after the failure), 0–2.
	MaxRetryAttempts int
}

// DefaultAsyncOptions returns AWS's defaults: events kept 6 hours, 2 retries after function errors.
func DefaultAsyncOptions() *AsyncOptions {
	return &AsyncOptions{MaxEventAge: DefaultMaxEventAge, MaxRetryAttempts: DefaultMaxRetryAttempts}
}

// Validate checks the function model, returning an error that names each bad field.
func (f Function) Validate() error {
	var errs []error
	name := f.Name
	if name == "" {
		name = "function"
	}
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("lambdasim: %s: %s = %v, want %s", name, field, v, want))
	}
	if f.Duration == nil {
		bad("Duration", nil, "a DurationModel (Flat, CPUModel or Measured)")
	}
	if !f.Init.IsZero() {
		if err := f.Init.Validate(name+": Init", false); err != nil {
			errs = append(errs, err)
		}
	} else if _, err := f.runtime().Init(); err != nil {
		errs = append(errs, fmt.Errorf("%s: Runtime: %w", name, err))
	}
	if !f.ColdDuration.IsZero() {
		if err := f.ColdDuration.Validate(name+": ColdDuration", true); err != nil {
			errs = append(errs, err)
		}
	}
	if !f.KeepAlive.IsZero() {
		if err := f.KeepAlive.Validate(name+": KeepAlive", false); err != nil {
			errs = append(errs, err)
		}
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 || math.IsNaN(f.ErrorRate) {
		bad("ErrorRate", f.ErrorRate, "a probability in [0, 1]")
	}
	if a := f.Async; a != nil {
		if a.MaxEventAge < minMaxEventAge || a.MaxEventAge > DefaultMaxEventAge {
			bad("Async.MaxEventAge", a.MaxEventAge, "a duration in [1m, 6h]")
		}
		if a.MaxRetryAttempts < 0 || a.MaxRetryAttempts > 2 {
			bad("Async.MaxRetryAttempts", a.MaxRetryAttempts, "an integer in [0, 2]")
		}
	}
	return errors.Join(errs...)
}

func (f Function) runtime() Runtime {
	if f.Runtime == "" {
		return RuntimePython
	}
	return f.Runtime
}

// initDist returns the INIT distribution in force.
func (f Function) initDist() Dist {
	if !f.Init.IsZero() {
		return f.Init
	}
	d, _ := f.runtime().Init()
	return d
}

func (f Function) keepAlive() Dist {
	if f.KeepAlive.IsZero() {
		return Constant(DefaultKeepAlive)
	}
	return f.KeepAlive
}

// maxLifetime returns the lifetime in ns, or math.MaxInt64 for none.
func (f Function) maxLifetime() int64 {
	switch {
	case f.MaxLifetime == 0:
		return int64(DefaultMaxLifetime)
	case f.MaxLifetime < 0:
		return math.MaxInt64
	}
	return int64(f.MaxLifetime)
}
