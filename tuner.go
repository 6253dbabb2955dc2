package lambdatune

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Forecaster predicts a function's load: invocations (plus throttled requests) per interval. It has
// the method set of forecast.Forecaster, so every model of package forecast (gradient-boosted trees,
// the baselines, models loaded from XGBoost or LightGBM files) is a Forecaster as it is, and the
// Tuner fits it on the history it keeps (TunerConfig.Refit). Adapt a plain function with ForecastFunc.
type Forecaster interface {
	// Fit learns from a history of values (oldest first) and the start of each value's interval.
	Fit(ctx context.Context, history []float64, times []time.Time) error
	// Predict returns the h values that follow history (which may extend the fitted one).
	Predict(history []float64, times []time.Time, h int) ([]float64, error)
}

// QuantileForecaster is a Forecaster that can also predict a quantile of the next intervals' load:
// the value that load stays at or below with probability q (0 < q < 1). A provisioning policy sizes
// headroom from it ("how much load might come") instead of from the point forecast.
type QuantileForecaster interface {
	Forecaster
	// PredictQuantile returns the q-quantile of each of the h values that follow history.
	PredictQuantile(history []float64, times []time.Time, h int, q float64) ([]float64, error)
}

// ForecastFunc adapts a function to the Forecaster interface: Predict calls it and Fit does nothing.
type ForecastFunc func(history []float64, times []time.Time, h int) ([]float64, error)

// Fit does nothing: a ForecastFunc has nothing to learn.
func (f ForecastFunc) Fit(context.Context, []float64, []time.Time) error { return nil }

// Predict calls f.
func (f ForecastFunc) Predict(history []float64, times []time.Time, h int) ([]float64, error) {
	return f(history, times, h)
}

// StepReport is one turn of the closed loop, as reported to TunerConfig.OnStep.
type StepReport struct {
	// Index counts steps from 0.
	Index int
	// Metrics is what the platform reported for the interval that just ended.
	Metrics Metrics
	// Forecast is the forecast the policy saw (nil without a forecaster).
	Forecast []float64
	// Decision is the policy's choice for the next interval.
	Decision Decision
	// Applied says whether the decision was applied (false when it kept the configuration, or when
	// applying failed and TunerConfig.OnApplyError let the loop go on).
	Applied bool
}

// TunerConfig configures a Tuner. Platform and Policy are required.
type TunerConfig struct {
	// Platform runs the function: the simulator or AWS (required). When it implements
	// DecisionApplier, changes are applied with the whole Decision, its reason included.
	Platform Platform
	// Policy decides each next configuration (required).
	Policy Policy
	// Forecaster, if set, predicts the next Horizon intervals for the policy once the history holds
	// WarmUp intervals; before that Observation.Forecast is nil.
	Forecaster Forecaster
	// Horizon is the number of intervals forecast ahead (default 1).
	Horizon int
	// Refit is how often, in steps, the tuner fits the Forecaster on the history it keeps: first when
	// the history holds WarmUp intervals, then every Refit steps. 0 means the tuner never fits it: the
	// forecaster was fitted beforehand, or needs no fitting.
	Refit int
	// WarmUp is how many intervals of history the tuner waits for before it first fits (and asks)
	// the forecaster; 0 means Refit (at least 1).
	WarmUp int
	// HistoryLen is how many past intervals the policy and the forecaster see (default 1,440: a day of
	// minutes). Older intervals are dropped.
	HistoryLen int
	// OnStep, if set, is called after every step (for logging, CSV output, progress).
	OnStep func(StepReport)
	// OnApplyError, if set, is called when the platform refuses or fails to apply a decision. It
	// returns nil to go on with the configuration the platform reports (for example after the AWS
	// adapter rolled a half-applied change back), or an error to stop the loop. When it is nil the
	// loop stops at the first such error.
	OnApplyError func(step int, d Decision, err error) error
}

// Tuner runs the closed loop: observe an interval, forecast, decide, apply.
type Tuner struct {
	cfg     TunerConfig
	history *History
	fc      Forecasting
	steps   int
}

// MaxHorizon bounds TunerConfig.Horizon: 2^20 intervals (MaxHistoryLen bounds HistoryLen).
const MaxHorizon = 1 << 20

// isNil reports whether v is nil or an interface holding a nil pointer, map, slice, func or
// channel (a typed nil, which a plain == nil test misses and whose methods would panic).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return r.IsNil()
	}
	return false
}

