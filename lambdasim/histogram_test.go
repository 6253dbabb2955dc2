package lambdasim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/quick"
	"time"
)

func TestHistogramRelativeError(t *testing.T) {
	// Every quantile is within 1 % of the exact order statistic, for values spread over 9 decades.
	check := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 1))
		var h Histogram
		vals := make([]int64, 2000)
		for i := range vals {
			vals[i] = int64(math.Exp(r.Float64() * 21)) // 1 ns .. ~1300 s
			h.Record(vals[i])
		}
		slices.Sort(vals)
		for _, q := range []float64{0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999} {
			exact := float64(vals[int(math.Ceil(q*float64(len(vals))))-1])
			got := float64(h.Quantile(q))
			if math.Abs(got-exact) > HistogramRelativeError*exact+0.5 {
				t.Logf("seed %d q %g: got %g, exact %g", seed, q, got, exact)
				return false
			}
		}
		return h.Max() == time.Duration(vals[len(vals)-1]) && h.Min() == time.Duration(vals[0])
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 50}); err != nil {
		t.Error(err)
	}
	if HistogramRelativeError > 0.01 {
		t.Errorf("HistogramRelativeError = %g, want <= 1 %%", HistogramRelativeError)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 10000 {
		v := int64(r.ExpFloat64() * 1e8)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(&b)
	if a.Count() != all.Count() || a.Max() != all.Max() || a.Min() != all.Min() || math.Abs(float64(a.Mean()-all.Mean())) > 1 {
		t.Errorf("merged count/min/max/mean %d/%v/%v/%v, want %d/%v/%v/%v", a.Count(), a.Min(), a.Max(), a.Mean(), all.Count(), all.Min(), all.Max(), all.Mean())
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%g: merged %v, single %v", q, a.Quantile(q), all.Quantile(q))
		}
	}
	a.Reset()
	if a.Count() != 0 || a.Quantile(0.5) != 0 || a.Distribution().Max != 0 {
		t.Error("Reset left values behind")
	}
	a.Record(5e6)
	if d := a.Distribution(); d.P50 != 5 || d.Max != 5 || d.Mean != 5 {
		t.Errorf("one value of 5 ms: %+v", d)
	}
}

func TestHistogramRecordAllocs(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(123456789) }); n != 0 {
		t.Errorf("Record allocates %g times, want 0", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := range b.N {
		h.Record(int64(i) * 7919)
	}
}

// TestHistogramDistributionQuantiles checks that Distribution's one-pass percentiles are
// Quantile's, bit for bit.
func TestHistogramDistributionQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 300 {
		var h Histogram
		for range n {
			h.Record(int64(math.Exp(18 + 2*rng.NormFloat64())))
		}
		d := h.Distribution()
		got := [4]float64{d.P50, d.P90, d.P95, d.P99}
		for k, q := range [4]float64{0.50, 0.90, 0.95, 0.99} {
			if want := h.quantileNs(q) / 1e6; h.n > 0 && got[k] != want {
				t.Fatalf("%d values: Distribution's q%g = %v, Quantile's %v", n, q, got[k], want)
			}
		}
	}
}
