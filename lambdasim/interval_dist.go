package lambdasim

import (
	"math"
	"slices"
)

// This file gives the interval model what it needs of a Dist besides sampling: its CDF and quantile
// function, and, per configuration, the "shape" of an invocation: mean busy time, expected billed
// milliseconds, timeout probability, and CDF tables from which per-interval percentiles of the
// warm/cold mixture are found by numeric inversion; and the order statistics that give an
// interval of a few invocations its expected sample percentiles.

// distCDF returns P(X ≤ x) for X ~ d, x in nanoseconds (0 for the zero Dist's x < 0, 1 above).
func distCDF(d *Dist, x float64) float64 {
	switch d.kind {
	case distConstant:
		if x >= d.a {
			return 1
		}
		return 0
	case distExponential:
		if x <= 0 {
			return 0
		}
		return -math.Expm1(-x / d.a)
	case distLogNormal:
		if x <= 0 {
			return 0
		}
		if d.b == 0 {
			if math.Log(x) >= d.a {
				return 1
			}
			return 0
		}
		return 0.5 * math.Erfc(-(math.Log(x)-d.a)/(d.b*math.Sqrt2))
	case distUniform:
		switch {
		case x >= d.b:
			return 1
		case x < d.a:
			return 0
		}
		return (x - d.a) / (d.b - d.a)
	}
	if x >= 0 {
		return 1
	}
	return 0
}

// distQuantile returns the p-quantile of d in nanoseconds, 0 < p < 1 (Dist.Quantile as a float).
func distQuantile(d *Dist, p float64) float64 { return float64(d.Quantile(p)) }

// distAtom returns the value of a constant distribution and true, or false.
func distAtom(d *Dist) (float64, bool) {
	switch {
	case d.kind == distConstant:
		return d.a, true
	case d.kind == distLogNormal && d.b == 0:
		return math.Exp(d.a), true
	case d.kind == distUniform && d.a == d.b:
		return d.a, true
	}
	return 0, false
}

// shapeQuad is the number of quadrature points over a distribution's quantile function.
const (
	shapeQuad = 256 // expectations of one variable (billing)
	shapeConv = 48  // the INIT variable in convolutions
	shapeGrid = 320 // CDF table points
)

// ivShape is what the interval model needs to know about one invocation under one configuration.
// Times are in nanoseconds. An invocation runs for R = min(D, timeout), D the service time; a cold
// one first runs INIT I (or, in the SimFaaS style, runs ColdDuration C instead of I + D).
type ivShape struct {
	pTimeout     float64 // P(D > timeout) for a warm invocation
	pTimeoutCold float64 // the same for a cold one (differs only with ColdDuration)
	meanRun      float64 // E[R], the busy time of a warm invocation
	meanColdRun  float64 // E[busy time of a cold invocation] (I + R, or min(C, timeout))
	meanColdDur  float64 // E[Duration metric of a cold invocation] (R, or min(C, timeout))
	billWarm     float64 // E[ceil_ms(R)]
	billColdDur  float64 // E[ceil_ms(R)] of a cold invocation's duration part (= billWarm, or E[ceil_ms(min(C, timeout))])
	billColdAll  float64 // E[ceil_ms(I + R)] of a cold invocation, INIT included (= billColdDur with ColdDuration)

	// CDF tables on the grid x (ascending, ns): warm duration/latency, cold Duration metric (the
	// warm table itself unless ColdDuration is set), cold latency. With a random INIT, a cell of
	// fColdLat is a convolution over shapeConv quantiles of INIT, most of the cost of building a
	// shape, and a simulation reads few of them: a shape built lazily leaves the cells NaN until
	// first read (coldLat computes them from cold, the same values).
	x, fWarm, fColdDur, fColdLat []float64

	// durFixed: a cold start does not change the Duration metric (INIT is reported apart), so its
	// percentiles, durQ (p50, p90, p95, p99 in ns), do not depend on the cold fraction.
	durFixed bool
	durQ     [4]float64

	// The SLO (ns, +Inf for none) and the probabilities that a warm and a cold invocation end
	// without timing out but take longer than it (function errors aside).
	slo, missWarm, missCold float64

	// What a step reads ends here: the fields above fit in four cache lines, which with a model
	// per function (a shape each, more than the cache holds) is what a step waits for memory for.

	cold coldLatency
	// orderDur[n][r]: with durFixed, the mean r-th smallest Duration of n invocations (ns; 0 until
	// first needed), the percentiles of an interval with fewer than smallN invocations; nil without
	// durFixed. A table apart (3.5 KB, read only by intervals of few invocations), so that a fleet's
	// shapes, each with its own, lie close together.
	orderDur *[smallN + 1][smallN + 1]float64
}

