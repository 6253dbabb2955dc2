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

// fleetDeployments returns n deployments of function fn(i) under series, each with its own seed.
func fleetDeployments(b *testing.B, n int, series workload.Series, fn func(i int) Function) []Deployment {
	deps := make([]Deployment, n)
	for i := range deps {
		l, err := NewLoad(series, uint64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		deps[i] = Deployment{Function: fn(i), Config: ivBenchConfig(), Arrivals: l}
	}
	return deps
}

// fleetDistinct returns function i of a fleet whose functions each have a model of their own: the
// interval benchmarks' Python API with i µs more CPU time.
func fleetDistinct(i int) Function {
	fn := ivBenchFunction()
	fn.Duration = CPUModel{CPUTime: 120*time.Millisecond + time.Duration(i)*time.Microsecond, IOTime: 40 * time.Millisecond, Spread: 0.4}
	return fn
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
// minute at a time (one op = one request). It reports req/s, req/cpu-s, the live heap per
// function (B/fn, after a warm-up), the windows an interval through which the functions ran on
// their own (runFunctions; the unreserved pool's check counts an environment for every arrival,
// so from N = 100 on the account's limit of 1,000 + 10 N does not allow whole intervals), and the
// intervals run optimistically, kept (optimistic/interval) or undone (rollbacks/interval). The
// per-request cost should not grow with N.
func BenchmarkEventSimFleet(b *testing.B) {
	for _, n := range fleetSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchEventSimFleet(b, n, fleetOptions(n)) })
	}
}

// BenchmarkEventSimFleetRoomy is BenchmarkEventSimFleet with an account limit of 1,000 + 100 N,
// under which every function runs whole intervals on its own at every N: the cost of N itself,
// apart from that of the windows.
func BenchmarkEventSimFleetRoomy(b *testing.B) {
	for _, n := range fleetSizes {
		opts := fleetOptions(n)
		opts.Limits.AccountConcurrency = 1000 + 100*n
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchEventSimFleet(b, n, opts) })
	}
}

// BenchmarkEventSimFleetTight is BenchmarkEventSimFleet with an account limit of 1,000 + 2 N:
// the pool never fills (a request keeps an environment busy about 0.45 s at 512 MB, so the
// account holds about 0.45 N at once), but a function's most over a minute is 3 or more, so the
// whole-interval maxima summed exceed the limit from N = 1,000 on (3,370 at 1,000).
func BenchmarkEventSimFleetTight(b *testing.B) {
	for _, n := range fleetSizes {
		opts := fleetOptions(n)
		opts.Limits.AccountConcurrency = 1000 + 2*n
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchEventSimFleet(b, n, opts) })
	}
}

func benchEventSimFleet(b *testing.B, n int, opts Options) {
	const warm, rate = 3, 60.0 // intervals before timing; requests per function-minute
	steps := warm + int(float64(b.N)/(rate*float64(n))) + 2
	counts := make([]float64, steps)
	for i := range counts {
		counts[i] = rate
	}
	series := workload.Series{Start: DefaultStart(), Step: time.Minute, Counts: counts}
	heap0 := heapInUse()
	deps := fleetDeployments(b, n, series, func(int) Function { return ivBenchFunction() })
	s, err := New(opts, deps...)
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
	before, windows, steps0 := requests(), s.windows, s.steps
	kept, undone := s.optimistic, s.rollbacks
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
	ivs := float64(s.steps - steps0)
	b.ReportMetric(float64(s.windows-windows)/ivs, "windows/interval")
	b.ReportMetric(float64(s.optimistic-kept)/ivs, "optimistic/interval")
	b.ReportMetric(float64(s.rollbacks-undone)/ivs, "rollbacks/interval")
}

