package lambdasim

import (
	"fmt"
	"math"
)

// This file holds the queueing mathematics of the interval model: Erlang-B, the stationary
// M/G/∞ (and M/G/c/c) occupancy, and the distribution of the largest occupancy reached during an
// interval, from which the warm pool and the cold starts follow.

// ErlangB returns the Erlang-B blocking probability B(servers, load): the share of arrivals an
// M/G/c/c loss system with c = servers and offered load a = load erlangs (arrival rate × mean holding
// time, any non-negative real) rejects. It is insensitive to the holding-time distribution.
//
// The value is computed as π_c / F(c) of a Poisson(a) distribution, summing the ratios π_j/π_c
// backwards from j = c until they no longer matter: no factorials, no overflow, relative error
// about 1e-15, O(√a + c − a) work.
func ErlangB(servers int, load float64) (float64, error) {
	if servers < 0 {
		return 0, fmt.Errorf("lambdasim: ErlangB servers = %d, want >= 0", servers)
	}
	if !(load >= 0) || math.IsInf(load, 0) {
		return 0, fmt.Errorf("lambdasim: ErlangB load = %v, want a finite value >= 0", load)
	}
	return lossB(servers, load), nil
}

// lossB is ErlangB without the checks, for the hot path.
func lossB(c int, a float64) float64 {
	if c == 0 {
		return 1
	}
	if a <= 0 {
		return 0
	}
	cf := float64(c)
	if cf > a+12*math.Sqrt(a)+40 {
		// Far beyond the load: B ≈ π_c (F(c) = 1 to double precision), in log space.
		lg, _ := math.Lgamma(cf + 1)
		return math.Exp(cf*math.Log(a) - a - lg)
	}
	// 1/B = F(c)/π_c = Σ_{m=0}^{c} t_m with t_0 = 1, t_m = t_{m-1} (c−m+1)/a.
	sum, t := 1.0, 1.0
	for m := 1; m <= c; m++ {
		t *= float64(c-m+1) / a
		sum += t
		if t < 1e-17*sum && float64(c-m) < a {
			break
		}
	}
	return 1 / sum
}

