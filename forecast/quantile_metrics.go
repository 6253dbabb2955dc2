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
// value equals the quantile there; [PITCoverage] measures such load.
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

// CDFForecaster is a [QuantileForecaster] that also gives the forecast
// probability of a value: [Auto] and [Conformal] implement it.
type CDFForecaster interface {
	QuantileForecaster
	// PredictCDF returns the forecast probabilities that the value k steps
	// after history is below y and that it is at most y.
	PredictCDF(history []float64, times []time.Time, k int, y float64) (below, atMost float64, err error)
}

// OneStepAheadCDF returns, for every t in [from, len(values)), the
// probabilities f's one-step forecast from values[:t] gave to a value below
// values[t] and to one at most values[t]: the input of [PITCoverage].
func OneStepAheadCDF(f CDFForecaster, values []float64, times []time.Time, from int) (below, atMost []float64, err error) {
	if from < 1 || from > len(values) {
		return nil, nil, fmt.Errorf("forecast: OneStepAheadCDF from = %d, want 1..%d", from, len(values))
	}
	if times != nil && len(times) != len(values) {
		return nil, nil, fmt.Errorf("forecast: %d timestamps for %d values", len(times), len(values))
	}
	below = make([]float64, len(values)-from)
	atMost = make([]float64, len(values)-from)
	for t := from; t < len(values); t++ {
		var ts []time.Time
		if times != nil {
			ts = times[:t]
		}
		if below[t-from], atMost[t-from], err = f.PredictCDF(values[:t], ts, 1, values[t]); err != nil {
			return nil, nil, fmt.Errorf("forecast: the forecast probability of value %d: %w", t, err)
		}
	}
	return below, atMost, nil
}

// PITCoverage returns the coverage of q-quantile forecasts as the forecast
// distributions themselves measure it, counting a value that falls exactly
// on the quantile in part: each value counts
//
//	1 if q >= atMost, else 0 if q <= below, else (q − below) / (atMost − below),
//
// where below and atMost are the probabilities its forecast gave to a
// value below it and to one at most it ([OneStepAheadCDF]). This is the
// non-randomized probability integral transform of Czado, Gneiting and Held
// (2009, "Predictive model assessment for count data") at q: it is about q
// for calibrated forecasts whether or not the values tie, where [Coverage]
// is about q only for continuous load. Where a value is known for certain
// (a timer, an idle minute: all of the forecast's mass on it), [Coverage]
// counts it as covered at every level, and PITCoverage counts it as q.
func PITCoverage(below, atMost []float64, q float64) (float64, error) {
	if err := checkQuantile(q); err != nil {
		return 0, err
	}
	if len(below) != len(atMost) || len(below) == 0 {
		return 0, fmt.Errorf("forecast: PITCoverage with %d and %d probabilities, want the same non-zero number", len(below), len(atMost))
	}
	var s float64
	for i, lo := range below {
		hi := atMost[i]
		if !(lo >= 0 && lo <= hi && hi <= 1) {
			return 0, fmt.Errorf("forecast: PITCoverage probabilities %d are below %v, at most %v, want 0 <= below <= atMost <= 1", i, lo, hi)
		}
		switch {
		case q >= hi:
			s++
		case q <= lo:
		default:
			s += (q - lo) / (hi - lo)
		}
	}
	return s / float64(len(below)), nil
}
