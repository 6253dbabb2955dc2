package policy_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
)

// Power Tuning a simulated function: 20 invocations at each of Power Tuning's default memory sizes,
// the balanced strategy's pick, and the static policy at that size.
func ExamplePowerTuning() {
	fn := lambdasim.Function{Duration: lambdasim.CPUModel{CPUTime: 250 * time.Millisecond, Parallelism: 1, IOTime: 50 * time.Millisecond}}
	cfg := lambdatune.DefaultConfig()
	cfg.Timeout = 30 * time.Second
	pt := policy.DefaultPowerTuning()
	pt.Strategy = policy.PowerBalanced
	r, err := pt.Run(context.Background(), lambdasim.Invoker{Function: fn, Config: cfg, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range r.Stats {
		fmt.Printf("%4d MB: %6.0f ms\n", s.MemoryMB, s.AverageDuration)
	}
	fmt.Println("balanced picks", r.Best.MemoryMB, "MB")
	_ = policy.PowerTuned(cfg, r) // the static policy at that size
	// Output:
	//  128 MB:   3506 ms
	//  256 MB:   1778 ms
	//  512 MB:    914 ms
	// 1024 MB:    482 ms
	// 1536 MB:    338 ms
	// 3008 MB:    300 ms
	// balanced picks 1536 MB
}

// Target tracking as AWS runs it, from a Power-Tuned memory size: the policy a Tuner runs.
func ExampleNewTargetTracking() {
	tt := policy.DefaultTargetTracking()
	tt.MemoryMB = 1536
	tt.Statistic = policy.Maximum // what AWS advocates suggest for bursty load
	p, err := policy.NewTargetTracking(tt)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = p // lambdatune.TunerConfig{Policy: p, ...}
	fmt.Printf("target %.1f on %s, scale out after %d points, in after %d\n", tt.Target, tt.Statistic, tt.ScaleOutPoints, tt.ScaleInPoints)
	// Output: target 0.7 on Maximum, scale out after 3 points, in after 15
}

// How many provisioned environments leave at most 0.1 % of requests without one, for a function
// whose forecast load keeps 4 environments busy on average (Little's law: 8 requests/s × 0.5 s).
func ExampleProvisionFor() {
	fmt.Println(policy.ProvisionFor(8*0.5, 0.001))
	// Output: 12
}
