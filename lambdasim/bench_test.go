package lambdasim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

// benchRequests simulates at least b.N requests (one op = one request) of a constant-rate Poisson
// load from the workload package and reports req/s.
func benchRequests(b *testing.B, fn Function, rate float64, step time.Duration) {
	const warm = 20 // intervals simulated before timing: heaps, stacks and slabs reach steady state
	perStep := rate * step.Seconds()
	counts := make([]float64, warm+int(float64(b.N)/perStep)+10)
	for i := range counts {
		counts[i] = perStep
	}
	load := workload.Series{Start: DefaultStart(), Step: step, Counts: counts}
	arr, err := workload.PoissonArrivals(load, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	s := mustNew(b, Options{Interval: step, Seed: 1}, Deployment{Function: fn, Config: bigConfig(), Arrivals: arr})
	ctx := context.Background()
	for range warm {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	before := s.Stats(0).Requests
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for s.Stats(0).Requests-before < int64(b.N) {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	n := s.Stats(0).Requests - before
	b.ReportMetric(float64(n)/el.Seconds(), "req/s")
	if cpu > 0 { // throughput per CPU-second: less sensitive to other processes on a shared machine
		b.ReportMetric(float64(n)/cpu.Seconds(), "req/cpu-s")
	}
	b.ReportMetric(s.Stats(0).MeanConcurrency(), "busy-envs")
	b.ReportMetric(s.Stats(0).MeanInstances(), "envs")
}

// BenchmarkEventSimSimFaaS is the SimFaaS parity setting (λ = 0.9/s, ≈ 7.7 environments).
func BenchmarkEventSimSimFaaS(b *testing.B) {
	benchRequests(b, simfaasFunction(), 0.9, 1000*time.Second)
}

// BenchmarkEventSimHighLoad is λ = 100/s with 2.5 s mean service: about 250 busy environments.
func BenchmarkEventSimHighLoad(b *testing.B) {
	f := simfaasFunction()
	f.Duration = Flat{Exponential(2500 * time.Millisecond)}
	f.ColdDuration = Dist{}
	f.Init = Constant(200 * time.Millisecond)
	benchRequests(b, f, 100, 100*time.Second)
}

// BenchmarkEventSimRealistic is a CPU-model function with lognormal durations, an INIT preset, a
// random keep-alive and the default 2-hour lifetime at λ = 50/s.
func BenchmarkEventSimRealistic(b *testing.B) {
	f := Function{Duration: CPUModel{CPUTime: 300 * time.Millisecond, IOTime: 80 * time.Millisecond, Spread: 0.4},
		Runtime: RuntimeNode, KeepAlive: LogNormal(8*time.Minute, 0.3)}
	benchRequests(b, f, 50, time.Minute)
}
