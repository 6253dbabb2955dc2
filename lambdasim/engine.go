package lambdasim

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune"
)

// env is one execution environment.
type env struct {
	born, retireAt int64 // ns; retireAt = born + lifetime
	expiry         int64 // ns; when idle, the end of its keep-alive
	prev, next     int32 // idle list links (-1 none)
	gen            uint32
	prov           bool // a current-generation provisioned environment
	needsInit      bool // reset after a timeout: the next invocation pays INIT
}

type busyEntry struct {
	end int64
	id  int32
}

// request is one attempt to run an event: an arrival or an asynchronous retry.
type request struct {
	first    int64 // when the event first arrived, ns
	backoff  int64 // the throttle backoff after this attempt, ns (0: the first, 1 s)
	attempt  int32 // attempts made so far, this one included
	errRetry int32 // error retries made so far
}

// retryEntry is an asynchronous retry due at time at.
type retryEntry struct {
	at int64
	request
}

// eventKind is what happens next to a function (run).
type eventKind uint8

const (
	evArrival     eventKind = iota // a request arrives
	evCompletion                   // an invocation ends
	evRetry                        // an asynchronous event is retried
	evProvisioned                  // provisioned concurrency finishes allocating
)

// startKind is where an invocation runs.
type startKind uint8

const (
	onDemandWarm startKind = iota // an idle on-demand environment
	onDemandCold                  // a new on-demand environment, or one reset by a timeout: INIT first
	provisioned                   // an idle provisioned environment
)

// outcome is how a request ended, as the request log names it.
type outcome uint8

const (
	outOK outcome = iota
	outError
	outTimeout
	outThrottled
	outDropped
)

// String returns the outcome's name in the request log.
func (o outcome) String() string {
	switch o {
	case outOK:
		return "ok"
	case outError:
		return "error"
	case outTimeout:
		return "timeout"
	case outThrottled:
		return "throttled"
	}
	return "dropped"
}

// fnState is the simulator's state of one function. The fields every event touches come first,
// together (fnEvents), then the random source and the slices' first backing arrays (back), and
// the ones read per interval or less last: at fleet scale each function's state is out of the
// cache when its turn comes, and every line it spans costs a miss.
type fnState struct {
	fnEvents

	// The current generation's parameters.
	rng          *rand.Rand
	svc          Dist
	timeout      int64
	errRate      float64
	mem          int64
	extraStorage int64
	slo          int64 // latency bound, ns; math.MaxInt64 for none
	keepNs       int64
	lifetime     int64

	// interval accumulators
	maxConc  int
	maxUtil  float64
	dur, lat fnHist // the interval's and the run's durations and latencies
	m        lambdatune.Metrics

	back fnBacking

	// Touched on a cold start, a random keep-alive, a throttle or once an interval.
	initD  Dist
	coldD  Dist
	keep   Dist
	maxAge int64
	idx    int
	name   string
	spec   Function
	cfg    lambdatune.Config // last applied
	pricer lambdatune.Pricer // cfg's architecture's prices
	sloD   time.Duration     // Deployment.SLO, reported in Metrics.SLO
	meter  ProvisionedMeter
	last   lambdatune.Metrics
	stats  Stats
}

// fnEvents is the part of a function's state that its events change (with the parameters read
// alongside, which they do not), first in fnState: the fields every event touches. It is one
// struct so that an optimistic run (Sim.runOptimistic) saves it in one assignment.
type fnEvents struct {
	// What Sim.independent reads of every function, in the first two lines.
	nextArr int64 // next arrival offset, MaxInt64 when none
	// arrivalsBefore(aheadTo) is aheadN while the function has not run since (0: not known).
	aheadTo    int64
	aheadN     int
	reserved   bool
	async      bool
	keepConst  bool
	readAhead  bool // arr is a Load, whose arrivals may be pulled an interval ahead
	retries    []retryEntry
	maxRetries int

	provSchedule

	err error // a broken arrival stream

	// ahead[aheadAt:] are the arrivals after nextArr already pulled from arr (arrivalsBefore); a
	// MaxInt64 at the end marks the stream's end.
	ahead   []int64
	aheadAt int
	arr     Arrivals
	busy    []busyEntry // min-heap on end
	// time integrals
	lastT              int64
	busyArea, liveArea float64

	live     int // environments alive
	busyOD   int // busy environments outside the provisioned pool (incl. old generations)
	busyProv int // busy current-generation provisioned environments
	provLive int // current-generation provisioned environments alive

	cap int

	envs     []env
	free     []int32
	idleHead int32 // newest idle on-demand environment
	idleTail int32 // oldest
	provIdle []int32
	gen      uint32 // current generation (configuration of memory, timeout, architecture, storage)
	// heldMax is the most busyOD + provLive has been since runParts set it, at an allocation of
	// provisioned environments (in what was padding).
	heldMax int32

	rpsTokens, rpsBurst, rpsRate       float64
	rpsLast                            int64
	scaleTokens, scaleBurst, scaleRate float64
	scaleLast                          int64
}

