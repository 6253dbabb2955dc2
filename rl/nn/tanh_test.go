package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulpDiff is the distance between a and b in units in the last place of b.
func ulpDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	ulp := math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b)
	return math.Abs(a-b) / ulp
}

func tanhInputs() []float64 {
	rng := rand.New(rand.NewPCG(7, 8))
	xs := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-324, 1e-8, -1e-8, 0.17328679513998632,
		0.5, -0.5, 1, -1, 2, 10, 18, 19.1, 20, 21, -21, 700, 1e308, math.Inf(1), math.Inf(-1)}
	for i := 0; i < 200000; i++ {
		var x float64
		switch i % 4 {
		case 0:
			x = rng.NormFloat64() // typical pre-activations
		case 1:
			x = (rng.Float64()*2 - 1) * 25
		case 2:
			x = math.Copysign(math.Exp(-40*rng.Float64()), rng.Float64()-0.5) // tiny values
		case 3:
			x = (rng.Float64()*2 - 1) * 0.4 // around the first range-reduction boundary
		}
		xs = append(xs, x)
	}
	return xs
}

// TestTanhAccuracy measures the fast tanh against math.Tanh; the largest error seen
// is 3 ulp (2.2e-16 absolute), see the log.
func TestTanhAccuracy(t *testing.T) {
	var maxULP, maxAbs, worst float64
	for _, x := range tanhInputs() {
		got, want := tanhGo(x), math.Tanh(x)
		if u := ulpDiff(got, want); u > maxULP {
			maxULP, worst = u, x
		}
		maxAbs = max(maxAbs, math.Abs(got-want))
		if math.Signbit(got) != math.Signbit(want) {
			t.Errorf("tanh(%v) = %v, sign differs from math.Tanh %v", x, got, want)
		}
	}
	t.Logf("max error vs math.Tanh: %.2f ulp (at x = %v), %.3g absolute", maxULP, worst, maxAbs)
	if maxULP > 4 {
		t.Errorf("max error %.2f ulp at x = %v, want ≤ 4", maxULP, worst)
	}
	if got := tanhGo(math.NaN()); !math.IsNaN(got) {
		t.Errorf("tanh(NaN) = %v", got)
	}
}

// TestTanhAVX2MatchesGo checks that the assembly kernel gives the scalar Go version's
// bits (both use only IEEE operations and fused multiply-adds), including the tail of
// a slice whose length is not a multiple of 4.
func TestTanhAVX2MatchesGo(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("CPU without AVX2 and FMA (or the purego build tag)")
	}
	xs := append(tanhInputs(), math.NaN(), 0.25, -3)
	got := append([]float64(nil), xs...)
	tanhSlice(got)
	for i, x := range xs {
		want := tanhGo(x)
		if math.IsNaN(want) {
			if !math.IsNaN(got[i]) {
				t.Errorf("tanh(%v) = %v, want NaN", x, got[i])
			}
			continue
		}
		if math.Float64bits(got[i]) != math.Float64bits(want) {
			t.Errorf("tanhSlice(%v) = %v, tanhGo = %v", x, got[i], want)
		}
	}
}

func BenchmarkTanhSlice(b *testing.B) {
	v := randSlice(rand.New(rand.NewPCG(1, 1)), 512)
	w := make([]float64, len(v))
	b.ReportAllocs()
	for b.Loop() {
		copy(w, v)
		tanhSlice(w)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(v)), "ns/value")
}

func BenchmarkMathTanh(b *testing.B) {
	v := randSlice(rand.New(rand.NewPCG(1, 1)), 512)
	w := make([]float64, len(v))
	for b.Loop() {
		for i, x := range v {
			w[i] = math.Tanh(x)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(v)), "ns/value")
}
