package lambdasim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

// ExampleNewInterval simulates a day of the original project's bursty load on the interval model
// under two memory sizes. The same Options and Deployment run on the event-level model with
// lambdasim.New instead of lambdasim.NewInterval.
func ExampleNewInterval() {
	load, err := workload.OriginalBursty(workload.Grid{Start: lambdasim.DefaultStart(), Step: time.Minute, Len: 1440}, 1)
	if err != nil {
		panic(err)
	}
	fn := lambdasim.Function{
		Name:     "api",
		Duration: lambdasim.CPUModel{CPUTime: 120 * time.Millisecond, IOTime: 40 * time.Millisecond, Spread: 0.4},
		Runtime:  lambdasim.RuntimePython,
	}
	ctx := context.Background()
	for _, mem := range []int{256, 1024} {
		cfg := lambdatune.DefaultConfig()
		cfg.MemoryMB = mem
		arrivals, err := lambdasim.NewLoad(load, 1)
		if err != nil {
			panic(err)
		}
		sim, err := lambdasim.NewInterval(lambdasim.Options{Seed: 1},
			lambdasim.Deployment{Function: fn, Config: cfg, Arrivals: arrivals})
		if err != nil {
			panic(err)
		}
		for range load.Len() {
			if _, err := sim.Next(ctx); err != nil {
				panic(err)
			}
		}
		st := sim.Stats(0)
		fmt.Printf("%4d MB: %d invocations, %d cold starts, p95 %.0f ms, USD %.2f\n",
			mem, st.Invocations, st.ColdStarts, sim.RunLatency(0).P95, st.Cost.Total())
	}
	// Output:
	//  256 MB: 281908 invocations, 441 cold starts, p95 1550 ms, USD 1.08
	// 1024 MB: 281908 invocations, 159 cold starts, p95 441 ms, USD 1.22
}
