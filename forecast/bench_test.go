package forecast

import (
	"context"
	"testing"
)

// BenchmarkDefaultFit fits the default forecaster (period detection,
// features, trees with early stopping) on the original's training split.
func BenchmarkDefaultFit(b *testing.B) {
	v, ts, split := seedSplit(b)
	for b.Loop() {
		if err := NewDefault().Fit(context.Background(), v[:split], ts[:split]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefaultPredict12 forecasts 12 intervals (an hour) ahead.
func BenchmarkDefaultPredict12(b *testing.B) {
	v, ts, split := seedSplit(b)
	f := NewDefault()
	if err := f.Fit(context.Background(), v[:split], ts[:split]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Predict(v, ts, 12); err != nil {
			b.Fatal(err)
		}
	}
}
