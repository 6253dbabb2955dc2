package harness_test

import (
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
)

// A profile from what CloudWatch measured of a function at 512 MB, with the assumption of how its
// duration changes with memory said out loud: half of it CPU-bound.
func ExampleMeasuredProfile() {
	c := lambdatune.DefaultConfig()
	c.MemoryMB, c.Timeout = 512, 10*time.Second
	p, err := harness.MeasuredProfile(harness.Measurement{
		Name: "checkout", Config: c, SLO: 500 * time.Millisecond,
		MeanDuration: 300 * time.Millisecond, P50: 250 * time.Millisecond, P99: 700 * time.Millisecond,
		ErrorRate: 0.001, CPUFraction: harness.DefaultCPUFraction,
	})
	if err != nil {
		panic(err)
	}
	for _, mem := range []int{512, 1024, 1769} {
		d, err := p.Function.Duration.ServiceTime(mem, lambdatune.X86_64)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%4d MB: mean %v\n", mem, d.Mean().Round(time.Millisecond))
	}
	// Output:
	//  512 MB: mean 300ms
	// 1024 MB: mean 225ms
	// 1769 MB: mean 193ms
}
