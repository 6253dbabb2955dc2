package lambdasim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

// A function's latency SLO is set on its Deployment. Each interval's Metrics report it (SLO) and
// count the invocations that ran without error but took longer (SLOMisses: a cold start's INIT
// included); lambdatune.Objective counts those, errors and throttles as violations. Here a Java
// function at 3 requests a minute meets a 250 ms SLO when warm and misses it on a cold start.
func ExampleDeployment_slo() {
	load, err := workload.Constant(workload.Grid{Start: lambdasim.DefaultStart(), Step: time.Minute, Len: 1440}, 3)
	if err != nil {
		panic(err)
	}
	fn := lambdasim.Function{
		Name:     "java",
		Duration: lambdasim.CPUModel{CPUTime: 30 * time.Millisecond, IOTime: 20 * time.Millisecond, Spread: 0.3},
		Runtime:  lambdasim.RuntimeJava,
	}
	cfg := lambdatune.DefaultConfig()
	cfg.MemoryMB = 1024
	for _, model := range []struct {
		name string
		new  func(lambdasim.Options, ...lambdasim.Deployment) (lambdatune.Platform, error)
	}{
		{"event", func(o lambdasim.Options, d ...lambdasim.Deployment) (lambdatune.Platform, error) {
			return lambdasim.New(o, d...)
		}},
		{"interval", func(o lambdasim.Options, d ...lambdasim.Deployment) (lambdatune.Platform, error) {
			return lambdasim.NewInterval(o, d...)
		}},
	} {
		arrivals, err := lambdasim.NewLoad(load, 1)
		if err != nil {
			panic(err)
		}
		sim, err := model.new(lambdasim.Options{Seed: 1},
			lambdasim.Deployment{Function: fn, Config: cfg, Arrivals: arrivals, SLO: 250 * time.Millisecond})
		if err != nil {
			panic(err)
		}
		var score lambdatune.Score
		for range load.Len() {
			m, err := sim.Next(context.Background())
			if err != nil {
				panic(err)
			}
			score.Add(&m)
		}
		fmt.Printf("%-8s model: %d requests, %d cold starts, %d SLO misses\n", model.name, score.Requests, score.ColdStarts, score.SLOMisses)
	}
	// Output:
	// event    model: 4303 requests, 26 cold starts, 26 SLO misses
	// interval model: 4320 requests, 26 cold starts, 26 SLO misses
}
