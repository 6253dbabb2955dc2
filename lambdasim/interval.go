package lambdasim

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// IntervalSim is the interval model of an AWS Lambda account: the same functions, configurations,
// options and Platform API as the event-level simulator (New), but one step per interval and no
// per-request events, so a step costs about a microsecond whatever the request rate (RL training
// takes millions of steps; a simulated month of one-minute intervals takes a fraction of a
// second). Switch fidelity by calling NewInterval instead of New with the same Options and
// Deployments; give traffic as a Load (a workload.Series) for speed.
//
// # The model, per interval and function
//
// With λ the interval's arrival rate and the configuration in force:
//
//   - Busy environments follow the M/G/c/c occupancy: Poisson with mean a = λ·E[busy time]
//     (E[min(D, timeout)] for a warm invocation, E[INIT + min(D, timeout)] for a cold one, mixed by
//     the cold fraction), truncated at the concurrency limit c (the reserved concurrency, or the
//     account's unreserved pool less what the other unreserved functions hold). The law is
//     insensitive to the service-time distribution.
//   - Throttles: Erlang-B(c, a) of the requests (Erlang's loss formula), plus those beyond the
//     request-rate limit (10 × the concurrency limit per second, a token bucket carried across
//     intervals) and beyond the scaling rate (1,000 new environments per 10 s, roughly: requests
//     that would need a new environment while the scaling bucket is empty).
//   - Provisioned concurrency P serves first; the share of requests that find it all busy is
//     Erlang-B(P, a) (the spill-over), the rest run on provisioned environments. Utilization is
//     the expected largest provisioned occupancy over P.
//   - Cold starts: with newest-idle-first reuse, the environment freed when the occupancy fell
//     from k to k−1 is the one taken when it next reaches k, so an environment for level k is warm
//     exactly when the occupancy reached k within the keep-alive. The model keeps, for the last
//     intervals the keep-alive can span, the distribution of each interval's largest occupancy
//     (peakDist: P(max ≥ k) from the first-passage time of the birth–death chain with the same
//     Poisson law, exact for exponential service, starting from the previous interval's
//     occupancy) and charges a cold start for every level above P reached now and in none of the
//     remembered intervals, weighted by the keep-alive's survival function. Levels are kept as
//     on-demand levels (above the provisioned environments in force then), so a change of
//     provisioned concurrency moves the on-demand pool with it. Timeouts reset environments (one
//     more cold start each). Environments reach the maximum lifetime at a renewal rate per level
//     (1/lifetime for a level that is always warm, less for levels whose environments expire
//     anyway), and a recycled one costs a cold start when the occupancy climbs back to the pool's
//     top before that environment would have expired.
//   - A change of memory, timeout, architecture or storage forgets the warm pool (new requests go to
//     new environments) and re-allocates provisioned concurrency after Options.ProvisioningDelay,
//     as in the event model; reserved concurrency changes at once.
//   - Duration and latency percentiles are those of the warm/cold mixture (latency of a cold start
//     = INIT + duration, or SimFaaS's ColdDuration), found by inverting the mixture's CDF tables,
//     which are computed once per configuration and cached.
//   - SLO misses (Deployment.SLO) are the interval's invocations times the chance that one ends
//     without error after the SLO: per configuration, P(D < timeout, latency > SLO) of a warm and
//     of a cold invocation (INIT integrated over its quantiles), cached with the CDF tables and
//     mixed by the cold fraction; a retried asynchronous event runs warm after its wait. The
//     expectation needs no small-sample correction: a count's mean is n times the chance.
//   - Billing is the event model's, in expectation: duration rounded up to 1 ms per invocation,
//     INIT billed as ceil(INIT + duration) − ceil(duration), provisioned duration at its rate,
//     capacity from the same ProvisionedMeter, priced by the shared lambdatune.Prices.
//   - Asynchronous functions: throttled events are retried in the same and the following
//     intervals (as many attempts per interval as AWS's backoff of 1 s doubling to 5 min makes,
//     each getting through with the interval's pass probability) until their maximum age, and
//     failed ones are retried 1 and 2 minutes later, up to MaxRetryAttempts; the latency of a
//     retried event includes its wait. Attempts are treated as independent, which under-counts
//     throttled attempts in sustained overload (TestIntervalParityAsync).
//
// Counts are expectations; each Metrics field is rounded so that its running sum stays within one
// of the running sum of the expectations (error diffusion), so totals over a run are unbiased and
// the same inputs always give the same metrics. Only the provisioning delay is random (drawn from
// Options.Seed, as in the event model).
//
// # Accuracy
//
// The approximations hold when invocations are short against the interval (seconds against a
// minute): intervals are then nearly independent and each is nearly stationary. The tests hold the
// model to the event model over a day of one-minute intervals of the original project's three load
// patterns and real Azure traces (TestIntervalParity with both models seeing the same requests,
// TestIntervalParityLoad with the event model drawing Poisson arrivals from the same Load): cost
// within 1.5 %, cold starts within 20 % (the least exact figure: lifetime recycling and
// non-stationary load are approximated), p95 latency within 2–5 %, throttles within 3 %, SLO
// misses within 5 % where 1 % of the requests or more miss. With sustained asynchronous overload
// it under-counts throttled retry attempts and the latency of retried events
// (TestIntervalParityAsync). What each test measured, and the model's speed, are in the package's
// PERFORMANCE.md.
type IntervalSim struct {
	account
	platform
	secs float64 // interval in seconds
	fns  []*ivFn

	scaleBurst, scaleRate float64 // environments, environments per second
	unresCap              int
	heldSum               int // Σ unreservedHeld() over the functions, a running total
	order                 orderCache
	// shapes and keeps cache what functions with the same model share: invocation shapes (CDF
	// tables, the most memory a function has; beyond the first eagerShapes a shape computes its cold
	// latency cells when first read) and keep-alive weights, read-only once built.
	shapes map[shapeParams]*ivShape
	keeps  map[Dist][]float64
}

