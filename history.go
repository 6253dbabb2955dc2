package lambdatune

import (
	"context"
	"fmt"
	"math"
	"time"
)

// History is the bounded record of a function's recent intervals from which every Observation is
// built: the Tuner keeps one, and so does a training environment (env/lambdaenv), so that an agent
// sees in deployment exactly what it saw in training. Recording is O(1) amortised and allocates
// nothing after the first interval.
type History struct {
	metrics window[Metrics]
	counts  window[float64]
	times   window[time.Time]
	seen    int
}

// NewHistory returns a history that keeps the last n intervals (n ≥ 1).
func NewHistory(n int) (*History, error) {
	if n < 1 || n > MaxHistoryLen {
		return nil, fmt.Errorf("lambdatune: history length %d, want an integer in [1, %d]", n, MaxHistoryLen)
	}
	return &History{metrics: window[Metrics]{n: n}, counts: window[float64]{n: n}, times: window[time.Time]{n: n}}, nil
}

// MaxHistoryLen bounds a History's length (and TunerConfig.HistoryLen): 2^24 intervals, 32 years
// of minutes. The window is allocated on the first interval.
const MaxHistoryLen = 1 << 24

// Record appends one interval's metrics.
func (h *History) Record(m Metrics) {
	h.metrics.push(m)
	h.counts.push(float64(m.Invocations + m.Throttles))
	h.times.push(m.Start)
	h.seen++
}

// Metrics returns the intervals kept, oldest first. The slice changes with the next Record.
func (h *History) Metrics() []Metrics { return h.metrics.values() }

// Counts returns the requests (invocations and throttles) of the intervals kept, and Times their
// starts: what a Forecaster is fitted on.
func (h *History) Counts() []float64 { return h.counts.values() }

// Times returns the start of each interval kept.
func (h *History) Times() []time.Time { return h.times.values() }

// Seen returns how many intervals were recorded, including those the history has dropped.
func (h *History) Seen() int { return h.seen }

// Observation returns what a policy sees after the last recorded interval: the history, the
// forecast, and the configuration current in force. Time is the end of the last interval (zero
// before any).
func (h *History) Observation(current Config, forecast []float64) Observation {
	ms := h.metrics.values()
	o := Observation{Current: current, History: ms, Forecast: forecast}
	if len(ms) > 0 {
		last := &ms[len(ms)-1]
		o.Time = last.Start.Add(last.Period)
	}
	return o
}

// Forecasting is how a Forecaster is used in the loop: asked for Horizon intervals once the history
// holds WarmUp of them, and fitted on the history every Refit intervals from then on (0: never, the
// forecaster was fitted beforehand). The Tuner and the training environment share it.
type Forecasting struct {
	Forecaster    Forecaster
	Horizon       int
	Refit, WarmUp int
}

// Forecast fits the forecaster when it is due and predicts the next Horizon intervals after the
// history; nil during the warm-up or without a forecaster. It refuses a forecast of the wrong
// length or with a value that is not finite.
func (f Forecasting) Forecast(ctx context.Context, h *History) ([]float64, error) {
	if f.Forecaster == nil || h.seen < f.WarmUp {
		return nil, nil
	}
	counts, times := h.Counts(), h.Times()
	if f.Refit > 0 && (h.seen-f.WarmUp)%f.Refit == 0 {
		if err := f.Forecaster.Fit(ctx, counts, times); err != nil {
			return nil, fmt.Errorf("fit forecaster on %d intervals: %w", len(counts), err)
		}
	}
	fc, err := f.Forecaster.Predict(counts, times, f.Horizon)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	if len(fc) != f.Horizon {
		return nil, fmt.Errorf("forecast: %d values for a horizon of %d", len(fc), f.Horizon)
	}
	for i, v := range fc {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("forecast: value %d is %v, want a finite number", i, v)
		}
	}
	return fc, nil
}

// window keeps the last n values pushed, contiguous and oldest first, in a backing array of 2n
// that is copied back to its start once every n+1 pushes: a push moves O(1) values on average
// rather than the whole window.
type window[T any] struct {
	buf []T
	n   int
}

func (w *window[T]) push(x T) {
	if w.buf == nil {
		w.buf = make([]T, 0, 2*w.n)
	}
	if len(w.buf) == cap(w.buf) {
		w.buf = w.buf[:copy(w.buf, w.buf[len(w.buf)-(w.n-1):])]
	}
	w.buf = append(w.buf, x)
}

// values returns the window, which the next push may overwrite.
func (w *window[T]) values() []T { return w.buf[max(0, len(w.buf)-w.n):] }
