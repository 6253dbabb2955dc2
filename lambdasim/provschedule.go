package lambdasim

import (
	"math"
	"math/rand/v2"
)

// provPending is an increase of provisioned concurrency to n that is ready at time at.
type provPending struct {
	at int64
	n  int
}

// provSchedule is a function's provisioned concurrency over time, shared by the event and the
// interval model: what was requested, what is allocated, and the allocations in progress. Less
// provisioned concurrency is released at once; more is allocated after the provisioning delay, each
// increase on its own schedule (a later change does not restart an allocation in progress).
type provSchedule struct {
	provTarget  int   // requested
	provAlloc   int   // allocated (ready)
	provEventAt int64 // the first pending allocation's time, MaxInt64 when nothing is pending
	provPending []provPending
}

// newProvSchedule returns a schedule with n environments requested and allocated.
func newProvSchedule(n int) provSchedule {
	return provSchedule{provTarget: n, provAlloc: n, provEventAt: math.MaxInt64}
}

// reallocate drops the allocation and what is pending: a new function version needs all its
// provisioned environments allocated again (the caller requests them).
func (p *provSchedule) reallocate() {
	p.provAlloc = 0
	p.provPending = p.provPending[:0]
	p.provEventAt = math.MaxInt64
}

// request sets the requested concurrency to n at time now, drawing the provisioning delay of an
// increase from dly with rng. It reports whether the allocation shrank at once (n at or below what
// is allocated), in which case the caller releases the surplus environments.
func (p *provSchedule) request(n int, now int64, dly Dist, rng *rand.Rand) (released bool) {
	old := p.provTarget
	p.provTarget = n
	if n <= p.provAlloc {
		p.provAlloc = n
		p.provPending = p.provPending[:0]
		p.provEventAt = math.MaxInt64
		return true
	}
	if n > old || len(p.provPending) == 0 {
		at := now + dly.sample(rng)
		p.provPending = append(p.provPending, provPending{at: at, n: n})
		p.provEventAt = min(p.provEventAt, at)
	}
	return false
}

// dueBy returns the allocation in force once every pending allocation before t is done (at or
// before t when inclusive). With remove, it also drops those from the pending list; without, it
// changes nothing.
func (p *provSchedule) dueBy(t int64, inclusive, remove bool) int {
	next, target, k := int64(math.MaxInt64), p.provAlloc, 0
	for _, q := range p.provPending {
		if q.at < t || (inclusive && q.at == t) {
			target = max(target, min(q.n, p.provTarget))
			continue
		}
		if remove {
			next = min(next, q.at)
			p.provPending[k] = q
			k++
		}
	}
	if remove {
		p.provPending = p.provPending[:k]
		p.provEventAt = next
	}
	return target
}