// fnBacking holds a function's random source and the first backing arrays of its slices, inside
// its state (fnState.back): at fleet scale each function's turn finds its memory out of the cache,
// and the random source and the tops of its busy heap and environment list lie next to the fields
// every event touches rather than on lines (and pages) of their own.
type fnBacking struct {
	pcg      rand.PCG
	rng      rand.Rand
	busy     [fnBackingEnvs]busyEntry
	envs     [fnBackingEnvs]env
	free     [fnBackingEnvs]int32
	provIdle [fnBackingEnvs]int32
	ahead    [128]int64
	pending  [2][fnHistBuffer]uint16
}

// fnBackingEnvs is how many environments a function's backing arrays have room for.
const fnBackingEnvs = 16

// unreservedHeld returns the account concurrency f holds of the unreserved pool: its busy
// on-demand and its provisioned environments, 0 when it has a reservation of its own.
func (f *fnState) unreservedHeld() int {
	if f.reserved {
		return 0
	}
	return f.busyOD + f.provLive
}

// setGeneration computes the per-configuration parameters.
func (f *fnState) setGeneration(c lambdatune.Config) error {
	svc, err := f.spec.Duration.ServiceTime(c.MemoryMB, c.Arch())
	if err != nil {
		return err
	}
	f.svc = svc
	f.mem = int64(c.MemoryMB)
	f.extraStorage = extraStorage(c.Storage())
	f.timeout = int64(c.Timeout)
	return nil
}

// newGeneration applies a change of memory, timeout, architecture or storage: idle environments
// are reclaimed, busy ones finish and are then reclaimed, provisioned concurrency is re-allocated.
func (f *fnState) newGeneration(s *Sim, c lambdatune.Config) {
	f.touch(s.now)
	_ = f.setGeneration(c) // checked by the caller
	f.gen++
	for f.idleHead >= 0 {
		id := f.idleHead
		f.unlinkIdle(id)
		f.retire(id, s.now)
	}
	for len(f.provIdle) > 0 {
		id := f.provIdle[len(f.provIdle)-1]
		f.provIdle = f.provIdle[:len(f.provIdle)-1]
		f.retire(id, s.now)
	}
	for _, b := range f.busy {
		f.envs[b.id].prov = false
	}
	f.busyOD += f.busyProv
	f.busyProv = 0
	f.provLive = 0
	f.reallocate()
}

// setProvisionedTarget handles a change of requested provisioned concurrency: less is released at
// once; more is allocated after the provisioning delay, each increase on its own schedule (an
// allocation in progress is not restarted by a later change).
func (f *fnState) setProvisionedTarget(s *Sim, n int) {
	if f.request(n, s.now, s.provDly, s.rng) {
		f.trimProvisioned(s)
	}
}

// trimProvisioned reclaims idle provisioned environments above the allocation.
func (f *fnState) trimProvisioned(s *Sim) {
	for f.provLive > f.provAlloc && len(f.provIdle) > 0 {
		id := f.provIdle[len(f.provIdle)-1]
		f.provIdle = f.provIdle[:len(f.provIdle)-1]
		f.provLive--
		if !f.reserved {
			s.unresHeld--
		}
		f.retire(id, s.now)
	}
}

// provisionedDue completes the allocations due by time t.
func (f *fnState) provisionedDue(s *Sim, t int64) {
	f.allocateProvisioned(s, t, f.dueBy(t, true, true))
}