// NewTuner checks cfg and returns a tuner.
func NewTuner(cfg TunerConfig) (*Tuner, error) {
	if isNil(cfg.Platform) {
		return nil, errors.New("lambdatune: TunerConfig.Platform is nil")
	}
	if isNil(cfg.Policy) {
		return nil, errors.New("lambdatune: TunerConfig.Policy is nil")
	}
	if cfg.Forecaster != nil && isNil(cfg.Forecaster) {
		return nil, errors.New("lambdatune: TunerConfig.Forecaster holds a nil value; leave it nil for no forecaster")
	}
	if cfg.Horizon == 0 {
		cfg.Horizon = 1
	}
	if cfg.Horizon < 0 || cfg.Horizon > MaxHorizon {
		return nil, fmt.Errorf("lambdatune: TunerConfig.Horizon = %d, want in [1, %d] (0 means 1)", cfg.Horizon, MaxHorizon)
	}
	if cfg.HistoryLen == 0 {
		cfg.HistoryLen = 1440
	}
	if cfg.HistoryLen < 0 || cfg.HistoryLen > MaxHistoryLen {
		return nil, fmt.Errorf("lambdatune: TunerConfig.HistoryLen = %d, want in [1, %d] (0 means 1440)", cfg.HistoryLen, MaxHistoryLen)
	}
	if cfg.Refit < 0 {
		return nil, fmt.Errorf("lambdatune: TunerConfig.Refit = %d, want >= 0 (0 means never)", cfg.Refit)
	}
	if cfg.WarmUp < 0 {
		return nil, fmt.Errorf("lambdatune: TunerConfig.WarmUp = %d, want >= 0 (0 means Refit)", cfg.WarmUp)
	}
	if cfg.WarmUp == 0 {
		cfg.WarmUp = max(cfg.Refit, 1)
	}
	if cfg.WarmUp > cfg.HistoryLen {
		return nil, fmt.Errorf("lambdatune: TunerConfig.WarmUp = %d, want at most HistoryLen (%d)", cfg.WarmUp, cfg.HistoryLen)
	}
	h, err := NewHistory(cfg.HistoryLen)
	if err != nil {
		return nil, fmt.Errorf("lambdatune: TunerConfig.HistoryLen: %w", err)
	}
	fc := Forecasting{Forecaster: cfg.Forecaster, Horizon: cfg.Horizon, Refit: cfg.Refit, WarmUp: cfg.WarmUp}
	return &Tuner{cfg: cfg, history: h, fc: fc}, nil
}

// History returns the metrics of the intervals kept so far, oldest first. The slice is the tuner's own
// and changes with the next step.
func (t *Tuner) History() []Metrics { return t.history.Metrics() }

// Warm records intervals that happened before the tuner started — a function's CloudWatch history on
// AWS, oldest first — as if the tuner had observed them, without deciding or applying anything, so
// that the first Step forecasts and decides from a full history instead of waiting out WarmUp
// intervals. When the history then holds at least WarmUp intervals and the tuner fits its
// forecaster (Refit > 0), Warm fits it on that history at once; later fits follow the Refit
// schedule. Only the last HistoryLen intervals are kept. Warm must come before the first Step.
func (t *Tuner) Warm(ctx context.Context, history []Metrics) error {
	if t.steps > 0 {
		return fmt.Errorf("lambdatune: Tuner.Warm after %d steps, want it before the first", t.steps)
	}
	for i := 1; i < len(history); i++ {
		if !history[i].Start.After(history[i-1].Start) {
			return fmt.Errorf("lambdatune: Tuner.Warm: history[%d] starts at %v, not after history[%d] (%v): want oldest first", i, history[i].Start, i-1, history[i-1].Start)
		}
	}
	for _, m := range history {
		t.history.Record(m)
	}
	if f := t.cfg.Forecaster; f != nil && t.cfg.Refit > 0 && t.history.Seen() >= t.cfg.WarmUp && len(history) > 0 {
		counts, times := t.history.Counts(), t.history.Times()
		if err := f.Fit(ctx, counts, times); err != nil {
			return fmt.Errorf("lambdatune: Tuner.Warm: fit forecaster on %d intervals: %w", len(counts), err)
		}
	}
	return nil
}

// Run performs n steps, or runs until ctx is done when n <= 0. It stops at the first error, which it
// returns wrapped with the step it happened in.
func (t *Tuner) Run(ctx context.Context, n int) error {
	if ctx == nil {
		return errors.New("lambdatune: Tuner.Run: the context is nil")
	}
	for i := 0; n <= 0 || i < n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.Step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Step performs one turn of the loop: the platform completes an interval, the forecaster predicts
// the next ones, the policy decides, and a changed configuration is applied.
func (t *Tuner) Step(ctx context.Context) error {
	if t.cfg.Platform == nil {
		return errors.New("lambdatune: the Tuner is a zero value, want one from NewTuner")
	}
	idx := t.steps
	m, err := t.cfg.Platform.Next(ctx)
	if err != nil {
		return fmt.Errorf("lambdatune: step %d: observe: %w", idx, err)
	}
	t.history.Record(m)
	fc, err := t.fc.Forecast(ctx, t.history)
	if err != nil {
		return fmt.Errorf("lambdatune: step %d: %w", idx, err)
	}
	cur, err := t.cfg.Platform.Config(ctx)
	if err != nil {
		return fmt.Errorf("lambdatune: step %d: read config: %w", idx, err)
	}
	obs := t.history.Observation(cur, fc)
	d, err := t.cfg.Policy.Decide(ctx, obs)
	if err != nil {
		return fmt.Errorf("lambdatune: step %d: decide: %w", idx, err)
	}
	applied := false
	if !d.Config.Equal(cur) {
		err := t.apply(ctx, d)
		if err != nil && t.cfg.OnApplyError != nil {
			err = t.cfg.OnApplyError(idx, d, err)
		} else if err == nil {
			applied = true
		}
		if err != nil {
			return fmt.Errorf("lambdatune: step %d: apply %v: %w", idx, d.Config, err)
		}
	}
	t.steps++
	if t.cfg.OnStep != nil {
		t.cfg.OnStep(StepReport{Index: idx, Metrics: m, Forecast: fc, Decision: d, Applied: applied})
	}
	return nil
}

// apply hands d to the platform: the whole decision when the platform takes one (DecisionApplier),
// its configuration otherwise.
func (t *Tuner) apply(ctx context.Context, d Decision) error {
	if da, ok := t.cfg.Platform.(DecisionApplier); ok {
		return da.ApplyDecision(ctx, d)
	}
	return t.cfg.Platform.Apply(ctx, d.Config)
}
