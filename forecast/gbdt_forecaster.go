package forecast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune/forecast/gbdt"
)

// Predictor is a fitted tree model: [gbdt.Model] (native or read from
// XGBoost JSON) and [gbdt.LightGBMModel] implement it.
type Predictor interface {
	// Predict returns the prediction for one feature row.
	Predict(row []float64) (float64, error)
	// NumFeature returns the number of features a row must have.
	NumFeature() int
}

// Target selects what the trees learn.
type Target uint8

const (
	// TargetLevel: the trees predict y[t] itself (what the original
	// project did).
	TargetLevel Target = iota
	// TargetDiff: the trees predict y[t] − y[t−1], and the forecast is
	// y[t−1] plus that. Trees cannot extrapolate beyond the levels they were
	// trained on and an under-fitted model shrinks towards its mean; on the
	// difference, both errors shrink towards the last value instead, which
	// suits non-stationary load.
	TargetDiff
)

// GBDT forecasts with gradient-boosted trees on the features of a
// [FeatureSpec]. Fit trains a native [gbdt.Model]; a model trained elsewhere
// is used through [NewGBDTFromModel].
type GBDT struct {
	// Features is the feature specification used by Fit.
	Features FeatureSpec
	// Params are the tree parameters used by Fit.
	Params gbdt.Params
	// Target selects what the trees learn (default TargetLevel).
	Target Target
	// NoRefit keeps the early-stopped model as it is. By default, when
	// Params.EarlyStoppingRounds > 0, Fit retrains on the whole history
	// (validation part included: it is the most recent load) with the
	// number of trees early stopping chose.
	NoRefit bool

	builder *Builder
	model   Predictor
	native  *gbdt.Model
}

// DefaultGBDTParams returns the parameters of [NewDefault]: 300 trees of
// depth 6, learning rate 0.05, subsample 0.8, min_child_weight 5, and early
// stopping after 30 rounds without improvement on the last 15 % of the
// training history (GBDT.Fit then refits on the whole history).
func DefaultGBDTParams() gbdt.Params {
	p := gbdt.DefaultParams()
	p.NEstimators = 300
	p.MaxDepth = 6
	p.LearningRate = 0.05
	p.Subsample = 0.8
	p.MinChildWeight = 5
	p.EarlyStoppingRounds = 30
	p.ValidationFraction = 0.15
	return p
}

// NewDefault returns the default forecaster: [DefaultFeatures] (seasonal
// periods detected by autocorrelation), [DefaultGBDTParams] and
// [TargetDiff].
func NewDefault() *GBDT {
	g := NewGBDT(DefaultFeatures(), DefaultGBDTParams())
	g.Target = TargetDiff
	return g
}

// NewGBDT returns an unfitted GBDT forecaster.
func NewGBDT(features FeatureSpec, params gbdt.Params) *GBDT {
	return &GBDT{Features: features, Params: params}
}

// NewGBDTFromModel returns a fitted forecaster that uses a model trained
// elsewhere with the features of b. The model must take b.NumFeature()
// features in b.Names() order.
func NewGBDTFromModel(m Predictor, b *Builder) (*GBDT, error) {
	if m == nil || b == nil {
		return nil, errors.New("forecast: NewGBDTFromModel needs a model and a builder")
	}
	if m.NumFeature() > b.NumFeature() {
		return nil, fmt.Errorf("forecast: the model takes %d features, the builder makes %d (%v)", m.NumFeature(), b.NumFeature(), b.Names())
	}
	return &GBDT{Features: b.Spec(), builder: b, model: m}, nil
}

