package forecast

import (
	"testing"
)

// TestHorizonBounded checks that every forecaster refuses a horizon it would have to
// allocate terabytes for.
func TestHorizonBounded(t *testing.T) {
	history := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	for _, f := range []Forecaster{LastValue{}, SeasonalNaive{Period: 2}, MovingAverage{Window: 2}, EWMA{Alpha: 0.5}, NewHoltWinters(2)} {
		if _, err := f.Predict(history, nil, 1<<40); err == nil {
			t.Errorf("%T: horizon 2^40 accepted", f)
		}
	}
}