// eagerShapes is the number of shapes a simulation builds whole; it builds any more lazily (their
// cold latency cells computed when first read, the same values). A whole shape costs its
// construction once and nothing later, which suits a few functions run for long (a step never
// computes a cell); with thousands of functions, each a model of its own, construction would
// dominate, and a run reads few of each shape's cells.
const eagerShapes = 16

// shapeParams is what an ivShape depends on: service time, INIT, SimFaaS-style cold service time,
// timeout and SLO (ns).
type shapeParams struct {
	svc, init, cold Dist
	timeout, slo    float64
}

// shapeUse counts the invocations one function ran under one shape: warm and cold, for its
// run-level distributions.
type shapeUse struct {
	sh               *ivShape
	runWarm, runCold float64
}

// shapeKey identifies the configuration an ivShape was built for.
type shapeKey struct {
	mem     int
	timeout time.Duration
	arch    lambdatune.Architecture
}

// ivFn is the interval model's state of one function: what a step reads, and a pointer to what only
// a configuration change reads (ivFnSetup). Kept apart, the part a fleet's step walks through for
// every function is smaller (it comes from memory, not from cache, with thousands of functions).
type ivFn struct {
	*ivFnSetup
	cfg      lambdatune.Config
	traffic  ivTraffic
	lifetime float64 // seconds, +Inf for none
	errRate  float64
	slo      float64       // latency bound, ns; +Inf for none
	sloD     time.Duration // Deployment.SLO, reported in Metrics.SLO

	// shape is the configuration in force's (shared with every function of the simulation whose
	// invocations look the same), uses has one per configuration ever used, in creation order (for
	// deterministic run-level sums; ivFnSetup.shapes indexes it), and inUse is the one in force.
	shape *ivShape
	uses  []shapeUse
	inUse int

	pool      *warmPool
	cur, prov peakDist

	provSchedule
	meter ProvisionedMeter

	reserved bool
	cap      int
	rpsTok   float64
	scaleTok float64

	pc    float64 // cold fraction of the last interval
	lastA float64 // load carried last interval (erlangs), the occupancy this one starts from; −1 at the start
	held  float64 // mean unreserved concurrency held (busy on demand + provisioned) last interval

	backlog *asyncBacklog // an asynchronous function's waiting events; nil for a synchronous one

	pricer lambdatune.Pricer // the prices of the configuration's architecture
	acc    ivAcc
	last   lambdatune.Metrics
	hints  [6]int      // starting cells of the latency (max, p50, p90, p95, p99) and duration (max) quantile searches
	order  *orderCache // the simulation's, shared by its functions

	stats Stats
}

