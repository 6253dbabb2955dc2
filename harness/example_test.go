package harness_test

import (
	"context"
	"fmt"
	"os"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
)

// Comparing target tracking with the oracle on two hours of the original project's bursty load,
// for the CPU-bound profile, over two seeds.
func ExampleRun() {
	w, err := harness.Synthetic("bursty", 2.0/24)
	if err != nil {
		fmt.Println(err)
		return
	}
	ss, err := harness.Standard("target-tracking", "oracle")
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, err := harness.Run(context.Background(), harness.Config{
		Workloads: []harness.Workload{w}, Profiles: []harness.Profile{harness.CPUBound()},
		Strategies: ss, Seeds: []uint64{1, 2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := harness.Summarize(rs, lambdatune.DefaultObjective())
	for _, r := range rows {
		fmt.Printf("%s: %d runs\n", r.Strategy, r.Seeds)
	}
	_ = harness.WriteSummary(os.Stdout, nil) // summary.csv's header: one row per run follows
	// Output:
	// target-tracking: 2 runs
	// oracle: 2 runs
	// workload,profile,strategy,seed,requests,cost_usd,slo_violation_pct,cold_starts,throttles,errors,p95_ms,p99_ms
}
