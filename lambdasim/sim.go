package lambdasim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// Arrivals streams the instants at which requests arrive, as offsets from the simulation's start
// (Options.Start), non-decreasing: the workload package's Poisson, exact-count, rate and
// timestamp streams, or any type with the same method. Next is called once per request and should
// not allocate. Build a stream from a workload.Series whose Start equals Options.Start.
type Arrivals = workload.Arrivals

// Deployment is one function of a simulated account: its model, its initial configuration and its
// traffic.
type Deployment struct {
	// Function is the model of the function's code.
	Function Function
	// Config is the configuration in force at the start (provisioned concurrency in it is ready at
	// the start, as if allocated before).
	Config lambdatune.Config
	// Arrivals is the function's traffic; nil means none.
	Arrivals Arrivals
	// SLO is the latency bound each request of the function is held to: an invocation that runs
	// without error but whose latency (Metrics.Latency: INIT, duration and any asynchronous retry
	// wait) exceeds it counts in Metrics.SLOMisses, and Metrics.SLO reports it. 0 means no SLO; a
	// negative value is an error.
	SLO time.Duration
}

// deploymentSLO checks deployment i's SLO and returns it in ns, math.MaxInt64 for none (no latency
// exceeds it).
func deploymentSLO(i int, d Deployment) (int64, error) {
	switch {
	case d.SLO < 0:
		return 0, fmt.Errorf("lambdasim: %s: Deployment.SLO = %v, want >= 0 (0 means none)", deploymentName(i, d), d.SLO)
	case d.SLO == 0:
		return math.MaxInt64, nil
	}
	return int64(d.SLO), nil
}