// ivFnSetup is the part of a function's interval-model state that only its creation and its
// configuration changes read: its name (for errors), model, INIT and cold durations, and the index
// of the shapes it has used.
type ivFnSetup struct {
	name         string
	spec         Function
	initD, coldD Dist
	shapes       map[shapeKey]int
}

// ivAcc rounds expected counts to integers by error diffusion.
type ivAcc struct {
	req, inv, thr, cold, to, err, drop, provInv, spill, slo ivRound
	compute, init, provCompute, storage                     ivRound
	maxConc                                                 ivRound // a maximum, not a sum: diffusion keeps its mean unbiased
}

type ivRound struct {
	sum  float64
	done int64
}

// take adds x to the running sum and returns the integer increment that keeps the emitted total
// at the rounded running sum.
func (r *ivRound) take(x float64) int64 {
	r.sum += x
	n := int64(math.Floor(r.sum+0.5)) - r.done
	if n < 0 {
		n = 0
	}
	r.done += n
	return n
}

// NewInterval returns the interval model of an account running the given functions under opts: the
// same arguments as New. It validates every function model and configuration like New does.
func NewInterval(opts Options, deployments ...Deployment) (*IntervalSim, error) {
	a, err := newAccount("NewInterval", opts, deployments)
	if err != nil {
		return nil, err
	}
	s := &IntervalSim{account: a, secs: float64(a.interval) / 1e9, shapes: map[shapeParams]*ivShape{}, keeps: map[Dist][]float64{}}
	s.platform.sim = s
	s.scaleBurst, s.scaleRate = float64(a.scaleBurst), float64(a.scaleBurst)/a.scalePeriod.Seconds()
	// The functions and their warm pools each in one array, in deployment order: a step walks the
	// functions in that order, and with thousands of them their state comes from memory, so each
	// array is a stream at a fixed stride that the hardware prefetches (see carvePools). Allocated
	// one by one, they lay in the allocator's size-class spans, with other objects between.
	fns, pools := make([]ivFn, len(deployments)), make([]warmPool, len(deployments))
	for i, d := range deployments {
		if err := d.Function.Validate(); err != nil {
			return nil, fmt.Errorf("lambdasim: deployment %d: %w", i, err)
		}
		name := deploymentName(i, d)
		tr, err := newIvTraffic(d.Arrivals)
		if err != nil {
			return nil, fmt.Errorf("lambdasim: %s: %w", name, err)
		}
		slo, err := deploymentSLO(i, d)
		if err != nil {
			return nil, err
		}
		f := &fns[i]
		*f = ivFn{
			ivFnSetup: &ivFnSetup{
				name: name, spec: d.Function, initD: d.Function.initDist(), coldD: d.Function.ColdDuration,
				shapes: make(map[shapeKey]int),
			},
			traffic: tr, slo: float64(slo), sloD: d.SLO, errRate: d.Function.ErrorRate,
			provSchedule: newProvSchedule(0), scaleTok: s.scaleBurst, lastA: -1, order: &s.order,
		}
		f.lifetime = math.Inf(1)
		if d.SLO == 0 {
			f.slo = math.Inf(1)
		}
		if lt := d.Function.maxLifetime(); lt != math.MaxInt64 {
			f.lifetime = float64(lt) / 1e9
		}
		f.pool = &pools[i]
		f.pool.init(s.keepWeights(d.Function.keepAlive()))
		if a := d.Function.Async; a != nil {
			f.backlog = newAsyncBacklog(s.interval, a)
		}
		s.fns = append(s.fns, f)
	}
	pricers, err := s.checkDeployments(deployments)
	if err != nil {
		return nil, err
	}
	for i, d := range deployments {
		f := s.fns[i]
		if err := f.setShape(s, d.Config); err != nil {
			return nil, fmt.Errorf("lambdasim: %s: initial config: %w", f.name, err)
		}
		f.cfg, f.pricer = d.Config, pricers[i]
		f.provSchedule = newProvSchedule(d.Config.Provisioned)
		f.stats.Environments = int64(d.Config.Provisioned)
		f.meter.Set(0, d.Config.Provisioned, d.Config.MemoryMB)
	}
	for _, f := range s.fns {
		s.limitsChanged(f)
		f.rpsTok = f.rpsBurst(s)
	}
	s.carvePools()
	return s, nil
}

