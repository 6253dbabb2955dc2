package forecast_test

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune/forecast"
)

// Train the default forecaster on three weeks of hourly load with a daily
// cycle, then forecast the next six hours.
func ExampleNewDefault() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var load []float64
	var times []time.Time
	for i := range 21 * 24 {
		times = append(times, start.Add(time.Duration(i)*time.Hour))
		load = append(load, 100+50*math.Sin(2*math.Pi*float64(i)/24)+float64(i%5))
	}
	f := forecast.NewDefault()
	if err := f.Fit(context.Background(), load, times); err != nil {
		fmt.Println(err)
		return
	}
	next, err := f.Predict(load, times, 6)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("seasonal periods:", f.Builder().Periods())
	for i, v := range next {
		want := 100 + 50*math.Sin(2*math.Pi*float64(len(load)+i)/24)
		fmt.Printf("hour +%d: within 10 of the daily cycle: %v\n", i+1, math.Abs(v-want) < 10)
	}
	// Output:
	// seasonal periods: [24]
	// hour +1: within 10 of the daily cycle: true
	// hour +2: within 10 of the daily cycle: true
	// hour +3: within 10 of the daily cycle: true
	// hour +4: within 10 of the daily cycle: true
	// hour +5: within 10 of the daily cycle: true
	// hour +6: within 10 of the daily cycle: true
}

// Score forecasters on the last part of a series.
func ExampleOneStepAhead() {
	series := []float64{10, 12, 11, 13, 12, 14, 13, 15, 14, 16}
	for _, f := range []forecast.Forecaster{forecast.LastValue{}, forecast.MovingAverage{Window: 3}} {
		if err := f.Fit(context.Background(), series[:6], nil); err != nil {
			fmt.Println(err)
			return
		}
		pred, err := forecast.OneStepAhead(f, series, nil, 6)
		if err != nil {
			fmt.Println(err)
			return
		}
		mae, _ := forecast.MAE(series[6:], pred)
		fmt.Printf("%T: MAE %.2f\n", f, mae)
	}
	// Output:
	// forecast.LastValue: MAE 1.50
	// forecast.MovingAverage: MAE 1.00
}
