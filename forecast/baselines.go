package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// LastValue forecasts every future value as the last observed one.
type LastValue struct{}

// Fit does nothing: the forecaster has no parameters.
func (LastValue) Fit(context.Context, []float64, []time.Time) error { return nil }

// Predict repeats the last value of history h times.
func (LastValue) Predict(history []float64, _ []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	if len(history) == 0 {
		return nil, errors.New("forecast: LastValue needs a non-empty history")
	}
	out := make([]float64, h)
	for i := range out {
		out[i] = history[len(history)-1]
	}
	return out, nil
}

// SeasonalNaive forecasts each value as the value one season earlier.
type SeasonalNaive struct {
	// Period is the season length in intervals, at least 1 (1 is LastValue).
	Period int
}

// Fit checks the period.
func (s SeasonalNaive) Fit(context.Context, []float64, []time.Time) error { return s.validate() }

func (s SeasonalNaive) validate() error {
	if s.Period < 1 {
		return fmt.Errorf("forecast: SeasonalNaive.Period = %d, want >= 1", s.Period)
	}
	return nil
}

// Predict returns history[n-P+k mod P] for step k: the last season, repeated.
func (s SeasonalNaive) Predict(history []float64, _ []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	n := len(history)
	if n < s.Period {
		return nil, fmt.Errorf("forecast: SeasonalNaive with Period %d needs at least %d values, got %d", s.Period, s.Period, n)
	}
	out := make([]float64, h)
	for k := range out {
		out[k] = history[n-s.Period+k%s.Period]
	}
	return out, nil
}

// MovingAverage forecasts every future value as the mean of the last Window
// values.
type MovingAverage struct {
	// Window is the number of values averaged, at least 1.
	Window int
}

// Fit checks the window.
func (m MovingAverage) Fit(context.Context, []float64, []time.Time) error { return m.validate() }

func (m MovingAverage) validate() error {
	if m.Window < 1 {
		return fmt.Errorf("forecast: MovingAverage.Window = %d, want >= 1", m.Window)
	}
	return nil
}

// Predict returns the mean of the last Window values (fewer if the history
// is shorter), h times.
func (m MovingAverage) Predict(history []float64, _ []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	if len(history) == 0 {
		return nil, errors.New("forecast: MovingAverage needs a non-empty history")
	}
	w := history[max(0, len(history)-m.Window):]
	var s float64
	for _, v := range w {
		s += v
	}
	out := make([]float64, h)
	for i := range out {
		out[i] = s / float64(len(w))
	}
	return out, nil
}

// EWMA forecasts with simple exponential smoothing:
// level = Alpha·y + (1−Alpha)·level, starting from the first value.
type EWMA struct {
	// Alpha is the smoothing factor in (0, 1].
	Alpha float64
}

// Fit checks Alpha.
func (e EWMA) Fit(context.Context, []float64, []time.Time) error { return e.validate() }

func (e EWMA) validate() error {
	if !(e.Alpha > 0 && e.Alpha <= 1) {
		return fmt.Errorf("forecast: EWMA.Alpha = %v, want in (0, 1]", e.Alpha)
	}
	return nil
}

// Predict returns the smoothed level after history, h times.
func (e EWMA) Predict(history []float64, _ []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	if len(history) == 0 {
		return nil, errors.New("forecast: EWMA needs a non-empty history")
	}
	level := history[0]
	for _, v := range history[1:] {
		level = e.Alpha*v + (1-e.Alpha)*level
	}
	out := make([]float64, h)
	for i := range out {
		out[i] = level
	}
	return out, nil
}

// HoltWinters is additive Holt-Winters (triple exponential smoothing) with
// a season of Period intervals:
//
//	level_t  = α(y_t − season_{t−m}) + (1−α)(level_{t−1} + trend_{t−1})
//	trend_t  = β(level_t − level_{t−1}) + (1−β)trend_{t−1}
//	season_t = γ(y_t − level_t) + (1−γ)season_{t−m}
//	ŷ_{t+k}  = level_t + k·trend_t + season_{t+k−m(⌊(k−1)/m⌋+1)}
//
// The state is initialised from the first two seasons (level: mean of the
// first season; trend: mean difference between the first two seasons per
// interval; season: first season minus its mean). Fit estimates α, β and γ
// by minimising the one-step squared error over the history (Nelder-Mead
// on a logistic reparameterisation), unless Fixed is set.
type HoltWinters struct {
	// Period is the season length in intervals, at least 2.
	Period int
	// Alpha, Beta and Gamma are the smoothing factors in [0, 1]. Fit
	// overwrites them unless Fixed is true.
	Alpha, Beta, Gamma float64
	// Fixed keeps the given Alpha, Beta and Gamma instead of estimating them.
	Fixed bool
}

// NewHoltWinters returns an additive Holt-Winters forecaster whose smoothing
// factors are estimated by Fit.
func NewHoltWinters(period int) *HoltWinters { return &HoltWinters{Period: period} }

