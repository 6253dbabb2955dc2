package forecast

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// calibration holds the conformity scores of a backtest: for each horizon
// k (1-based index k+1), the signed errors y − ŷ of the forecasts made k+1
// steps ahead, each divided by the local scale of the history at its origin
// (see localScale), sorted.
type calibration struct {
	scores      [][]float64
	scaleWindow int
	scaleFloor  float64
}

// localScale returns the mean absolute change between consecutive values
// over the last w values of history, at least floor: how much the load
// moves from one interval to the next right now. Errors scale with it (a
// busy hour moves more than a quiet night), so a score divided by it
// transfers from one part of the day to another.
func localScale(history []float64, w int, floor float64) float64 {
	n := len(history)
	lo := max(1, n-w)
	if n-lo < 1 {
		return floor
	}
	var s float64
	for i := lo; i < n; i++ {
		s += math.Abs(history[i] - history[i-1])
	}
	return max(s/float64(n-lo), floor)
}

// scaleFloorFor returns the smallest local scale used with history: a tenth
// of its mean absolute change, or 1e-9 when it never changes. Without a
// floor, a quiet stretch (a scale near zero) would turn an ordinary error
// into an enormous score.
func scaleFloorFor(history []float64) float64 {
	if len(history) < 2 {
		return 1e-9
	}
	var s float64
	for i := 1; i < len(history); i++ {
		s += math.Abs(history[i] - history[i-1])
	}
	return max(0.1*s/float64(len(history)-1), 1e-9)
}

// quantile returns the q-quantile of the scores at horizon index k: the
// ⌈(m+1)q⌉-th smallest of the m scores (split conformal's rank, which
// covers at least q of exchangeable errors), within [1, m]. For k beyond the
// calibrated horizons it widens the last horizon's quantile by
// √((k+1)/H), the growth of a random walk's error.
func (c *calibration) quantile(k int, q float64) float64 {
	s, widen := c.horizon(k)
	m := len(s)
	r := int(math.Ceil(float64(m+1) * q))
	r = min(max(r, 1), m)
	return s[r-1] * widen
}

// horizon returns the sorted scores for horizon index k and the factor
// they are widened by: 1 within the calibrated horizons, √((k+1)/H) beyond.
func (c *calibration) horizon(k int) ([]float64, float64) {
	h := len(c.scores)
	if k >= h {
		return c.scores[h-1], math.Sqrt(float64(k+1) / float64(h))
	}
	return c.scores[k], 1
}

// cdf returns the probabilities that the value at horizon index k is below
// y and at most y, given its point forecast p and the local scale sc, under
// the conformal predictive distribution whose quantiles quantileTo returns:
// mass 1/(m+1) on each of the m values p + sc·score (raised to zero under
// nonNeg, as quantileTo raises them) and the rest above them all. The
// values are computed exactly as quantileTo computes them, so a quantile
// Q(q) has below(Q) < q <= atMost(Q) whenever q <= m/(m+1).
func (c *calibration) cdf(k int, p, sc, y float64, nonNeg bool) (below, atMost float64) {
	s, widen := c.horizon(k)
	if nonNeg {
		p = max(p, 0)
	}
	value := func(i int) float64 {
		v := p + sc*(s[i]*widen)
		if nonNeg {
			v = max(v, 0)
		}
		return v
	}
	// The values rise with the scores: binary searches for the first value
	// >= y and the first > y count the values below y and at most y.
	lo, hi := 0, len(s)
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); value(mid) >= y {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	nb := lo
	lo, hi = nb, len(s)
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); value(mid) > y {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	na := lo
	m1 := float64(len(s) + 1)
	return float64(nb) / m1, float64(na) / m1
}

// backtester runs rolling-origin backtests of fitted forecasters.
type backtester struct {
	y      []float64
	times  []time.Time
	start  int  // first origin: the models were fitted on y[:start]
	nonNeg bool // raise forecasts below zero to zero
	s      scratch
}

// oneStepErrors returns the absolute errors of f's one-step forecasts of
// y[t] from y[:t] for every t in [start, len(y)).
func (b *backtester) oneStepErrors(f Forecaster) ([]float64, error) {
	var dst [1]float64
	errs := make([]float64, 0, len(b.y)-b.start)
	for t := b.start; t < len(b.y); t++ {
		if err := predictTo(f, dst[:], b.y[:t], b.timesTo(t), &b.s); err != nil {
			return nil, fmt.Errorf("forecasting value %d: %w", t, err)
		}
		p := dst[0]
		if b.nonNeg {
			p = max(p, 0)
		}
		errs = append(errs, math.Abs(b.y[t]-p))
	}
	return errs, nil
}

func (b *backtester) timesTo(t int) []time.Time {
	if b.times == nil {
		return nil
	}
	return b.times[:t]
}

// calibrate returns the conformity scores of f's forecasts 1 to horizons
// steps ahead from every origin in [start, len(y)).
func (b *backtester) calibrate(f Forecaster, horizons, scaleWindow int) (calibration, error) {
	c := calibration{scores: make([][]float64, horizons), scaleWindow: scaleWindow, scaleFloor: scaleFloorFor(b.y[:b.start])}
	pred := make([]float64, horizons)
	for t := b.start; t < len(b.y); t++ {
		h := min(horizons, len(b.y)-t)
		if err := predictTo(f, pred[:h], b.y[:t], b.timesTo(t), &b.s); err != nil {
			return c, fmt.Errorf("forecasting from value %d: %w", t, err)
		}
		sc := localScale(b.y[:t], scaleWindow, c.scaleFloor)
		for k := range h {
			p := pred[k]
			if b.nonNeg {
				p = max(p, 0)
			}
			c.scores[k] = append(c.scores[k], (b.y[t+k]-p)/sc)
		}
	}
	// The last origins see fewer horizons; a horizon needs a few scores to
	// mean anything, so the calibrated horizons stop where they run out.
	for k, s := range c.scores {
		if len(s) < 5 {
			c.scores = c.scores[:k]
			break
		}
		slices.Sort(s)
	}
	if len(c.scores) == 0 {
		return c, fmt.Errorf("forecast: %d backtest origins are too few to calibrate a quantile, want at least 5", len(b.y)-b.start)
	}
	return c, nil
}

// quantileTo turns the point forecast in dst into the q-quantile forecast
// after history, in place.
func (c *calibration) quantileTo(dst, history []float64, q float64, nonNeg bool) {
	sc := localScale(history, c.scaleWindow, c.scaleFloor)
	for k := range dst {
		if nonNeg {
			dst[k] = max(dst[k], 0)
		}
		dst[k] += sc * c.quantile(k, q)
		if nonNeg {
			dst[k] = max(dst[k], 0)
		}
	}
}

// checkQuantile reports a quantile level outside (0, 1).
func checkQuantile(q float64) error {
	if !(q > 0 && q < 1) {
		return fmt.Errorf("forecast: quantile q = %v, want in (0, 1)", q)
	}
	return nil
}

// hasNegative reports whether any value is below zero.
func hasNegative(values []float64) bool {
	for _, v := range values {
		if v < 0 {
			return true
		}
	}
	return false
}
