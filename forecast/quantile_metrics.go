package forecast

import (
	"fmt"
	"math"
	"time"
)

// Coverage returns the fraction of actual values at or below their quantile
// forecast upper: for a calibrated q-quantile forecast of continuous load,
// about q. For load with exactly predictable intervals (a timer, an idle
// function) a calibrated quantile covers more than q, because the actual
// value equals the quantile there.
func Coverage(actual, upper []float64) (float64, error) {
	if err := checkPair(actual, upper); err != nil {
		return 0, err
	}
	n := 0
	for i := range actual {
		if actual[i] <= upper[i] {
			n++
		}
	}
	return float64(n) / float64(len(actual)), nil
}

// PinballLoss returns the mean quantile (pinball) loss of q-quantile
// forecasts pred: q·(a−p) when the actual value a is above the forecast p,
// (1−q)·(p−a) when below. It is the loss a q-quantile minimises, and
// XGBoost's reg:quantileerror objective; lower is better.
func PinballLoss(actual, pred []float64, q float64) (float64, error) {
	if err := checkQuantile(q); err != nil {
		return 0, err
	}
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		d := actual[i] - pred[i]
		s += math.Max(q*d, (q-1)*d)
	}
	if math.IsInf(s, 0) {
		return 0, fmt.Errorf("forecast: PinballLoss overflows (an infinite value)")
	}
	return s / float64(len(actual)), nil
}

// QuantileForecaster is a [Forecaster] that also forecasts quantiles. It
// has the method set of the root package's lambdatune.QuantileForecaster:
// [Auto] and [Conformal] implement both.
type QuantileForecaster interface {
	Forecaster
	// PredictQuantile returns the q-quantile (0 < q < 1) of each of the h
	// values that follow history.
	PredictQuantile(history []float64, times []time.Time, h int, q float64) ([]float64, error)
}

// OneStepAheadQuantile returns, for every t in [from, len(values)), f's
// q-quantile forecast of values[t] made from values[:t] (and times[:t]):
// the way to measure a fitted quantile forecaster's calibration on a test
// period (see [Coverage]).
func OneStepAheadQuantile(f QuantileForecaster, values []float64, times []time.Time, from int, q float64) ([]float64, error) {
	if from < 1 || from > len(values) {
		return nil, fmt.Errorf("forecast: OneStepAheadQuantile from = %d, want 1..%d", from, len(values))
	}
	if times != nil && len(times) != len(values) {
		return nil, fmt.Errorf("forecast: %d timestamps for %d values", len(times), len(values))
	}
	if err := checkQuantile(q); err != nil {
		return nil, err
	}
	out := make([]float64, len(values)-from)
	for t := from; t < len(values); t++ {
		var ts []time.Time
		if times != nil {
			ts = times[:t]
		}
		p, err := f.PredictQuantile(values[:t], ts, 1, q)
		if err != nil {
			return nil, fmt.Errorf("forecast: predicting the quantile of value %d: %w", t, err)
		}
		if len(p) != 1 {
			return nil, fmt.Errorf("forecast: %T.PredictQuantile returned %d values for h = 1", f, len(p))
		}
		out[t-from] = p[0]
	}
	return out, nil
}