// erlangBRecursion is the textbook recursion B(k) = a B(k−1) / (k + a B(k−1)), B(0) = 1: stable
// but O(c). Kept as the reference the tests hold lossB to.
func erlangBRecursion(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// maxEps is the probability below which a level is treated as never reached (and above 1 − maxEps
// as always reached) in an interval. 1e-5 leaves every figure of TestIntervalParity as it is with
// 1e-6 and saves a few levels of work a step (1e-4 moves cold starts by one in a thousand).
const maxEps = 1e-5

// peakDist is the distribution of an interval's peak occupancy, the largest number of environments
// busy at once: P(max ≥ k) = 1 for k ≤ lo, p[k−lo−1] for lo < k ≤ lo+len(p), and 0 above. Its
// slice is reused from interval to interval so that steady state allocates nothing.
type peakDist struct {
	lo int
	p  []float64

	// What compute's start law was, for capAt: Poisson(a0) normalised by norm = F₀(capacity), or an
	// idle start (P(N₀ < k) = 1).
	a0, norm float64
	idle     bool
}

// at returns P(max ≥ k).
func (m *peakDist) at(k int) float64 {
	switch j := k - m.lo - 1; {
	case j < 0:
		return 1
	case j < len(m.p):
		return m.p[j]
	}
	return 0
}

// hi returns the highest level with a non-zero probability.
func (m *peakDist) hi() int { return m.lo + len(m.p) }

// mean returns E[max] = Σ_k P(max ≥ k).
func (m *peakDist) mean() float64 {
	s := float64(m.lo)
	for _, p := range m.p {
		s += p
	}
	return s
}

// atLeastOne makes level 1 certain (an interval known to have run a request).
func (m *peakDist) atLeastOne() {
	if m.lo == 0 && len(m.p) > 0 {
		m.lo = 1
		m.p = m.p[:copy(m.p, m.p[1:])]
	} else if m.lo == 0 {
		m.lo = 1
	}
}

// reset makes m the distribution of an interval in which nothing runs.
func (m *peakDist) reset() { m.lo, m.p = 0, m.p[:0] }

// compute sets m to the distribution of the maximum occupancy, over an interval of length t (in the
// unit of 1/lambda), of an M/G/c/c system with arrival rate lambda and offered load a (c = capacity;
// capacity < 0 means no cap) that starts the interval in the stationary state of offered load a0
// (the previous interval's; a0 < 0 means a).
//
// The model: the occupancy N is Poisson(a) truncated at c (insensitive to the service-time
// distribution). Arrivals that see k−1 busy take the occupancy up to k (PASTA), so level k is
// up-crossed at rate λπ_{k−1}; those up-crossings cluster, and the time to reach k from below is
// close to exponential with the mean of the birth–death chain that has the same stationary law,
//
//	E[τ_k] = 1/(λ F(k−1)) Σ_{m<k} F(m)²/π_m,
//
// exact for exponential service times. Hence P(max < k) = P(N₀ < k) exp(−t/E[τ_k]), N₀ ~ Poisson(a0)
// truncated at c being what the interval starts with. Every quantity is carried as a ratio
// (r_m = F(m)/π_m, π_m/π_{m−1} = a/m) so that nothing underflows at large loads.
func (m *peakDist) compute(lambda, a, t float64, capacity int, a0 float64) {
	m.reset()
	m.a0, m.norm, m.idle = 0, 0, true
	if lambda <= 0 || a <= 0 || t <= 0 || capacity == 0 {
		return
	}
	if a0 < 0 {
		a0 = a
	}
	same, idle := a0 == a, a0 == 0
	w := levelWalk{a: a, a0: a0, invA: 1 / a, tl: t * lambda, two: !same && !idle}
	m0 := poissonStart(a)
	if w.two {
		m0 = min(m0, poissonStart(a0))
	}
	if capacity > 0 {
		m0 = min(m0, capacity-1) // far beyond the cap: every level up to it is reached
	}
	pi, r := poissonRatios(m0, a)
	w.pi, w.r = pi, r
	w.s = pi * r * r // Σ_{m ≤ k−1} F(m)²/π_m, with F(m) = π_m r_m
	w.f = pi * r     // F(k−1)
	fc := poissonNorm(capacity, a)
	var fc0 float64
	if w.two { // the initial state's law differs
		w.pi0, w.r0 = poissonRatios(m0, a0)
		w.f0 = min(w.pi0*w.r0, 1)
		fc0 = poissonNorm(capacity, a0)
	}
	if a0 > 0 {
		w.invA0 = 1 / a0
	}
	// P(N₀ < k) = F₀(k−1)/F₀(c): by F(k−1)/F(c) (same law), f0/fc0 (another), or 0 (an idle start
	// is surely below every level ≥ 1; a normalisation that underflowed means N₀ = c surely).
	switch {
	case same && fc > 0:
		w.invNorm = 1 / fc
	case w.two && fc0 > 0:
		w.invNorm = 1 / fc0
	case idle:
		w.invNorm = -1 // start = 1
	}
	m.a0, m.norm, m.idle = a0, fc, idle
	if w.two {
		m.norm = fc0
	}
	kEnd := math.MaxInt
	if capacity > 0 {
		kEnd = capacity
	}
	m.walk(w, m0, kEnd)
}

// levelWalk is what peakDist.walk carries from level to level: the occupancy's law as ratios
// (π_{k−1}, r_{k−1} = F(k−1)/π_{k−1}, F(k−1) and S = Σ_{m<k} F(m)²/π_m) at load a, the start's law
// when it differs (two: π₀, r₀, F₀(k−1) at load a0), t·λ, and 1/F₀(c) (−1 for an idle start).
type levelWalk struct {
	pi, r, f, s float64
	pi0, r0, f0 float64
	a, a0, invA float64
	invA0, tl   float64
	invNorm     float64
	two         bool
}

// walk sets m's levels from m0 + 1 up to kEnd: those up to m0 are reached (below the mass of the
// start's law, or the cap, and from an idle start within the first few service times of an
// interval that is long against them); above, P(max ≥ k) = 1 − P(N₀ < k)·exp(−t/E[τ_k]) until it
// falls below maxEps.
func (m *peakDist) walk(w levelWalk, m0, kEnd int) {
	pi, r, f, s := w.pi, w.r, w.f, w.s
	pi0, r0, f0 := w.pi0, w.r0, w.f0
	a, a0, invA, invA0, tl, invNorm, two := w.a, w.a0, w.invA, w.invA0, w.tl, w.invNorm, w.two
	lo := m0
	ps := m.p[:0] // in a local: the loop keeps the slice in registers
	for k := m0 + 1; k <= kEnd; k++ {
		// Level k: F(k−1) = f, S = s. z = t/E[τ_k] = tl·f/s; beyond 11.6, e^−z < 1e-5 and level k
		// is surely reached (no division).
		if tlf := tl * f; f > 0 && tlf <= 11.6*s {
			e := expSmall(tlf / s)
			start := 1.0 // P(N₀ < k)
			if invNorm >= 0 {
				x := f
				if two {
					x = f0
				}
				start = min(x*invNorm, 1)
			}
			pge := 1 - start*e // P(max ≥ k)
			if pge < 1-maxEps || len(ps) > 0 {
				if pge < maxEps {
					break
				}
				ps = append(ps, pge)
			} else {
				lo = k
			}
		} else if len(ps) == 0 {
			lo = k
		} else {
			ps = append(ps, 1)
		}
		// Advance to m = k.
		kf := float64(k)
		ik := 1 / kf
		pi *= a * ik
		r = 1 + r*kf*invA
		f = pi * r
		s += f * r
		if two && f0 < 1 {
			pi0 *= a0 * ik
			r0 = 1 + r0*kf*invA0
			// Far above a0, π₀ underflows while r₀ grows without bound: F₀ has reached 1.
			if f0 = pi0 * r0; !(f0 < 1) || pi0 == 0 {
				f0 = 1
			}
		}
		if !(s <= math.MaxFloat64) { // +Inf or NaN
			break
		}
	}
	m.lo, m.p = lo, ps
}

// expSmall returns e^−z for 0 ≤ z ≤ 11.6 with a relative error below 1e-11: e^−n/32 from a table
// times a degree-5 Taylor polynomial of e^−r, r < 1/32. Small enough to be inlined, so the caller's
// loop keeps its values in registers: with math.Exp instead, a day of the interval model runs 6–9 %
// slower (PERFORMANCE.md, "Hand-written math").
func expSmall(z float64) float64 {
	u := z * 32
	n := int(u)
	r := (u - float64(n)) * (1.0 / 32)
	return expSmallTab[n] * (1 - r*(1-r*(0.5-r*(1.0/6-r*(1.0/24-r*(1.0/120))))))
}

// expSmallTab[n] = e^−n/32 for the levels' first-passage terms (expSmall).
var expSmallTab = func() (t [373]float64) {
	for n := range t {
		t[n] = math.Exp(-float64(n) / 32)
	}
	return t
}()

// capAt sets m to the maximum distribution of cur's interval (the same arrivals, load, start and
// length) in a system of the smaller capacity c ≥ 1: the provisioned environments, which take
// requests first. Truncating the occupancy's law at c leaves every first-passage time E[τ_k], k ≤ c,
// as it is (the normalisation cancels in F(k−1) and Σ F(m)²/π_m alike); only the start's law
// P(N₀ < k) = F₀(k−1)/F₀(c) changes, by the factor ρ = F₀(cap)/F₀(c) of cur's normalisation over
// this one, so P(max ≥ k) = 1 − ρ·(1 − cur's P(max ≥ k)). The levels cur treats as surely reached
// carry an error below maxEps, which ρ multiplies; capAt therefore declines (returns false, m
// unchanged) when ρ > 4, that is when the cap is below the start's lower quartile, and otherwise
// equals compute with capacity c within 4·maxEps per level, at the cost of one normalisation.
func (m *peakDist) capAt(cur *peakDist, c int) bool {
	rho := 1.0
	if c > 0 && !cur.idle && cur.norm > 0 {
		n := poissonNorm(c, cur.a0)
		if !(n*4 >= cur.norm) {
			return false
		}
		rho = cur.norm / n
	}
	m.reset()
	if c <= 0 {
		return true
	}
	m.lo = min(cur.lo, c)
	ps := m.p[:0]
	for j, p := range cur.p {
		k := cur.lo + 1 + j
		if k > c {
			break
		}
		v := 1 - rho*(1-p)
		if v >= 1-maxEps && len(ps) == 0 {
			m.lo = k
			continue
		}
		if v < maxEps {
			break
		}
		ps = append(ps, v)
	}
	m.p = ps
	return true
}

// poissonStart returns the level below which a Poisson(a) law has negligible mass (7 s.d.).
func poissonStart(a float64) int {
	return max(int(a-7*math.Sqrt(a)-3), 0)
}

// poissonRatios returns π_{m0} and r_{m0} = F(m0)/π_{m0} of Poisson(a), for m0 < a.
func poissonRatios(m0 int, a float64) (pi, r float64) {
	if m0 == 0 {
		return math.Exp(-a), 1
	}
	lg, _ := math.Lgamma(float64(m0) + 1)
	// Σ_j (m0/a)^j: F is negligible at m0, so is r's error, and it shrinks on the way up to a.
	return math.Exp(float64(m0)*math.Log(a) - a - lg), a / (a - float64(m0))
}

// poissonNorm returns F(c) of Poisson(a), the normalisation of the law truncated at c (1 for no
// cap or a cap far above a).
func poissonNorm(c int, a float64) float64 {
	if c > 0 && float64(c) < a+12*math.Sqrt(a)+40 {
		return min(poissonPMF(c, a)/lossB(c, a), 1)
	}
	return 1
}

// poissonPMF returns P(N = k) for N ~ Poisson(a), in log space.
func poissonPMF(k int, a float64) float64 {
	if a <= 0 {
		if k == 0 {
			return 1
		}
		return 0
	}
	lg, _ := math.Lgamma(float64(k) + 1)
	return math.Exp(float64(k)*math.Log(a) - a - lg)
}

// warmPool is the interval model's memory of the execution environments a function keeps warm. With
// newest-idle-first reuse (as SimFaaS and AWS do) the environment that went idle when the occupancy
// fell from k to k−1 is the one taken when the occupancy next reaches k, so "an environment for level
// k is warm" means "the occupancy reached k recently enough": within the keep-alive. The pool stores
// the per-interval maximum distributions of the last intervals and weighs interval d back (d = 1 is
// the previous one) by the probability that an environment last used in it is still alive when it is
// needed again (keep[d−1]). Levels are treated as independent across intervals, which holds when
// invocations are short against the interval.
type warmPool struct {
	hist []peakDist // ring buffer, hist[(head−d) mod len] is interval d back
	head int        // index of the next slot to write
	n    int        // number of valid entries
	keep []float64  // keep[d−1] = P(environment last used d intervals back is still warm)
	span float64    // Σ keep: the mean keep-alive in intervals

	// Per level k (index k−1), for lifetime recycling.
	lv            []levelLife
	steady        int     // levels 1 … steady are in the always-warm steady state (recycle)
	reach         float64 // smoothed P(an interval reaches the pool's top level)
	beta, betaFor float64

	// The intervals whose keep weight is 1 (the first k1: a fixed keep-alive keeps every environment
	// used within it) form a sliding window whose per-level product Π (1 − P(max ≥ k)) is kept
	// incrementally, as a queue of two stacks: front[fPtr:] holds, for the older entries, the
	// products of each entry and every newer one in the front (suffix products, built at once when
	// the front runs out), back the product of the entries pushed since. A step then costs a few
	// passes over the levels rather than one per remembered interval.
	k1         int
	front      []prodVec
	fPtr, fCnt int
	back       prodVec
	nBack      int
	scr        prodVec   // scratch: a suffix being built
	g          []float64 // P(no warm environment) of levels gLo+1 … (coldStarts)
	gLo        int

	// A keep-alive drawn from an exponential law gives weights that fall geometrically, by q an
	// interval, and a history of a hundred intervals or more. Past the first len(hist) intervals
	// (weights above tailMax) the pool keeps, per level, the power sums tail[m−1][k−1] =
	// Σ_d (w_d·P_d(max ≥ k))^m, m = 1 … tailTerms, which age by q^m a step; Σ_d ln(1 − y_d) =
	// −Σ_m tail[m−1]/m to within y⁵/(5(1 − y)) an interval, y ≤ tailMax. tailQ is 0 without a tail.
	tailQ  float64
	tail   [tailTerms][]float64
	tailHi int // highest level with a non-zero tail sum
}

// tailTerms and tailMax bound the geometric tail's error (warmPool): with weights below 0.1 the
// neglected terms change P(no warm environment) by less than 1e-5 relative.
const (
	tailTerms = 4
	tailMax   = 0.1
)

// prodVec is a per-level product of factors 1 − P(max ≥ k) over several intervals: 0 at levels
// k ≤ lo (surely reached in one of them), v[k−lo−1] for lo < k ≤ lo+len(v), and 1 above.
type prodVec struct {
	lo int
	v  []float64
}

func (p *prodVec) hi() int { return p.lo + len(p.v) }

// setMax sets p to the factors of one interval's maximum distribution m.
func (p *prodVec) setMax(m *peakDist) {
	p.lo = m.lo
	p.v = p.v[:0]
	for _, x := range m.p {
		p.v = append(p.v, 1-x)
	}
}

// mulMax multiplies p by the factors of m in place.
func (p *prodVec) mulMax(m *peakDist) {
	lo, hi := max(p.lo, m.lo), max(p.hi(), m.hi())
	if d := lo - p.lo; d > 0 { // levels up to m.lo now surely reached
		p.v = p.v[:copy(p.v, p.v[min(d, len(p.v)):])]
		p.lo = lo
	}
	for len(p.v) < hi-lo {
		p.v = append(p.v, 1)
	}
	// m's band from level lo+1 on.
	j0 := max(lo-m.lo, 0)
	if j0 < len(m.p) {
		band, dst := m.p[j0:], p.v[m.lo+j0-lo:]
		dst = dst[:len(band)]
		for j, x := range band {
			dst[j] *= 1 - x
		}
	}
}

// setProd sets p to a ⊙ b (p distinct from both).
func (p *prodVec) setProd(a, b *prodVec) {
	p.lo = max(a.lo, b.lo)
	p.v = prodInto(p.v[:0], p.lo, max(a.hi(), b.hi())-p.lo, a, b)
}

// prodInto appends to dst the factors of a ⊙ b (b nil: a alone) at levels lo+1 … lo+n, lo being at
// least both their lo, and returns it. dst must not share storage with a or b.
func prodInto(dst []float64, lo, n int, a, b *prodVec) []float64 {
	start := len(dst)
	if j := lo - a.lo; j < len(a.v) {
		dst = append(dst, a.v[j:min(len(a.v), j+n)]...)
	}
	for len(dst)-start < n {
		dst = append(dst, 1)
	}
	if b != nil {
		if j := lo - b.lo; j < len(b.v) {
			band := b.v[j:min(len(b.v), j+n)]
			out := dst[start : start+len(band)]
			for i, x := range band {
				out[i] *= x
			}
		}
	}
	return dst
}

// init sets w up as a pool whose environment last used d intervals back is still warm with
// probability keep[d−1]. It remembers the intervals one by one, except a geometric tail of weights
// (an exponential keep-alive), which it keeps as running sums, without end. NewInterval keeps its
// functions' pools in one array.
func (w *warmPool) init(keep []float64) {
	sum := 0.0
	for _, k := range keep {
		sum += k
	}
	k1 := 0
	for k1 < len(keep) && keep[k1] == 1 {
		k1++
	}
	*w = warmPool{keep: keep, span: sum, k1: k1, front: make([]prodVec, k1+1)}
	// A geometric tail: from the first weight below tailMax on, every ratio the same (to 1e-9),
	// over enough intervals to be worth it.
	n := len(keep)
	d := k1 + 1 // the first interval of weight at most tailMax
	for d <= len(keep) && keep[d-1] > tailMax {
		d++
	}
	if d >= 2 && d+16 <= len(keep) {
		q := keep[d-1] / keep[d-2]
		geometric := q > 0 && q < 1
		for i := d; i < len(keep) && geometric; i++ {
			geometric = math.Abs(keep[i]/keep[i-1]-q) <= 1e-9*q
		}
		if geometric {
			n, w.tailQ = d-1, q // the ring keeps intervals 1 … d−1; the tail the rest
		}
	}
	w.hist = make([]peakDist, n)
}

// poolPiece is the room, in levels, that carvePools gives each per-level slice of a function's warm
// pool and peak distributions before the first step: two cache lines of float64s.
const poolPiece = 16

// levelSlice returns the r-th of f's per-level slices (the warm pool's back, scr and g, the
// interval's peak distributions, the history's, the window's products), nil for r beyond them.
func (f *ivFn) levelSlice(r int) *[]float64 {
	w := f.pool
	switch r {
	case 0:
		return &w.back.v
	case 1:
		return &w.g
	case 2:
		return &f.cur.p
	case 3:
		return &f.prov.p
	case 4:
		return &w.scr.v
	}
	if r -= 5; r < len(w.hist) {
		return &w.hist[r].p
	}
	if r -= len(w.hist); r < len(w.front) {
		return &w.front[r].v
	}
	return nil
}

// carvePools gives the per-level slices of every function (levelSlice) and their levels' lifetimes
// room for poolPiece levels before the first step, from one allocation laid out slice by slice:
// every function's first slice in function order, then every function's second, and so on.
//
// The layout is for a fleet of thousands of functions, whose state comes from memory rather than
// cache: a step walks the functions in order and reads the same few slices of each, so each of them
// is a stream through memory at a fixed stride of poolPiece float64s, which the hardware prefetches.
// (One block per function holding all its slices measured 20 % slower: each function's block
// spans pages the prefetcher does not follow.) Left to grow in the steps, the slices would be
// allocated during a run's first intervals, where chance put them. A slice that outgrows its room
// moves to an ordinary allocation (append); the layout changes no result, only where numbers live.
func (s *IntervalSim) carvePools() {
	total, roles := 0, 0
	for _, f := range s.fns {
		n := 5 + len(f.pool.hist) + len(f.pool.front)
		total, roles = total+n, max(roles, n)
	}
	arena := make([]float64, total*poolPiece)
	k := 0
	for r := range roles {
		for _, f := range s.fns {
			if p := f.levelSlice(r); p != nil {
				*p = arena[k : k : k+poolPiece]
				k += poolPiece
			}
		}
	}
	const lvRoom = 2 * poolPiece
	lives := make([]levelLife, len(s.fns)*lvRoom)
	for i, f := range s.fns {
		f.pool.lv = lives[i*lvRoom : i*lvRoom : (i+1)*lvRoom]
	}
}

// clear forgets every environment (a configuration change: new invocations need new environments).
func (w *warmPool) clear() {
	w.n = 0
	w.steady = 0
	clear(w.lv)
	w.fPtr, w.fCnt, w.nBack = 0, 0, 0
	w.back.lo, w.back.v = 0, w.back.v[:0]
	for m := range w.tail {
		clear(w.tail[m])
	}
	w.tailHi = 0
}

// foldTail moves entry h, which is about to become len(hist)+1 intervals old, into the geometric
// tail, after ageing the tail by one interval.
func (w *warmPool) foldTail(h *peakDist) {
	wd := w.keep[len(w.hist)] // the weight of interval len(hist)+1
	if hi := h.hi(); len(w.tail[0]) < hi {
		for m := range w.tail {
			w.tail[m] = append(w.tail[m], make([]float64, hi-len(w.tail[m]))...)
		}
	}
	q := w.tailQ
	qm := q
	for m := range w.tail {
		t := w.tail[m][:w.tailHi]
		for k := range t {
			t[k] *= qm
		}
		qm *= q
	}
	// Levels 1 … h.lo were surely reached: y = wd; the band's levels y = wd·p.
	y1 := [tailTerms]float64{wd, wd * wd, wd * wd * wd, wd * wd * wd * wd}
	for k := 0; k < h.lo; k++ {
		for m := range w.tail {
			w.tail[m][k] += y1[m]
		}
	}
	for j, p := range h.p {
		y := wd * p
		y2 := y * y
		k := h.lo + j
		w.tail[0][k] += y
		w.tail[1][k] += y2
		w.tail[2][k] += y2 * y
		w.tail[3][k] += y2 * y2
	}
	w.tailHi = max(w.tailHi, h.hi())
	// Forget the levels at the top whose sums have decayed to nothing.
	for w.tailHi > 0 && w.tail[0][w.tailHi-1] < 1e-12 {
		w.tailHi--
		for m := range w.tail {
			w.tail[m][w.tailHi] = 0
		}
	}
}

// levelLife is the lifetime state of one level's environment: expected age (s) and smoothed rate
// of its keep-alive cold starts (1/s).
type levelLife struct {
	age, rho float64
}

// renewalTab tabulates, for x = ρ·life on [0, renewalMax] in renewalN steps, φ(x) = x/(eˣ − 1)
// (the renewal rate of an environment that lives min(Exp(ρ), life), times life) and
// ψ(x) = (1 − e^−x)/x (its mean life over life); linear interpolation is within 4e-6 of both. Two
// math.Expm1 per level instead cost a day of the interval model 16–37 % of its speed
// (PERFORMANCE.md, "Hand-written math").
const (
	renewalN   = 1024
	renewalMax = 10.0
)

var renewalTab = func() (t [renewalN + 2][2]float64) {
	t[0] = [2]float64{1, 1}
	for i := 1; i < len(t); i++ {
		x := float64(i) * renewalMax / renewalN
		t[i] = [2]float64{x / math.Expm1(x), -math.Expm1(-x) / x}
	}
	return t
}()

// renewal returns φ(x) and ψ(x) (renewalTab) for 0 ≤ x ≤ renewalMax.
func renewal(x float64) (phi, psi float64) {
	u := x * (renewalN / renewalMax)
	i := int(u)
	f := u - float64(i)
	a, b := &renewalTab[i], &renewalTab[i+1]
	return a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])
}

