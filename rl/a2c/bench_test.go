package a2c

import (
	"context"
	"testing"
)

// BenchmarkA2CCartPole measures training throughput in environment steps per second:
// 8 CartPole-v1 envs stepped on one goroutine, SB3 default hyperparameters. One op is
// one update (5 steps × 8 envs = 40 env steps).
func BenchmarkA2CCartPole(b *testing.B) {
	v := cartPoleVec(b, 8)
	m := newModel(b, v, DefaultConfig())
	if err := m.Learn(context.Background(), v, 400); err != nil {
		b.Fatal(err)
	}
	var p Progress
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := m.collect(); err != nil {
			b.Fatal(err)
		}
		m.train(0.5, &p)
	}
	b.ReportMetric(float64(b.N*40)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkA2CPredict measures one deterministic Predict on one CartPole observation
// (SB3's model.predict takes about 130 µs).
func BenchmarkA2CPredict(b *testing.B) {
	v := cartPoleVec(b, 1)
	m := newModel(b, v, DefaultConfig())
	obs := []float64{0.01, -0.02, 0.03, 0.04}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(obs, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkA2CPredictBatch measures deterministic PredictBatch on 64 CartPole
// observations; ns/obs is the cost per observation.
func BenchmarkA2CPredictBatch(b *testing.B) {
	v := cartPoleVec(b, 1)
	m := newModel(b, v, DefaultConfig())
	obs := make([]float64, 64*4)
	for i := range obs {
		obs[i] = float64(i%9-4) * 0.01
	}
	dst := make([]float64, 64)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictBatch(dst, obs, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/obs")
}
