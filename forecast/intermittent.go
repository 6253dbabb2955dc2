package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// TSB forecasts intermittent load (a function called in a few intervals and
// idle in the rest) with the method of Teunter, Syntetos and Babai (2011), a
// variant of Croston's method. It smooths two things separately: the
// probability that an interval has any load,
//
//	p_t = p_{t−1} + Beta·(1{y_t > 0} − p_{t−1})   (every interval),
//
// and the size of the load when there is some,
//
//	z_t = z_{t−1} + Alpha·(y_t − z_{t−1})         (only when y_t > 0),
//
// and forecasts every future value as p_t·z_t, the expected load per
// interval. Unlike Croston's method, the probability decays through idle
// stretches, so a function that stopped being called is forecast to stay
// idle. The state starts from the first non-zero value (z) and the share of
// non-zero values in the first 20 intervals (p).
//
// The forecast is a mean: under absolute error a series idle in most
// intervals is better forecast by 0 (its median), and [Auto] picks TSB only
// when its backtest says so; a provisioning policy that sizes for the
// expected load, or a quantile, uses it as it is.
type TSB struct {
	// Alpha smooths the load size and Beta the probability of load, both
	// in (0, 1]. Fit estimates them unless Fixed is true.
	Alpha, Beta float64
	// Fixed keeps the given Alpha and Beta instead of estimating them.
	Fixed bool
}

// NewTSB returns a TSB forecaster whose smoothing factors are estimated by
// Fit.
func NewTSB() *TSB { return &TSB{Alpha: 0.1, Beta: 0.1} }

func (m *TSB) check() error {
	if !(m.Alpha > 0 && m.Alpha <= 1) {
		return fmt.Errorf("forecast: TSB.Alpha = %v, want in (0, 1]", m.Alpha)
	}
	if !(m.Beta > 0 && m.Beta <= 1) {
		return fmt.Errorf("forecast: TSB.Beta = %v, want in (0, 1]", m.Beta)
	}
	return nil
}

// Fit estimates Alpha and Beta (unless Fixed) by minimising the one-step
// absolute error over the history on a grid of 0.02 to 0.5 for each. On
// error it leaves m unchanged.
func (m *TSB) Fit(ctx context.Context, history []float64, _ []time.Time) error {
	if len(history) == 0 {
		return errors.New("forecast: TSB.Fit needs a non-empty history")
	}
	if err := checkFinite("TSB.Fit", history); err != nil {
		return err
	}
	if m.Fixed {
		return m.check()
	}
	grid := [...]float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5}
	bestA, bestB, best := 0.0, 0.0, math.Inf(1)
	for _, a := range grid {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("forecast: TSB.Fit: %w", err)
		}
		for _, b := range grid {
			if e := tsbError(history, a, b); e < best {
				bestA, bestB, best = a, b, e
			}
		}
	}
	m.Alpha, m.Beta = bestA, bestB
	return nil
}

// tsbInit returns the starting state for y: the first non-zero value and
// the share of non-zero values in the first 20.
func tsbInit(y []float64) (p, z float64) {
	k := min(len(y), 20)
	for _, v := range y[:k] {
		if v > 0 {
			p++
		}
	}
	p /= float64(k)
	for _, v := range y {
		if v > 0 {
			return p, v
		}
	}
	return p, 0
}

// tsbRun filters y and returns the final state.
func tsbRun(y []float64, a, b float64) (p, z float64) {
	p, z = tsbInit(y)
	for _, v := range y {
		if v > 0 {
			z += a * (v - z)
			p += b * (1 - p)
		} else {
			p -= b * p
		}
	}
	return p, z
}

// tsbError returns the sum of one-step absolute errors of TSB on y.
func tsbError(y []float64, a, b float64) float64 {
	p, z := tsbInit(y)
	var s float64
	for _, v := range y {
		s += math.Abs(v - p*z)
		if v > 0 {
			z += a * (v - z)
			p += b * (1 - p)
		} else {
			p -= b * p
		}
	}
	return s
}

// Predict returns p·z after history, h times.
func (m *TSB) Predict(history []float64, times []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	out := make([]float64, h)
	if err := m.predictTo(out, history, times, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func (m *TSB) predictTo(dst, history []float64, _ []time.Time, _ *scratch) error {
	if err := m.check(); err != nil {
		return err
	}
	if len(history) == 0 {
		return errors.New("forecast: TSB needs a non-empty history")
	}
	p, z := tsbRun(history, m.Alpha, m.Beta)
	for i := range dst {
		dst[i] = p * z
	}
	return nil
}

// checkFinite reports the first value of values that is NaN or infinite.
func checkFinite(where string, values []float64) error {
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("forecast: %s: history[%d] = %v, want a finite value", where, i, v)
		}
	}
	return nil
}
