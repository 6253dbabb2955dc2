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

type retryEntry struct {
	at, first int64
	backoff   int64 // next throttle backoff, ns
	attempt   int32 // attempts made so far
	errRetry  int32 // error retries made so far
}

// fnState is the simulator's state of one function.
type fnState struct {
	idx    int
	name   string
	spec   Function
	cfg    lambdatune.Config // last applied
	pricer lambdatune.Pricer // cfg's architecture's prices
	arr    Arrivals
	rng    *rand.Rand
	slo    int64         // latency bound, ns; math.MaxInt64 for none
	sloD   time.Duration // Deployment.SLO, reported in Metrics.SLO

	nextArr int64 // next arrival offset, MaxInt64 when none

	// Current generation (configuration of memory, timeout, architecture, storage).
	gen          uint32
	mem          int64
	extraStorage int64
	timeout      int64
	svc          Dist
	initD        Dist
	coldD        Dist
	keep         Dist
	keepConst    bool
	keepNs       int64
	lifetime     int64
	errRate      float64
	async        bool
	maxAge       int64
	maxRetries   int

	envs     []env
	free     []int32
	idleHead int32 // newest idle on-demand environment
	idleTail int32 // oldest
	provIdle []int32
	busy     []busyEntry // min-heap on end
	retries  []retryEntry

	live     int // environments alive
	busyOD   int // busy environments outside the provisioned pool (incl. old generations)
	busyProv int // busy current-generation provisioned environments
	provLive int // current-generation provisioned environments alive

	provSchedule

	reserved bool
	cap      int

	scaleTokens, scaleBurst, scaleRate float64
	scaleLast                          int64
	rpsTokens, rpsBurst, rpsRate       float64
	rpsLast                            int64

	// time integrals
	lastT              int64
	busyArea, liveArea float64

	// interval accumulators
	m          lambdatune.Metrics
	durH, latH Histogram
	maxConc    int
	maxUtil    float64
	meter      ProvisionedMeter
	last       lambdatune.Metrics

	runDur, runLat Histogram
	stats          Stats
	err            error // a broken arrival stream
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
	if len(s.fns) == 1 {
		s.fns[0].run(ctx, s, math.MaxInt64, end)
	} else {
		for {
			var best *fnState
			bt, second := end, int64(math.MaxInt64)
			for _, f := range s.fns {
				t := f.nextEvent()
				if t < bt {
					if best != nil {
						second = min(second, bt)
					}
					bt, best = t, f
				} else {
					second = min(second, t)
				}
			}
			if best == nil {
				break
			}
			best.run(ctx, s, second, end)
		}
	}
	s.now = end
	for _, f := range s.fns {
		if f.err != nil {
			return f.err
		}
	}
	return s.closeInterval()
}

// ctxEvery is how many events run processes between two checks of the context.
const ctxEvery = 1 << 14

// run processes the function's events at times t < end and t <= limit, at least one. When ctx
// is done it stops with f.err set.
func (f *fnState) run(ctx context.Context, s *Sim, limit, end int64) {
	bound := min(limit, end-1)
	for n := 1; ; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				f.err = fmt.Errorf("lambdasim: %s: interval stopped at %v: %w", f.name, time.Duration(f.lastT), err)
				return
			}
		}
		t := f.nextArr
		kind := 0
		if len(f.busy) > 0 && f.busy[0].end <= t {
			t, kind = f.busy[0].end, 1
		}
		if len(f.retries) > 0 && f.retries[0].at < t {
			t, kind = f.retries[0].at, 2
		}
		if f.provEventAt < t {
			t, kind = f.provEventAt, 3
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
		case 0:
			if at, ok := f.arr.Next(); ok {
				f.nextArr = int64(at)
				if int64(at) < t {
					f.err = fmt.Errorf("lambdasim: %s: arrival at %v after one at %v, want non-decreasing offsets", f.name, at, time.Duration(t))
					f.nextArr = math.MaxInt64
				}
			} else {
				f.nextArr = math.MaxInt64
			}
			f.invoke(s, t, t, 1, 0, 0)
		case 1:
			f.complete(s, f.popBusy())
		case 2:
			r := f.popRetry()
			f.invoke(s, t, r.first, r.attempt+1, r.errRetry, r.backoff)
		case 3:
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

// invoke offers one request (an arrival or an asynchronous retry) at time t; first is when the
// event first arrived.
func (f *fnState) invoke(s *Sim, t, first int64, attempt, errRetry int32, backoff int64) {
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
		f.throttle(s, t, first, attempt, errRetry, backoff)
		return
	}
	// A ready provisioned environment first.
	if n := len(f.provIdle); n > 0 {
		id := f.provIdle[n-1]
		f.provIdle = f.provIdle[:n-1]
		f.rpsTokens--
		f.start(s, id, t, first, attempt, errRetry, false, true)
		return
	}
	// On demand: within the function's or the account's concurrency.
	if f.reserved {
		if f.busyOD+f.provLive >= f.cap {
			f.throttle(s, t, first, attempt, errRetry, backoff)
			return
		}
	} else if s.unresHeld >= s.unresCap {
		f.throttle(s, t, first, attempt, errRetry, backoff)
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
		f.start(s, id, t, first, attempt, errRetry, e.needsInit, false)
		return
	}
	// A new environment, within the scaling rate.
	if f.scaleTokens < 1 {
		f.scaleTokens = min(f.scaleBurst, f.scaleTokens+float64(t-f.scaleLast)*f.scaleRate)
		f.scaleLast = t
		if f.scaleTokens < 1 {
			f.throttle(s, t, first, attempt, errRetry, backoff)
			return
		}
	} else {
		f.scaleTokens = min(f.scaleBurst, f.scaleTokens+float64(t-f.scaleLast)*f.scaleRate)
		f.scaleLast = t
	}
	f.scaleTokens--
	f.rpsTokens--
	id := f.newEnv(t)
	f.start(s, id, t, first, attempt, errRetry, true, false)
}

