package forecast

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestConformalCoverage wraps forecasters without quantiles of their own and
// checks the coverage of their 0.9 quantile on new values.
func TestConformalCoverage(t *testing.T) {
	walk := randomWalk(3000, 500, 4, 21)
	sine := noisySine(3000, 30, 100, 30, 5, 22)
	tests := []struct {
		name string
		m    Forecaster
		y    []float64
	}{
		{"last value, random walk", LastValue{}, walk},
		{"moving average, noisy cycle", MovingAverage{Window: 8}, sine},
		{"Holt-Winters, noisy cycle", NewHoltWinters(30), sine},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConformal(tc.m)
			if err := c.Fit(context.Background(), tc.y[:1000], nil); err != nil {
				t.Fatal(err)
			}
			q, err := OneStepAheadQuantile(c, tc.y, nil, 1000, 0.9)
			if err != nil {
				t.Fatal(err)
			}
			cov, err := Coverage(tc.y[1000:], q)
			if err != nil {
				t.Fatal(err)
			}
			if cov < 0.87 || cov > 0.93 {
				t.Errorf("coverage %.4f, want 0.87-0.93", cov)
			}
			p, err := c.Predict(tc.y[:1500], nil, 2)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := tc.m.Predict(tc.y[:1500], nil, 2)
			if p[0] != max(want[0], 0) || p[1] != max(want[1], 0) {
				t.Errorf("Predict %v, the model's %v", p, want)
			}
		})
	}
}

func TestConformalBadInput(t *testing.T) {
	ctx := context.Background()
	y := noisySine(200, 10, 50, 10, 2, 1)
	tests := []struct {
		name string
		c    *Conformal
		y    []float64
		want string
	}{
		{"nil model", &Conformal{}, y, "Conformal.Model is nil"},
		{"short", NewConformal(LastValue{}), y[:9], "Conformal.Fit with 9 values"},
		{"horizons", &Conformal{Model: LastValue{}, Horizons: -1}, y, "Conformal.Horizons = -1"},
		// Holt-Winters needs two seasons before the window.
		{"model fails on the first part", NewConformal(NewHoltWinters(60)), y, "fitting the model on the first 100 values"},
		{"bad model", NewConformal(SeasonalNaive{}), y, "SeasonalNaive.Period = 0"},
	}
	for _, tc := range tests {
		if err := tc.c.Fit(ctx, tc.y, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	c := NewConformal(LastValue{})
	if _, err := c.Predict(y, nil, 1); !errors.Is(err, errConformalNotFitted) {
		t.Errorf("Predict before Fit: %v", err)
	}
	if _, err := c.PredictQuantile(y, nil, 1, 0.9); !errors.Is(err, errConformalNotFitted) {
		t.Errorf("PredictQuantile before Fit: %v", err)
	}
	if err := c.Fit(ctx, y, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PredictQuantile(y, nil, 1, 1.5); err == nil || !strings.Contains(err.Error(), "quantile q = 1.5") {
		t.Errorf("q 1.5: %v", err)
	}
	if _, err := c.Predict(y, nil, -1); err == nil {
		t.Error("h = -1: no error")
	}
}

func TestConformalDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	y := noisySine(400, 10, 50, 10, 2, 1)
	c := NewConformal(NewHoltWinters(10))
	if err := c.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, 4)
	if n := testing.AllocsPerRun(50, func() {
		if err := c.PredictQuantileTo(dst, y, nil, 0.9); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("PredictQuantileTo: %v allocations", n)
	}
}
