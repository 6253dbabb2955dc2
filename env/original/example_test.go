package original_test

import (
	"fmt"

	"github.com/lambdatune/lambdatune/env/original"
)

// The original's static and ML-only strategies on a short forecast: the rule saves money
// and violates the SLA far more often, as in the original's results.
func Example() {
	forecast := []float64{90, 86, 83, 80, 230, 225, 210, 120, 110, 100}
	e, err := original.New(original.Config{Forecast: forecast})
	if err != nil {
		panic(err)
	}
	for _, s := range []struct {
		name   string
		policy original.Policy
	}{{"static", original.Static}, {"ML-only", original.MLOnly}} {
		rows, err := original.Run(e, s.policy)
		if err != nil {
			panic(err)
		}
		sum := original.Summarize(rows)
		fmt.Printf("%-8s latency %.1f ms, cost %.4f USD, SLA violations %.0f %%\n", s.name, sum.AvgLatency, sum.AvgCost, 100*sum.SLAViolationRate)
	}
	// Output:
	// static   latency 194.0 ms, cost 0.0711 USD, SLA violations 30 %
	// ML-only  latency 228.8 ms, cost 0.0513 USD, SLA violations 90 %
}

// Decoding an action of the original's table.
func ExampleDecode() {
	a, err := original.Decode(24)
	if err != nil {
		panic(err)
	}
	o := original.Evaluate(0.5, a)
	fmt.Println(a)
	fmt.Printf("latency %.1f ms, cost %.4f USD (logged as %.4f), reward %.3f\n", o.LatencyMS, o.CostUSD, o.LoggedCost(), o.Reward)
	// Output:
	// 512 MB, 10 s, concurrency 1
	// latency 157.6 ms, cost 0.2845 USD (logged as 0.1000), reward -14.846
}