// push records the current interval's maximum distribution as the most recent history, in
// on-demand levels: with floor provisioned environments serving first, on-demand environment j is
// busy when the occupancy reaches floor + j, so the entry keeps P(max ≥ floor + j) at level j. A
// later change of provisioned concurrency then finds the on-demand environments where they are.
func (w *warmPool) push(m *peakDist, floor int) {
	if len(w.hist) == 0 {
		return
	}
	if w.k1 > 0 && w.n >= w.k1 {
		// The entry k1 intervals back leaves the window: the oldest of the front, which is rebuilt
		// from the back's entries when it has run out.
		if w.fPtr == w.fCnt {
			w.fCnt, w.fPtr = w.nBack, 0
			for i := w.fCnt - 1; i >= 0; i-- { // entry i is fCnt − i intervals back
				if i == w.fCnt-1 {
					w.front[i].setMax(w.entry(w.fCnt - i))
				} else {
					w.scr.setMax(w.entry(w.fCnt - i))
					w.front[i].setProd(&w.scr, &w.front[i+1])
				}
			}
			w.back.lo, w.back.v, w.nBack = 0, w.back.v[:0], 0
		}
		w.fPtr++
	}
	h := &w.hist[w.head]
	if w.tailQ > 0 && w.n == len(w.hist) {
		w.foldTail(h) // the oldest entry, about to be overwritten
	}
	if m.lo >= floor {
		h.lo = m.lo - floor
		h.p = append(h.p[:0], m.p...)
	} else {
		h.lo = 0
		h.p = append(h.p[:0], m.p[min(floor-m.lo, len(m.p)):]...)
	}
	w.head = (w.head + 1) % len(w.hist)
	if w.n < len(w.hist) {
		w.n++
	}
	if w.k1 > 0 {
		w.back.mulMax(h)
		w.nBack++
	}
}