// keepWeights returns the warm pool's weights of keep-alive keep, computed once per simulation.
func (s *IntervalSim) keepWeights(keep Dist) []float64 {
	if w, ok := s.keeps[keep]; ok {
		return w
	}
	step := float64(s.interval)
	w := keepWeights(func(x float64) float64 { return 1 - distCDF(&keep, x*step) }, 100000)
	s.keeps[keep] = w
	return w
}

// setShape selects the invocation shape of configuration c: the function's own from an earlier
// use, else one the simulation built for another function with the same parameters, else a new one.
func (f *ivFn) setShape(s *IntervalSim, c lambdatune.Config) error {
	k := shapeKey{c.MemoryMB, c.Timeout, c.Arch()}
	if i, ok := f.shapes[k]; ok {
		f.inUse, f.shape = i, f.uses[i].sh
		return nil
	}
	svc, err := f.spec.Duration.ServiceTime(c.MemoryMB, c.Arch())
	if err != nil {
		return err
	}
	if err := svc.Validate("ServiceTime", true); err != nil {
		return err
	}
	init := f.initD
	if ai, ok := distAtom(&init); ok && ai > float64(MaxOnDemandInit) {
		init = Constant(MaxOnDemandInit) // the rest of a longer INIT runs inside the first invocation (ignored here)
	}
	p := shapeParams{svc: svc, init: init, cold: f.coldD, timeout: float64(c.Timeout), slo: f.slo}
	sh, ok := s.shapes[p]
	if !ok {
		sh = &ivShape{}
		sh.build(svc, init, f.coldD, float64(c.Timeout), f.slo, len(s.shapes) >= eagerShapes)
		s.shapes[p] = sh
	}
	f.inUse, f.shape = len(f.uses), sh
	f.shapes[k] = f.inUse
	f.uses = append(f.uses, shapeUse{sh: sh})
	return nil
}

func (f *ivFn) limit(s *IntervalSim) int {
	if f.reserved {
		return f.cap
	}
	return s.limits.AccountConcurrency
}

func (f *ivFn) rpsBurst(s *IntervalSim) float64 { return float64(RequestsPerConcurrency * f.limit(s)) }

// unreservedHeld returns the account concurrency f held of the unreserved pool last interval,
// rounded, 0 when it has a reservation of its own.
func (f *ivFn) unreservedHeld() int {
	if f.reserved {
		return 0
	}
	return int(math.Round(f.held))
}

