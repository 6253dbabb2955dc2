package forecast

import (
	"errors"
	"time"
)

var errAutoNotFitted = errors.New("forecast: Auto.Predict before a successful Fit")

// Predict returns the chosen model's forecast of the h values after history
// (which may extend the fitted one).
func (a *Auto) Predict(history []float64, times []time.Time, h int) ([]float64, error) {
	return predictAlloc(h, func(dst []float64) error { return a.PredictTo(dst, history, times) })
}

// PredictTo writes the forecast of the len(dst) values after history into
// dst. It does not allocate.
func (a *Auto) PredictTo(dst, history []float64, times []time.Time) error {
	if err := checkH(len(dst)); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fit == nil {
		return errAutoNotFitted
	}
	return a.fit.predictTo(dst, history, times, &a.s)
}

// PredictQuantile returns the q-quantile (0 < q < 1) of each of the h values
// after history: the value the load stays at or below with probability q,
// from the chosen model's forecast and its backtest errors (split conformal
// prediction). Each error was divided by how much the load was changing
// from one interval to the next when it was made (the mean absolute change
// over the ScaleWindow values before it), and the quantile of those scaled
// errors is multiplied by the same measure at the end of history, so the
// band widens when the load turns busy and narrows when it calms down.
//
// For load that is often exactly predictable (a timer, an idle function,
// a constant rate) the quantile equals the forecast, and it covers more
// than q of the intervals: a quantile of a distribution with a point mass
// does ([PITCoverage] counts such ties in part).
func (a *Auto) PredictQuantile(history []float64, times []time.Time, h int, q float64) ([]float64, error) {
	return predictAlloc(h, func(dst []float64) error { return a.PredictQuantileTo(dst, history, times, q) })
}

// PredictQuantileTo writes the q-quantile of each of the len(dst) values
// after history into dst (see [Auto.PredictQuantile]). It does not
// allocate.
func (a *Auto) PredictQuantileTo(dst, history []float64, times []time.Time, q float64) error {
	if err := checkH(len(dst)); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fit == nil {
		return errAutoNotFitted
	}
	return a.fit.quantileTo(dst, history, times, q, &a.s)
}

// PredictCDF returns the forecast probabilities that the value k steps
// after history (k >= 1) is below y and that it is at most y: the
// predictive distribution behind [Auto.PredictQuantile], which puts equal
// mass on the chosen model's forecast plus each of its scaled backtest
// errors (and the rest above them all). atMost is the probability that
// capacity for y would suffice; atMost − below is the mass at exactly y,
// large where the load is exactly predictable. [PITCoverage] measures
// calibration with it where values tie. It does not allocate once its
// buffer holds k values.
func (a *Auto) PredictCDF(history []float64, times []time.Time, k int, y float64) (below, atMost float64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fit == nil {
		return 0, 0, errAutoNotFitted
	}
	return a.fit.cdfAt(history, times, k, y, &a.s)
}
