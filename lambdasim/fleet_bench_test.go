package lambdasim

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// fleetSizes are the numbers of functions the fleet benchmarks run.
var fleetSizes = []int{10, 100, 1000, 10000}

// fleetOptions is an account large enough that n functions rarely throttle: the limit grows with n.
func fleetOptions(n int) Options {
	return Options{Seed: 1, Limits: lambdatune.Limits{AccountConcurrency: 1000 + 10*n, MinUnreserved: 100}}
}

// heapInUse returns the bytes of live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkEventSimFleet runs N functions of one account on the event model, each the
// interval benchmarks' Python API at 1 request/s of Poisson arrivals, stepping the whole account a
// minute at a time (one op = one request). It reports req/s, req/cpu-s and the live heap per
// function (B/fn, after a warm-up). The per-request cost should not grow with N.
func BenchmarkEventSimFleet(b *testing.B) {
	for _, n := range fleetSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			const warm, rate = 3, 60.0 // intervals before timing; requests per function-minute
			steps := warm + int(float64(b.N)/(rate*float64(n))) + 2
			counts := make([]float64, steps)
			for i := range counts {
				counts[i] = rate
			}
			series := workload.Series{Start: DefaultStart(), Step: time.Minute, Counts: counts}
			heap0 := heapInUse()
			deps := make([]Deployment, n)
			for i := range deps {
				l, err := NewLoad(series, uint64(i+1))
				if err != nil {
					b.Fatal(err)
				}
				deps[i] = Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l}
			}
			s, err := New(fleetOptions(n), deps...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			requests := func() (r int64) {
				for i := range n {
					r += s.fns[i].stats.Requests
				}
				return r
			}
			if err := s.Run(ctx, warm); err != nil {
				b.Fatal(err)
			}
			perFn := float64(heapInUse()-heap0) / float64(n)
			before := requests()
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			for requests()-before < int64(b.N) {
				if err := s.Run(ctx, 1); err != nil {
					b.Fatal(err)
				}
			}
			el, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			r := float64(requests() - before)
			b.ReportMetric(perFn, "B/fn")
			b.ReportMetric(r/el.Seconds(), "req/s")
			if cpu > 0 {
				b.ReportMetric(r/cpu.Seconds(), "req/cpu-s")
			}
		})
	}
}

// BenchmarkIntervalFleet runs N functions of one account on the interval model, each the interval
// benchmarks' Python API under the seed's bursty pattern (about 3.3 requests/s), stepping the whole
// account (one op = one function-minute). It reports fn-min/s, fn-min/cpu-s and the live heap per
// function (B/fn). The per-function-minute cost should not grow with N.
func BenchmarkIntervalFleet(b *testing.B) {
	for _, n := range fleetSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			const warm = 3
			steps := warm + b.N/n + 2
			series, err := workload.SeedBursty(ivGrid(steps), 1)
			if err != nil {
				b.Fatal(err)
			}
			heap0 := heapInUse()
			deps := make([]Deployment, n)
			for i := range deps {
				l, err := NewLoad(series, uint64(i+1))
				if err != nil {
					b.Fatal(err)
				}
				deps[i] = Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l}
			}
			s, err := NewInterval(fleetOptions(n), deps...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			dst := make([]lambdatune.Metrics, 0, n)
			for range warm {
				if dst, err = s.Step(ctx, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
			perFn := float64(heapInUse()-heap0) / float64(n)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			done := 0
			for done < b.N {
				if dst, err = s.Step(ctx, dst[:0]); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			el, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			b.ReportMetric(perFn, "B/fn")
			b.ReportMetric(float64(done)/el.Seconds(), "fn-min/s")
			reportCPU(b, cpu, done)
		})
	}
}
