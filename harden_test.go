package lambdatune

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// TestTunerRefusesMisuse checks the entry points that once panicked or allocated without
// bound: a zero Tuner, typed-nil platforms, huge history or horizon, a short forecast.
func TestTunerRefusesMisuse(t *testing.T) {
	ctx := context.Background()
	var zero Tuner
	if err := zero.Step(ctx); err == nil {
		t.Error("zero Tuner Step: no error")
	}
	var nilPlatform *fakePlatform
	policy := PolicyFunc(memoryRule)
	tests := []struct {
		name string
		cfg  TunerConfig
	}{
		{"typed-nil platform", TunerConfig{Platform: nilPlatform, Policy: policy}},
		{"typed-nil policy", TunerConfig{Platform: &fakePlatform{}, Policy: PolicyFunc(nil)}},
		{"history 2^60", TunerConfig{Platform: &fakePlatform{}, Policy: policy, HistoryLen: 1 << 60}},
		{"horizon 2^40", TunerConfig{Platform: &fakePlatform{}, Policy: policy, Horizon: 1 << 40}},
	}
	for _, tc := range tests {
		if _, err := NewTuner(tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	short := ForecastFunc(func([]float64, []time.Time, int) ([]float64, error) { return []float64{1}, nil })
	nan := ForecastFunc(func(_ []float64, _ []time.Time, h int) ([]float64, error) {
		return []float64{math.NaN(), 1, 1}[:h], nil
	})
	for name, f := range map[string]Forecaster{"short": short, "NaN": nan} {
		p := &fakePlatform{cfg: DefaultConfig(), load: []int64{1, 2, 3}, failAt: -1}
		tu, err := NewTuner(TunerConfig{Platform: p, Policy: policy, Forecaster: f, Horizon: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := tu.Step(ctx); err == nil || !strings.Contains(err.Error(), "forecast") {
			t.Errorf("%s forecast: got %v, want a forecast error", name, err)
		}
	}
}

// TestLimitsDoNotOverflow checks that limits whose arithmetic would overflow are invalid
// rather than wrapped into a small positive MaxReservable.
func TestLimitsDoNotOverflow(t *testing.T) {
	tests := []Limits{
		{AccountConcurrency: math.MaxInt, MinUnreserved: -math.MaxInt, ReservedElsewhere: -10},
		{AccountConcurrency: 1000, MinUnreserved: math.MinInt, ReservedElsewhere: math.MinInt},
		{AccountConcurrency: 1 << 40},
	}
	for _, l := range tests {
		if m := l.MaxReservable(); m >= 0 {
			t.Errorf("%+v: MaxReservable = %d, want negative", l, m)
		}
		if err := l.Validate(DefaultConfig()); err == nil {
			t.Errorf("%+v: Validate accepted", l)
		}
	}
	c := DefaultConfig()
	c.Reserved = Reserve(1 << 32)
	if err := c.Validate(); err == nil {
		t.Error("Reserved.N = 2^32 (sent to AWS as 0): no error")
	}
}