// coldLatency is what a cell of a cold invocation's latency CDF table is computed from: the
// service time, the timeout (ns) and shapeConv quantiles of INIT.
type coldLatency struct {
	d       Dist
	timeout float64
	initQ   [shapeConv]float64
}

// cdfRun returns P(min(D, timeout) ≤ x) for service time d.
func cdfRun(d *Dist, x, timeout float64) float64 {
	if x >= timeout {
		return 1
	}
	return distCDF(d, x)
}

// at returns the cold latency CDF at x: the mean of the run's CDF at x less each INIT quantile.
func (c *coldLatency) at(x float64) float64 {
	var f float64
	for _, in := range c.initQ {
		f += cdfRun(&c.d, x-in, c.timeout)
	}
	return f / shapeConv
}

// coldLat returns cell i of s.fColdLat, computing it on first use (see ivShape).
func (s *ivShape) coldLat(i int) float64 {
	v := s.cold.at(s.x[i])
	s.fColdLat[i] = v
	return v
}

// build fills s for service time d, INIT init, SimFaaS-style cold service time cold (zero: none),
// timeout and SLO in ns (+Inf for none). With lazy, the cold latency cells are computed when first
// read instead of now.
func (s *ivShape) build(d, init, cold Dist, timeout, slo float64, lazy bool) {
	s.buildMoments(d, init, cold, timeout)
	s.buildGrid(d, init, cold, timeout)
	s.buildTables(d, init, cold, timeout, lazy)
	s.durFixed = cold.IsZero()
	s.orderDur = nil
	if s.durFixed {
		s.orderDur = new([smallN + 1][smallN + 1]float64)
	}
	for i, q := range [4]float64{0.5, 0.9, 0.95, 0.99} {
		s.durQ[i] = s.quantile(s.fWarm, s.fWarm, 0, q)
	}
	s.buildSLO(d, init, cold, slo)
}

// runQuantile returns the u-quantile of min(d, timeout).
func runQuantile(d *Dist, u, timeout float64) float64 { return math.Min(distQuantile(d, u), timeout) }

// buildMoments sets the timeout probabilities, the mean busy times and the expected billed
// milliseconds, by quadrature over the quantile functions.
func (s *ivShape) buildMoments(d, init, cold Dist, timeout float64) {
	simfaas := !cold.IsZero()
	runQ := func(dd *Dist, u float64) float64 { return runQuantile(dd, u, timeout) }
	s.pTimeout = 1 - distCDF(&d, timeout) // an invocation times out when it would run longer than the timeout
	var mR, bR float64
	for i := range shapeQuad {
		u := (float64(i) + 0.5) / shapeQuad
		r := runQ(&d, u)
		mR += r
		bR += ceilMs(r)
	}
	s.meanRun, s.billWarm = mR/shapeQuad, bR/shapeQuad
	if atomD, ok := distAtom(&d); ok {
		s.meanRun = math.Min(atomD, timeout)
		s.billWarm = ceilMs(s.meanRun)
	}
	if simfaas {
		s.pTimeoutCold = 1 - distCDF(&cold, timeout)
		var mC, bC float64
		for i := range shapeQuad {
			c := runQ(&cold, (float64(i)+0.5)/shapeQuad)
			mC += c
			bC += ceilMs(c)
		}
		s.meanColdRun, s.meanColdDur = mC/shapeQuad, mC/shapeQuad
		s.billColdDur, s.billColdAll = bC/shapeQuad, bC/shapeQuad
	} else {
		s.pTimeoutCold = s.pTimeout
		s.meanColdDur, s.billColdDur = s.meanRun, s.billWarm
		s.meanColdRun = float64(init.Mean()) + s.meanRun
		var b float64
		var run [shapeConv]float64
		for j := range run {
			run[j] = runQ(&d, (float64(j)+0.5)/shapeConv)
		}
		for i := range shapeConv {
			in := distQuantile(&init, (float64(i)+0.5)/shapeConv)
			for _, r := range run {
				b += ceilMs(in + r)
			}
		}
		s.billColdAll = b / (shapeConv * shapeConv)
		if ai, ok := distAtom(&init); ok {
			if ad, ok := distAtom(&d); ok {
				s.billColdAll = ceilMs(ai + math.Min(ad, timeout))
			}
		}
	}

}

