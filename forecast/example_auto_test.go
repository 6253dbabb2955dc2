package forecast_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/forecast"
)

// A timer-triggered function: 3 invocations every 15 minutes. Auto finds the
// exact period, chooses the seasonal naive forecast and says why.
func ExampleAuto() {
	load := make([]float64, 24*60)
	for i := 7; i < len(load); i += 15 {
		load[i] = 3
	}
	a := forecast.NewAuto()
	if err := a.Fit(context.Background(), load, nil); err != nil {
		fmt.Println(err)
		return
	}
	sel, _ := a.Selection()
	fmt.Println("chosen:", sel.Chosen)
	fmt.Println("exact period:", sel.ExactPeriod)
	next, _ := a.Predict(load, nil, 15)
	fmt.Println("next 15 minutes:", next)
	// Output:
	// chosen: seasonal naive (period 15)
	// exact period: 15
	// next 15 minutes: [0 0 0 0 0 0 0 3 0 0 0 0 0 0 0]
}

// A provisioning policy sizes provisioned concurrency from a high quantile
// of the next minutes' load rather than from the point forecast: by
// Little's law, concurrency = arrival rate × duration, and the 0.9 quantile
// of the rate gives capacity that is enough in about 9 minutes out of 10.
func ExampleAuto_PredictQuantile() {
	rng := rand.New(rand.NewPCG(1, 2))
	load := make([]float64, 24*60) // invocations per minute, a noisy daily cycle
	for i := range load {
		rate := 600 + 300*math.Sin(2*math.Pi*float64(i)/(24*60))
		load[i] = math.Round(rate + 40*rng.NormFloat64())
	}
	a := forecast.NewAuto()
	if err := a.Fit(context.Background(), load, nil); err != nil {
		fmt.Println(err)
		return
	}
	point, _ := a.Predict(load, nil, 2)
	q90, _ := a.PredictQuantile(load, nil, 2, 0.9)
	const durationSeconds = 0.4
	for k := range 2 {
		pc := math.Ceil(q90[k] / 60 * durationSeconds)
		fmt.Printf("minute +%d: quantile above the forecast: %v, provisioned concurrency %v\n", k+1, q90[k] > point[k], pc)
	}
	// Output:
	// minute +1: quantile above the forecast: true, provisioned concurrency 5
	// minute +2: quantile above the forecast: true, provisioned concurrency 5
}

// PredictCDF answers "will this capacity suffice next minute?" and, with
// PITCoverage, measures the calibration of forecasts of counts. For a timer
// the next value is known: all the forecast's mass sits on it, so a minute
// at the 0.9 quantile counts as 0.9 covered, not as 1.
func ExampleAuto_PredictCDF() {
	load := make([]float64, 12*60)
	for i := 4; i < len(load); i += 10 {
		load[i] = 2 // a timer: 2 invocations every 10 minutes
	}
	a := forecast.NewAuto()
	if err := a.Fit(context.Background(), load[:600], nil); err != nil {
		fmt.Println(err)
		return
	}
	below, atMost, _ := a.PredictCDF(load[:604], nil, 1, 2)
	fmt.Printf("next minute: P(< 2) = %.2f, P(<= 2) = %.3f\n", below, atMost)
	lo, hi, _ := forecast.OneStepAheadCDF(a, load, nil, 600)
	pit, _ := forecast.PITCoverage(lo, hi, 0.9)
	q, _ := forecast.OneStepAheadQuantile(a, load, nil, 600, 0.9)
	cov, _ := forecast.Coverage(load[600:], q)
	fmt.Printf("0.9 quantile: coverage %.2f, PIT coverage %.2f\n", cov, pit)
	// Output:
	// next minute: P(< 2) = 0.00, P(<= 2) = 0.997
	// 0.9 quantile: coverage 1.00, PIT coverage 0.90
}

// DetectExactPeriod finds the period of a timer even when it misses a run.
func ExampleDetectExactPeriod() {
	calls := make([]float64, 600)
	for i := 0; i < len(calls); i += 10 {
		calls[i] = 1
	}
	calls[300] = 0 // one missed run
	p, err := forecast.DetectExactPeriod(calls, forecast.ExactPeriod{})
	fmt.Println(p, err)
	// Output:
	// 10 <nil>
}

// Conformal gives any forecaster calibrated quantiles: here Holt-Winters on
// a noisy cycle.
func ExampleConformal() {
	rng := rand.New(rand.NewPCG(3, 4))
	load := make([]float64, 2000)
	for i := range load {
		load[i] = 100 + 30*math.Sin(2*math.Pi*float64(i)/30) + 5*rng.NormFloat64()
	}
	c := forecast.NewConformal(forecast.NewHoltWinters(30))
	if err := c.Fit(context.Background(), load[:1000], nil); err != nil {
		fmt.Println(err)
		return
	}
	q, err := forecast.OneStepAheadQuantile(c, load, nil, 1000, 0.9)
	if err != nil {
		fmt.Println(err)
		return
	}
	cov, _ := forecast.Coverage(load[1000:], q)
	fmt.Printf("coverage of the 0.9 quantile on 1000 new values: %.2f\n", cov)
	// Output:
	// coverage of the 0.9 quantile on 1000 new values: 0.91
}