// allocateProvisioned makes n provisioned environments ready at time t.
func (f *fnState) allocateProvisioned(s *Sim, t int64, n int) {
	f.provAlloc = n
	for f.provLive < f.provAlloc {
		id := f.newEnv(t)
		e := &f.envs[id]
		e.prov = true
		f.provIdle = append(f.provIdle, id)
		f.provLive++
		if !f.reserved {
			s.unresHeld++
		}
	}
	f.heldMax = max(f.heldMax, int32(f.busyOD+f.provLive))
}

func (f *fnState) newEnv(t int64) int32 {
	var id int32
	if n := len(f.free); n > 0 {
		id = f.free[n-1]
		f.free = f.free[:n-1]
	} else {
		f.envs = append(f.envs, env{})
		id = int32(len(f.envs) - 1)
	}
	rt := int64(math.MaxInt64)
	if f.lifetime != math.MaxInt64 {
		rt = t + f.lifetime
	}
	f.envs[id] = env{born: t, retireAt: rt, prev: -1, next: -1, gen: f.gen}
	f.live++
	f.stats.Environments++
	return id
}

// retire removes environment id, which died at time at (possibly in the past: an idle environment
// whose keep-alive ended before anything looked at it).
func (f *fnState) retire(id int32, at int64) {
	if at < f.lastT {
		f.liveArea -= float64(f.lastT - at)
	}
	f.live--
	f.free = append(f.free, id)
}

// touch advances the time integrals to t.
func (f *fnState) touch(t int64) {
	if dt := t - f.lastT; dt > 0 {
		f.busyArea += float64(f.busyOD+f.busyProv) * float64(dt)
		f.liveArea += float64(f.live) * float64(dt)
		f.lastT = t
	}
}