// buildGrid lays the CDF tables' grid: log-spaced over the support of every variable, plus each
// atom and its left limit.
func (s *ivShape) buildGrid(d, init, cold Dist, timeout float64) {
	simfaas := !cold.IsZero()
	runQ := func(dd *Dist, u float64) float64 { return runQuantile(dd, u, timeout) }
	lo, hi := runQ(&d, 1e-7), runQ(&d, 1-1e-9)
	if simfaas {
		lo, hi = math.Min(lo, runQ(&cold, 1e-7)), math.Max(hi, runQ(&cold, 1-1e-9))
	} else {
		hi += distQuantile(&init, 1-1e-9)
	}
	lo = math.Max(lo*0.9999, 1)
	hi = math.Max(hi*1.0001, lo*1.01)
	s.x = make([]float64, 0, shapeGrid) // n points and at most 8 atoms: no growth
	n := shapeGrid - 8
	ratio := math.Pow(hi/lo, 1/float64(n-1))
	v := lo
	for range n {
		s.x = append(s.x, v)
		v *= ratio
	}
	addAtom := func(a float64) {
		if a > 0 {
			s.x = append(s.x, a, math.Nextafter(a, 0))
		}
	}
	addAtom(timeout)
	if a, ok := distAtom(&d); ok {
		addAtom(math.Min(a, timeout))
	}
	if simfaas {
		if a, ok := distAtom(&cold); ok {
			addAtom(math.Min(a, timeout))
		}
	} else if ai, ok := distAtom(&init); ok {
		addAtom(ai + timeout)
		if ad, ok := distAtom(&d); ok {
			addAtom(ai + math.Min(ad, timeout))
		}
	}
	slices.Sort(s.x)
	s.x = slices.Compact(s.x)
}

// buildTables fills the CDF tables on the grid: warm duration and latency, a cold invocation's
// Duration metric and latency (INIT convolved over shapeConv of its quantiles; with lazy, when
// first read).
func (s *ivShape) buildTables(d, init, cold Dist, timeout float64, lazy bool) {
	simfaas := !cold.IsZero()
	// The grid and the tables share one allocation, in that order (x, fWarm, fColdLat, then
	// fColdDur when it is a table of its own): a quantile search reads a cell of each, and with a
	// fleet of functions, each a shape of its own, the tables come from memory; in one block they
	// lie on a few neighbouring pages rather than in separate allocations scattered over the heap.
	n, k := len(s.x), 3
	if simfaas {
		k = 4
	}
	blk := make([]float64, k*n)
	copy(blk, s.x)
	s.x, s.fWarm, s.fColdLat = blk[:n:n], blk[n:2*n:2*n], blk[2*n:3*n:3*n]
	s.fColdDur = s.fWarm // the same values: one table fewer to keep and to read
	if simfaas {
		s.fColdDur = blk[3*n:]
	}
	c := &s.cold
	*c = coldLatency{d: d, timeout: timeout}
	if !simfaas {
		for i := range c.initQ {
			c.initQ[i] = distQuantile(&init, (float64(i)+0.5)/shapeConv)
		}
	}
	_, initConst := distAtom(&init)
	for i, x := range s.x {
		s.fWarm[i] = cdfRun(&d, x, timeout)
		if simfaas {
			s.fColdDur[i] = cdfRun(&cold, x, timeout)
			s.fColdLat[i] = s.fColdDur[i]
			continue
		}
		if initConst {
			s.fColdLat[i] = cdfRun(&d, x-c.initQ[0], timeout)
			continue
		}
		if lazy {
			s.fColdLat[i] = math.NaN() // coldLat computes it when first read
		} else {
			s.fColdLat[i] = c.at(x)
		}
	}
}

