package lambdasim

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
)

// simulation is what the event model (Sim) and the interval model (IntervalSim) share with the
// per-function platforms they hand out.
type simulation interface {
	// step simulates the next interval of the whole account.
	step(ctx context.Context) error
	// apply validates c against the account and applies it to function i.
	apply(i int, c lambdatune.Config) error
	functionName(i int) string
	functionConfig(i int) lambdatune.Config
	lastMetrics(i int) lambdatune.Metrics
	numFunctions() int
	lockstepState() *lockstep
	clock() time.Time
}

// Simulator is what the event model (Sim, New) and the interval model (IntervalSim, NewInterval)
// have in common: switch fidelity by calling one constructor or the other with the same Options
// and Deployments. Sim also keeps whole-run histograms (Sim.Latency, Sim.Duration).
type Simulator interface {
	lambdatune.Platform
	// Step simulates the next interval of the whole account and appends each function's metrics,
	// in deployment order, to dst.
	Step(ctx context.Context, dst []lambdatune.Metrics) ([]lambdatune.Metrics, error)
	// Run simulates n more intervals of the whole account.
	Run(ctx context.Context, n int) error
	// Function returns the Platform of function i.
	Function(i int) *FunctionPlatform
	// Len returns the number of functions.
	Len() int
	// Now returns the virtual clock: the end of the last interval simulated.
	Now() time.Time
	// Metrics returns function i's metrics of the last interval.
	Metrics(i int) lambdatune.Metrics
	// Stats returns function i's cumulative statistics.
	Stats(i int) Stats
	// RunLatency and RunDuration return function i's latency and Duration distributions over
	// the whole run so far, in milliseconds.
	RunLatency(i int) lambdatune.Distribution
	RunDuration(i int) lambdatune.Distribution
}

var (
	_ Simulator = (*Sim)(nil)
	_ Simulator = (*IntervalSim)(nil)
)

// platform is the API both models expose the same way, over their simulation: the
// lambdatune.Platform of the first function, whole-account steps and runs, and per-function
// platforms in lockstep.
type platform struct {
	sim simulation
	lockstep
}

func (s *platform) lockstepState() *lockstep { return &s.lockstep }

// Now returns the virtual clock: the end of the last interval simulated.
func (s *platform) Now() time.Time { return s.sim.clock() }

// Len returns the number of functions.
func (s *platform) Len() int { return s.sim.numFunctions() }

// Config returns the configuration last applied to the first function (provisioned concurrency in
// it may still be allocating; Metrics.Config shows what was ready). It implements
// lambdatune.Platform.
func (s *platform) Config(ctx context.Context) (lambdatune.Config, error) {
	return s.sim.functionConfig(0), nil
}

// Apply applies c to the first function from the current virtual time on. It implements
// lambdatune.Platform; see FunctionPlatform.Apply.
func (s *platform) Apply(ctx context.Context, c lambdatune.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.sim.apply(0, c)
}

// Next simulates the next interval of the whole account and returns the first function's metrics.
// It implements lambdatune.Platform. Use Step for every function's metrics.
func (s *platform) Next(ctx context.Context) (lambdatune.Metrics, error) {
	if err := advance(ctx, s.sim); err != nil {
		return lambdatune.Metrics{}, err
	}
	return s.sim.lastMetrics(0), nil
}

// Step simulates the next interval of the whole account and appends each function's metrics, in
// deployment order, to dst.
func (s *platform) Step(ctx context.Context, dst []lambdatune.Metrics) ([]lambdatune.Metrics, error) {
	if err := advance(ctx, s.sim); err != nil {
		return dst, err
	}
	for i := range s.sim.numFunctions() {
		dst = append(dst, s.sim.lastMetrics(i))
	}
	return dst, nil
}

// Run simulates n more intervals of the whole account under the configurations in force, stopping
// at the first error or when ctx is done. Read the results with Stats, RunLatency, RunDuration
// and Metrics (the last interval's).
func (s *platform) Run(ctx context.Context, n int) error {
	if n < 0 {
		return fmt.Errorf("lambdasim: Run(%d intervals), want n >= 0", n)
	}
	for range n {
		if err := advance(ctx, s.sim); err != nil {
			return err
		}
	}
	return nil
}

// Function returns a Platform for function i (0-based, in deployment order). Several function
// platforms advance the shared account in lockstep: the account simulates a new interval when the
// first of them asks for it, and each must read it (call Next once) before any asks for the
// interval after.
func (s *platform) Function(i int) *FunctionPlatform { return functionPlatform(s.sim, i) }

