package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func maxAbsDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// kernelShapes covers the networks' layer shapes (rows n, inputs in, outputs out),
// with widths that hit every tile and tail of the assembly kernels.
var kernelShapes = []struct{ n, in, out int }{
	{1, 4, 64}, {8, 4, 64}, {8, 64, 64}, {8, 64, 2}, {8, 64, 1}, {40, 64, 64}, {40, 4, 64},
	{40, 64, 2}, {40, 64, 1}, {1, 64, 64}, {1, 64, 3}, {3, 8, 5}, {5, 12, 7}, {7, 4, 9},
	{2, 16, 12}, {6, 20, 4}, {9, 4, 1}, {5, 28, 3}, {11, 44, 13}, {3, 4, 6}, {1, 4, 2},
}

// TestKernelsAVX2MatchGo runs the assembly kernels and the portable Go kernels on the
// same inputs and compares them (they sum in different orders, so to rounding).
func TestKernelsAVX2MatchGo(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("CPU without AVX2 and FMA: only the Go kernels run")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const tol = 1e-12
	for _, s := range kernelShapes {
		t.Run(fmt.Sprintf("n%d_in%d_out%d", s.n, s.in, s.out), func(t *testing.T) {
			n, in, out := s.n, s.in, s.out
			x, w, b := randSlice(rng, n*in), randSlice(rng, out*in), randSlice(rng, out)
			d := randSlice(rng, n*out)
			// Guard values after each output catch writes past the end.
			y1, y2 := make([]float64, n*out+4), make([]float64, n*out+4)
			linearForward(y1[:n*out], x, w, b, n, in, out) // fwdIn4AVX2 for in = 4
			linearForwardGo(y2, x, w, b, n, in, out)
			if e := maxAbsDiff(y1, y2); e > tol || y1[n*out] != 0 {
				t.Errorf("forward: max difference %g, guard %g", e, y1[n*out])
			}
			fwdAVX2(y1[:n*out], x, w, b, n, in, out)
			if e := maxAbsDiff(y1, y2); e > tol || y1[n*out] != 0 {
				t.Errorf("forward (dot-product tiles): max difference %g, guard %g", e, y1[n*out])
			}
			gw1, gw2 := randSlice(rng, out*in+4), make([]float64, out*in+4)
			copy(gw2, gw1)
			gb1, gb2 := randSlice(rng, out), make([]float64, out)
			copy(gb2, gb1)
			linearGradParams(gw1[:out*in], gb1, d, x, n, in, out)
			linearGradParamsGo(gw2[:out*in], gb2, d, x, n, in, out)
			if e := maxAbsDiff(gw1, gw2); e > tol {
				t.Errorf("weight gradient: max difference %g", e)
			}
			if e := maxAbsDiff(gb1, gb2); e > tol {
				t.Errorf("bias gradient: max difference %g", e)
			}
			dx1, dx2 := randSlice(rng, n*in+4), make([]float64, n*in+4)
			copy(dx2[n*in:], dx1[n*in:])
			linearGradInput(dx1[:n*in], d, w, n, in, out)
			linearGradInputGo(dx2[:n*in], d, w, n, in, out)
			if e := maxAbsDiff(dx1, dx2); e > tol {
				t.Errorf("input gradient: max difference %g", e)
			}
		})
	}
}

func TestGemmAVX2MatchesGo(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("CPU without AVX2 and FMA")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ m, p, cols int }{{1, 1, 4}, {4, 3, 8}, {5, 7, 12}, {9, 2, 20}, {64, 40, 64}, {3, 5, 4}, {1, 3, 28}, {6, 2, 12}, {7, 4, 36}} {
		a := randSlice(rng, s.m*s.p)
		b := randSlice(rng, s.p*s.cols)
		c1 := randSlice(rng, s.m*s.cols)
		c2 := append([]float64(nil), c1...)
		gemmAVX2(c1, a, b, s.m, s.p, s.cols, s.p, 1, s.cols, 1)
		gemmGo(c2, a, b, s.m, s.p, s.cols, s.p, 1, s.cols)
		if e := maxAbsDiff(c1, c2); e > 1e-12 {
			t.Errorf("%+v: max difference %g", s, e)
		}
		// acc = 0 overwrites c.
		gemmAVX2(c1, a, b, s.m, s.p, s.cols, s.p, 1, s.cols, 0)
		clear(c2)
		gemmGo(c2, a, b, s.m, s.p, s.cols, s.p, 1, s.cols)
		if e := maxAbsDiff(c1, c2); e > 1e-12 {
			t.Errorf("%+v, overwriting: max difference %g", s, e)
		}
	}
}