// buildSLO computes the chances that a warm and a cold invocation (service time d, INIT init or
// SimFaaS-style cold service time cold) finish before the timeout but after slo (ns, +Inf for
// none): P(D < timeout) − P(latency ≤ slo), at least 0, as the event model counts a miss (a
// timeout is an error, not a miss). A random INIT is integrated over shapeQuad quantiles.
func (s *ivShape) buildSLO(d, init, cold Dist, slo float64) {
	s.slo, s.missWarm, s.missCold = slo, 0, 0
	if math.IsInf(slo, 1) {
		return
	}
	s.missWarm = max(1-s.pTimeout-distCDF(&d, slo), 0)
	switch {
	case !cold.IsZero():
		s.missCold = max(1-s.pTimeoutCold-distCDF(&cold, slo), 0)
	default:
		if ai, ok := distAtom(&init); ok {
			s.missCold = max(1-s.pTimeout-distCDF(&d, slo-ai), 0)
			return
		}
		var m float64
		for i := range shapeQuad {
			in := distQuantile(&init, (float64(i)+0.5)/shapeQuad)
			m += max(1-s.pTimeout-distCDF(&d, slo-in), 0)
		}
		s.missCold = m / shapeQuad
	}
}

// missAfter returns the chance that a warm invocation that starts wait ns after its event first
// arrived (an asynchronous retry) finishes before the timeout but after the SLO.
func (s *ivShape) missAfter(wait float64) float64 {
	if math.IsInf(s.slo, 1) {
		return 0
	}
	return max(1-s.pTimeout-s.cdfAt(s.fWarm, s.slo-wait), 0)
}

// ceilMs returns ns rounded up to whole milliseconds, as a count of milliseconds.
func ceilMs(ns float64) float64 {
	if ns <= 0 {
		return 0
	}
	return math.Ceil(ns/1e6 - 1e-9)
}

// quantile returns the q-quantile (ns) of the mixture (1 − pc)·warm + pc·cold of two CDF tables on
// s.x, by bisection on the grid and linear interpolation inside the bracketing cell.
func (s *ivShape) quantile(fw, fc []float64, pc, q float64) float64 {
	h := len(s.x) / 2
	return s.quantileFrom(fw, fc, pc, q, &h)
}

