package forecast

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTSBFixed(t *testing.T) {
	tests := []struct {
		name    string
		history []float64
		a, b    float64
		want    float64
	}{
		// Start: p = 2/4 non-zero, z = 4 (the first non-zero). Then
		// 0: p = 0.5·0.5 = 0.25; 4: z = 4, p = 0.25+0.5·0.75 = 0.625;
		// 0: p = 0.3125; 2: z = 4+0.5·(2−4) = 3, p = 0.65625.
		{"by hand", []float64{0, 4, 0, 2}, 0.5, 0.5, 3 * 0.65625},
		{"all zero", []float64{0, 0, 0}, 0.3, 0.3, 0},
		// Idle since the last call: the probability decays, so does the forecast.
		{"decays", []float64{5, 0, 0, 0}, 1, 1, 0},
		{"one value", []float64{7}, 0.1, 0.1, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &TSB{Alpha: tc.a, Beta: tc.b, Fixed: true}
			if err := m.Fit(context.Background(), tc.history, nil); err != nil {
				t.Fatal(err)
			}
			got, err := m.Predict(tc.history, nil, 3)
			if err != nil {
				t.Fatal(err)
			}
			want := []float64{tc.want, tc.want, tc.want}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("forecast (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTSBFit checks that Fit picks the factors with the lowest in-sample
// error from its grid, and that the forecast of intermittent load with a
// steady rate is near that rate.
func TestTSBFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, 2000)
	for i := range y {
		if rng.Float64() < 0.2 {
			y[i] = 5 + float64(rng.IntN(3)) // mean size 6
		}
	}
	m := NewTSB()
	if err := m.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	best := tsbError(y, m.Alpha, m.Beta)
	for _, a := range []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5} {
		for _, b := range []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5} {
			if e := tsbError(y, a, b); e < best {
				t.Fatalf("Fit chose %v, %v (error %v) but %v, %v has %v", m.Alpha, m.Beta, best, a, b, e)
			}
		}
	}
	p, err := m.Predict(y, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p[0]-1.2) > 0.6 {
		t.Errorf("forecast %v, want near the rate 0.2·6 = 1.2", p[0])
	}
}

func TestTSBBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		m    *TSB
		y    []float64
		want string
	}{
		{"alpha 0", &TSB{Alpha: 0, Beta: 0.1, Fixed: true}, []float64{1}, "TSB.Alpha = 0"},
		{"beta above 1", &TSB{Alpha: 0.1, Beta: 1.5, Fixed: true}, []float64{1}, "TSB.Beta = 1.5"},
		{"NaN alpha", &TSB{Alpha: math.NaN(), Beta: 0.1, Fixed: true}, []float64{1}, "TSB.Alpha = NaN"},
		{"empty", NewTSB(), nil, "non-empty history"},
		{"NaN value", NewTSB(), []float64{0, math.NaN()}, "history[1] = NaN"},
	}
	for _, tc := range tests {
		if err := tc.m.Fit(ctx, tc.y, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Fit got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := (&TSB{Alpha: 2, Beta: 0.1}).Predict([]float64{1}, nil, 1); err == nil || !strings.Contains(err.Error(), "TSB.Alpha = 2") {
		t.Errorf("Predict with Alpha 2: %v", err)
	}
	if _, err := NewTSB().Predict([]float64{1}, nil, 0); err == nil {
		t.Error("h = 0: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	m := NewTSB()
	if err := m.Fit(cancelled, []float64{1, 0, 2}, nil); err == nil || *m != *NewTSB() {
		t.Errorf("cancelled Fit: %v, factors %+v, want an error and the factors unchanged", err, *m)
	}
}

func TestCoverageAndPinball(t *testing.T) {
	a := []float64{1, 2, 3, 4}
	p := []float64{2, 2, 2, 6}
	cov, err := Coverage(a, p)
	if err != nil || cov != 0.75 {
		t.Fatalf("Coverage = %v, %v; want 0.75", cov, err)
	}
	tests := []struct {
		q, want float64
	}{
		// Errors a−p: −1, 0, 1, −2. Above (a > p): q·1; below: (1−q)·(1+2).
		{0.9, (0.9*1 + 0.1*3) / 4},
		{0.5, (0.5*1 + 0.5*3) / 4},
		{0.1, (0.1*1 + 0.9*3) / 4},
	}
	for _, tc := range tests {
		got, err := PinballLoss(a, p, tc.q)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("PinballLoss q %v = %v, %v; want %v", tc.q, got, err, tc.want)
		}
	}
	bad := []struct {
		name string
		f    func() error
	}{
		{"coverage lengths", func() error { _, err := Coverage(a, p[:2]); return err }},
		{"coverage empty", func() error { _, err := Coverage(nil, nil); return err }},
		{"pinball q 0", func() error { _, err := PinballLoss(a, p, 0); return err }},
		{"pinball q 1", func() error { _, err := PinballLoss(a, p, 1); return err }},
		{"pinball NaN", func() error { _, err := PinballLoss([]float64{math.NaN()}, []float64{1}, 0.5); return err }},
		{"pinball infinite", func() error { _, err := PinballLoss([]float64{math.Inf(1)}, []float64{1}, 0.5); return err }},
	}
	for _, tc := range bad {
		if err := tc.f(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