func (f *fnState) unlinkIdle(id int32) {
	e := &f.envs[id]
	if e.prev >= 0 {
		f.envs[e.prev].next = e.next
	} else {
		f.idleHead = e.next
	}
	if e.next >= 0 {
		f.envs[e.next].prev = e.prev
	} else {
		f.idleTail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (f *fnState) pushIdle(id int32) {
	e := &f.envs[id]
	e.prev, e.next = -1, f.idleHead
	if f.idleHead >= 0 {
		f.envs[f.idleHead].prev = id
	} else {
		f.idleTail = id
	}
	f.idleHead = id
}

// sweep reclaims idle environments whose keep-alive ended by t, from the oldest until one is still
// alive (with a constant keep-alive and no lifetime limit that is every expired one).
func (f *fnState) sweep(t int64) {
	for f.idleTail >= 0 {
		id := f.idleTail
		e := &f.envs[id]
		if e.expiry > t {
			return
		}
		at := e.expiry
		f.unlinkIdle(id)
		f.retire(id, at)
	}
}

// heap of busy environments. The busy and retry heaps are written out per entry type on purpose: a
// generic heap (a type parameter with a time() method) measured about 30 % slower on
// BenchmarkEventSimHighLoad (190-199 vs 144-177 ns per request), because Go calls a type
// parameter's methods through its dictionary instead of inlining them.
func (f *fnState) pushBusy(end int64, id int32) {
	h := append(f.busy, busyEntry{end, id})
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].end <= end {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = busyEntry{end, id}
	f.busy = h
}

func (f *fnState) popBusy() busyEntry {
	h := f.busy
	top := h[0]
	n := len(h) - 1
	x := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].end < h[c].end {
			c++
		}
		if x.end <= h[c].end {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = x
	}
	f.busy = h
	return top
}

func (f *fnState) pushRetry(r retryEntry) {
	h := append(f.retries, r)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= r.at {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = r
	f.retries = h
}

func (f *fnState) popRetry() retryEntry {
	h := f.retries
	top := h[0]
	n := len(h) - 1
	x := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at < h[c].at {
			c++
		}
		if x.at <= h[c].at {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = x
	}
	f.retries = h
	return top
}

// nextEvent returns the time of the function's next event.
func (f *fnState) nextEvent() int64 {
	t := f.nextArr
	if len(f.busy) > 0 && f.busy[0].end < t {
		t = f.busy[0].end
	}
	if len(f.retries) > 0 && f.retries[0].at < t {
		t = f.retries[0].at
	}
	if f.provEventAt < t {
		t = f.provEventAt
	}
	return t
}

// step simulates one interval of the account. Within it, run checks ctx every ctxEvery events,
// so that a load of millions of requests per second can still be stopped.
func (s *Sim) step(ctx context.Context) error {
	end := s.now + s.interval
	s.startInterval(s.now)
	closed := false
	if len(s.fns) == 1 {
		s.fns[0].run(ctx, s, math.MaxInt64, end)
	} else {
		var err error
		if closed, err = s.runFunctions(ctx, end); err != nil {
			return err
		}
	}
	s.now = end
	for _, f := range s.fns {
		if f.err != nil {
			return f.err
		}
	}
	return s.closeInterval(closed)
}

// fnEvent is a function's place in the account's event queue: the time of its next event and its
// index, which breaks ties (the function deployed first goes first).
type fnEvent struct {
	t int64
	i int32
}

func (a fnEvent) before(b fnEvent) bool { return a.t < b.t || (a.t == b.t && a.i < b.i) }

// popAhead moves on to the next arrival in the look-ahead.
func (f *fnState) popAhead() {
	f.nextArr = f.ahead[f.aheadAt]
	f.aheadAt++
	if f.aheadAt == len(f.ahead) {
		f.ahead, f.aheadAt = f.ahead[:0], 0
	}
}

// pull returns the stream's arrival after one at t, MaxInt64 when there is none or the stream is
// broken (f.err).
func (f *fnState) pull(t int64) int64 {
	at, ok := f.arr.Next()
	if !ok {
		return math.MaxInt64
	}
	if int64(at) < t {
		return f.broken(at, t)
	}
	return int64(at)
}

// broken records an arrival at at after one at t as the stream's error and ends the arrivals.
func (f *fnState) broken(at time.Duration, t int64) int64 {
	f.err = fmt.Errorf("lambdasim: %s: arrival at %v after one at %v, want non-decreasing offsets", f.name, at, time.Duration(t))
	return math.MaxInt64
}

// arrivalsBefore returns the number of arrivals before t from nextArr on, pulling them from the
// stream into the look-ahead.
func (f *fnState) arrivalsBefore(t int64) int {
	if t != f.aheadTo {
		f.aheadTo, f.aheadN = t, f.countBefore(t)
	}
	return f.aheadN
}

// countBefore is arrivalsBefore without the memo.
func (f *fnState) countBefore(t int64) int {
	if f.nextArr >= t {
		return 0
	}
	n, last := 1, f.nextArr
	for _, at := range f.ahead[f.aheadAt:] {
		if at >= t {
			return n
		}
		n, last = n+1, at
	}
	for {
		at := f.pull(last)
		f.ahead = append(f.ahead, at)
		if at >= t {
			return n
		}
		n, last = n+1, at
	}
}

// runFunctions processes every function's events before end. The functions of an account interact
// only through the unreserved pool: while it cannot fill up, each function runs on its own
// through a window of time (with its state in the cache), the result being the same as in time
// order. When the pool's check (independent) allows the whole interval, it is one window;
// otherwise the interval is first run optimistically (runOptimistic: every function on its own,
// kept when the pool turns out to have had room throughout) and, if that is undone, in windows
// (runWindows). An optimistic run undone costs a pass over the functions and their events for
// nothing, so after one the next intervals go straight to windows, 1, 2, 4, ... up to
// maxOptBackoff of them, until an optimistic run is kept again. A function whose arrivals are a
// Load (which the time they are drawn at does not change) may have the next interval's arrivals
// counted for the next check (arrivalsBefore). A request log needs the time order throughout. It reports whether the functions' intervals were
// closed (closeFunction), and stops at the first function error (a broken arrival stream) or
// when ctx is done.
func (s *Sim) runFunctions(ctx context.Context, end int64) (closed bool, err error) {
	if s.log != nil {
		return false, s.runInOrder(ctx, end)
	}
	if !s.rollbackAll && s.independent(end) {
		s.window = s.interval
		return s.runWindows(ctx, end, end)
	}
	if s.optWait > 0 && !s.rollbackAll {
		s.optWait--
	} else if done, err := s.runOptimistic(ctx, end); done || err != nil {
		return done, err
	}
	return s.runWindows(ctx, end, s.now)
}

// runWindows processes every function's events before end window by window, the first window
// ending at certified (s.now when none) being known to be independent. The window halves while
// the pool might fill within it (down to 1/64 of the interval, then the window runs in time order)
// and doubles again after a window without (up to the interval). When the interval's last window
// runs so, each function's interval is closed (closeRun) as soon as it has run, while its
// state is in the cache, and runWindows reports closed; a function whose arrivals are a Load
// then counts the next interval's arrivals for the next check. It checks ctx every window.
func (s *Sim) runWindows(ctx context.Context, end, certified int64) (closed bool, err error) {
	start := s.start.Add(time.Duration(end - s.interval))
	for t := s.now; t < end; {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("lambdasim: interval stopped at %v: %w", time.Duration(t), err)
		}
		we := min(t+s.window, end)
		switch {
		case we <= certified || s.independent(we):
			for _, f := range s.fns {
				if f.run(ctx, s, math.MaxInt64, we); f.err != nil {
					return false, f.err
				}
				if we == end {
					if err := s.closeRun(f, end, start); err != nil {
						return false, err
					}
				}
			}
			closed = we == end
			t = we
			s.windows++
			s.window = min(2*s.window, s.interval)
		case s.window > s.interval/64:
			s.window /= 2
		default:
			if err := s.runInOrder(ctx, we); err != nil {
				return false, err
			}
			t = we
		}
	}
	return closed, nil
}

// independent reports whether, until t, no function can find the unreserved pool full: whether
// the environments the unreserved functions might take by then fit in what the pool has left,
// counting for each one a start for every arrival before t and pending retry (times one plus the
// error retries an asynchronous event may make) and every provisioned environment requested if
// an allocation is due.
func (s *Sim) independent(t int64) bool {
	room := s.unresCap - s.unresHeld
	for _, f := range s.fns {
		if f.reserved {
			continue
		}
		n := f.arrivalsBefore(t) + len(f.retries)
		if f.async {
			n *= 1 + f.maxRetries
		}
		if f.provEventAt < t {
			n += f.provTarget
		}
		if room -= n; room < 0 {
			return false
		}
	}
	return true
}

// runInOrder processes every function's events before end in time order: the function with the
// earliest next event runs until the next function's first event, then takes its new place in a
// binary heap over the functions, so choosing costs O(log N) for N functions. Only the function
// that runs changes its own next event; configuration changes come between intervals, when the
// heap is built anew. It stops at the first function error or when ctx is done, checked every
// ctxEvery choices.
func (s *Sim) runInOrder(ctx context.Context, end int64) error {
	q := s.queue[:0]
	for i, f := range s.fns {
		q = append(q, fnEvent{f.nextEvent(), int32(i)})
	}
	for i := len(q)/2 - 1; i >= 0; i-- {
		siftDown(q, i)
	}
	s.queue = q
	for n := 1; q[0].t < end; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("lambdasim: interval stopped at %v: %w", time.Duration(q[0].t), err)
			}
		}
		second := q[1].t // the earliest event of any other function: a child of the root
		if len(q) > 2 && q[2].before(q[1]) {
			second = q[2].t
		}
		f := s.fns[q[0].i]
		if f.run(ctx, s, second, end); f.err != nil {
			return f.err
		}
		q[0].t = f.nextEvent()
		siftDown(q, 0)
	}
	return nil
}

