package workload

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchDay is one day of 1-minute counts with a diurnal cycle, mean 100 per
// minute: about 144,000 arrivals.
func benchDay(tb testing.TB) Series {
	tb.Helper()
	s, err := Diurnal(Grid{Start: t0, Step: time.Minute, Len: 1440}, DiurnalConfig{Mean: 100, Amplitude: 0.6, PeakHour: 14})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkArrivals drains one day of arrivals per op for each kind of
// stream and reports arrivals per second; allocs/op counts the stream itself
// (one allocation per day, none per arrival).
func BenchmarkArrivals(b *testing.B) {
	s := benchDay(b)
	ts := collect(stream(b, PoissonArrivals, s, rand.New(rand.NewPCG(1, 1))))
	kinds := append(slices.Clip(arrivalKinds), arrivalKind{"Timestamp", func(Series, *rand.Rand) (Arrivals, error) {
		return TimestampArrivals(ts)
	}})
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				a, err := k.make(s, rng)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, ok := a.Next(); !ok {
						break
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "arrivals/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/arrival")
		})
	}
}

func TestArrivalsDoNotAllocatePerArrival(t *testing.T) {
	s := benchDay(t)
	for _, k := range arrivalKinds {
		a := stream(t, k.make, s, rand.New(rand.NewPCG(1, 1)))
		if allocs := testing.AllocsPerRun(10000, func() { a.Next() }); allocs != 0 {
			t.Errorf("%s: %v allocations per Next, want 0", k.name, allocs)
		}
	}
}

// BenchmarkStats measures Stats (with its FFT autocorrelation) on the
// original project's 30-day training series.
func BenchmarkStats(b *testing.B) {
	s, err := OriginalTraining(OriginalGrid(OriginalTrainingLen), 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Stats()
	}
}