// quantileFrom is quantile with a starting cell *hint (updated to the cell found): it gallops from
// the hint to a bracket and bisects that, so a quantile that moved little since the last interval
// costs a few steps.
func (s *ivShape) quantileFrom(fw, fc []float64, pc, q float64, hint *int) float64 {
	n := len(s.x)
	if n < 2 {
		if n == 0 {
			return 0
		}
		return s.x[0]
	}
	fw, fc = fw[:n], fc[:n]
	mix := func(i int) float64 {
		c := fc[i]
		if c != c { // fColdLat's, not yet computed
			c = s.coldLat(i)
		}
		return (1-pc)*fw[i] + pc*c
	}
	// Find lo < hi with mix(lo) < q ≤ mix(hi), starting from the hint's cell: the answer is the
	// unique such cell, whatever the hint; below the grid it is x[0], beyond it x[n−1].
	lo := min(max(*hint, 0), n-2)
	hi := lo + 1
	flo := mix(lo)
	if flo >= q {
		step := 1
		for {
			hi = lo
			if lo == 0 {
				*hint = 0
				return s.x[0]
			}
			lo = max(lo-step, 0)
			if flo = mix(lo); flo < q {
				break
			}
			step *= 2
		}
	} else if fhi := mix(hi); fhi < q {
		step := 1
		for {
			lo, flo = hi, fhi
			if hi == n-1 {
				*hint = n - 2
				return s.x[n-1]
			}
			hi = min(hi+step, n-1)
			if fhi = mix(hi); fhi >= q {
				break
			}
			step *= 2
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fm := mix(mid); fm >= q {
			hi = mid
		} else {
			lo, flo = mid, fm
		}
	}
	*hint = lo
	f1 := mix(hi)
	if f1 <= flo {
		return s.x[hi]
	}
	return s.x[lo] + (q-flo)/(f1-flo)*(s.x[hi]-s.x[lo])
}

// cdfAt returns the table f (on the grid s.x) at x, interpolating linearly.
func (s *ivShape) cdfAt(f []float64, x float64) float64 {
	n := len(s.x)
	if n == 0 || x < s.x[0] {
		return 0
	}
	at := func(i int) float64 {
		v := f[i]
		if v != v { // fColdLat's, not yet computed
			v = s.coldLat(i)
		}
		return v
	}
	if x >= s.x[n-1] {
		return at(n - 1)
	}
	i, _ := slices.BinarySearch(s.x, x)
	if s.x[i] == x {
		return at(i)
	}
	x0, x1 := s.x[i-1], s.x[i]
	f0 := at(i - 1)
	return f0 + (x-x0)/(x1-x0)*(at(i)-f0)
}

// smallN is the number of invocations below which an interval's percentiles are expected sample
// percentiles (see distribution); orderNodes is the number of quadrature nodes for each.
const (
	smallN     = 20
	orderNodes = 24
)

// orderCache[n][r] holds the quadrature nodes of the r-th of n order statistics (orderStat), or nil
// until first needed; n is an interval's invocations rounded, up to smallN (19.5 rounds to 20).
// They depend on nothing else, so one table serves every function of a simulation.
type orderCache [smallN + 1][smallN + 1][]float64

// orderStat returns E[X_(r)] (ns), the mean of the r-th smallest of n invocations drawn from the
// mixture, as the average of the mixture's quantile function at the midpoint quantiles of
// Beta(r, n − r + 1) (cached per (n, r) on first use).
func (f *ivFn) orderStat(fw, fc []float64, pc float64, n, r int, hint *int) float64 {
	r = min(max(r, 1), n)
	nodes := &f.order[n][r]
	if *nodes == nil {
		u := make([]float64, orderNodes)
		start := float64(r) / float64(n+1) // the mean
		for j := range u {
			u[j] = orderQuantile(n, r, (float64(j)+0.5)/orderNodes, start)
			start = u[j]
		}
		*nodes = u
	}
	sh := f.shape
	var s float64
	for _, u := range *nodes {
		s += sh.quantileFrom(fw, fc, pc, u, hint)
	}
	return s / orderNodes
}

// orderQuantile returns the p-quantile (0 < p < 1) of the r-th smallest of n independent uniforms,
// the Beta(r, n − r + 1) law, for 1 ≤ r ≤ n: Newton's method on its CDF, which for whole
// parameters is the binomial tail P(Bin(n, u) ≥ r), from start (0 < start < 1) and kept inside a
// shrinking bracket. The result is gonum's mathext.InvRegIncBeta(r, n−r+1, p) to about 1e-14, at a
// fraction of its cost.
func orderQuantile(n, r int, p, start float64) float64 {
	switch {
	case r == n: // u^n
		return math.Pow(p, 1/float64(n))
	case r == 1: // 1 − (1 − u)^n
		return -math.Expm1(math.Log1p(-p) / float64(n))
	}
	nf := float64(n)
	lo, hi := 0.0, 1.0
	u := start
	for range 100 {
		// F(u) = Σ_{j ≥ r} t_j, t_j = C(n, j) u^j (1 − u)^(n − j); density r·t_r/u.
		v := 1 - u
		t := math.Pow(v, nf)
		ratio := u / v
		var cdf, tr float64
		for j := 0; j < n; j++ {
			if j == r {
				tr = t
			}
			if j >= r {
				cdf += t
			}
			t *= float64(n-j) / float64(j+1) * ratio
		}
		cdf += t // j = n
		if r == n {
			tr = t
		}
		if cdf < p {
			lo = u
		} else {
			hi = u
		}
		pdf := float64(r) * tr / u
		next := u - (cdf-p)/pdf
		if math.Abs(next-u) <= 1e-14*u {
			return next
		}
		if !(next > lo && next < hi) {
			next = (lo + hi) / 2
			if hi-lo <= 1e-15 {
				return next
			}
		}
		u = next
	}
	return u
}