// Metrics returns function i's metrics of the last interval (zero before the first).
func (s *platform) Metrics(i int) lambdatune.Metrics { return s.sim.lastMetrics(i) }

// lockstep counts a simulation's intervals and keeps the platforms of its functions, which read
// each interval in lockstep.
type lockstep struct {
	steps int                 // intervals completed
	views []*FunctionPlatform // the platforms handed out by function index (nil until asked for)
	nview int                 // platforms handed out
	// read platforms have read interval readAt (when readAt = steps, the last one); a count, so
	// that checking the lockstep does not cost a pass over every function.
	read, readAt int
}

// markRead records that platform v has read the last interval.
func (l *lockstep) markRead(v *FunctionPlatform) {
	if v.seen == l.steps && l.readAt == l.steps {
		return
	}
	if l.readAt != l.steps {
		l.read, l.readAt = 0, l.steps
	}
	v.seen = l.steps
	l.read++
}

// advance simulates the next interval of the whole account and marks it read by every function
// platform.
func advance(ctx context.Context, s simulation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.step(ctx); err != nil {
		return err
	}
	l := s.lockstepState()
	for _, v := range l.views {
		if v != nil {
			v.seen = l.steps
		}
	}
	l.read, l.readAt = l.nview, l.steps
	return nil
}

// functionPlatform returns the platform of function i, the same one on every call.
func functionPlatform(s simulation, i int) *FunctionPlatform {
	n := s.numFunctions()
	if i < 0 || i >= n {
		return &FunctionPlatform{s: s, i: i}
	}
	l := s.lockstepState()
	if l.views == nil {
		l.views = make([]*FunctionPlatform, n)
	}
	if l.views[i] == nil {
		v := &FunctionPlatform{s: s, i: i, seen: -1}
		l.views[i] = v
		l.nview++
		l.markRead(v) // a new platform starts with the last interval read
	}
	return l.views[i]
}

// FunctionPlatform is the lambdatune.Platform of one function of a simulated account (Sim.Function
// or IntervalSim.Function).
type FunctionPlatform struct {
	s    simulation
	i    int
	seen int // intervals read
}

func (v *FunctionPlatform) check() error {
	if n := v.s.numFunctions(); v.i < 0 || v.i >= n {
		return fmt.Errorf("lambdasim: function index %d, want [0, %d)", v.i, n)
	}
	return nil
}

// Config returns the configuration last applied to the function.
func (v *FunctionPlatform) Config(ctx context.Context) (lambdatune.Config, error) {
	if err := v.check(); err != nil {
		return lambdatune.Config{}, err
	}
	return v.s.functionConfig(v.i), nil
}

// Apply validates c (lambdatune.Limits.Validate against the account, counting the other functions'
// reservations) and applies it at the current virtual time, as AWS does: a change of memory,
// timeout, architecture or ephemeral storage sends new requests to new environments (cold starts)
// while busy old ones finish; reserved concurrency changes at once; more provisioned concurrency
// is ready after Options.ProvisioningDelay (billed from now), less is released at once. A bad
// configuration returns an error wrapping *lambdatune.ConfigError and changes nothing.
func (v *FunctionPlatform) Apply(ctx context.Context, c lambdatune.Config) error {
	if err := v.check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return v.s.apply(v.i, c)
}

// Next returns the function's metrics for the next interval, simulating it if no other function
// platform has yet.
func (v *FunctionPlatform) Next(ctx context.Context) (lambdatune.Metrics, error) {
	if err := v.check(); err != nil {
		return lambdatune.Metrics{}, err
	}
	if err := ctx.Err(); err != nil {
		return lambdatune.Metrics{}, err
	}
	l := v.s.lockstepState()
	if v.seen == l.steps {
		if l.readAt != l.steps || l.read < l.nview {
			for j, o := range l.views { // name the first platform behind
				if o != nil && o.seen < l.steps {
					return lambdatune.Metrics{}, fmt.Errorf("lambdasim: function %s asks for interval %d before function %s read interval %d: drive function platforms in lockstep",
						v.s.functionName(v.i), l.steps+1, v.s.functionName(j), l.steps)
				}
			}
		}
		// Only this platform has read the new interval; the others read it with their own Next.
		if err := v.s.step(ctx); err != nil {
			return lambdatune.Metrics{}, err
		}
	}
	l.markRead(v)
	return v.s.lastMetrics(v.i), nil
}