// entry returns the history entry d intervals back (1 ≤ d ≤ n).
func (w *warmPool) entry(d int) *peakDist {
	i := w.head - d
	if i < 0 {
		i += len(w.hist)
	}
	return &w.hist[i]
}

// coldStarts returns the expected number of new environments the interval whose maximum
// distribution is cur needs above level floor (floor = provisioned environments, always warm):
// Σ_{j ≥ 1} P(max ≥ floor + j) P(no warm on-demand environment j). It also returns the expected
// number of on-demand environments alive at the end of the interval (the warm pool). It changes
// nothing but scratch space (w.g keeps the on-demand levels' P(no warm environment) for recycle).
func (w *warmPool) coldStarts(cur *peakDist, floor int) (cold, pool float64) {
	// The window's product is front[fPtr] ⊙ back (back alone when the front has run out).
	bk, fr := &w.back, &w.back
	if w.fPtr < w.fCnt {
		fr = &w.front[w.fPtr]
	}
	lo := max(bk.lo, fr.lo) // on-demand levels 1 … lo are surely warm
	top := max(cur.hi()-floor, bk.hi(), fr.hi(), lo)
	for d := w.k1 + 1; d <= w.n; d++ {
		top = max(top, w.entry(d).hi())
	}
	top = max(top, w.tailHi)
	w.gLo = lo
	// P(no warm environment) of on-demand levels lo+1 … top+1: the window's product, times the
	// factors of the older intervals (weight below 1), entry by entry over each band.
	if fr == bk {
		fr = nil
	}
	g := prodInto(w.g[:0], lo, top+1-lo, bk, fr)
	for d := w.k1 + 1; d <= w.n; d++ {
		h, wd := w.entry(d), w.keep[d-1]
		// Levels up to h.lo were surely reached in that interval: factor 1 − wd.
		for k := lo + 1; k <= min(h.lo, top+1); k++ {
			g[k-lo-1] *= 1 - wd
		}
		// Band levels h.lo+1+j, clipped to lo+1 … top+1.
		j0, j1 := max(lo-h.lo, 0), min(top+1-h.lo, len(h.p))
		if j0 < j1 {
			band, dst := h.p[j0:j1], g[h.lo+j0-lo:]
			dst = dst[:len(band)]
			for j, p := range band {
				dst[j] *= 1 - wd*p
			}
		}
	}
	// The geometric tail: Π (1 − y) = exp(−Σ_m Σ y^m/m).
	if w.tailHi > lo {
		t1, t2, t3, t4 := w.tail[0][lo:w.tailHi], w.tail[1][lo:w.tailHi], w.tail[2][lo:w.tailHi], w.tail[3][lo:w.tailHi]
		t2, t3, t4 = t2[:len(t1)], t3[:len(t1)], t4[:len(t1)]
		for i, x := range t1 {
			if z := x + t2[i]*(1.0/2) + t3[i]*(1.0/3) + t4[i]*(1.0/4); z > 11.6 {
				g[i] *= math.Exp(-z)
			} else {
				g[i] *= expSmall(z)
			}
		}
	}
	w.g = g
	// Levels 1 … lo are warm.
	pool = float64(lo)
	for k := lo + 1; k <= top; k++ {
		gk := g[k-lo-1]
		pc := 1.0
		if j := floor + k - cur.lo - 1; j >= len(cur.p) {
			pc = 0
		} else if j >= 0 {
			pc = cur.p[j]
		}
		cold += pc * gk
		pool += 1 - (1-pc)*gk
	}
	return cold, pool
}

