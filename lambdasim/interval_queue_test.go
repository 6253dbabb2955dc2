package lambdasim

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// newWarmPool returns a pool set up by init, for the tests of a pool on its own.
func newWarmPool(keep []float64) *warmPool {
	w := &warmPool{}
	w.init(keep)
	return w
}

func TestErlangB(t *testing.T) {
	for _, tc := range []struct {
		c    int
		a    float64
		want float64 // published table values or the recursion
	}{
		{0, 3, 1},
		{1, 1, 0.5},
		{2, 1, 0.2},
		{10, 5, 0.018384},                // standard Erlang-B table
		{5, 2.5, 0.8138021 / 11.6705729}, // Σ_{j≤5} 2.5^j/j! = 11.6705729, 2.5^5/5! = 0.8138021
		{3, 0, 0},
		{100, 80, erlangBRecursion(100, 80)},
		{100, 80.37, erlangBRecursion(100, 80.37)}, // non-integer load
		{1000, 1200.5, erlangBRecursion(1000, 1200.5)},
		{10, 200, erlangBRecursion(10, 200)},
		{900, 100, erlangBRecursion(900, 100)}, // far beyond the load: log-space branch
		{1, 1e-9, erlangBRecursion(1, 1e-9)},
	} {
		got, err := ErlangB(tc.c, tc.a)
		if err != nil {
			t.Fatal(err)
		}
		tol := 1e-12 * tc.want
		if tc.c == 10 || tc.c == 5 { // table values with 5–8 digits
			tol = 5e-6
		}
		if math.Abs(got-tc.want) > tol {
			t.Errorf("ErlangB(%d, %g) = %.12g, want %.12g", tc.c, tc.a, got, tc.want)
		}
	}
	for _, bad := range []struct {
		c int
		a float64
	}{{-1, 1}, {1, -1}, {1, math.NaN()}, {1, math.Inf(1)}} {
		if _, err := ErlangB(bad.c, bad.a); err == nil {
			t.Errorf("ErlangB(%d, %g): no error", bad.c, bad.a)
		}
	}
}

// minHeap of finish times, for the reference simulations.
type minHeap []float64

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *minHeap) Pop() any {
	o := *h
	x := o[len(o)-1]
	*h = o[:len(o)-1]
	return x
}

// refMaxPerStep simulates an M/M/∞ queue (or M/M/c/c when c > 0) and returns the mean over steps of
// the largest occupancy in each step.
func refMaxPerStep(lambda, mean, step, horizon float64, c int, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	var busy minHeap
	t, cur, curMax, sum, n := 0.0, 0, 0, 0, 0
	for {
		t += r.ExpFloat64() / lambda
		if t > horizon {
			break
		}
		for busy.Len() > 0 && busy[0] <= t {
			heap.Pop(&busy)
		}
		for s := int(t / step); cur < s; cur++ {
			sum += curMax
			n++
			curMax = busy.Len()
		}
		if c > 0 && busy.Len() >= c {
			continue
		}
		heap.Push(&busy, t+r.ExpFloat64()*mean)
		curMax = max(curMax, busy.Len())
	}
	return float64(sum) / float64(n)
}

func TestLevelMaxMatchesSimulation(t *testing.T) {
	for _, tc := range []struct {
		name               string
		lambda, mean, step float64
		c                  int
		horizon            float64
	}{
		{"light", 0.9, 1.991, 60, 0, 2e5},
		{"moderate", 20, 0.5, 60, 0, 2e4},
		{"capped", 20, 0.5, 60, 12, 2e4},
		{"short step", 5, 1, 5, 0, 2e4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := refMaxPerStep(tc.lambda, tc.mean, tc.step, tc.horizon, tc.c, 1)
			var m peakDist
			m.compute(tc.lambda, tc.lambda*tc.mean, tc.step, map[bool]int{true: tc.c, false: -1}[tc.c > 0], -1)
			if got := m.mean(); math.Abs(got-want)/want > 0.03 {
				t.Errorf("E[max per step] = %.3f, simulation %.3f (> 3 %% apart)", got, want)
			}
		})
	}
}

