package forecast

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// timerSeries returns n values that are count every period intervals
// (starting at phase) and 0 otherwise.
func timerSeries(n, period, phase int, count float64) []float64 {
	v := make([]float64, n)
	for i := phase; i < n; i += period {
		v[i] = count
	}
	return v
}

func TestDetectExactPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float64, 600)
	for i := range noise {
		noise[i] = float64(rng.IntN(5))
	}
	sparse := make([]float64, 600)
	for i := range sparse {
		if rng.Float64() < 0.03 {
			sparse[i] = 1
		}
	}
	missed := timerSeries(600, 15, 3, 1)
	missed[3+15*20] = 0 // one firing missed: 2 of 40 informative intervals differ
	twoLevel := timerSeries(600, 10, 0, 4)
	for i := 5; i < 600; i += 10 {
		twoLevel[i] = 2
	}
	busyTimer := timerSeries(600, 7, 0, 30)
	for i := range busyTimer {
		busyTimer[i] += 100 // a steady base load with a timer on top
	}
	tests := []struct {
		name   string
		values []float64
		cfg    ExactPeriod
		want   int
	}{
		{"timer every 5", timerSeries(600, 5, 0, 1), ExactPeriod{}, 5},
		{"timer every 60 with a phase", timerSeries(600, 60, 17, 3), ExactPeriod{}, 60},
		{"a missed firing", missed, ExactPeriod{}, 15},
		{"a missed firing, MinMatch 1", missed, ExactPeriod{MinMatch: 1}, 0},
		{"two timers, one pattern every 10", twoLevel, ExactPeriod{}, 10},
		{"timer over a base load", busyTimer, ExactPeriod{}, 7},
		{"constant", make([]float64, 600), ExactPeriod{}, 0},
		{"constant rate", timerSeries(600, 1, 0, 625), ExactPeriod{}, 0},
		{"noise", noise, ExactPeriod{}, 0},
		{"sparse random calls", sparse, ExactPeriod{}, 0},
		{"period longer than MaxPeriod", timerSeries(600, 60, 0, 1), ExactPeriod{MaxPeriod: 30}, 0},
		{"fewer than three cycles", timerSeries(100, 40, 0, 1), ExactPeriod{}, 0},
		{"too few events", timerSeries(600, 150, 0, 1), ExactPeriod{MaxPeriod: 200, MinEvents: 10}, 0},
		{"empty", nil, ExactPeriod{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DetectExactPeriod(tc.values, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("period (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectExactPeriodBadInput(t *testing.T) {
	v := timerSeries(100, 5, 0, 1)
	tests := []struct {
		name   string
		values []float64
		cfg    ExactPeriod
		want   string
	}{
		{"negative MaxPeriod", v, ExactPeriod{MaxPeriod: -1}, "ExactPeriod.MaxPeriod = -1"},
		{"MinMatch above 1", v, ExactPeriod{MinMatch: 1.5}, "ExactPeriod.MinMatch = 1.5"},
		{"NaN MinMatch", v, ExactPeriod{MinMatch: math.NaN()}, "ExactPeriod.MinMatch = NaN"},
		{"negative MinEvents", v, ExactPeriod{MinEvents: -2}, "ExactPeriod.MinEvents = -2"},
		{"NaN value", []float64{1, 0, math.NaN(), 1}, ExactPeriod{}, "values[2] = NaN"},
		{"infinite value", []float64{1, math.Inf(1)}, ExactPeriod{}, "values[1] = +Inf"},
	}
	for _, tc := range tests {
		if _, err := DetectExactPeriod(tc.values, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestModeOf(t *testing.T) {
	tests := []struct {
		values []float64
		want   float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{0, 0, 1, 0}, 0},
		{[]float64{1, 2, 2, 3, 3, 4}, 2}, // no majority: the smallest of the most frequent
		{[]float64{5, 1, 5, 2, 3}, 5},
	}
	for _, tc := range tests {
		if got := modeOf(tc.values); got != tc.want {
			t.Errorf("modeOf(%v) = %v, want %v", tc.values, got, tc.want)
		}
	}
}