// DefaultStart returns the virtual clock's start when Options.Start is zero: 2025-01-01 00:00 UTC.
func DefaultStart() time.Time { return time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Defaults of the account model.
const (
	// DefaultInterval is the length of one Next step: CloudWatch's 1-minute resolution.
	DefaultInterval = time.Minute
	// DefaultScalingBurst environments per DefaultScalingPeriod is how fast a function can add
	// environments: 1,000 every 10 s, per function, since Nov 2023 (scaling-behavior.html).
	DefaultScalingBurst  = 1000
	DefaultScalingPeriod = 10 * time.Second
	// RequestsPerConcurrency is the request-rate limit per unit of concurrency: a function may receive
	// at most 10 × its concurrency limit requests per second (gettingstarted-limits.html).
	RequestsPerConcurrency = 10
)

// Options configures a simulation. The zero value is valid: a 1,000-concurrency account, 1-minute
// intervals from DefaultStart, seed 0.
type Options struct {
	// Start is the wall-clock time of the simulation's start (Metrics.Start of the first interval);
	// zero means DefaultStart().
	Start time.Time
	// Interval is the length of one step; 0 means DefaultInterval.
	Interval time.Duration
	// Seed seeds every random draw of the platform model (durations, INIT, keep-alive, errors,
	// delays); arrivals carry their own randomness. The same seed, arrivals and configuration
	// changes give identical metrics.
	Seed uint64
	// Limits are the account's limits; the zero value means lambdatune.DefaultLimits().
	// ReservedElsewhere counts reservations of functions outside the simulation.
	Limits lambdatune.Limits
	// Prices prices each interval's usage; nil means lambdatune.DefaultPrices().
	Prices *lambdatune.Prices
	// ScalingBurst and ScalingPeriod bound how fast each function adds environments (a token bucket
	// of ScalingBurst tokens refilled over ScalingPeriod); 0 means DefaultScalingBurst and
	// DefaultScalingPeriod. A new environment needs a token; without one the request is throttled.
	ScalingBurst  int
	ScalingPeriod time.Duration
	// ProvisioningDelay is how long provisioned concurrency takes to allocate after it is requested;
	// zero means Uniform(1 min, 2 min) (provisioned-concurrency guide).
	ProvisioningDelay Dist
	// Log, if set, receives one CSV line per request (see LogHeader); for debugging, it slows the
	// simulation down.
	Log io.Writer
}

// Sim is the event-level simulator of an AWS Lambda account: every request is an event, every
// execution environment is tracked (INIT, reuse newest-first, keep-alive, lifetime, timeouts),
// concurrency limits, scaling rate and provisioned concurrency are enforced, and each invocation is
// billed as AWS bills it.
//
// A Sim implements lambdatune.Platform for its first function on a virtual clock: Next simulates the
// next interval (all functions advance together, as they share the account) and nothing sleeps.
// Function(i) gives a Platform for function i; drive several such platforms in lockstep (each Next
// once per interval) to tune functions that compete for the account's concurrency. Step advances all
// functions and returns every function's metrics. A Sim is not safe for concurrent use.
type Sim struct {
	account
	platform
	fns []*fnState

	unresCap  int       // account concurrency left for unreserved functions
	unresHeld int       // concurrency held by unreserved functions, kept as a running total
	queue     []fnEvent // the functions by their next event (runInOrder)
	window    int64     // the time the functions last ran on their own (runFunctions), ns
	windows   int64     // how many windows they ran through on their own, for the benchmarks
	snap      snapshot  // the state before an optimistic run (runOptimistic)
	// optimistic and rollbacks count the intervals run optimistically that were kept and those
	// that were undone, for the benchmarks and tests; rollbackAll (tests) undoes every one, and
	// runFunctions then tries every interval so.
	optimistic, rollbacks int64
	rollbackAll           bool
	// optWait is how many intervals are still to run without trying an optimistic run, after one
	// was undone; optBackoff is the wait after the next one undone (doubling to maxOptBackoff).
	optWait, optBackoff int
	scratch             Histogram // empty between uses: the functions' histograms count into it (fnHist)
	merged              []uint64  // a buffer for fnHist.flush

	log *csvLog
}

// New returns a simulator of an account running the given functions under opts. It validates every
// function model and configuration (errors name the field and wrap *lambdatune.ConfigError for bad
// configurations).
func New(opts Options, deployments ...Deployment) (*Sim, error) {
	a, err := newAccount("New", opts, deployments)
	if err != nil {
		return nil, err
	}
	s := &Sim{account: a, window: a.interval}
	s.platform.sim = s
	if opts.Log != nil {
		s.log = &csvLog{w: bufio.NewWriterSize(opts.Log, 64<<10), buf: make([]byte, 0, 256)}
		s.log.w.WriteString(LogHeader)
	}
	for i, d := range deployments {
		if err := d.Function.Validate(); err != nil {
			return nil, fmt.Errorf("lambdasim: deployment %d: %w", i, err)
		}
		name := deploymentName(i, d)
		slo, err := deploymentSLO(i, d)
		if err != nil {
			return nil, err
		}
		f := &fnState{
			fnEvents: fnEvents{
				arr:          d.Arrivals,
				idleHead:     -1,
				idleTail:     -1,
				provSchedule: newProvSchedule(0),
				scaleBurst:   float64(s.scaleBurst),
				scaleRate:    float64(s.scaleBurst) / float64(s.scalePeriod),
			},
			idx: i, name: name, spec: d.Function, slo: slo, sloD: d.SLO,
			lifetime: d.Function.maxLifetime(),
			errRate:  d.Function.ErrorRate,
		}
		f.back.pcg = *rand.NewPCG(opts.Seed, uint64(i)+1)
		f.back.rng = *rand.New(&f.back.pcg)
		f.rng = &f.back.rng
		f.scaleTokens = f.scaleBurst
		f.initD = d.Function.initDist()
		f.coldD = d.Function.ColdDuration
		f.keep = d.Function.keepAlive()
		if f.keep.IsConstant() {
			f.keepConst = true
			f.keepNs = f.keep.sample(nil)
		}
		if a := d.Function.Async; a != nil {
			f.async = true
			f.maxAge = int64(a.MaxEventAge)
			f.maxRetries = a.MaxRetryAttempts
		}
		_, f.readAhead = d.Arrivals.(*Load)
		f.nextArr = math.MaxInt64
		if d.Arrivals != nil {
			if at, ok := d.Arrivals.Next(); ok {
				f.nextArr = int64(at)
			}
		}
		if f.nextArr < 0 {
			return nil, fmt.Errorf("lambdasim: %s: first arrival at %v, want offsets >= 0", name, time.Duration(f.nextArr))
		}
		s.fns = append(s.fns, f)
	}
	pricers, err := s.checkDeployments(deployments)
	if err != nil {
		return nil, err
	}
	for i, d := range deployments {
		f := s.fns[i]
		if err := f.setGeneration(d.Config); err != nil {
			return nil, fmt.Errorf("lambdasim: %s: initial config: %w", f.name, err)
		}
		f.cfg, f.pricer = d.Config, pricers[i]
		f.provTarget = d.Config.Provisioned
		f.meter.Set(0, d.Config.Provisioned, d.Config.MemoryMB)
	}
	for _, f := range s.fns {
		s.limitsChanged(f, 0)
	}
	s.queue = make([]fnEvent, 0, len(s.fns))
	for _, f := range s.fns {
		// The slices grow to the function's largest concurrency and then stay: the steady state
		// allocates nothing, and a fleet of mostly small functions stays small.
		b := &f.back
		f.ahead = b.ahead[:0]
		f.dur.pending, f.lat.pending = b.pending[0][:0], b.pending[1][:0]
		if n := f.provTarget + fnBackingEnvs; n > fnBackingEnvs {
			f.envs = make([]env, 0, n)
			f.free = make([]int32, 0, n)
			f.busy = make([]busyEntry, 0, n)
			f.provIdle = make([]int32, 0, n)
		} else {
			f.envs, f.free, f.busy, f.provIdle = b.envs[:0], b.free[:0], b.busy[:0], b.provIdle[:0]
		}
		if f.async {
			f.retries = make([]retryEntry, 0, 16)
		}
		f.allocateProvisioned(s, 0, f.provTarget)
	}
	return s, nil
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// limitsChanged brings function f's concurrency limit, its request-rate bucket and the account's
// unreserved pool up to date with f.cfg, after a change of f's configuration; held is what f held
// of the unreserved pool before (f.unreservedHeld()). It costs the same whatever the number of
// functions: the pool and the reservations are running totals.
func (s *Sim) limitsChanged(f *fnState, held int) {
	f.reserved, f.cap = f.cfg.Reserved.Set, 0
	limit := s.limits.AccountConcurrency
	if f.reserved {
		f.cap, limit = f.cfg.Reserved.N, f.cfg.Reserved.N
	}
	s.unresHeld += f.unreservedHeld() - held
	s.unresCap = s.unreservedCap()
	f.rpsBurst = float64(RequestsPerConcurrency * limit)
	f.rpsRate = f.rpsBurst / 1e9
	if f.rpsTokens > f.rpsBurst || f.rpsLast == 0 {
		f.rpsTokens = f.rpsBurst
	}
}

func (s *Sim) functionName(i int) string              { return s.fns[i].name }
func (s *Sim) functionConfig(i int) lambdatune.Config { return s.fns[i].cfg }
func (s *Sim) lastMetrics(i int) lambdatune.Metrics   { return s.fns[i].last }
func (s *Sim) numFunctions() int                      { return len(s.fns) }

func (s *Sim) apply(i int, c lambdatune.Config) error {
	f := s.fns[i]
	pricer, err := s.checkApply(s, i, c, f.pricer)
	if err != nil {
		return err
	}
	old, held := f.cfg, f.unreservedHeld()
	if c.MemoryMB != old.MemoryMB || c.Timeout != old.Timeout || c.Arch() != old.Arch() || c.Storage() != old.Storage() {
		if _, err := f.spec.Duration.ServiceTime(c.MemoryMB, c.Arch()); err != nil {
			return fmt.Errorf("lambdasim: %s: apply %v: %w", f.name, c, err)
		}
		f.newGeneration(s, c)
	}
	f.cfg, f.pricer = c, pricer
	s.reservationChanged(old, c)
	f.meter.Set(time.Duration(s.now), c.Provisioned, c.MemoryMB)
	s.limitsChanged(f, held)
	f.setProvisionedTarget(s, c.Provisioned)
	return nil
}

// Stats are cumulative counts and time integrals of one function over the whole run.
type Stats struct {
	// Elapsed is the simulated time so far.
	Elapsed time.Duration
	// Requests counts arrivals and retries offered; Invocations those that ran.
	Requests, Invocations int64
	// ColdStarts, Throttles, Errors, Timeouts, SLOMisses and Dropped are as in Metrics.
	ColdStarts, Throttles, Errors, Timeouts, SLOMisses, Dropped int64
	// ProvisionedInvocations and SpilloverInvocations are as in Metrics.
	ProvisionedInvocations, SpilloverInvocations int64
	// Environments counts execution environments created (on-demand and provisioned).
	Environments int64
	// BusyTime is the integral over time of the number of busy environments (INIT included), and
	// InstanceTime of the number of environments alive (busy or idle).
	BusyTime, InstanceTime time.Duration
	// Usage and Cost are the bill so far.
	Usage lambdatune.Usage
	Cost  lambdatune.Cost
}

// addInterval adds one interval's metrics (requests offered in it) to the run's counts and bill.
func (st *Stats) addInterval(m *lambdatune.Metrics, requests int64) {
	st.Requests += requests
	st.Invocations += m.Invocations
	st.ColdStarts += m.ColdStarts
	st.Throttles += m.Throttles
	st.Errors += m.Errors
	st.Timeouts += m.Timeouts
	st.SLOMisses += m.SLOMisses
	st.Dropped += m.AsyncEventsDropped
	st.ProvisionedInvocations += m.ProvisionedInvocations
	st.SpilloverInvocations += m.SpilloverInvocations
	st.Usage = st.Usage.Add(m.Usage)
	st.Cost = st.Cost.Add(m.Cost)
}

// MeanConcurrency returns the time-average number of busy environments.
func (st Stats) MeanConcurrency() float64 {
	if st.Elapsed <= 0 {
		return 0
	}
	return float64(st.BusyTime) / float64(st.Elapsed)
}

// MeanInstances returns the time-average number of environments alive (SimFaaS's "average server
// count").
func (st Stats) MeanInstances() float64 {
	if st.Elapsed <= 0 {
		return 0
	}
	return float64(st.InstanceTime) / float64(st.Elapsed)
}

// ColdStartRate returns ColdStarts / Invocations.
func (st Stats) ColdStartRate() float64 {
	if st.Invocations == 0 {
		return 0
	}
	return float64(st.ColdStarts) / float64(st.Invocations)
}

// ThrottleRate returns Throttles / Requests.
func (st Stats) ThrottleRate() float64 {
	if st.Requests == 0 {
		return 0
	}
	return float64(st.Throttles) / float64(st.Requests)
}

// Stats returns function i's cumulative statistics up to the end of the last interval. Like the
// other per-function accessors, it panics when i is outside [0, Len()), as a slice index does.
func (s *Sim) Stats(i int) Stats {
	f := s.fns[i]
	st := f.stats
	st.Elapsed = time.Duration(s.now)
	st.BusyTime = time.Duration(f.busyArea)
	st.InstanceTime = time.Duration(f.liveArea)
	return st
}

// Latency and Duration return function i's whole-run histograms (merged from every interval) of
// latency and duration; they are the simulator's own and change with the next step.
func (s *Sim) Latency(i int) *Histogram { return s.fns[i].lat.dense() }

// Duration returns function i's whole-run duration histogram; see Latency.
func (s *Sim) Duration(i int) *Histogram { return s.fns[i].dur.dense() }

// RunLatency returns function i's latency distribution over the whole run so far, in
// milliseconds: Latency(i).Distribution(), as IntervalSim.RunLatency gives it.
func (s *Sim) RunLatency(i int) lambdatune.Distribution {
	return s.fns[i].lat.runDistribution(&s.scratch)
}

// RunDuration returns function i's Duration distribution over the whole run so far; see RunLatency.
func (s *Sim) RunDuration(i int) lambdatune.Distribution {
	return s.fns[i].dur.runDistribution(&s.scratch)
}
