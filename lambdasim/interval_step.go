package lambdasim

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// ivStep is one function's interval in the making: what each phase of stepFn works out, in the
// order the phases run. Times are in ns, counts are expectations.
type ivStep struct {
	t0, t1 int64
	start  time.Time
	// split is the share of the interval before provisioned concurrency finished allocating, −1
	// when none did.
	split float64

	// Traffic: arrivals, the asynchronous error retries due (first and second), their sum.
	arrivals, errRetries, errRetries2, fresh float64

	// Limits: the concurrency limit c; provisioned environments before and after the split (pb,
	// pa; fb the share before) and P, the part that holds longer (the warm pool's floor); the
	// request-rate tokens available.
	c, pb, pa, P int
	fb, avail    float64

	// Load: the requests offered (fresh ones and retry attempts) and throttled by the request
	// rate, the arrival rate λ (per s) and the load a (erlangs) that got through, the loss
	// probability at c, the cold starts, the warm pool, the cold fraction; for an asynchronous
	// function, the probability q that an attempt is throttled and the waiting events' attempts
	// (served, failed) and fresh events' retries within the interval (same).
	offered, rpsThr, lambda, a, blockC, colds, pool, pc float64
	q, served, failed, same                             float64

	// Outcome: invocations, throttles, those on provisioned environments, spill-over, on-demand
	// invocations, timeouts, errors, events dropped.
	accepted, thr, provInv, spill, od, timeouts, errs, dropped float64
}

// stepFn computes function f's metrics for the interval [t0, t1), phase by phase. When
// provisioned concurrency finishes allocating during it, split is the share of the interval
// before (else −1): the provisioned and spill-over invocations and the utilization take both
// parts into account, the warm pool the part that holds for longer.
func (s *IntervalSim) stepFn(ctx context.Context, f *ivFn, t0, t1 int64, start time.Time, split float64) error {
	st := ivStep{t0: t0, t1: t1, start: start, split: split}
	var err error
	if st.arrivals, err = f.traffic.count(ctx, t0, t1); err != nil {
		return fmt.Errorf("lambdasim: %s: %w", f.name, err)
	}
	if b := f.backlog; b != nil {
		st.errRetries, st.errRetries2 = b.due()
	}
	st.fresh = st.arrivals + st.errRetries + st.errRetries2
	s.limitsFor(f, &st)
	s.load(f, &st)
	if b := f.backlog; b != nil {
		st.dropped += b.age(st.q) // with the q the attempts were computed with
	}
	s.serve(f, &st)
	f.fail(&st, s.secs)
	if b := f.backlog; b != nil {
		pass, failRate := 1.0, 0.0
		if st.offered > 0 {
			pass = st.accepted / st.offered
		}
		if st.accepted > 0 {
			failRate = st.errs / st.accepted
		}
		b.settle(&st, pass, failRate)
	}
	reqN, err := s.report(f, &st)
	if err != nil {
		return err
	}
	s.remember(f, &st, reqN)
	return nil
}

// limitsFor sets the interval's concurrency limit (the reservation, or the unreserved pool less
// what the other unreserved functions hold), the provisioned environments in force and the
// request-rate tokens available.
func (s *IntervalSim) limitsFor(f *ivFn, st *ivStep) {
	c := f.cap
	if !f.reserved {
		c = max(s.unresCap-(s.heldSum-f.unreservedHeld()), 0)
	}
	st.c = c
	st.pb, st.pa, st.fb = min(f.provAlloc, c), min(f.provAlloc, c), 1.0
	if st.split >= 0 {
		st.pa, st.fb = min(f.dueBy(st.t1, false, false), c), st.split
	}
	st.P = st.pb
	if st.fb < 0.5 {
		st.P = st.pa
	}
	// Request-rate limit (fluid token bucket).
	rpsRate := float64(RequestsPerConcurrency * f.limit(s))
	st.avail = f.rpsTok + rpsRate*s.secs
}

