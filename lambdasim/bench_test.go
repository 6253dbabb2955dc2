package lambdasim

import (
	"context"
	"testing"
	"time"
)

// benchRequests simulates at least b.N requests (one op = one request) and reports req/s.
func benchRequests(b *testing.B, s *Sim) {
	ctx := context.Background()
	// Warm up: grow heaps, stacks and environment slabs to their steady-state size.
	for range 20 {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	before := s.Stats(0).Requests
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for s.Stats(0).Requests-before < int64(b.N) {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.StopTimer()
	n := s.Stats(0).Requests - before
	b.ReportMetric(float64(n)/el.Seconds(), "req/s")
	b.ReportMetric(s.Stats(0).MeanConcurrency(), "busy-envs")
	b.ReportMetric(s.Stats(0).MeanInstances(), "envs")
}

// BenchmarkEventSimSimFaaS is the SimFaaS parity setting (λ = 0.9/s, ≈ 7.7 environments).
func BenchmarkEventSimSimFaaS(b *testing.B) {
	s := mustNew(b, Options{Interval: 1000 * time.Second, Seed: 1},
		Deployment{Function: simfaasFunction(), Config: bigConfig(), Arrivals: newPoisson(0.9, 1)})
	benchRequests(b, s)
}

// BenchmarkEventSimHighLoad is λ = 100/s with 2.5 s mean service: about 250 busy environments.
func BenchmarkEventSimHighLoad(b *testing.B) {
	f := simfaasFunction()
	f.Duration = Fixed{Exponential(2500 * time.Millisecond)}
	f.ColdDuration = Dist{}
	f.Init = Constant(200 * time.Millisecond)
	s := mustNew(b, Options{Interval: 100 * time.Second, Seed: 1},
		Deployment{Function: f, Config: bigConfig(), Arrivals: newPoisson(100, 1)})
	benchRequests(b, s)
}
