package lambdasim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
)

// maxOptBackoff is the most intervals runFunctions runs in windows, without trying an optimistic
// run, after one was undone.
const maxOptBackoff = 16

// optParts is how many equal parts runOptimistic bounds the pool's use in: the bound sums each
// function's most over a part, part by part, where the whole interval's maxima summed may exceed
// the pool though it never fills.
const optParts = 16

// fnSave is what an optimistic run can change of one function, apart from the contents of its
// slices (kept in the snapshot's buffers), its interval's Metrics (zero at an interval's start)
// and heldMax (which only runParts reads, after setting it).
type fnSave struct {
	ev           fnEvents // the slices' headers among them
	pcg          rand.PCG
	maxConc      int
	maxUtil      float64
	environments int64 // stats.Environments
	dur, lat     histMark
}

// snapshot holds the account's state before an optimistic run (Sim.runOptimistic), to restore it
// when the run is not what time order gives. Its buffers are reused from one interval to the next:
// the functions' slice contents lie one function after another, in function order.
type snapshot struct {
	fns       []fnSave
	envs      []env
	busy      []busyEntry
	idx       []int32 // each function's free list, then its provisioned idle list
	retries   []retryEntry
	prov      []provPending
	unresHeld int
	// parts holds, for each part of the interval, the sum over the unreserved functions run so
	// far of the most of the pool each held during the part (runOptimistic).
	parts []int
}

// save saves function i's state f before its optimistic run. The functions are saved in order,
// after reset.
func (sn *snapshot) save(i int, f *fnState) {
	sn.fns[i] = fnSave{ev: f.fnEvents, pcg: f.back.pcg, maxConc: f.maxConc, maxUtil: f.maxUtil,
		environments: f.stats.Environments, dur: f.dur.mark(), lat: f.lat.mark()}
	sn.envs = append(sn.envs, f.envs...)
	sn.busy = append(sn.busy, f.busy...)
	sn.idx = append(append(sn.idx, f.free...), f.provIdle...)
	sn.retries = append(sn.retries, f.retries...)
	sn.prov = append(sn.prov, f.provPending...)
}

// reset empties the buffers for the save of n functions.
func (sn *snapshot) reset(n int) {
	if len(sn.fns) != n {
		sn.fns = make([]fnSave, n)
	}
	sn.envs, sn.busy, sn.idx, sn.retries, sn.prov = sn.envs[:0], sn.busy[:0], sn.idx[:0], sn.retries[:0], sn.prov[:0]
	if len(sn.parts) != optParts {
		sn.parts = make([]int, optParts)
	}
	clear(sn.parts)
}

// restore returns the functions fns (the first of s.fns, the ones saved) to their saved state,
// and the unreserved pool's total. The slices' headers come back with fnEvents, pointing at the
// backing arrays they had (an array the run grew into is dropped), and their saved contents are
// copied back in; the look-ahead needs no copy, as the run only moved through it (runOptimistic
// pulled the interval's arrivals before saving).
func (sn *snapshot) restore(s *Sim, fns []*fnState) {
	var ne, nb, ni, nr, np int
	for i, f := range fns {
		v := &sn.fns[i]
		f.fnEvents = v.ev
		f.back.pcg = v.pcg
		f.maxConc, f.maxUtil, f.stats.Environments = v.maxConc, v.maxUtil, v.environments
		f.dur.rewind(v.dur)
		f.lat.rewind(v.lat)
		f.m = lambdatune.Metrics{}
		ne += copy(f.envs, sn.envs[ne:ne+len(f.envs)])
		nb += copy(f.busy, sn.busy[nb:nb+len(f.busy)])
		ni += copy(f.free, sn.idx[ni:ni+len(f.free)])
		ni += copy(f.provIdle, sn.idx[ni:ni+len(f.provIdle)])
		nr += copy(f.retries, sn.retries[nr:nr+len(f.retries)])
		np += copy(f.provPending, sn.prov[np:np+len(f.provPending)])
	}
	s.unresHeld = sn.unresHeld
}

