package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune/forecast"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/policy"
)

// family is a kind of strategy with the knob that trades cost for violations, one member per
// value of the knob, in the knob's order.
type family struct {
	name    string
	agent   bool // members are trained agents (their strategies are built once trained)
	members []member
}

// member is a family's strategy at one value of its knob.
type member struct {
	name, knob string
	value      float64 // the knob's value
	strategy   harness.Strategy
	index      int // agents: the weight's index
}

// families lists the strategies compared, family by family.
func families(weights []float64) ([]family, error) {
	agents := family{name: "A2C agent trained per SLO weight w (cost weight 1)", agent: true}
	for i, w := range weights {
		agents.members = append(agents.members, member{name: fmt.Sprintf("a2c w=%g", w), knob: fmt.Sprintf("w=%g", w), value: w, index: i})
	}
	tt := family{name: "target tracking per utilization target"}
	for _, t := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} { // utilization targets
		tt.members = append(tt.members, member{name: fmt.Sprintf("target-tracking %g", t), knob: fmt.Sprintf("%g", t), value: t, strategy: targetTracking(fmt.Sprintf("target-tracking %g", t), t)})
	}
	pred := family{name: "predictive per cold-start target"}
	for _, t := range []float64{1e-1, 1e-2, 1e-3, 1e-4} { // cold-start targets
		name := fmt.Sprintf("predictive %g%%", 100*t)
		pred.members = append(pred.members, member{name: name, knob: fmt.Sprintf("%g%%", 100*t), value: t, strategy: predictive(name, t)})
	}
	std, err := harness.Standard("static", "power-tuned")
	if err != nil {
		return nil, err
	}
	return []family{agents, tt, pred,
		{name: "static (the profile's configuration)", members: []member{{name: "static", strategy: std[0]}}},
		{name: "Power-Tuned memory, static", members: []member{{name: "power-tuned", strategy: std[1]}}},
	}, nil
}

// targetTracking is target tracking at the Power Tuning sweep's memory size with the given
// utilization target (the harness's target-tracking strategy, its knob turned).
func targetTracking(name string, target float64) harness.Strategy {
	return harness.Strategy{Name: name, New: func(_ context.Context, e harness.Env) (harness.Setup, error) {
		tt := policy.DefaultTargetTracking()
		tt.Target, tt.MemoryMB = target, e.Sweep.Best.MemoryMB
		p, err := policy.NewTargetTracking(tt)
		return harness.Setup{Policy: p}, err
	}}
}

// predictive is the predictive strategy with the given cold-start target, built as the harness
// builds its predictive strategy: the sweep's memory size and mean duration, forecast.NewAuto
// refit hourly on the last day after an hour of warm-up, three intervals ahead.
func predictive(name string, target float64) harness.Strategy {
	return harness.Strategy{Name: name, New: func(_ context.Context, e harness.Env) (harness.Setup, error) {
		p := policy.DefaultPredictive()
		p.ColdStartTarget, p.MemoryMB = target, e.Sweep.Best.MemoryMB
		p.MeanDuration = time.Duration(e.Sweep.Best.AverageDuration * float64(time.Millisecond))
		pol, err := policy.NewPredictive(p)
		return harness.Setup{Policy: pol, Forecaster: forecast.NewAuto(), Horizon: 3, Refit: 60, WarmUp: 60}, err
	}}
}
