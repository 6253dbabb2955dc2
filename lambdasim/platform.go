package lambdasim

import (
	"context"
	"fmt"

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
}

// lockstep counts a simulation's intervals and keeps the platforms of its functions, which read
// each interval in lockstep.
type lockstep struct {
	steps int                 // intervals completed
	views []*FunctionPlatform // the platforms handed out by function index (nil until asked for)
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
		l.views[i] = &FunctionPlatform{s: s, i: i, seen: l.steps}
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
		for j, o := range l.views {
			if o != nil && j != v.i && o.seen < l.steps {
				return lambdatune.Metrics{}, fmt.Errorf("lambdasim: function %s asks for interval %d before function %s read interval %d: drive function platforms in lockstep",
					v.s.functionName(v.i), l.steps+1, v.s.functionName(j), l.steps)
			}
		}
		// Only this platform has read the new interval; the others read it with their own Next.
		if err := v.s.step(ctx); err != nil {
			return lambdatune.Metrics{}, err
		}
	}
	v.seen = l.steps
	return v.s.lastMetrics(v.i), nil
}