// runOptimistic runs the interval ending at end with every function on its own, as if the
// unreserved pool could not fill, and keeps the result when that is what time order gives. The
// interval is cut into optParts equal parts, and each function runs through them one after the
// other (runParts), its state in the cache, noting the most of the pool it held during each part;
// when for every part the sum of those maxima over the unreserved functions fits in the pool, the
// pool had room at every on-demand start in whatever order they came, so no function would have
// been throttled by it. The functions' intervals are then closed, in order, and it reports done.
// Otherwise (as soon as a function's run makes some part's sum exceed the pool: the functions
// after it are left alone) it restores the state before the run (snapshot) and the caller runs
// the interval in windows. Each function's arrivals before end are pulled first (arrivalsBefore,
// as Sim.independent does for its check). It stops at the first function error or when ctx is
// done.
//
// Why the sums suffice: in time order, the functions follow their own runs up to the first
// on-demand start the pool throttles, if any; say it comes at time t, in part p. Each other
// function is then in a state its own run passes through during p (before or after its events at
// t; before its first event of p, the state it ended p-1 with, which p's maximum starts from), so
// it holds at most its maximum over p, and the starting function would hold at most its own after
// the start. So the pool would hold at most p's sum after the start, which fits: it had room
// before it, and the start is not throttled after all. Hence no start is, and time order is the
// own runs.
//
// A function holds busyOD + provLive of the pool (unreservedHeld), and that grows only at an
// on-demand start or an allocation of provisioned environments. An on-demand start finds no
// provisioned environment idle (busyProv = provLive), so there it is the function's
// concurrency, whose most since the part's start is maxConc; the allocations raise heldMax. The
// larger of the two, both set to what the function holds at the part's start, is the part's
// maximum, and the events pay nothing for it.
func (s *Sim) runOptimistic(ctx context.Context, end int64) (done bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("lambdasim: interval stopped at %v: %w", time.Duration(s.now), err)
	}
	sn := &s.snap
	sn.reset(len(s.fns))
	sn.unresHeld = s.unresHeld
	unresCap := s.unresCap
	s.unresCap = math.MaxInt // the pool's check is off: its total means nothing in this order
	fits, n := true, len(s.fns)
	for i, f := range s.fns {
		f.arrivalsBefore(end) // the run pulls nothing: the look-ahead's header is its state
		sn.save(i, f)
		if fits = s.runParts(ctx, f, end, unresCap); f.err != nil {
			s.unresCap = unresCap
			return false, f.err
		}
		if !fits { // undone already: the functions after f need not run
			n = i + 1
			break
		}
	}
	s.unresCap = unresCap
	if !fits || s.rollbackAll {
		sn.restore(s, s.fns[:n])
		s.rollbacks++
		s.optBackoff = min(max(2*s.optBackoff, 1), maxOptBackoff)
		s.optWait = s.optBackoff
		return false, nil
	}
	s.optimistic++
	s.optBackoff = 0
	start := s.start.Add(time.Duration(end - s.interval))
	for _, f := range s.fns {
		if err := s.closeRun(f, end, start); err != nil {
			return false, err
		}
	}
	return true, nil
}

// runParts runs f on its own through the interval from s.now to end, part by part (optParts
// equal parts, the last ending at end), adding the most of the pool f held during each part to
// the part's sum (s.snap.parts) if f is unreserved. It reports whether every sum still fits in
// unresCap, and stops at the first part whose sum does not, or when f's run sets f.err. The
// interval's maxConc (Metrics.MaxConcurrency) is the most over the parts.
func (s *Sim) runParts(ctx context.Context, f *fnState, end int64, unresCap int) (fits bool) {
	if f.reserved { // it holds none of the pool
		f.run(ctx, s, math.MaxInt64, end)
		return true
	}
	t0, parts := s.now, s.snap.parts
	ivMax := f.maxConc
	for p := range parts {
		pe := t0 + (end-t0)*int64(p+1)/int64(len(parts))
		f.maxConc = f.busyOD + f.busyProv
		f.heldMax = int32(f.busyOD + f.provLive)
		f.run(ctx, s, math.MaxInt64, pe)
		ivMax = max(ivMax, f.maxConc)
		parts[p] += max(int(f.heldMax), f.maxConc)
		if parts[p] > unresCap || f.err != nil {
			f.maxConc = ivMax
			return parts[p] <= unresCap
		}
	}
	f.maxConc = ivMax
	return true
}