// load finds the interval's load: first with last interval's cold fraction (and, asynchronous,
// its blocking), then again with this one's while that moves the busy time by more than 1 %.
// Waiting asynchronous events make their retry attempts, each throttled with this interval's
// probability q, which depends on the attempts: a short damped fixed-point iteration.
func (s *IntervalSim) load(f *ivFn, st *ivStep) {
	T, sh, b := s.secs, f.shape, f.backlog
	if b != nil {
		st.q = 1 - b.lastPass
		st.served, st.failed, st.same = b.attempts(st.q, st.fresh)
	}
	st.offered = st.fresh + st.served + st.failed + st.same
	pc := f.pc
	for iter := 0; iter < 4; iter++ {
		st.rpsThr = max(0, st.offered-st.avail)
		st.lambda = (st.offered - st.rpsThr) / T
		busy := (1-pc)*sh.meanRun + pc*sh.meanColdRun
		st.a = st.lambda * busy / 1e9
		f.cur.compute(st.lambda, st.a, T, st.c, f.lastA)
		if f.traffic.exact && st.offered-st.rpsThr >= 1 && st.c > 0 {
			f.cur.atLeastOne() // a counted request surely ran (the model's Poisson law may say e^−n it did not)
		}
		st.blockC = 0
		if st.c == 0 {
			st.blockC = 1
		} else if a := st.a; a > 0 && float64(st.c) < a+12*math.Sqrt(a)+40 { // beyond, B < 1e-25
			st.blockC = lossB(st.c, a)
		}
		st.colds, st.pool = f.pool.coldStarts(&f.cur, st.P)
		acc := (st.offered - st.rpsThr) * (1 - st.blockC)
		pc1 := 0.0
		if acc > 0 {
			pc1 = min(st.colds/acc, 1)
		}
		stable := math.Abs(pc1-pc)*(sh.meanColdRun-sh.meanRun) <= 0.01*busy
		pc = pc1
		if b != nil && st.offered > 0 {
			if q1 := 1 - acc/st.offered; math.Abs(q1-st.q) > 0.01 {
				stable = false
				st.q = (st.q + q1) / 2 // damped: the attempts grow with q
				st.served, st.failed, st.same = b.attempts(st.q, st.fresh)
				st.offered = st.fresh + st.served + st.failed + st.same
			}
		}
		if stable {
			break
		}
	}
	st.pc = pc
}

// serve splits the requests that got through between provisioned and on-demand environments
// and throttles those beyond the scaling rate. Provisioned concurrency serves first: of the
// requests, 1 − B(P, a) find a provisioned environment free; spill-over counts the rest while any
// are allocated.
func (s *IntervalSim) serve(f *ivFn, st *ivStep) {
	req := st.offered - st.rpsThr
	st.accepted = req * (1 - st.blockC)
	st.thr = st.rpsThr + req*st.blockC
	if st.accepted > 0 {
		for _, part := range [2]struct {
			p    int
			frac float64
		}{{st.pb, st.fb}, {st.pa, 1 - st.fb}} {
			if part.p == 0 || part.frac == 0 {
				continue
			}
			pi := min(req*(1-lossB(part.p, st.a)), st.accepted)
			st.provInv += part.frac * pi
			st.spill += part.frac * (st.accepted - pi)
		}
	}
	st.od = st.accepted - st.provInv

	// Scaling rate: new environments beyond the bucket are throttled requests.
	scaleAvail := f.scaleTok + s.scaleRate*s.secs
	if st.colds > scaleAvail && st.colds > 0 {
		excess := st.colds - scaleAvail
		extra := min(st.od, st.lambda*(excess/s.scaleRate)*(excess/max(f.cur.mean()-float64(st.P), 1)))
		st.thr += extra
		st.od -= extra
		st.accepted -= extra
		st.colds = scaleAvail
	}
	f.scaleTok = min(s.scaleBurst, scaleAvail-st.colds)
	f.rpsTok = min(f.rpsBurst(s), st.avail-(st.offered-st.rpsThr))
}

// fail counts timeouts (a reset environment costs one more cold start), errors and the cold
// starts of lifetime recycling in the interval (T s), and sets the cold fraction the next
// interval starts from.
func (f *ivFn) fail(st *ivStep, T float64) {
	sh, pc := f.shape, st.pc
	st.timeouts = st.od*((1-pc)*sh.pTimeout+pc*sh.pTimeoutCold) + st.provInv*sh.pTimeout
	st.colds += st.od*sh.pTimeout + f.pool.recycle(&f.cur, st.P, T, f.lifetime)
	st.colds = min(st.colds, st.od)
	st.errs = st.timeouts + (st.accepted-st.timeouts)*f.errRate
	f.pc = 0
	if st.accepted > 0 {
		f.pc = st.colds / st.accepted
	}
}

// report writes the interval's metrics to f.last: the counts rounded by error diffusion, the
// distributions, the utilization and the bill. It returns the requests offered, rounded.
func (s *IntervalSim) report(f *ivFn, st *ivStep) (reqN int64, err error) {
	m := &f.last // written in place: the struct is large
	*m = lambdatune.Metrics{Start: st.start, Period: time.Duration(s.interval), Config: f.cfg}
	m.Config.Provisioned = f.provAlloc // in force at the end of the interval
	if st.split >= 0 {
		m.Config.Provisioned = f.dueBy(st.t1, false, false)
	}
	reqN = f.counts(st, m)
	f.distributions(st, m)
	f.utilization(st, m, s.secs)
	if err := s.usage(f, st, m); err != nil {
		*m = lambdatune.Metrics{} // no half-written metrics
		return 0, err
	}
	return reqN, nil
}