// TestWarmPoolSimFaaS holds the pool model to SimFaaS's published example (λ = 0.9/s, warm mean
// 1.991 s, cold 2.244 s, 600 s expiration): P(cold) ≈ 0.0014 and 7.7 instances on average.
func TestWarmPoolSimFaaS(t *testing.T) {
	const lambda, step = 0.9, 60.0
	keep := keepWeights(func(x float64) float64 {
		if x < 600/step {
			return 1
		}
		return 0
	}, 100)
	w := newWarmPool(keep)
	var m peakDist
	a := lambda * 1.991
	m.compute(lambda, a, step, -1, -1)
	for range len(keep) {
		w.push(&m, 0)
	}
	cold, pool := w.coldStarts(&m, 0)
	if p := cold / (lambda * step); math.Abs(p-0.0014)/0.0014 > 0.1 {
		t.Errorf("P(cold) = %.5f, want 0.0014 ± 10 %%", p)
	}
	if math.Abs(pool-7.7)/7.7 > 0.03 {
		t.Errorf("warm pool = %.3f environments, want 7.7 ± 3 %%", pool)
	}
	// Provisioned environments serve first: with 4 of them the on-demand ones see less load and
	// start less often; with 20 nothing reaches them, and the idle on-demand pool stays.
	c4, _ := w.coldStarts(&m, 4)
	c20, p20 := w.coldStarts(&m, 20)
	if !(c4 < cold) || c20 != 0 || math.Abs(p20-pool) > 0.5 {
		t.Errorf("cold starts above floor 4 = %g (all %g), above 20 = %g with pool %g (was %g)", c4, cold, c20, p20, pool)
	}
	// A cleared pool (configuration change) cold-starts every level reached.
	w.clear()
	if c, _ := w.coldStarts(&m, 0); math.Abs(c-m.mean()) > 1e-9 {
		t.Errorf("after clear: %g cold starts, want E[max] = %g", c, m.mean())
	}
}

func TestKeepWeights(t *testing.T) {
	fixed := func(k float64) func(float64) float64 {
		return func(x float64) float64 {
			if x < k {
				return 1
			}
			return 0
		}
	}
	w := keepWeights(fixed(10), 100)
	if len(w) != 10 || w[8] != 1 || math.Abs(w[9]-0.5) > 0.02 {
		t.Errorf("keep weights for 10 intervals = %v, want nine 1s then 0.5", w)
	}
	w = keepWeights(func(x float64) float64 { return math.Exp(-x / 3) }, 1000)
	for i := 1; i < len(w); i++ {
		if w[i] > w[i-1] {
			t.Fatalf("weights not decreasing: %v", w)
		}
	}
	if len(w) < 30 || len(w) > 50 {
		t.Errorf("exponential keep-alive of mean 3 intervals kept %d intervals, want ~40 (weight > 1e-6)", len(w))
	}
}

func TestExpSmall(t *testing.T) {
	for z := 0.0; z <= 11.6; z += 0.000731 {
		want := math.Exp(-z)
		if got := expSmall(z); math.Abs(got-want) > 1e-11*want {
			t.Fatalf("expSmall(%g) = %g, want %g", z, got, want)
		}
	}
}

// TestRenewal holds the tabulated renewal functions to their formulas.
func TestRenewal(t *testing.T) {
	for x := 0.0; x <= renewalMax; x += 0.000917 {
		phi, psi := renewal(x)
		wantPhi, wantPsi := 1.0, 1.0
		if x > 0 {
			wantPhi, wantPsi = x/math.Expm1(x), -math.Expm1(-x)/x
		}
		if math.Abs(phi-wantPhi) > 4e-6 || math.Abs(psi-wantPsi) > 4e-6 {
			t.Fatalf("renewal(%g) = %g, %g, want %g, %g", x, phi, psi, wantPhi, wantPsi)
		}
	}
}