// siftDown restores the heap order of q below i.
func siftDown(q []fnEvent, i int) {
	x := q[i]
	for {
		c := 2*i + 1
		if c >= len(q) {
			break
		}
		if c+1 < len(q) && q[c+1].before(q[c]) {
			c++
		}
		if !q[c].before(x) {
			break
		}
		q[i] = q[c]
		i = c
	}
	q[i] = x
}

// ctxEvery is how many events run processes between two checks of the context.
const ctxEvery = 1 << 14

// run processes the function's events at times t < end and t <= limit, at least one. When ctx
// is done it stops with f.err set.
func (f *fnState) run(ctx context.Context, s *Sim, limit, end int64) {
	bound := min(limit, end-1)
	f.aheadTo = 0
	for n := 1; ; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				f.err = fmt.Errorf("lambdasim: %s: interval stopped at %v: %w", f.name, time.Duration(f.lastT), err)
				return
			}
		}
		t, kind := f.nextArr, evArrival
		if len(f.busy) > 0 && f.busy[0].end <= t {
			t, kind = f.busy[0].end, evCompletion
		}
		if len(f.retries) > 0 && f.retries[0].at < t {
			t, kind = f.retries[0].at, evRetry
		}
		if f.provEventAt < t {
			t, kind = f.provEventAt, evProvisioned
		}
		if t > bound {
			return
		}
		if t > f.lastT {
			f.busyArea += float64(f.busyOD+f.busyProv) * float64(t-f.lastT)
			f.liveArea += float64(f.live) * float64(t-f.lastT)
			f.lastT = t
		}
		switch kind {
		case evArrival:
			if f.aheadAt < len(f.ahead) {
				f.popAhead()
			} else if at, ok := f.arr.Next(); !ok { // pull, written out: the hot path of one function
				f.nextArr = math.MaxInt64
			} else if f.nextArr = int64(at); int64(at) < t {
				f.nextArr = f.broken(at, t)
			}
			f.invoke(s, t, request{first: t, attempt: 1})
		case evCompletion:
			f.complete(s, f.popBusy())
		case evRetry:
			r := f.popRetry().request
			r.attempt++
			f.invoke(s, t, r)
		case evProvisioned:
			f.provisionedDue(s, t)
		}
	}
}