// counts rounds the interval's expected counts into m and returns the requests offered, rounded.
func (f *ivFn) counts(st *ivStep, m *lambdatune.Metrics) (reqN int64) {
	ac := &f.acc
	reqN = ac.req.take(st.offered)
	m.Invocations = ac.inv.take(st.accepted)
	m.Throttles = ac.thr.take(st.thr)
	m.ColdStarts = min(ac.cold.take(st.colds), m.Invocations)
	m.Timeouts = min(ac.to.take(st.timeouts), m.Invocations)
	m.Errors = min(max(ac.err.take(st.errs), m.Timeouts), m.Invocations)
	m.SLO = f.sloD
	if !math.IsInf(f.slo, 1) {
		m.SLOMisses = min(ac.slo.take(f.sloMisses(st.accepted, f.pc)), m.Invocations-m.Errors)
	}
	m.AsyncEventsDropped = ac.drop.take(st.dropped)
	if st.pb > 0 || st.pa > 0 {
		m.ProvisionedInvocations = min(ac.provInv.take(st.provInv), m.Invocations)
		m.SpilloverInvocations = ac.spill.take(st.spill)
	}
	m.MaxConcurrency = int(ac.maxConc.take(f.cur.mean()))
	return reqN
}

// distributions sets m's Duration and Latency, those of the warm/cold mixture (and the retried
// asynchronous events' waits), and counts the interval's warm and cold invocations toward the
// run's distributions.
func (f *ivFn) distributions(st *ivStep, m *lambdatune.Metrics) {
	sh, pc, n := f.shape, f.pc, st.accepted
	if n > 0 {
		var fixed *[4]float64
		if sh.durFixed {
			fixed = &sh.durQ
		}
		m.Duration = f.distribution(sh.fWarm, sh.fColdDur, pc, (1-pc)*sh.meanRun+pc*sh.meanColdDur, n, fixed)
		m.Latency = f.distribution(sh.fWarm, sh.fColdLat, pc, (1-pc)*sh.meanRun+pc*sh.meanColdRun, n, nil)
		if f.backlog != nil && len(f.backlog.delW) > 0 {
			m.Latency = f.delayedLatency(m.Latency, pc, n)
		}
	}
	delayed := 0.0
	if f.backlog != nil {
		for _, w := range f.backlog.delW {
			delayed += w
		}
	}
	delayed = min(delayed, n-st.colds)
	u := &f.uses[f.inUse]
	u.runWarm += n - st.colds - delayed
	u.runCold += st.colds
}

// utilization sets m's ProvisionedUtilization: the largest share of provisioned environments busy
// at once, in either part of the interval (T s long).
func (f *ivFn) utilization(st *ivStep, m *lambdatune.Metrics, T float64) {
	for _, part := range [2]struct {
		p    int
		frac float64
	}{{st.pb, st.fb}, {st.pa, 1 - st.fb}} {
		if part.p > 0 && part.frac > 0 {
			// The same interval capped at the provisioned environments, derived from the uncapped
			// one where that is exact enough.
			if part.frac != 1 || !f.prov.capAt(&f.cur, part.p) {
				f.prov.compute(st.lambda, st.a, part.frac*T, part.p, f.lastA)
			}
			m.ProvisionedUtilization = max(m.ProvisionedUtilization, min(f.prov.mean()/float64(part.p), 1))
		}
	}
}

// usage bills the interval as the event model does, in expectation.
func (s *IntervalSim) usage(f *ivFn, st *ivStep, m *lambdatune.Metrics) error {
	sh, ac := f.shape, &f.acc
	mem := float64(f.cfg.MemoryMB)
	colds, provInv := st.colds, st.provInv
	odWarm := st.od - colds
	m.Usage.Requests = m.Invocations
	m.Usage.ComputeMBms = ac.compute.take(mem * (odWarm*sh.billWarm + colds*sh.billColdDur))
	m.Usage.InitMBms = ac.init.take(mem * colds * (sh.billColdAll - sh.billColdDur))
	m.Usage.ProvisionedComputeMBms = ac.provCompute.take(mem * provInv * sh.billWarm)
	if x := extraStorage(f.cfg.Storage()); x > 0 {
		m.Usage.StorageMBms = ac.storage.take(float64(x) * (odWarm*sh.billWarm + colds*sh.billColdAll + provInv*sh.billWarm))
	}
	m.Usage.ProvisionedMBms = f.meter.Advance(time.Duration(st.t1))
	cost, err := s.bill(&f.pricer, m.Usage)
	if err != nil {
		return err
	}
	m.Cost = cost
	return nil
}

// remember keeps what the next interval starts from: this interval's occupancy for the warm
// pool, the unreserved concurrency the function held and the load it carried, and adds the
// interval to the run's statistics (reqN requests offered).
func (s *IntervalSim) remember(f *ivFn, st *ivStep, reqN int64) {
	f.pool.push(&f.cur, st.P)
	// Unreserved concurrency held: busy on-demand environments, a·(B(P) − B(c)), plus every
	// provisioned one.
	a, P := st.a, st.P
	bp := 1.0
	if P > 0 && a > 0 {
		bp = lossB(P, a)
	}
	held := f.unreservedHeld()
	f.held = max(a*(bp-st.blockC), 0) + float64(P)
	s.heldSum += f.unreservedHeld() - held
	f.lastA = a * (1 - st.blockC)

	stats, m := &f.stats, &f.last
	stats.addInterval(m, reqN)
	stats.Environments += m.ColdStarts
	stats.BusyTime += time.Duration(a * (1 - st.blockC) * float64(s.interval))
	stats.InstanceTime += time.Duration((st.pool + float64(f.provAlloc)) * float64(s.interval))
}
