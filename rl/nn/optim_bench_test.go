package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRMSpropStep measures one RMSprop update of A2C CartPole's 9,155 parameters
// (policy and value networks).
func BenchmarkRMSpropStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 9155
	p, g := randSlice(rng, n), randSlice(rng, n)
	o, _ := NewRMSprop(n, 0.99, 1e-5)
	for b.Loop() {
		_ = o.Step(p, g, 7e-4)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/param")
}