// limitsChanged brings function f's concurrency limit and the account's unreserved pool up to
// date with f.cfg after a change of f's configuration, at a cost that does not grow with the number
// of functions.
func (s *IntervalSim) limitsChanged(f *ivFn) {
	held := f.unreservedHeld()
	f.reserved, f.cap = f.cfg.Reserved.Set, 0
	if f.reserved {
		f.cap = f.cfg.Reserved.N
	}
	s.heldSum += f.unreservedHeld() - held
	s.unresCap = s.unreservedCap()
	f.rpsTok = min(f.rpsTok, f.rpsBurst(s))
}

func (s *IntervalSim) functionName(i int) string              { return s.fns[i].name }
func (s *IntervalSim) functionConfig(i int) lambdatune.Config { return s.fns[i].cfg }
func (s *IntervalSim) lastMetrics(i int) lambdatune.Metrics   { return s.fns[i].last }
func (s *IntervalSim) numFunctions() int                      { return len(s.fns) }

// Stats returns function i's cumulative statistics up to the end of the last interval (BusyTime and
// InstanceTime are the model's expected integrals).
func (s *IntervalSim) Stats(i int) Stats {
	st := s.fns[i].stats
	st.Elapsed = time.Duration(s.now)
	return st
}

func (s *IntervalSim) apply(i int, c lambdatune.Config) error {
	f := s.fns[i]
	pricer, err := s.checkApply(s, i, c, f.pricer)
	if err != nil {
		return err
	}
	old := f.cfg
	if c.MemoryMB != old.MemoryMB || c.Timeout != old.Timeout || c.Arch() != old.Arch() || c.Storage() != old.Storage() {
		if err := f.setShape(s, c); err != nil {
			return fmt.Errorf("lambdasim: %s: apply %v: %w", f.name, c, err)
		}
		// A new generation: new requests need new environments; provisioned ones are re-allocated.
		f.pool.clear()
		f.reallocate()
	}
	s.reservationChanged(old, c)
	f.cfg, f.pricer = c, pricer
	f.meter.Set(time.Duration(s.now), c.Provisioned, c.MemoryMB)
	s.limitsChanged(f)
	// The same schedule as the event model (provSchedule).
	f.request(c.Provisioned, s.now, s.provDly, s.rng)
	return nil
}

// step simulates one interval of the account.
func (s *IntervalSim) step(ctx context.Context) error {
	t0, t1 := s.now, s.now+s.interval
	start := s.start.Add(time.Duration(t0))
	s.startInterval(t0)
	for _, f := range s.fns {
		// Provisioned concurrency allocated during the interval: the share of it before.
		split := -1.0
		if f.provEventAt < t1 {
			split = float64(max(f.provEventAt-t0, 0)) / float64(s.interval)
		}
		if err := s.stepFn(ctx, f, t0, t1, start, split); err != nil {
			return err
		}
		if f.provEventAt < t1 {
			n := f.dueBy(t1, false, true)
			f.stats.Environments += int64(max(n-f.provAlloc, 0))
			f.provAlloc = n
		}
	}
	s.now = t1
	s.steps++
	return nil
}

// sloMisses returns the expected number of the interval's n invocations that ran without error but
// took longer than the SLO: those that did not wait for a retry from the warm/cold mixture with
// cold fraction pc, the retried asynchronous ones (as in delayedLatency) as warm invocations that
// started after their wait.
func (f *ivFn) sloMisses(n, pc float64) float64 {
	sh := f.shape
	var wd, miss float64
	if b := f.backlog; b != nil {
		for i, w := range b.delW {
			wd += w
			miss += w * sh.missAfter(b.delX[i])
		}
	}
	if wd > n {
		miss, wd = miss*n/wd, n
	}
	miss += (n - wd) * ((1-pc)*sh.missWarm + pc*sh.missCold)
	return miss * (1 - f.errRate)
}