// TestVectorHelpersAVX2MatchGo compares the AVX2 and Go paths of the optimizer,
// clipping and activation-gradient helpers on lengths around the vector widths.
func TestVectorHelpersAVX2MatchGo(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("CPU without AVX2 and FMA")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 4, 5, 15, 16, 17, 33, 4610} {
		g := randSlice(rng, n)
		if got, want := sumSquares(g), sumSquaresGo(g); math.Abs(got-want) > 1e-12*want {
			t.Errorf("n=%d: sumSquares %v, Go %v", n, got, want)
		}
		x1 := append([]float64(nil), g...)
		x2 := append([]float64(nil), g...)
		scale(x1, 0.37)
		scaleGo(x2, 0.37)
		if diff := bitsDiffer(x1, x2); diff >= 0 {
			t.Errorf("n=%d: scale differs at %d", n, diff)
		}
		p1, sq1 := randSlice(rng, n), randSlice(rng, n)
		for i := range sq1 {
			sq1[i] = math.Abs(sq1[i])
		}
		p2, sq2 := append([]float64(nil), p1...), append([]float64(nil), sq1...)
		rmsprop(p1, g, sq1, 0.99, 0.01, 7e-4, 1e-5)
		rmspropGo(p2, g, sq2, 0.99, 0.01, 7e-4, 1e-5)
		if diff := bitsDiffer(p1, p2); diff >= 0 {
			t.Errorf("n=%d: rmsprop parameters differ at %d", n, diff)
		}
		if diff := bitsDiffer(sq1, sq2); diff >= 0 {
			t.Errorf("n=%d: rmsprop state differs at %d", n, diff)
		}
		y := randSlice(rng, n)
		d1, d2 := append([]float64(nil), g...), append([]float64(nil), g...)
		tanhGrad(d1, y)
		tanhGradGo(d2, y)
		if diff := bitsDiffer(d1, d2); diff >= 0 {
			t.Errorf("n=%d: tanhGrad differs at %d", n, diff)
		}
	}
}

// bitsDiffer returns the first index where a and b differ bitwise, or -1.
func bitsDiffer(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// BenchmarkKernels measures the dense-layer kernels on A2C's CartPole shapes (a
// rollout step's forward on 8 rows, the update's backward on 40) in multiply-adds per
// nanosecond.
func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct{ n, in, out int }{{8, 64, 64}, {40, 64, 64}, {1, 64, 64}, {8, 4, 64}, {8, 64, 2}, {40, 64, 2}} {
		n, in, out := s.n, s.in, s.out
		x, w, bb, d := randSlice(rng, n*in), randSlice(rng, out*in), randSlice(rng, out), randSlice(rng, n*out)
		y, gw, gb, dx := make([]float64, n*out), make([]float64, out*in), make([]float64, out), make([]float64, n*in)
		macs := float64(n * in * out)
		name := fmt.Sprintf("n%d_in%d_out%d", n, in, out)
		b.Run("forward/"+name, func(b *testing.B) {
			for b.Loop() {
				linearForward(y, x, w, bb, n, in, out)
			}
			b.ReportMetric(macs*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "MAC/ns")
		})
		// Two weight matrices used in turn, as a policy and a value network are
		// during a rollout: 64×64 weights then no longer stay in L1.
		w2 := randSlice(rng, out*in)
		b.Run("forward2nets/"+name, func(b *testing.B) {
			for b.Loop() {
				linearForward(y, x, w, bb, n, in, out)
				linearForward(y, x, w2, bb, n, in, out)
			}
			b.ReportMetric(2*macs*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "MAC/ns")
		})
		b.Run("gradParams/"+name, func(b *testing.B) {
			for b.Loop() {
				linearGradParams(gw, gb, d, x, n, in, out)
			}
			b.ReportMetric(macs*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "MAC/ns")
		})
		b.Run("gradInput/"+name, func(b *testing.B) {
			for b.Loop() {
				linearGradInput(dx, d, w, n, in, out)
			}
			b.ReportMetric(macs*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "MAC/ns")
		})
	}
}

// TestForwardRowsIndependentOfBatch checks that a row's output has the same bits
// whether it is computed alone or in a batch (whichever kernel tile handles it), so
// that batched and single predictions agree exactly.
func TestForwardRowsIndependentOfBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range kernelShapes {
		n, in, out := s.n, s.in, s.out
		x, w, b := randSlice(rng, n*in), randSlice(rng, out*in), randSlice(rng, out)
		y := make([]float64, n*out)
		linearForward(y, x, w, b, n, in, out)
		y1 := make([]float64, out)
		for r := 0; r < n; r++ {
			linearForward(y1, x[r*in:(r+1)*in], w, b, 1, in, out)
			if i := bitsDiffer(y1, y[r*out:(r+1)*out]); i >= 0 {
				t.Errorf("n%d_in%d_out%d: row %d output %d: alone %v, in the batch %v", n, in, out, r, i, y1[i], y[r*out+i])
			}
		}
	}
}