// complete releases the environment of a finished invocation.
func (f *fnState) complete(s *Sim, b busyEntry) {
	e := &f.envs[b.id]
	t := b.end
	if e.prov {
		f.busyProv--
		if f.provLive > f.provAlloc {
			f.provLive--
			if !f.reserved {
				s.unresHeld--
			}
			f.retire(b.id, t)
			return
		}
		f.provIdle = append(f.provIdle, b.id)
		return
	}
	f.busyOD--
	if !f.reserved {
		s.unresHeld--
	}
	if e.gen != f.gen || t >= e.retireAt {
		f.retire(b.id, t)
		return
	}
	// The environment is reclaimed at the end of its keep-alive or of its lifetime, whichever is first.
	if f.keepConst {
		e.expiry = min(t+f.keepNs, e.retireAt)
	} else {
		e.expiry = min(t+f.keep.sample(f.rng), e.retireAt)
	}
	f.pushIdle(b.id)
}

// invoke offers request r (an arrival or an asynchronous retry) at time t.
func (f *fnState) invoke(s *Sim, t int64, r request) {
	if f.idleTail >= 0 && f.envs[f.idleTail].expiry <= t {
		f.sweep(t)
	}
	// Request-rate limit: a token bucket of 10 × the concurrency limit per second.
	f.rpsTokens += float64(t-f.rpsLast) * f.rpsRate
	f.rpsLast = t
	if f.rpsTokens > f.rpsBurst {
		f.rpsTokens = f.rpsBurst
	}
	if f.rpsTokens < 1 {
		f.throttle(s, t, r)
		return
	}
	// A ready provisioned environment first.
	if n := len(f.provIdle); n > 0 {
		id := f.provIdle[n-1]
		f.provIdle = f.provIdle[:n-1]
		f.rpsTokens--
		f.start(s, id, t, r, provisioned)
		return
	}
	// On demand: within the function's or the account's concurrency.
	if f.reserved {
		if f.busyOD+f.provLive >= f.cap {
			f.throttle(s, t, r)
			return
		}
	} else if s.unresHeld >= s.unresCap {
		f.throttle(s, t, r)
		return
	}
	// The newest idle environment. With a random keep-alive or a lifetime, an environment whose time
	// is up can sit above live ones in the list: it is reclaimed (as of its expiry) when met here.
	for f.idleHead >= 0 {
		id := f.idleHead
		e := &f.envs[id]
		f.unlinkIdle(id)
		if e.expiry <= t {
			f.retire(id, e.expiry)
			continue
		}
		f.rpsTokens--
		how := onDemandWarm
		if e.needsInit {
			how = onDemandCold
		}
		f.start(s, id, t, r, how)
		return
	}
	// A new environment, within the scaling rate.
	if f.scaleTokens < 1 {
		f.scaleTokens = min(f.scaleBurst, f.scaleTokens+float64(t-f.scaleLast)*f.scaleRate)
		f.scaleLast = t
		if f.scaleTokens < 1 {
			f.throttle(s, t, r)
			return
		}
	} else {
		f.scaleTokens = min(f.scaleBurst, f.scaleTokens+float64(t-f.scaleLast)*f.scaleRate)
		f.scaleLast = t
	}
	f.scaleTokens--
	f.rpsTokens--
	id := f.newEnv(t)
	f.start(s, id, t, r, onDemandCold)
}

