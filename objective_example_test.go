package lambdatune_test

import (
	"fmt"

	"github.com/lambdatune/lambdatune"
)

// Judging a run: two intervals' metrics into the Objective's two numbers and its loss.
func ExampleObjective() {
	ms := []lambdatune.Metrics{
		{Invocations: 6000, ColdStarts: 4, SLOMisses: 3, Cost: lambdatune.Cost{Requests: 0.0012, Duration: 0.024}},
		{Invocations: 3990, Throttles: 10, Cost: lambdatune.Cost{Requests: 0.0008, Duration: 0.016, Provisioned: 0.004}},
	}
	s := lambdatune.Measure(ms)
	o := lambdatune.DefaultObjective()
	fmt.Printf("%d requests, %.2f %% violated the SLO, $%.2f per million requests, loss %.2f\n",
		s.Requests, 100*s.ViolationRate(), s.CostPerMillion(), o.Loss(s))
	// The RL reward of each interval, scaled by the mean requests per interval, sums to −2 × loss.
	scale := float64(s.Requests) / 2
	fmt.Printf("rewards %.2f + %.2f\n", o.Reward(ms[0], scale), o.Reward(ms[1], scale))
	// Output:
	// 10000 requests, 0.13 % violated the SLO, $4.60 per million requests, loss 5.90
	// rewards -5.64 + -6.16
}
