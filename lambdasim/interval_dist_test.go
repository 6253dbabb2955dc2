package lambdasim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mathext"
)

func TestDistCDFQuantileInverse(t *testing.T) {
	for _, d := range []Dist{
		Exponential(2 * time.Second),
		LogNormal(100*time.Millisecond, 0.5),
		LogNormalMean(30*time.Millisecond, 1.2),
		Uniform(10*time.Millisecond, 20*time.Millisecond),
	} {
		for _, p := range []float64{0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.9999} {
			x := distQuantile(&d, p)
			if got := distCDF(&d, x); math.Abs(got-p) > 1e-6 { // Quantile is whole nanoseconds
				t.Errorf("%v: CDF(Quantile(%g)) = %.12g", d, p, got)
			}
		}
	}
	c := Constant(5 * time.Millisecond)
	if distCDF(&c, 5e6) != 1 || distCDF(&c, 5e6-1) != 0 || distQuantile(&c, 0.3) != 5e6 {
		t.Error("constant distribution: wrong CDF or quantile")
	}
}

// mcShape samples invocations (cold with probability pc) and returns latency quantiles and the
// mean billed milliseconds, the way the event model bills them.
func mcShape(d, init, cold Dist, timeout float64, pc float64, n int) (lat map[float64]float64, billWarm, billColdAll float64) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, n)
	var bw, bc float64
	var nw, nc int
	for i := range xs {
		isCold := r.Float64() < pc
		var v float64
		if isCold && !cold.IsZero() {
			v = math.Min(float64(cold.Sample(r)), timeout)
			bc += ceilMs(v)
			nc++
		} else {
			run := math.Min(float64(d.Sample(r)), timeout)
			v = run
			if isCold {
				v += float64(init.Sample(r))
				bc += ceilMs(v)
				nc++
			} else {
				bw += ceilMs(run)
				nw++
			}
		}
		xs[i] = v
	}
	slices.Sort(xs)
	lat = map[float64]float64{}
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99} {
		lat[q] = xs[int(math.Ceil(q*float64(n)))-1]
	}
	return lat, bw / float64(max(nw, 1)), bc / float64(max(nc, 1))
}

func TestShapeMatchesSampling(t *testing.T) {
	for _, tc := range []struct {
		name          string
		d, init, cold Dist
		timeout       time.Duration
		pc            float64
	}{
		{"lognormal warm only", LogNormalMean(120*time.Millisecond, 0.4), LogNormal(85*time.Millisecond, 0.18), Dist{}, 3 * time.Second, 0},
		{"lognormal 20% cold", LogNormalMean(120*time.Millisecond, 0.4), LogNormal(85*time.Millisecond, 0.18), Dist{}, 3 * time.Second, 0.2},
		{"heavy tail with timeouts", LogNormalMean(800*time.Millisecond, 1.0), LogNormal(300*time.Millisecond, 0.3), Dist{}, 2 * time.Second, 0.05},
		{"constant", Constant(100 * time.Millisecond), Constant(250 * time.Millisecond), Dist{}, 3 * time.Second, 0.07},
		{"SimFaaS", Exponential(1991 * time.Millisecond), Dist{}, Exponential(2244 * time.Millisecond), 900 * time.Second, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s ivShape
			s.build(tc.d, tc.init, tc.cold, float64(tc.timeout), math.Inf(1), false)
			lat, bw, bc := mcShape(tc.d, tc.init, tc.cold, float64(tc.timeout), tc.pc, 400000)
			for q, want := range lat {
				got := s.quantile(s.fWarm, s.fColdLat, tc.pc, q)
				if math.Abs(got-want)/want > 0.01 {
					t.Errorf("latency p%g = %.4g ms, sampling %.4g ms (> 1 %% apart)", q*100, got/1e6, want/1e6)
				}
			}
			if math.Abs(s.billWarm-bw)/bw > 0.005 {
				t.Errorf("billed ms warm = %.3f, sampling %.3f", s.billWarm, bw)
			}
			if tc.pc > 0 && math.Abs(s.billColdAll-bc)/bc > 0.01 {
				t.Errorf("billed ms cold = %.3f, sampling %.3f", s.billColdAll, bc)
			}
		})
	}
}

// TestQuantileFromHint: the galloping search gives the bisection's answer from any hint.
func TestQuantileFromHint(t *testing.T) {
	var s ivShape
	s.build(LogNormalMean(120*time.Millisecond, 0.4), LogNormal(85*time.Millisecond, 0.18), Dist{}, 3e9, math.Inf(1), false)
	for _, pc := range []float64{0, 0.01, 0.3} {
		for _, q := range []float64{0.001, 0.5, 0.95, 0.99, 0.99999} {
			want := s.quantile(s.fWarm, s.fColdLat, pc, q)
			for _, h := range []int{-5, 0, 1, 37, len(s.x) / 2, len(s.x) - 2, len(s.x) + 3} {
				hint := h
				if got := s.quantileFrom(s.fWarm, s.fColdLat, pc, q, &hint); got != want {
					t.Errorf("pc %g q %g hint %d: %g, bisection %g", pc, q, h, got, want)
				}
			}
		}
	}
}

// TestOrderQuantile holds the order-statistic quadrature nodes to gonum's inverse regularized
// incomplete beta function, which they replace on the hot path.
func TestOrderQuantile(t *testing.T) {
	for n := 1; n < smallN; n++ {
		for r := 1; r <= n; r++ {
			start := float64(r) / float64(n+1)
			for j := range orderNodes { // the nodes' probabilities, in the order orderStat asks for them
				p := (float64(j) + 0.5) / orderNodes
				got := orderQuantile(n, r, p, start)
				start = got
				want := mathext.InvRegIncBeta(float64(r), float64(n-r+1), p)
				if d := math.Abs(got - want); d > 1e-12*want+1e-15 {
					t.Errorf("orderQuantile(%d, %d, %v) = %v, want %v (InvRegIncBeta)", n, r, p, got, want)
				}
			}
		}
	}
}

// TestShapeLazyColdLatency holds a lazily built shape to the whole one: every cold latency cell, and
// the quantiles and CDF read through them, bit for bit.
func TestShapeLazyColdLatency(t *testing.T) {
	d, init := LogNormalMean(120*time.Millisecond, 0.4), LogNormal(85*time.Millisecond, 0.18)
	var whole, lazy ivShape
	whole.build(d, init, Dist{}, 3e9, 2e8, false)
	lazy.build(d, init, Dist{}, 3e9, 2e8, true)
	for _, pc := range []float64{0, 0.05, 0.5, 1} {
		for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
			if got, want := lazy.quantile(lazy.fWarm, lazy.fColdLat, pc, q), whole.quantile(whole.fWarm, whole.fColdLat, pc, q); got != want {
				t.Errorf("quantile(pc=%g, %g) = %v lazily, %v whole", pc, q, got, want)
			}
		}
	}
	for _, x := range []float64{1e8, 2.1e8, 5e8} {
		if got, want := lazy.cdfAt(lazy.fColdLat, x), whole.cdfAt(whole.fColdLat, x); got != want {
			t.Errorf("cdfAt(%g) = %v lazily, %v whole", x, got, want)
		}
	}
	for i := range lazy.fColdLat {
		if v := lazy.fColdLat[i]; v != v {
			lazy.coldLat(i)
		}
	}
	if !slices.Equal(lazy.fColdLat, whole.fColdLat) {
		t.Error("cold latency cells differ")
	}
}