// BenchmarkIntervalFleet runs N functions of one account on the interval model under the seed's
// bursty pattern (about 3.3 requests/s each), stepping the whole account (one op = one
// function-minute), and reports fn-min/s, fn-min/cpu-s and the live heap per function (B/fn). The
// per-function-minute cost should not grow with N. Sub-benchmarks: "same", every function the
// interval benchmarks' Python API (they share its invocation shape); "distinct", each function a
// CPU time of its own (a shape each: more memory, more to build); "tuned", as "same" but every
// function reads its metrics through its own Platform and is given a new configuration every
// interval (provisioned concurrency 0 or 1), as a fleet tuner drives it.
func BenchmarkIntervalFleet(b *testing.B) {
	for _, kind := range []string{"same", "distinct", "tuned"} {
		for _, n := range fleetSizes {
			b.Run(fmt.Sprintf("%s/N=%d", kind, n), func(b *testing.B) { benchIntervalFleet(b, kind, n) })
		}
	}
}

func benchIntervalFleet(b *testing.B, kind string, n int) {
	const warm = 3
	steps := warm + b.N/n + 2
	series, err := workload.OriginalBursty(ivGrid(steps), 1)
	if err != nil {
		b.Fatal(err)
	}
	heap0 := heapInUse()
	fn := func(int) Function { return ivBenchFunction() }
	if kind == "distinct" {
		fn = fleetDistinct
	}
	deps := fleetDeployments(b, n, series, fn)
	s, err := NewInterval(fleetOptions(n), deps...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dst := make([]lambdatune.Metrics, 0, n)
	ps := make([]*FunctionPlatform, n)
	for i := range ps { // every platform exists before the first reads
		ps[i] = s.Function(i)
	}
	step := func(k int) error {
		if kind != "tuned" {
			dst, err = s.Step(ctx, dst[:0])
			return err
		}
		for i, p := range ps {
			c := deps[i].Config
			c.Provisioned = k % 2
			if err := p.Apply(ctx, c); err != nil {
				return err
			}
			if _, err := p.Next(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	for k := range warm {
		if err := step(k); err != nil {
			b.Fatal(err)
		}
	}
	perFn := float64(heapInUse()-heap0) / float64(n)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	done := 0
	for k := warm; done < b.N; k++ {
		if err := step(k); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(perFn, "B/fn")
	b.ReportMetric(float64(done)/el.Seconds(), "fn-min/s")
	reportCPU(b, cpu, done)
}

// BenchmarkIntervalFleetDay runs a day of one-minute intervals of N functions on the interval
// model, each a model of its own ("distinct" in BenchmarkIntervalFleet), building the simulator
// included (one op = one day of the fleet). It reports the CPU seconds of a day (cpu-s/day) and of
// building it (build-cpu-s), and fn-min/cpu-s over both. Every N then does the same work per
// function: a shape built whole (the first 16) or cell by cell when first read (the rest), and
// 1,440 steps, where BenchmarkIntervalFleet times fewer steps per function as N grows. Run N =
// 10,000 with -benchtime 1x: an op takes tens of seconds.
func BenchmarkIntervalFleetDay(b *testing.B) {
	for _, n := range fleetSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchIntervalFleetDay(b, n) })
	}
}

func benchIntervalFleetDay(b *testing.B, n int) {
	const day = 24 * 60
	series, err := workload.OriginalBursty(ivGrid(day), 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var cpuDay, cpuBuild time.Duration
	for range b.N {
		b.StopTimer()
		deps := fleetDeployments(b, n, series, fleetDistinct) // the arrivals: not the simulator's work
		b.StartTimer()
		cpu0 := cpuTime()
		s, err := NewInterval(fleetOptions(n), deps...)
		if err != nil {
			b.Fatal(err)
		}
		cpuBuild += cpuTime() - cpu0
		if err := s.Run(ctx, day); err != nil {
			b.Fatal(err)
		}
		cpuDay += cpuTime() - cpu0
	}
	b.ReportMetric(cpuDay.Seconds()/float64(b.N), "cpu-s/day")
	b.ReportMetric(cpuBuild.Seconds()/float64(b.N), "build-cpu-s")
	if cpuDay > 0 {
		b.ReportMetric(float64(n*day*b.N)/cpuDay.Seconds(), "fn-min/cpu-s")
	}
}
