// Package forecast predicts a serverless function's load (invocations per
// interval) a few intervals ahead.
//
// It works on plain histories: a []float64 of values at a fixed interval and,
// for calendar features, a []time.Time with one timestamp per value. A
// [Forecaster] is fitted on a history and then predicts the next h values
// after any history (the one it was fitted on or a longer one).
//
// Forecasters: [GBDT] (gradient-boosted trees on lag, rolling, calendar and
// seasonal features, see [FeatureSpec]; [NewDefault] detects seasonal
// periods by autocorrelation), the baselines [LastValue],
// [SeasonalNaive], [MovingAverage], [EWMA] and [HoltWinters], and [TSB] for
// intermittent load. Models trained elsewhere are loaded with the gbdt
// subpackage (XGBoost JSON, LightGBM text) and used through
// [NewGBDTFromModel].
//
// No one model suits every function: trees do well on busy, irregular load,
// but a timer-triggered function repeats exactly (seasonal naive is
// perfect, see [DetectExactPeriod]) and a near-constant or sparse one is
// best forecast by its last value. [Auto] chooses per function, at every
// Fit, by backtesting the candidates on the function's recent history, and
// reports its choice and why ([Auto.Selection]).
//
// # Quantiles and provisioning headroom
//
// [Auto] and [Conformal] (which wraps any forecaster) also forecast
// quantiles with PredictQuantile, the method set of the root package's
// lambdatune.QuantileForecaster: the value the load stays at or below with
// probability q, from the model's own backtest errors (split conformal
// prediction, scaled by how fast the load is changing now). A provisioning
// policy sizes provisioned concurrency from a high quantile of the load
// when the capacity will be ready, not from the point forecast, which is
// exceeded about half the time:
//
//	q, err := f.PredictQuantile(history, times, lead, 0.9) // lead: intervals until capacity is ready
//	rate := q[lead-1] / interval.Seconds()                  // invocations per second
//	pc := math.Ceil(rate * duration.Seconds() / targetUtilization)
//
// The headroom is the quantile minus the point forecast. The level q sets
// the trade-off: the capacity suffices in about a share q of the intervals,
// so a higher q buys fewer cold starts with more idle capacity. Where the
// load is exactly predictable (a timer, an idle function) the quantile is
// the forecast itself: no headroom is needed, and the quantile covers more
// than q of the intervals. [Coverage], [PinballLoss] and
// [OneStepAheadQuantile] measure calibration; for counts, whose values tie
// with the quantile, [PITCoverage] with [OneStepAheadCDF] does (PredictCDF
// gives the forecast probability that the load stays at or below a value:
// that capacity for it suffices). A [GBDT] whose Params.Objective is
// gbdt.QuantileError learns one quantile directly from the pinball loss;
// its Predict returns that quantile (recursively, so beyond one step it
// feeds quantiles back as history). examples/forecast compares it with
// Auto's quantiles on the Azure traces.
//
// Multi-step forecasts are recursive: the value predicted for step k is
// appended to the history and the features for step k+1 are computed from
// it. Errors therefore compound with the horizon, and one model serves every
// horizon (a direct strategy would need one model per step).
//
// Evaluation: metrics ([MAE], [RMSE], [MAPE], [SMAPE], [R2], [MASE]),
// expanding-window cross-validation ([TimeSeriesSplit], [CrossValidate]) and
// a parallel, deterministic grid search ([GridSearch]).
package forecast

import (
	"context"
	"fmt"
	"time"
)

// Forecaster predicts the next values of a series.
type Forecaster interface {
	// Fit learns from a history of values (oldest first) and their
	// timestamps (one per value; forecasters that ignore time accept nil).
	Fit(ctx context.Context, history []float64, times []time.Time) error
	// Predict returns the h values that follow history, at the interval
	// after times[len-1] (the interval is the difference of the last two
	// timestamps). history may extend the fitted one.
	Predict(history []float64, times []time.Time, h int) ([]float64, error)
}

// nextTimes returns the h timestamps after times, at the last interval.
func nextTimes(times []time.Time, h int) ([]time.Time, error) {
	if len(times) < 2 {
		return nil, fmt.Errorf("forecast: need at least 2 timestamps to infer the interval, got %d", len(times))
	}
	step := times[len(times)-1].Sub(times[len(times)-2])
	if step <= 0 {
		return nil, fmt.Errorf("forecast: timestamps must increase, got %v then %v", times[len(times)-2], times[len(times)-1])
	}
	out := make([]time.Time, h)
	t := times[len(times)-1]
	for i := range out {
		t = t.Add(step)
		out[i] = t
	}
	return out, nil
}

// MaxHorizon bounds the horizon a forecaster predicts in one call: 2^20 intervals (two
// years of minutes). Predictions are allocated up front, so an unbounded h from a caller or a
// configuration file could exhaust memory.
const MaxHorizon = 1 << 20

func checkH(h int) error {
	if h < 1 || h > MaxHorizon {
		return fmt.Errorf("forecast: horizon h = %d, want in [1, %d] (MaxHorizon)", h, MaxHorizon)
	}
	return nil
}

// oneStepper is implemented by forecasters with a faster way to produce
// one-step-ahead predictions over a known series.
type oneStepper interface {
	oneStepAhead(values []float64, times []time.Time, from int) ([]float64, error)
}

// OneStepAhead returns, for every t in [from, len(values)), f's forecast of
// values[t] made from values[:t] (and times[:t]): the usual way to score a
// fitted forecaster on a test period without refitting. For a leaky
// [FeatureSpec] (RollingIncludesCurrent) the features of row t include
// values[t], as in the original project's evaluation.
func OneStepAhead(f Forecaster, values []float64, times []time.Time, from int) ([]float64, error) {
	if from < 1 || from > len(values) {
		return nil, fmt.Errorf("forecast: OneStepAhead from = %d, want 1..%d", from, len(values))
	}
	if times != nil && len(times) != len(values) {
		return nil, fmt.Errorf("forecast: %d timestamps for %d values", len(times), len(values))
	}
	if os, ok := f.(oneStepper); ok {
		return os.oneStepAhead(values, times, from)
	}
	out := make([]float64, len(values)-from)
	for t := from; t < len(values); t++ {
		var ts []time.Time
		if times != nil {
			ts = times[:t]
		}
		p, err := f.Predict(values[:t], ts, 1)
		if err != nil {
			return nil, fmt.Errorf("forecast: predicting value %d: %w", t, err)
		}
		out[t-from] = p[0]
	}
	return out, nil
}