// throttle rejects a request: synchronous requests fail, asynchronous events are retried with
// exponential backoff (1 s doubling to 5 min) until their maximum age.
func (f *fnState) throttle(s *Sim, t, first int64, attempt, errRetry int32, backoff int64) {
	f.m.Throttles++
	outcome := outThrottled
	if f.async {
		if backoff == 0 {
			backoff = int64(asyncThrottleFirstRetry)
		}
		if at := t + backoff; at-first <= f.maxAge {
			f.pushRetry(retryEntry{at: at, first: first, backoff: min(2*backoff, int64(asyncThrottleMaxBackoff)), attempt: attempt, errRetry: errRetry})
		} else {
			f.m.AsyncEventsDropped++
			outcome = outDropped
		}
	}
	if s.log != nil {
		s.log.record(s, f, t, first, t, 0, 0, attempt, outcome, false, false, -1)
	}
}

// start runs an invocation on environment id from time t.
func (f *fnState) start(s *Sim, id int32, t, first int64, attempt, errRetry int32, cold, prov bool) {
	e := &f.envs[id]
	dur := f.svc.sample(f.rng)
	var init int64
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
	outcome := outOK
	if dur >= f.timeout {
		dur = f.timeout
		outcome = outTimeout
		e.needsInit = true
		f.m.Timeouts++
		f.m.Errors++
	} else if f.errRate > 0 && f.rng.Float64() < f.errRate {
		outcome = outError
		f.m.Errors++
	}
	endT := t + init + dur
	f.pushBusy(endT, id)
	f.m.Invocations++
	if cold {
		f.m.ColdStarts++
	}
	if prov {
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
	f.durH.Record(dur)
	lat := endT - first
	f.latH.Record(lat)
	if lat > f.slo && outcome == outOK {
		f.m.SLOMisses++
	}
	if outcome != outOK && f.async {
		if int(errRetry) < f.maxRetries {
			at := endT + int64(asyncErrorFirstRetry) + int64(errRetry)*int64(asyncErrorRetryIncrement)
			f.pushRetry(retryEntry{at: at, first: first, attempt: attempt, errRetry: errRetry + 1})
		} else {
			f.m.AsyncEventsDropped++
		}
	}
	if s.log != nil {
		s.log.record(s, f, t, first, endT, init, dur, attempt, outcome, cold, prov, id)
	}
}

// closeInterval finalises every function's metrics for the interval ending at s.now.
func (s *Sim) closeInterval() error {
	start := s.start.Add(time.Duration(s.now - s.interval))
	s.startInterval(s.now - s.interval)
	for _, f := range s.fns {
		f.touch(s.now)
		f.sweep(s.now)
		m := &f.m
		m.Start = start
		m.Period = time.Duration(s.interval)
		m.Config = f.cfg
		m.Config.Provisioned = f.provAlloc
		m.SLO = f.sloD
		m.Duration = f.durH.Distribution()
		m.Latency = f.latH.Distribution()
		m.MaxConcurrency = f.maxConc
		m.ProvisionedUtilization = f.maxUtil
		m.Usage.ProvisionedMBms += f.meter.Advance(time.Duration(s.now))
		c, err := s.bill(&f.pricer, m.Usage)
		if err != nil {
			return err
		}
		m.Cost = c
		f.stats.addInterval(m, m.Invocations+m.Throttles)
		f.runDur.Merge(&f.durH)
		f.runLat.Merge(&f.latH)
		f.last = *m
		*m = lambdatune.Metrics{}
		f.durH.Reset()
		f.latH.Reset()
		// Concurrency carried into the next interval counts there too.
		f.maxConc = f.busyOD + f.busyProv
		f.maxUtil = 0
		if f.provAlloc > 0 {
			f.maxUtil = min(1, float64(f.busyProv)/float64(f.provAlloc))
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

// LogHeader is the header of the per-request CSV log (Options.Log). Columns: function name;
// arrival (when the event first arrived), start and end in seconds since the simulation's start;
// init_ms and duration_ms; latency_ms (end − arrival); attempt (1 for the first); outcome (ok,
// error, timeout, throttled, dropped); cold and provisioned (0/1); env, the environment's slot
// (-1 when it did not run; slots are reused after an environment is reclaimed).
const LogHeader = "function,arrival_s,start_s,end_s,init_ms,duration_ms,latency_ms,attempt,outcome,cold,provisioned,env\n"

const (
	outOK = iota
	outError
	outTimeout
	outThrottled
	outDropped
)

func outcomeName(o int) string {
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

type csvLog struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (l *csvLog) record(s *Sim, f *fnState, t, first, end, init, dur int64, attempt int32, outcome int, cold, prov bool, id int32) {
	if l.err != nil {
		return
	}
	b := l.buf[:0]
	b = append(b, f.name...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(first)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(t)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(end)/1e9, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(init)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(dur)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(end-first)/1e6, 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(attempt), 10)
	b = append(b, ',')
	b = append(b, outcomeName(outcome)...)
	b = append(b, ',')
	b = append(b, "01"[boolInt(cold)])
	b = append(b, ',')
	b = append(b, "01"[boolInt(prov)])
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(id), 10)
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
