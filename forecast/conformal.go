package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// calibrated is a fitted point forecaster with the conformity scores of its
// backtest: what [Auto] and [Conformal] predict from. It does not change
// once made.
type calibrated struct {
	model  Forecaster
	cal    calibration
	nonNeg bool // raise forecasts below zero to zero
}

func (c *calibrated) predictTo(dst, history []float64, times []time.Time, s *scratch) error {
	if err := predictTo(c.model, dst, history, times, s); err != nil {
		return err
	}
	if c.nonNeg {
		for i := range dst {
			dst[i] = max(dst[i], 0)
		}
	}
	return nil
}

func (c *calibrated) quantileTo(dst, history []float64, times []time.Time, q float64, s *scratch) error {
	if err := checkQuantile(q); err != nil {
		return err
	}
	if err := predictTo(c.model, dst, history, times, s); err != nil {
		return err
	}
	c.cal.quantileTo(dst, history, q, c.nonNeg)
	return nil
}

// cdfAt returns the probabilities that the value k steps after history is
// below y and at most y (see calibration.cdf).
func (c *calibrated) cdfAt(history []float64, times []time.Time, k int, y float64, s *scratch) (below, atMost float64, err error) {
	if err := checkH(k); err != nil {
		return 0, 0, err
	}
	if math.IsNaN(y) {
		return 0, 0, errors.New("forecast: PredictCDF y is NaN, want a number")
	}
	pt := grow(&s.point, k)
	if err := predictTo(c.model, pt, history, times, s); err != nil {
		return 0, 0, err
	}
	sc := localScale(history, c.cal.scaleWindow, c.cal.scaleFloor)
	below, atMost = c.cal.cdf(k-1, pt[k-1], sc, y, c.nonNeg)
	return below, atMost, nil
}

// calSettings holds the backtest settings shared by [Auto] and [Conformal],
// with defaults applied.
type calSettings struct {
	window, horizons, scaleWindow int
}

// resolveCal checks the backtest settings of who (a type name) for a
// history of n values and applies their defaults.
func resolveCal(who string, window, horizons, scaleWindow, n int) (calSettings, error) {
	switch {
	case window < 0:
		return calSettings{}, fmt.Errorf("forecast: %s.Window = %d, want >= 0 (0 = half the history, at most 720)", who, window)
	case horizons < 0 || horizons > 60:
		return calSettings{}, fmt.Errorf("forecast: %s.Horizons = %d, want 0..60 (0 = 5)", who, horizons)
	case scaleWindow < 0 || scaleWindow == 1 || scaleWindow > 10000:
		return calSettings{}, fmt.Errorf("forecast: %s.ScaleWindow = %d, want 2..10000 (0 = 60)", who, scaleWindow)
	}
	c := calSettings{window: window, horizons: horizons, scaleWindow: scaleWindow}
	if c.window == 0 {
		c.window = min(n/2, 720)
	}
	if c.window < 5 || n-c.window < 3 {
		return calSettings{}, fmt.Errorf("forecast: %s.Fit with %d values and Window %d: want a backtest window of at least 5 values and 3 values before it (at least 10 values when Window is 0)", who, n, window)
	}
	if c.horizons == 0 {
		c.horizons = 5
	}
	if c.scaleWindow == 0 {
		c.scaleWindow = 60
	}
	return c, nil
}

// Conformal adds quantile forecasts to any point forecaster by split
// conformal prediction: Fit fits Model on the history before its last
// Window values, records Model's errors 1 to Horizons steps ahead from each
// of those values (a rolling-origin backtest), then fits Model on the whole
// history. [Conformal.PredictQuantile] adds the q-quantile of those errors
// to Model's forecast. The errors are scaled as [Auto.PredictQuantile]
// describes, so the band follows the load's current volatility.
//
// Fit therefore fits Model twice. When the history Fit saw has no negative
// value, forecasts and quantiles below zero are raised to zero.
//
// A Conformal is safe for concurrent use when Model's Predict is;
// predictions are serialised. [Conformal.PredictTo] and
// [Conformal.PredictQuantileTo] do not allocate when Model is one of this
// package's forecasters.
type Conformal struct {
	// Model is the point forecaster (required).
	Model Forecaster
	// Window is the number of most recent values the errors are measured
	// on; 0 means half of the history, at most 720. At least 5, and it must
	// leave at least 3 values to fit on.
	Window int
	// Horizons is the number of steps ahead the errors are measured for,
	// 1 to 60; 0 means 5. Beyond it a quantile is widened as a random
	// walk's error grows (√k).
	Horizons int
	// ScaleWindow is the number of recent values whose mean absolute
	// change scales the errors, 2 to 10,000; 0 means 60.
	ScaleWindow int

	mu  sync.Mutex
	fit *calibrated
	s   scratch
}

