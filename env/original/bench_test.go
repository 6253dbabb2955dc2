package original_test

import (
	"testing"

	"github.com/lambdatune/lambdatune/env/original"
)

// BenchmarkStep times one step of the original's env over its own 8,604-step forecast,
// cycling through the 36 actions; it reports allocations (there are none) and steps/s.
func BenchmarkStep(b *testing.B) {
	e := newEnv(b, forecastColumn(readLog(b, "baseline_static")))
	if _, _, err := e.Reset(seedNone); err != nil {
		b.Fatal(err)
	}
	act := make([]float64, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		act[0] = float64(i % original.NumActions)
		i++
		r, err := e.Step(act)
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			e.Reset(seedNone)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