// distribution summarises the warm/cold mixture with cold fraction pc (tables fw, fc) in
// milliseconds; mean in ns; n the number of invocations (for the expected maximum, the mixture's
// n/(n+1) quantile). fixed gives the percentiles when they do not depend on pc.
//
// With fewer than smallN invocations the percentiles are those CloudWatch computes from the
// interval's few samples, in expectation: the nearest-rank p-th percentile of n values is their
// ⌈p·n⌉-th smallest, whose mean is E[Q(U)] for U ~ Beta(r, n − r + 1), Q the mixture's quantile
// function (so with three invocations the p95 is the expected largest of three, and a cold start
// among them shows).
func (f *ivFn) distribution(fw, fc []float64, pc, mean, n float64, fixed *[4]float64) lambdatune.Distribution {
	sh := f.shape
	const ms = 1e6
	h := &f.hints[0]
	if fixed != nil {
		h = &f.hints[5]
	}
	if n < smallN {
		k := max(int(math.Round(n)), 1)
		// The ranks of p50, p90, p95, p99 and the maximum; with few invocations several coincide
		// (with 9 or fewer, all but the p50 are the largest), and each is computed once. Without a
		// dependence on pc (fixed) the values are the configuration's, cached in its shape.
		var os [5]float64
		prev := 0
		for i, q := range [5]float64{0.5, 0.9, 0.95, 0.99, 1} {
			r := min(max(int(math.Ceil(q*float64(k)-1e-9)), 1), k)
			switch {
			case r == prev:
				os[i] = os[i-1]
			case fixed != nil:
				c := &sh.orderDur[k][r]
				if *c == 0 {
					*c = f.orderStat(fw, fw, 0, k, r, h) // the same mixture, without rounding noise from pc
				}
				os[i] = *c
			default:
				os[i] = f.orderStat(fw, fc, pc, k, r, h)
			}
			prev = r
		}
		return lambdatune.Distribution{Mean: mean / ms, P50: os[0] / ms, P90: os[1] / ms, P95: os[2] / ms, P99: os[3] / ms, Max: os[4] / ms}
	}
	d := lambdatune.Distribution{Mean: mean / ms, Max: sh.quantileFrom(fw, fc, pc, n/(n+1), h) / ms}
	if fixed != nil {
		d.P50, d.P90, d.P95, d.P99 = fixed[0]/ms, fixed[1]/ms, fixed[2]/ms, fixed[3]/ms
		d.Max = max(d.Max, d.P99)
		return d
	}
	d.P50 = sh.quantileFrom(fw, fc, pc, 0.50, &f.hints[1]) / ms
	d.P90 = sh.quantileFrom(fw, fc, pc, 0.90, &f.hints[2]) / ms
	d.P95 = sh.quantileFrom(fw, fc, pc, 0.95, &f.hints[3]) / ms
	d.P99 = sh.quantileFrom(fw, fc, pc, 0.99, &f.hints[4]) / ms
	d.Max = max(d.Max, d.P99) // with fewer than 99 invocations the p99 is the largest
	return d
}

// RunLatency returns function i's latency distribution over the whole run so far (every invocation,
// all configurations), in milliseconds, as the event model's Sim.Latency(i).Distribution() gives
// it: the model's warm/cold mixtures of every configuration used, weighted by their invocations.
// Max is the 1 − 1/(n+1) quantile for n invocations.
func (s *IntervalSim) RunLatency(i int) lambdatune.Distribution {
	return s.fns[i].runDist(true)
}

// RunDuration returns function i's Duration distribution over the whole run so far; see RunLatency.
func (s *IntervalSim) RunDuration(i int) lambdatune.Distribution {
	return s.fns[i].runDist(false)
}

