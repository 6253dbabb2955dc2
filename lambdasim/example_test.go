package lambdasim_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

// The SimFaaS example: Poisson arrivals at 0.9/s, exponential service times (warm 1.991 s, cold
// 2.244 s), idle environments reclaimed after 600 s, over 10^6 simulated seconds. SimFaaS reports
// P(cold) ≈ 0.0014 and 7.7 instances on average.
func ExampleNew() {
	const step = 1000 * time.Second
	counts := make([]float64, 1000) // 10^6 s
	for i := range counts {
		counts[i] = 0.9 * step.Seconds()
	}
	load := workload.Series{Start: lambdasim.DefaultStart(), Step: step, Counts: counts}

	cfg := lambdatune.DefaultConfig()
	cfg.Timeout = lambdatune.MaxTimeout
	arrivals, err := workload.PoissonArrivals(load, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	sim, err := lambdasim.New(lambdasim.Options{Interval: step, Seed: 1}, lambdasim.Deployment{
		Function: lambdasim.Function{
			Duration:     lambdasim.Flat{Dist: lambdasim.Exponential(1991 * time.Millisecond)},
			ColdDuration: lambdasim.Exponential(2244 * time.Millisecond),
			KeepAlive:    lambdasim.Constant(600 * time.Second),
			MaxLifetime:  -1, // SimFaaS does not recycle environments
		},
		Config:   cfg,
		Arrivals: arrivals,
	})
	if err != nil {
		panic(err)
	}
	for range counts {
		if _, err := sim.Next(context.Background()); err != nil {
			panic(err)
		}
	}
	st := sim.Stats(0)
	fmt.Printf("P(cold) = %.5f, mean instances = %.2f\n", st.ColdStartRate(), st.MeanInstances())
	// Output: P(cold) = 0.00134, mean instances = 7.67
}

// scaleUp is the code under test: a rule that provisions concurrency for the peak of the last
// interval.
func scaleUp(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	c := obs.Current
	if n := len(obs.History); n > 0 {
		c.Provisioned = obs.History[n-1].MaxConcurrency + 2
	}
	return lambdatune.Decision{Config: c, Reason: "peak + 2"}, nil
}

// Embedding the simulator in a test of your own code: run a policy in the closed loop against a
// simulated function for an hour of steady traffic and check that it cuts cold starts once the
// provisioned concurrency is allocated, at a price.
func Example_testAPolicy() {
	const minutes = 60
	load, _ := workload.Constant(workload.Grid{Start: lambdasim.DefaultStart(), Step: time.Minute, Len: minutes}, 600) // 10/s
	fn := lambdasim.Function{
		Duration:  lambdasim.CPUModel{CPUTime: 300 * time.Millisecond, IOTime: 120 * time.Millisecond, Spread: 0.3},
		Runtime:   lambdasim.RuntimeNode,
		KeepAlive: lambdasim.Exponential(2 * time.Minute), // a platform reclaiming idle environments early
	}
	cfg := lambdatune.DefaultConfig()
	cfg.MemoryMB, cfg.Timeout = 1024, 10*time.Second

	run := func(p lambdatune.Policy) (cold int64, cost float64) {
		arrivals, err := workload.PoissonArrivals(load, rand.New(rand.NewPCG(7, 7)))
		if err != nil {
			panic(err)
		}
		sim, err := lambdasim.New(lambdasim.Options{Seed: 7}, lambdasim.Deployment{Function: fn, Config: cfg, Arrivals: arrivals})
		if err != nil {
			panic(err)
		}
		tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{Platform: sim, Policy: p})
		if err != nil {
			panic(err)
		}
		if err := tuner.Run(context.Background(), minutes); err != nil {
			panic(err)
		}
		for _, m := range tuner.History()[5:] { // after allocation
			cold += m.ColdStarts
		}
		return cold, sim.Stats(0).Cost.Total()
	}
	staticCold, staticCost := run(lambdatune.Fixed(cfg))
	ruleCold, ruleCost := run(lambdatune.PolicyFunc(scaleUp))
	fmt.Println("static config has cold starts:", staticCold > 0)
	fmt.Println("the rule cuts cold starts by more than half:", ruleCold < staticCold/2)
	fmt.Println("and costs more:", ruleCost > staticCost)
	// Output:
	// static config has cold starts: true
	// the rule cuts cold starts by more than half: true
	// and costs more: true
}

// Duration models: how a function's mean duration changes with memory.
func ExampleCPUModel() {
	// 1 s of single-threaded CPU work at one vCPU plus 50 ms of I/O.
	m := lambdasim.CPUModel{CPUTime: time.Second, IOTime: 50 * time.Millisecond}
	for _, mb := range []int{128, 512, 1769, 3008} {
		fmt.Printf("%5d MB: %v\n", mb, m.Mean(mb, lambdatune.X86_64).Round(time.Millisecond))
	}
	// Output:
	//   128 MB: 13.87s
	//   512 MB: 3.505s
	//  1769 MB: 1.05s
	//  3008 MB: 1.05s
}

// A Power Tuning result as a duration model, interpolated between the measured sizes.
func ExampleMeasured() {
	m := lambdasim.Measured{Points: []lambdasim.MemoryDuration{
		{MemoryMB: 128, Mean: 1200 * time.Millisecond},
		{MemoryMB: 512, Mean: 310 * time.Millisecond},
		{MemoryMB: 1024, Mean: 160 * time.Millisecond},
	}}
	d, _ := m.Mean(768, lambdatune.X86_64)
	fmt.Println(d.Round(time.Millisecond))
	// Output: 210ms
}

// Percentiles from a mergeable histogram: per-interval histograms add up to whole-run ones.
func ExampleHistogram() {
	var monday, tuesday lambdasim.Histogram
	for i := 1; i <= 100; i++ {
		monday.RecordDuration(time.Duration(i) * time.Millisecond)
		tuesday.RecordDuration(time.Duration(100+i) * time.Millisecond)
	}
	monday.Merge(&tuesday)
	fmt.Println(monday.Count(), monday.Quantile(0.5).Round(time.Millisecond), monday.Max())
	// Output: 200 100ms 200ms
}