// NewConformal returns a Conformal forecaster around m with the default
// settings.
func NewConformal(m Forecaster) *Conformal { return &Conformal{Model: m} }

// Fit backtests Model on the end of history, then fits it on the whole
// history. On error the previous fit, if any, is kept (but Model may have
// been refitted).
func (c *Conformal) Fit(ctx context.Context, history []float64, times []time.Time) error {
	if c.Model == nil {
		return errors.New("forecast: Conformal.Model is nil")
	}
	if err := checkFinite("Conformal.Fit", history); err != nil {
		return err
	}
	if err := checkTimes(false, history, times); err != nil {
		return err
	}
	set, err := resolveCal("Conformal", c.Window, c.Horizons, c.ScaleWindow, len(history))
	if err != nil {
		return err
	}
	start := len(history) - set.window
	var trT []time.Time
	if times != nil {
		trT = times[:start]
	}
	if err := c.Model.Fit(ctx, history[:start], trT); err != nil {
		return fmt.Errorf("forecast: Conformal.Fit: fitting the model on the first %d values: %w", start, err)
	}
	bt := &backtester{y: history, times: times, start: start, nonNeg: !hasNegative(history)}
	cal, err := bt.calibrate(c.Model, set.horizons, set.scaleWindow)
	if err != nil {
		return fmt.Errorf("forecast: Conformal.Fit: %w", err)
	}
	if err := c.Model.Fit(ctx, history, times); err != nil {
		return fmt.Errorf("forecast: Conformal.Fit: fitting the model on the whole history: %w", err)
	}
	f := &calibrated{model: c.Model, cal: cal, nonNeg: bt.nonNeg}
	c.mu.Lock()
	c.fit = f
	c.mu.Unlock()
	return nil
}

var errConformalNotFitted = errors.New("forecast: Conformal.Predict before a successful Fit")

// Predict returns Model's forecast of the h values after history.
func (c *Conformal) Predict(history []float64, times []time.Time, h int) ([]float64, error) {
	return predictAlloc(h, func(dst []float64) error { return c.PredictTo(dst, history, times) })
}

// PredictTo writes Model's forecast of the len(dst) values after history
// into dst.
func (c *Conformal) PredictTo(dst, history []float64, times []time.Time) error {
	if err := checkH(len(dst)); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fit == nil {
		return errConformalNotFitted
	}
	return c.fit.predictTo(dst, history, times, &c.s)
}

// PredictQuantile returns the q-quantile (0 < q < 1) of each of the h
// values after history.
func (c *Conformal) PredictQuantile(history []float64, times []time.Time, h int, q float64) ([]float64, error) {
	return predictAlloc(h, func(dst []float64) error { return c.PredictQuantileTo(dst, history, times, q) })
}

// PredictQuantileTo writes the q-quantile of each of the len(dst) values
// after history into dst.
func (c *Conformal) PredictQuantileTo(dst, history []float64, times []time.Time, q float64) error {
	if err := checkH(len(dst)); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fit == nil {
		return errConformalNotFitted
	}
	return c.fit.quantileTo(dst, history, times, q, &c.s)
}

// PredictCDF returns the forecast probabilities that the value k steps
// after history (k >= 1) is below y and that it is at most y, under the
// distribution whose quantiles [Conformal.PredictQuantile] returns (see
// [Auto.PredictCDF]). It does not allocate once its buffer holds k values.
func (c *Conformal) PredictCDF(history []float64, times []time.Time, k int, y float64) (below, atMost float64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fit == nil {
		return 0, 0, errConformalNotFitted
	}
	return c.fit.cdfAt(history, times, k, y, &c.s)
}

// predictAlloc checks h, allocates the result and fills it with into.
func predictAlloc(h int, into func(dst []float64) error) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	out := make([]float64, h)
	if err := into(out); err != nil {
		return nil, err
	}
	return out, nil
}