func (hw *HoltWinters) check(n int) error {
	if hw.Period < 2 {
		return fmt.Errorf("forecast: HoltWinters.Period = %d, want >= 2", hw.Period)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"Alpha", hw.Alpha}, {"Beta", hw.Beta}, {"Gamma", hw.Gamma}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("forecast: HoltWinters.%s = %v, want in [0, 1]", p.name, p.v)
		}
	}
	if n < 2*hw.Period {
		return fmt.Errorf("forecast: HoltWinters with Period %d needs at least %d values (two seasons), got %d", hw.Period, 2*hw.Period, n)
	}
	return nil
}

// run filters the series and returns the final state and the one-step
// squared error (from the second season on).
func (hw *HoltWinters) run(y []float64, a, b, g float64, season []float64) (level, trend, sse float64) {
	m := hw.Period
	for i := range m {
		level += y[i]
	}
	level /= float64(m)
	var l2 float64
	for i := m; i < 2*m; i++ {
		l2 += y[i]
	}
	l2 /= float64(m)
	trend = (l2 - level) / float64(m)
	for i := range m {
		season[i] = y[i] - level
	}
	for t := m; t < len(y); t++ {
		s := season[t%m]
		pred := level + trend + s
		d := y[t] - pred
		sse += d * d
		prevLevel := level
		level = a*(y[t]-s) + (1-a)*(level+trend)
		trend = b*(level-prevLevel) + (1-b)*trend
		season[t%m] = g*(y[t]-level) + (1-g)*s
	}
	return level, trend, sse
}

// Fit estimates the smoothing factors (unless Fixed). On error it leaves hw
// unchanged.
func (hw *HoltWinters) Fit(ctx context.Context, history []float64, _ []time.Time) error {
	if hw.Fixed {
		return hw.check(len(history))
	}
	// The factors are estimated, so only the period and the length can be
	// wrong; check them with the starting point of the search.
	if err := (&HoltWinters{Period: hw.Period, Alpha: 0.5, Beta: 0.1, Gamma: 0.1}).check(len(history)); err != nil {
		return err
	}
	season := make([]float64, hw.Period)
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	obj := func(x []float64) float64 {
		_, _, sse := hw.run(history, sig(x[0]), sig(x[1]), sig(x[2]), season)
		return sse
	}
	best := nelderMead(obj, []float64{logit(0.5), logit(0.1), logit(0.1)}, 1, 400)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("forecast: HoltWinters.Fit: %w", err)
	}
	hw.Alpha, hw.Beta, hw.Gamma = sig(best[0]), sig(best[1]), sig(best[2])
	return nil
}

// Predict filters history with the fitted factors and forecasts h values.
func (hw *HoltWinters) Predict(history []float64, _ []time.Time, h int) ([]float64, error) {
	if err := checkH(h); err != nil {
		return nil, err
	}
	if err := hw.check(len(history)); err != nil {
		return nil, err
	}
	m := hw.Period
	season := make([]float64, m)
	level, trend, _ := hw.run(history, hw.Alpha, hw.Beta, hw.Gamma, season)
	n := len(history)
	out := make([]float64, h)
	for k := 1; k <= h; k++ {
		out[k-1] = level + float64(k)*trend + season[(n+k-1)%m]
	}
	return out, nil
}

// nelderMead minimises f from x0 with the Nelder-Mead simplex method
// (initial step `step`, at most maxIter iterations) and returns the best
// point. It is deterministic.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, maxIter int) []float64 {
	n := len(x0)
	type vertex struct {
		x []float64
		f float64
	}
	simplex := make([]vertex, n+1)
	for i := range simplex {
		x := slices.Clone(x0)
		if i > 0 {
			x[i-1] += step
		}
		simplex[i] = vertex{x, f(x)}
	}
	point := func(c []float64, t float64, w []float64) []float64 {
		out := make([]float64, n)
		for j := range out {
			out[j] = c[j] + t*(w[j]-c[j])
		}
		return out
	}
	for range maxIter {
		slices.SortStableFunc(simplex, func(a, b vertex) int {
			switch {
			case a.f < b.f:
				return -1
			case a.f > b.f:
				return 1
			}
			return 0
		})
		if math.Abs(simplex[n].f-simplex[0].f) <= 1e-10*(math.Abs(simplex[0].f)+1e-12) {
			break
		}
		c := make([]float64, n)
		for _, v := range simplex[:n] {
			for j := range c {
				c[j] += v.x[j] / float64(n)
			}
		}
		worst := simplex[n]
		xr := point(c, -1, worst.x)
		fr := f(xr)
		switch {
		case fr < simplex[0].f:
			xe := point(c, -2, worst.x)
			if fe := f(xe); fe < fr {
				simplex[n] = vertex{xe, fe}
			} else {
				simplex[n] = vertex{xr, fr}
			}
		case fr < simplex[n-1].f:
			simplex[n] = vertex{xr, fr}
		default:
			xc := point(c, 0.5, worst.x)
			if fc := f(xc); fc < worst.f {
				simplex[n] = vertex{xc, fc}
			} else {
				for i := 1; i <= n; i++ {
					x := point(simplex[0].x, 0.5, simplex[i].x)
					simplex[i] = vertex{x, f(x)}
				}
			}
		}
	}
	b := simplex[0]
	for _, v := range simplex[1:] {
		if v.f < b.f {
			b = v
		}
	}
	return b.x
}