func (f *ivFn) runDist(latency bool) lambdatune.Distribution {
	var n, mean, lo, hi float64
	lo = math.Inf(1)
	for _, u := range f.uses {
		sh := u.sh
		w := u.runWarm + u.runCold
		if w <= 0 {
			continue
		}
		n += w
		cold := sh.meanColdDur
		if latency {
			cold = sh.meanColdRun
		}
		mean += u.runWarm*sh.meanRun + u.runCold*cold
		lo, hi = min(lo, sh.x[0]), max(hi, sh.x[len(sh.x)-1])
	}
	var meanRun float64 // the last configuration's mean run time, added to the delays
	if f.shape != nil {
		meanRun = f.shape.meanRun
	}
	b := f.backlog
	if latency && b != nil {
		for i, w := range b.runDelW {
			n += w
			mean += w * (b.runDelX[i] + meanRun)
			hi = max(hi, b.runDelX[i]+meanRun)
		}
	}
	if n <= 0 {
		return lambdatune.Distribution{}
	}
	cdf := func(x float64) float64 {
		var c float64
		for _, u := range f.uses {
			if u.runWarm+u.runCold <= 0 {
				continue
			}
			sh := u.sh
			fc := sh.fColdDur
			if latency {
				fc = sh.fColdLat
			}
			c += u.runWarm*sh.cdfAt(sh.fWarm, x) + u.runCold*sh.cdfAt(fc, x)
		}
		if latency && b != nil {
			for i, w := range b.runDelW {
				if x >= b.runDelX[i]+meanRun {
					c += w
				}
			}
		}
		return c / n
	}
	q := func(p float64) float64 { return bisectLog(cdf, lo, hi, p) }
	const ms = 1e6
	return lambdatune.Distribution{Mean: mean / n / ms, P50: q(0.5) / ms, P90: q(0.9) / ms, P95: q(0.95) / ms, P99: q(0.99) / ms, Max: q(max(n/(n+1), 0.99)) / ms}
}

// delayedLatency returns the latency distribution of an asynchronous function's interval in which
// some invocations ran events that had waited for retries (backlog.delW at extra latencies delX): the
// mixture of the undelayed invocations (base, with cold fraction pc) and the delayed ones, whose
// latency is their delay plus a run time (taken at its mean). n is the interval's invocations.
func (f *ivFn) delayedLatency(base lambdatune.Distribution, pc, n float64) lambdatune.Distribution {
	sh, b := f.shape, f.backlog
	var wd, meanD float64
	for i, w := range b.delW {
		wd += w
		meanD += w * (b.delX[i] + sh.meanRun)
	}
	wd = min(wd, n)
	if wd <= 0 {
		return base
	}
	w0 := (n - wd) / n // undelayed share
	cdf := func(x float64) float64 {
		c := w0 * ((1-pc)*sh.cdfAt(sh.fWarm, x) + pc*sh.cdfAt(sh.fColdLat, x))
		for i, w := range b.delW {
			if x >= b.delX[i]+sh.meanRun {
				c += w / n
			}
		}
		return c
	}
	hi := sh.x[len(sh.x)-1]
	for _, x := range b.delX {
		hi = max(hi, x+sh.meanRun)
	}
	q := func(p float64) float64 { return bisectLog(cdf, sh.x[0], hi*1.001, p) }
	const ms = 1e6
	return lambdatune.Distribution{
		Mean: (w0*base.Mean*ms + meanD/n) / ms,
		P50:  q(0.5) / ms, P90: q(0.9) / ms, P95: q(0.95) / ms, P99: q(0.99) / ms, Max: q(max(n/(n+1), 0.99)) / ms,
	}
}

// bisectLog returns the smallest x in [lo, hi] (to 1e-6 relative) with cdf(x) ≥ p, bisecting in
// log space; cdf must be non-decreasing.
func bisectLog(cdf func(float64) float64, lo, hi, p float64) float64 {
	lo = max(lo, 1)
	if cdf(lo) >= p {
		return lo
	}
	for range 100 {
		m := math.Sqrt(lo * hi)
		if cdf(m) >= p {
			hi = m
		} else {
			lo = m
		}
		if hi-lo <= 1e-6*hi {
			break
		}
	}
	return hi
}
