package forecast

import (
	"errors"
	"fmt"
	"time"
)

// scratch holds the buffers a forecast needs, so that repeated forecasts
// (backtests, and the Predict of [Auto] and [Conformal]) allocate nothing
// once the buffers have grown. A nil *scratch is valid: the buffers are
// then allocated per call.
type scratch struct {
	buf    []float64 // GBDT: the history tail plus the values predicted so far
	row    []float64 // GBDT: one feature row
	season []float64 // Holt-Winters: the seasonal state
	point  []float64 // Auto and Conformal: the point forecast under PredictCDF
}

// grow returns a slice of length n that reuses *p's array when it is large
// enough, and stores the slice back in *p.
func grow(p *[]float64, n int) []float64 {
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	return *p
}

// pointPredictor is implemented by the forecasters that can write a forecast
// into a caller's slice: the next len(dst) values after history.
type pointPredictor interface {
	predictTo(dst, history []float64, times []time.Time, s *scratch) error
}

// predictTo calls f's allocation-free path when it has one, else Predict.
func predictTo(f Forecaster, dst, history []float64, times []time.Time, s *scratch) error {
	if p, ok := f.(pointPredictor); ok {
		return p.predictTo(dst, history, times, s)
	}
	out, err := f.Predict(history, times, len(dst))
	if err != nil {
		return err
	}
	if len(out) != len(dst) {
		return fmt.Errorf("forecast: %T.Predict returned %d values for h = %d", f, len(out), len(dst))
	}
	copy(dst, out)
	return nil
}

func (LastValue) predictTo(dst, history []float64, _ []time.Time, _ *scratch) error {
	if len(history) == 0 {
		return errors.New("forecast: LastValue needs a non-empty history")
	}
	for i := range dst {
		dst[i] = history[len(history)-1]
	}
	return nil
}

func (s SeasonalNaive) predictTo(dst, history []float64, _ []time.Time, _ *scratch) error {
	if err := s.validate(); err != nil {
		return err
	}
	n := len(history)
	if n < s.Period {
		return fmt.Errorf("forecast: SeasonalNaive with Period %d needs at least %d values, got %d", s.Period, s.Period, n)
	}
	for k := range dst {
		dst[k] = history[n-s.Period+k%s.Period]
	}
	return nil
}

func (m MovingAverage) predictTo(dst, history []float64, _ []time.Time, _ *scratch) error {
	if err := m.validate(); err != nil {
		return err
	}
	if len(history) == 0 {
		return errors.New("forecast: MovingAverage needs a non-empty history")
	}
	w := history[max(0, len(history)-m.Window):]
	var s float64
	for _, v := range w {
		s += v
	}
	for i := range dst {
		dst[i] = s / float64(len(w))
	}
	return nil
}

func (hw *HoltWinters) predictTo(dst, history []float64, _ []time.Time, s *scratch) error {
	if err := hw.check(len(history)); err != nil {
		return err
	}
	var own []float64
	season := &own
	if s != nil {
		season = &s.season
	}
	m := hw.Period
	st := grow(season, m)
	level, trend, _ := hw.run(history, hw.Alpha, hw.Beta, hw.Gamma, st)
	n := len(history)
	for k := 1; k <= len(dst); k++ {
		dst[k-1] = level + float64(k)*trend + st[(n+k-1)%m]
	}
	return nil
}

func (g *GBDT) predictTo(dst, history []float64, times []time.Time, s *scratch) error {
	if g.model == nil {
		return errors.New("forecast: GBDT.Predict before Fit")
	}
	if g.builder.Leaky() {
		return ErrLeakyFeatures
	}
	n := len(history)
	if n == 0 {
		return errors.New("forecast: GBDT.Predict needs a non-empty history")
	}
	var last time.Time
	var step time.Duration
	if g.builder.usesTime() {
		if err := checkTimes(true, history, times); err != nil {
			return err
		}
		if n < 2 {
			return fmt.Errorf("forecast: need at least 2 timestamps to infer the interval, got %d", n)
		}
		last, step = times[n-1], times[n-1].Sub(times[n-2])
		if step <= 0 {
			return fmt.Errorf("forecast: timestamps must increase, got %v then %v", times[n-2], times[n-1])
		}
	}
	if s == nil {
		s = new(scratch)
	}
	tail := history[max(0, n-g.builder.MaxLookback()):]
	buf := grow(&s.buf, len(tail)+len(dst))[:len(tail)]
	copy(buf, tail)
	row := grow(&s.row, g.builder.NumFeature())
	for k := range dst {
		var ts time.Time
		if step > 0 {
			ts = last.Add(time.Duration(k+1) * step)
		}
		if err := g.builder.Row(row, buf, len(buf), ts); err != nil {
			return err
		}
		p, err := g.model.Predict(row)
		if err != nil {
			return err
		}
		if g.Target == TargetDiff {
			p += buf[len(buf)-1]
		}
		dst[k] = p
		buf = append(buf, p)
	}
	return nil
}