// recycle accounts for the maximum lifetime life (seconds; +Inf for none) after coldStarts(cur,
// floor) for the same interval of length step (seconds), and returns the expected number of cold
// starts recycling causes. A level whose environment has been warm for life is recycled when next
// used. Per level the pool tracks the rate ρ of its keep-alive cold starts (smoothed over a
// lifetime) and the expected age of its environment; once that age reaches the mean time an
// environment lives, E[min(Exp(ρ), life)], the level is recycled at the renewal rate
// ρ e^{−ρ·life} / (1 − e^{−ρ·life}) (1/life for a level that is always warm).
//
// A recycled environment leaves the pool, which with newest-idle-first reuse takes the pool's top
// level away; that costs a cold start only if the occupancy climbs back to the top before the top
// environment would have expired anyway. With p the probability that this interval reaches the
// pool's top level, Σ_k P(top = k) P(max ≥ k), smoothed over the last span/2 intervals (span/2
// being the top environment's mean remaining keep-alive in intervals), that happens with
// probability 1 − (1 − p)^(span/2).
func (w *warmPool) recycle(cur *peakDist, floor int, step, life float64) float64 {
	if math.IsInf(life, 1) {
		return 0
	}
	top := w.gLo + len(w.g) - 1 // w.g covers on-demand levels gLo+1 … top+1
	if len(w.lv) < top {
		w.lv = append(w.lv, make([]levelLife, top-len(w.lv))...)
	}
	if w.beta == 0 || w.betaFor != step/life {
		w.betaFor = step / life
		w.beta = math.Exp(-step / life)
	}
	beta := w.beta
	kc := (1 - beta) / step
	invLife := 1 / life
	var recycled, reachTop float64
	lv := w.lv[:top]
	// Levels 1 … deep−1 are in the steady state of an always-warm, always-used environment (no
	// keep-alive cold start for a lifetime, used this interval): each is recycled at rate 1/life,
	// with nothing else to update (their age hovers just below life, their rate stays ~0).
	deep := max(min(w.steady, cur.lo-floor, w.gLo), 1)
	recycled = float64(deep-1) * min(1, step*invLife)
	gk := 0.0 // P(no warm environment for on-demand level k)
	if deep > w.gLo {
		gk = w.g[deep-w.gLo-1]
	}
	// Levels above cur's band are not reached this interval (no cold start, nothing used): their
	// environments only age and their rates decay.
	reached := min(top, cur.hi()-floor)
	for k := max(reached+1, deep); k <= top; k++ {
		l := &lv[k-1]
		l.age += step
		l.rho *= beta
	}
	for k := deep; k <= reached; k++ {
		pc := cur.at(floor + k)
		gn := 0.0 // for level k+1
		if k+1 > w.gLo {
			gn = w.g[k-w.gLo]
		}
		c := pc * gk
		reachTop += (gn - gk) * pc
		// Age and keep-alive cold-start rate of the level's environment.
		l := &lv[k-1]
		age := (1-c)*(l.age+step) + c*step*0.5
		rho := beta*l.rho + kc*c
		l.rho = rho
		x := rho * life
		// Due once age ≥ E[min(Exp(ρ), life)] = life·ψ(x), then renewed at rate φ(x)/life (1/life
		// for a level that is always warm); nothing to recycle when the level is not reached with a
		// warm environment (used = 0), and beyond x = 10 the rate x·e^−x/life is negligible.
		if used := pc * (1 - gk); used > 0 && x <= renewalMax {
			if phi, psi := renewal(x); age >= life*psi {
				r := used * min(1, step*invLife*phi)
				recycled += r
				age *= 1 - r
			}
		}
		l.age = age
		gk = gn
	}
	// Extend the steady prefix over the levels that have reached it.
	st := deep - 1
	for st < top && lv[st].rho*life < 1e-3 && lv[st].age >= life-2*step {
		st++
	}
	w.steady = st
	// The chance to reach the top, smoothed over the top environment's remaining keep-alive: the
	// coming intervals' load, not this one's, decides whether it is needed again.
	horizon := max(w.span/2, 1)
	w.reach += (min(reachTop, 1) - w.reach) / horizon
	if recycled > 0 {
		recycled *= -math.Expm1(horizon * math.Log1p(-w.reach)) // 1 − (1 − reach)^horizon
	}
	return recycled
}

// keepWeights returns the keep weights of a pool with interval length step for environments whose
// idle keep-alive has survival function surv (P(keep-alive > x), x in the unit of step). An
// environment last used at a uniform instant of interval d back is needed again at a uniform instant
// of the current interval, so its idle time is (d − 1 + U₁ + U₂) steps, U uniform; the weight is the
// survival function averaged over that triangular law (midpoint rule, 32 × 32 points). The history
// stops where the weight falls below 1e-6 (at most maxIntervals intervals).
func keepWeights(surv func(x float64) float64, maxIntervals int) []float64 {
	var w []float64
	const n = 32
	for d := 1; d <= maxIntervals; d++ {
		s := 0.0
		for i := range n {
			for j := range n {
				s += surv(float64(d-1) + (float64(i)+0.5)/n + (float64(j)+0.5)/n)
			}
		}
		s /= n * n
		if s < 1e-6 {
			break
		}
		if s > 1-1e-12 {
			s = 1
		}
		w = append(w, s)
	}
	return w
}