// TestLevelMaxCapAt holds the capped distribution derived from the uncapped one to the one
// computed with the cap, level by level, over loads, starting states, caps and interval lengths.
func TestLevelMaxCapAt(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var cur, capped, direct peakDist
	declined := 0
	for i := range 20000 {
		a := math.Exp(r.Float64()*9 - 4) // 0.02 … 150 erlangs
		a0 := []float64{-1, 0, a * (0.5 + r.Float64())}[i%3]
		step := []float64{0.5, 5, 60, 600}[r.IntN(4)]
		capacity := []int{-1, 1000, int(a*2) + 1 + r.IntN(10)}[r.IntN(3)]
		lambda := a / (0.01 + r.Float64()*3)
		cur.compute(lambda, a, step, capacity, a0)
		c := 1 + r.IntN(int(a*1.5)+3)
		if capacity > 0 {
			c = min(c, capacity)
		}
		direct.compute(lambda, a, step, c, a0)
		if !capped.capAt(&cur, c) {
			declined++
			continue
		}
		for k := 1; k <= c+1; k++ {
			if got, want := capped.at(k), direct.at(k); math.Abs(got-want) > 1e-4 {
				t.Fatalf("λ %g a %g a0 %g step %g cap %d → %d: P(max ≥ %d) = %g, computed with the cap %g", lambda, a, a0, step, capacity, c, k, got, want)
			}
		}
		if got, want := capped.mean(), direct.mean(); math.Abs(got-want) > 1e-4*(1+want) {
			t.Fatalf("λ %g a %g a0 %g step %g cap %d → %d: E[max] = %g, computed with the cap %g", lambda, a, a0, step, capacity, c, got, want)
		}
	}
	if declined > 10000 {
		t.Errorf("capAt declined %d of 20000 cases", declined)
	}
	t.Logf("capAt declined %d of 20000 cases (cap below the start's lower quartile)", declined)
}

// TestLevelMaxExtremes: tiny and huge loads, starting states and caps give finite distributions,
// and a load far beyond the cap reaches the cap.
func TestLevelMaxExtremes(t *testing.T) {
	var m peakDist
	for _, a := range []float64{1e-9, 1e-4, 0.02, 0.5, 3, 40, 300, 3000} {
		for _, a0 := range []float64{-1, 0, 1e-9, 1e-4, 0.02, 0.5, 3, 40, 300, 3000} {
			for _, c := range []int{-1, 1, 16, 100, 1000} {
				for _, step := range []float64{0.5, 30, 60} {
					m.compute(a/1.263, a, step, c, a0)
					mean := m.mean()
					if math.IsNaN(mean) || math.IsInf(mean, 0) || mean < 0 || (c > 0 && mean > float64(c)+1e-9) {
						t.Fatalf("a %g a0 %g cap %d step %g: E[max] = %v (lo %d, band %v)", a, a0, c, step, mean, m.lo, m.p)
					}
					if c > 0 && a > float64(c)*10 && a > 1 && mean < float64(c)-1e-6 {
						t.Errorf("a %g far beyond cap %d (a0 %g, step %g): E[max] = %v, want the cap", a, c, a0, step, mean)
					}
				}
			}
		}
	}
}

// coldStartsDirect is warmPool.coldStarts the plain way: every history entry (most recent first,
// weighted by keep, as many as keep has) multiplied in at every level, no bands, no running
// products, no geometric tail.
func coldStartsDirect(hist []peakDist, keep []float64, cur *peakDist, floor int) (cold, pool float64, g []float64, lo int) {
	hist = hist[:min(len(hist), len(keep))]
	for d := range hist { // levels up to lo of an interval of weight 1 are surely warm
		if keep[d] == 1 {
			lo = max(lo, hist[d].lo)
		}
	}
	top := max(cur.hi()-floor, 0)
	for _, h := range hist {
		top = max(top, h.hi())
	}
	top = max(top, lo)
	g = make([]float64, top+1-lo)
	for i := range g {
		k := lo + 1 + i
		g[i] = 1
		for d := range hist {
			g[i] *= 1 - keep[d]*hist[d].at(k)
		}
	}
	pool = float64(lo)
	for k := lo + 1; k <= top; k++ {
		pc := cur.at(floor + k)
		cold += pc * g[k-lo-1]
		pool += 1 - (1-pc)*g[k-lo-1]
	}
	return cold, pool, g, lo
}