// Fit builds the features (detecting seasonal periods if configured) and
// trains the trees on every interval but the first.
func (g *GBDT) Fit(ctx context.Context, history []float64, times []time.Time) error {
	if len(history) < 3 {
		return fmt.Errorf("forecast: GBDT.Fit needs at least 3 values, got %d", len(history))
	}
	if g.Target != TargetLevel && g.Target != TargetDiff {
		return fmt.Errorf("forecast: GBDT.Target = %d, want TargetLevel or TargetDiff", g.Target)
	}
	b, err := NewBuilder(g.Features, history, times)
	if err != nil {
		return err
	}
	x, err := b.Matrix(history, times)
	if err != nil {
		return err
	}
	k := b.NumFeature()
	y := history[1:]
	if g.Target == TargetDiff {
		y = make([]float64, len(history)-1)
		for i := range y {
			y[i] = history[i+1] - history[i]
		}
	}
	d := gbdt.Dataset{X: x[k:], NumFeature: k, Y: y, FeatureNames: b.Names()}
	m, err := gbdt.Train(ctx, d, g.Params)
	if err != nil {
		return fmt.Errorf("forecast: GBDT.Fit: %w", err)
	}
	if g.Params.EarlyStoppingRounds > 0 && !g.NoRefit && m.BestIteration() >= 0 {
		p := g.Params
		p.EarlyStoppingRounds = 0
		p.NEstimators = m.BestIteration() + 1
		if m, err = gbdt.Train(ctx, d, p); err != nil {
			return fmt.Errorf("forecast: GBDT.Fit (refit on the whole history): %w", err)
		}
	}
	g.builder, g.model, g.native = b, m, m
	return nil
}

// Builder returns the fitted feature builder (nil before Fit).
func (g *GBDT) Builder() *Builder { return g.builder }

// Model returns the native model trained by Fit, or nil.
func (g *GBDT) Model() *gbdt.Model { return g.native }

// Predict forecasts the h values after history recursively (see the
// package documentation).
func (g *GBDT) Predict(history []float64, times []time.Time, h int) ([]float64, error) {
	if g.model == nil {
		return nil, errors.New("forecast: GBDT.Predict before Fit")
	}
	if err := checkH(h); err != nil {
		return nil, err
	}
	if g.builder.Leaky() {
		return nil, ErrLeakyFeatures
	}
	if len(history) == 0 {
		return nil, errors.New("forecast: GBDT.Predict needs a non-empty history")
	}
	var future []time.Time
	if g.builder.usesTime() {
		if err := checkTimes(true, history, times); err != nil {
			return nil, err
		}
		var err error
		if future, err = nextTimes(times, h); err != nil {
			return nil, err
		}
	}
	back := g.builder.MaxLookback()
	tail := history[max(0, len(history)-back):]
	buf := make([]float64, len(tail), len(tail)+h)
	copy(buf, tail)
	row := make([]float64, g.builder.NumFeature())
	out := make([]float64, h)
	for k := range h {
		var ts time.Time
		if future != nil {
			ts = future[k]
		}
		if err := g.builder.Row(row, buf, len(buf), ts); err != nil {
			return nil, err
		}
		p, err := g.model.Predict(row)
		if err != nil {
			return nil, err
		}
		if g.Target == TargetDiff {
			p += buf[len(buf)-1]
		}
		out[k] = p
		buf = append(buf, p)
	}
	return out, nil
}

func (g *GBDT) oneStepAhead(values []float64, times []time.Time, from int) ([]float64, error) {
	if g.model == nil {
		return nil, errors.New("forecast: GBDT.OneStepAhead before Fit")
	}
	k := g.builder.NumFeature()
	row := make([]float64, k)
	out := make([]float64, len(values)-from)
	if err := checkTimes(g.builder.usesTime(), values, times); err != nil {
		return nil, err
	}
	for t := from; t < len(values); t++ {
		var ts time.Time
		if times != nil {
			ts = times[t]
		}
		if err := g.builder.Row(row, values, t, ts); err != nil {
			return nil, err
		}
		p, err := g.model.Predict(row)
		if err != nil {
			return nil, err
		}
		if g.Target == TargetDiff {
			p += values[t-1]
		}
		out[t-from] = p
	}
	return out, nil
}
