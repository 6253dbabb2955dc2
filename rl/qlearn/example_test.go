package qlearn_test

import (
	"context"
	"fmt"

	"github.com/lambdatune/lambdatune/env/cartpole"
	"github.com/lambdatune/lambdatune/rl/qlearn"
)

// Tabular Q-learning on CartPole with the original project's settings; the unbounded
// velocities need explicit binning ranges.
func Example() {
	e, _ := cartpole.New(cartpole.Config{})
	cfg := qlearn.DefaultConfig()
	cfg.Low = []float64{-2.4, -3, -0.21, -3.5}
	cfg.High = []float64{2.4, 3, 0.21, 3.5}
	agent, err := qlearn.New(e.ObservationSpace(), e.ActionSpace(), cfg)
	if err != nil {
		panic(err)
	}
	var sum float64
	err = agent.Learn(context.Background(), e, 2000, func(ep qlearn.Episode) error {
		if ep.Index >= 1900 {
			sum += ep.Return
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("states:", agent.NumStates(), "beats random (≈22):", sum/100 > 44)
	// Output: states: 10000 beats random (≈22): true
}