// TestWarmPoolBands drives pools (fixed keep-alives and keep-alive distributions) through random
// loads, provisioned floors and configuration changes, and holds their cold starts, pool sizes and
// per-level P(no warm environment), computed band by band with running products (and a geometric
// tail for the exponential keep-alives), to the direct product.
func TestWarmPoolBands(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		keep []float64
		tail bool
	}{
		{keepWeights(fixedKeep(10), 100), false},                                       // 10 minutes
		{keepWeights(fixedKeep(3), 100), false},                                        // 3 minutes
		{keepWeights(func(x float64) float64 { return math.Exp(-x / 5) }, 1000), true}, // exponential
		{keepWeights(func(x float64) float64 { return math.Exp(-x / 20) }, 1000), true},
		{keepWeights(func(x float64) float64 { return 1 / (1 + x*x/25) }, 100), false}, // not geometric
		{keepWeights(fixedKeep(1.5), 100), false},                                      // shorter than two intervals
		{[]float64{1, 1, 1, 1}, false},                                                 // weight 1 throughout
	} {
		w := newWarmPool(tc.keep)
		if got := w.tailQ > 0; got != tc.tail {
			t.Fatalf("keep %v: geometric tail %v, want %v", tc.keep, got, tc.tail)
		}
		// Exact to rounding without a tail; the tail's series and its unbounded history (the
		// direct product stops where the weights fall below 1e-6) cost a little more.
		tol := 1e-12
		if tc.tail {
			tol = 2e-5
		}
		var m peakDist
		var hist []peakDist // most recent first
		for step := range 3000 {
			lambda := r.Float64() * 20 * float64(1+step%7)
			m.compute(lambda, lambda*r.Float64(), 60, -1, r.Float64()*lambda)
			floor := 0
			if r.IntN(5) == 0 {
				floor = r.IntN(4)
			}
			cold, pool := w.coldStarts(&m, floor)
			wc, wp, wg, wlo := coldStartsDirect(hist, tc.keep, &m, floor)
			if math.Abs(cold-wc) > max(1e-9, tol)*(1+wc) || math.Abs(pool-wp) > max(1e-9, tol)*(1+wp) || w.gLo != wlo {
				t.Fatalf("keep %v, step %d: cold %v pool %v (lo %d), want %v %v (lo %d)", tc.keep, step, cold, pool, w.gLo, wc, wp, wlo)
			}
			for i := range wg {
				if math.Abs(w.g[i]-wg[i]) > tol*max(wg[i], 1e-3) {
					t.Fatalf("keep %v, step %d: P(no warm) of level %d = %v, want %v", tc.keep, step, wlo+1+i, w.g[i], wg[i])
				}
			}
			for i := wlo + len(wg); i < w.gLo+len(w.g); i++ { // the pool may look further up, where nothing is remembered
				if g := w.g[i-w.gLo]; math.Abs(g-1) > tol {
					t.Fatalf("keep %v, step %d: P(no warm) of unremembered level %d = %v, want 1", tc.keep, step, i+1, g)
				}
			}
			w.push(&m, floor)
			e := w.entry(1)
			hist = append([]peakDist{{lo: e.lo, p: slices.Clone(e.p)}}, hist...)
			if r.IntN(200) == 0 {
				w.clear()
				hist = hist[:0]
			}
		}
	}
}

// fixedKeep is the survival function of a fixed keep-alive of n intervals.
func fixedKeep(n float64) func(float64) float64 {
	return func(x float64) float64 {
		if x < n {
			return 1
		}
		return 0
	}
}