// throttle rejects a request: synchronous requests fail, asynchronous events are retried with
// exponential backoff (1 s doubling to 5 min) until their maximum age.
func (f *fnState) throttle(s *Sim, t int64, r request) {
	f.m.Throttles++
	out := outThrottled
	if f.async {
		backoff := r.backoff
		if backoff == 0 {
			backoff = int64(asyncThrottleFirstRetry)
		}
		if at := t + backoff; at-r.first <= f.maxAge {
			r.backoff = min(2*backoff, int64(asyncThrottleMaxBackoff))
			f.pushRetry(retryEntry{at, r})
		} else {
			f.m.AsyncEventsDropped++
			out = outDropped
		}
	}
	if s.log != nil {
		s.log.record(f, logEntry{r: r, start: t, end: t, out: out, env: -1})
	}
}

// start runs request r on environment id from time t.
func (f *fnState) start(s *Sim, id int32, t int64, r request, how startKind) {
	e := &f.envs[id]
	dur := f.svc.sample(f.rng)
	var init int64
	cold := how == onDemandCold
	if cold {
		e.needsInit = false
		if f.coldD.kind != distNone {
			dur = f.coldD.sample(f.rng)
		} else {
			init = f.initD.sample(f.rng)
			if init > int64(MaxOnDemandInit) {
				dur += init - int64(MaxOnDemandInit)
				init = int64(MaxOnDemandInit)
			}
		}
	}
	out := outOK
	if dur >= f.timeout {
		dur = f.timeout
		out = outTimeout
		e.needsInit = true
		f.m.Timeouts++
		f.m.Errors++
	} else if f.errRate > 0 && f.rng.Float64() < f.errRate {
		out = outError
		f.m.Errors++
	}
	endT := t + init + dur
	f.pushBusy(endT, id)
	f.m.Invocations++
	if cold {
		f.m.ColdStarts++
	}
	if how == provisioned {
		e.prov = true
		f.busyProv++
		f.m.ProvisionedInvocations++
		addProvisioned(&f.m.Usage, f.mem, f.extraStorage, dur)
		if f.provAlloc > 0 {
			if u := float64(f.busyProv) / float64(f.provAlloc); u > f.maxUtil {
				f.maxUtil = min(u, 1)
			}
		}
	} else {
		f.busyOD++
		if !f.reserved {
			s.unresHeld++
		}
		if f.provAlloc > 0 {
			f.m.SpilloverInvocations++
		}
		addOnDemand(&f.m.Usage, f.mem, f.extraStorage, init, dur)
	}
	if c := f.busyOD + f.busyProv; c > f.maxConc {
		f.maxConc = c
	}
	f.dur.record(dur)
	lat := endT - r.first
	f.lat.record(lat)
	if lat > f.slo && out == outOK {
		f.m.SLOMisses++
	}
	if out != outOK && f.async {
		if int(r.errRetry) < f.maxRetries {
			at := endT + int64(asyncErrorFirstRetry) + int64(r.errRetry)*int64(asyncErrorRetryIncrement)
			f.pushRetry(retryEntry{at, request{first: r.first, attempt: r.attempt, errRetry: r.errRetry + 1}})
		} else {
			f.m.AsyncEventsDropped++
		}
	}
	if s.log != nil {
		s.log.record(f, logEntry{r: r, start: t, end: endT, init: init, dur: dur, out: out, how: how, env: id})
	}
}

// closeInterval ends the interval ending at s.now: it finalises every function's metrics unless
// runFunctions did (closed).
func (s *Sim) closeInterval(closed bool) error {
	if !closed {
		start := s.start.Add(time.Duration(s.now - s.interval))
		for _, f := range s.fns {
			if err := s.closeFunction(f, s.now, start); err != nil {
				return err
			}
		}
	}
	s.steps++
	if s.log != nil {
		if err := s.log.flush(); err != nil {
			return err
		}
	}
	return nil
}

// closeRun closes f's interval ending at end, which started at start (closeFunction), once f has
// run through it on its own and its state is in the cache; a function whose arrivals are a Load
// then also counts the next interval's arrivals for the next check (arrivalsBefore).
func (s *Sim) closeRun(f *fnState, end int64, start time.Time) error {
	if err := s.closeFunction(f, end, start); err != nil {
		return err
	}
	if f.readAhead {
		f.arrivalsBefore(end + s.interval)
	}
	return nil
}

// closeFunction finalises f's metrics for the interval ending at now (ns), which started at
// start. The functions are closed in order: the month's duration tiers count their usage so.
func (s *Sim) closeFunction(f *fnState, now int64, start time.Time) error {
	f.touch(now)
	f.sweep(now)
	m := &f.m
	m.Start = start
	m.Period = time.Duration(s.interval)
	m.Config = f.cfg
	m.Config.Provisioned = f.provAlloc
	m.SLO = f.sloD
	m.Duration = f.dur.closeInterval(&s.scratch, &s.merged)
	m.Latency = f.lat.closeInterval(&s.scratch, &s.merged)
	m.MaxConcurrency = f.maxConc
	m.ProvisionedUtilization = f.maxUtil
	m.Usage.ProvisionedMBms += f.meter.Advance(time.Duration(now))
	c, err := s.bill(&f.pricer, m.Usage)
	if err != nil {
		return err
	}
	m.Cost = c
	f.stats.addInterval(m, m.Invocations+m.Throttles)
	f.last = *m
	*m = lambdatune.Metrics{}
	// Concurrency carried into the next interval counts there too.
	f.maxConc = f.busyOD + f.busyProv
	f.maxUtil = 0
	if f.provAlloc > 0 {
		f.maxUtil = min(1, float64(f.busyProv)/float64(f.provAlloc))
	}
	return nil
}

// LogHeader is the header of the per-request CSV log (Options.Log). Columns: function name;
// arrival (when the event first arrived), start and end in seconds since the simulation's start;
// init_ms and duration_ms; latency_ms (end − arrival); attempt (1 for the first); outcome (ok,
// error, timeout, throttled, dropped); cold and provisioned (0/1); env, the environment's slot
// (-1 when it did not run; slots are reused after an environment is reclaimed).
const LogHeader = "function,arrival_s,start_s,end_s,init_ms,duration_ms,latency_ms,attempt,outcome,cold,provisioned,env\n"

// logEntry is one line of the request log: request r, started (or refused) at start, ended at
// end, its INIT and duration, how it ended, where it ran (env, −1 when it did not).
type logEntry struct {
	r                     request
	start, end, init, dur int64
	out                   outcome
	how                   startKind
	env                   int32
}

type csvLog struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (l *csvLog) record(f *fnState, e logEntry) {
	if l.err != nil {
		return
	}
	b := l.buf[:0]
	b = append(b, f.name...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.r.first)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.start)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.end)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.init)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.dur)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(e.end-e.r.first)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(e.r.attempt), 10)
	b = append(b, ',')
	b = append(b, e.out.String()...)
	b = append(b, ',')
	b = append(b, "01"[boolInt(e.how == onDemandCold)])
	b = append(b, ',')
	b = append(b, "01"[boolInt(e.how == provisioned)])
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(e.env), 10)
	b = append(b, '\n')
	l.buf = b
	if _, err := l.w.Write(b); err != nil {
		l.err = err
	}
}

func (l *csvLog) flush() error {
	if l.err == nil {
		l.err = l.w.Flush()
	}
	if l.err != nil {
		return &logError{l.err}
	}
	return nil
}

type logError struct{ err error }

func (e *logError) Error() string { return "lambdasim: writing the request log: " + e.err.Error() }
func (e *logError) Unwrap() error { return e.err }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
