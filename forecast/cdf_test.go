package forecast

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestPITCoverage(t *testing.T) {
	tests := []struct {
		name          string
		below, atMost []float64
		q, want       float64
	}{
		{"continuous, covered", []float64{0.3}, []float64{0.3}, 0.9, 1},
		{"continuous, not covered", []float64{0.95}, []float64{0.95}, 0.9, 0},
		{"on the quantile exactly", []float64{0.9}, []float64{0.9}, 0.9, 1},
		{"certain value", []float64{0}, []float64{1}, 0.9, 0.9},
		{"certain value, median", []float64{0}, []float64{1}, 0.5, 0.5},
		{"tie straddling q", []float64{0.8}, []float64{1}, 0.9, 0.5},
		{"tie above q", []float64{0.92}, []float64{1}, 0.9, 0},
		{"tie below q", []float64{0.2}, []float64{0.85}, 0.9, 1},
		{"mean of four", []float64{0, 0.3, 0.95, 0.8}, []float64{1, 0.3, 0.95, 1}, 0.9, (0.9 + 1 + 0 + 0.5) / 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PITCoverage(tc.below, tc.atMost, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("PITCoverage = %v, want %v", got, tc.want)
			}
		})
	}
	bad := []struct {
		name          string
		below, atMost []float64
		q             float64
		want          string
	}{
		{"q", []float64{0}, []float64{1}, 1, "quantile q = 1"},
		{"lengths", []float64{0}, []float64{1, 1}, 0.9, "1 and 2 probabilities"},
		{"empty", nil, nil, 0.9, "0 and 0 probabilities"},
		{"below above atMost", []float64{0.6}, []float64{0.5}, 0.9, "want 0 <= below <= atMost <= 1"},
		{"NaN", []float64{math.NaN()}, []float64{1}, 0.9, "want 0 <= below"},
		{"above one", []float64{0}, []float64{1.5}, 0.9, "want 0 <= below"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.name, func(t *testing.T) {
			if _, err := PITCoverage(tc.below, tc.atMost, tc.q); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestPredictCDFMatchesQuantile: the q-quantile Q that PredictQuantile
// returns is the q-quantile of the distribution PredictCDF describes:
// below(Q) < q <= atMost(Q), at every horizon, inside and beyond the
// calibrated ones, for Auto and Conformal, on continuous and on integer
// (tied) load.
func TestPredictCDFMatchesQuantile(t *testing.T) {
	walk := randomWalk(900, 200, 4, 31)
	counts := make([]float64, len(walk))
	for i, v := range walk {
		counts[i] = math.Round(v / 40)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		f    CDFForecaster
		y    []float64
	}{
		{"auto, walk", NewAuto(), walk},
		{"auto, counts", NewAuto(), counts},
		{"conformal, counts", NewConformal(LastValue{}), counts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f.Fit(ctx, tc.y[:800], nil); err != nil {
				t.Fatal(err)
			}
			for _, q := range []float64{0.05, 0.5, 0.9, 0.99} {
				const h = 8 // beyond the 5 calibrated horizons
				qs, err := tc.f.PredictQuantile(tc.y[:850], nil, h, q)
				if err != nil {
					t.Fatal(err)
				}
				for k := 1; k <= h; k++ {
					lo, hi, err := tc.f.PredictCDF(tc.y[:850], nil, k, qs[k-1])
					if err != nil {
						t.Fatal(err)
					}
					if !(lo < q && q <= hi) {
						t.Errorf("q %v, %d steps: quantile %v has P(below) %v, P(at most) %v; want below < q <= at most", q, k, qs[k-1], lo, hi)
					}
				}
			}
			// Far outside the values: nothing below, everything but the
			// conformal remainder at most.
			lo, hi, err := tc.f.PredictCDF(tc.y[:850], nil, 1, -1e9)
			if err != nil || lo != 0 || hi != 0 {
				t.Errorf("y = -1e9: %v, %v, %v; want 0, 0", lo, hi, err)
			}
			lo, hi, err = tc.f.PredictCDF(tc.y[:850], nil, 1, 1e12)
			if err != nil || lo != hi || lo < 0.99 || lo >= 1 {
				t.Errorf("y = 1e12: %v, %v, %v; want equal, in [0.99, 1)", lo, hi, err)
			}
		})
	}
}

// TestPredictCDFCertainValue: a timer's next value is known; the forecast
// puts all its mass on it, so PITCoverage counts it as q where Coverage
// counts it as covered.
func TestPredictCDFCertainValue(t *testing.T) {
	y := make([]float64, 600)
	for i := range y {
		if i%10 == 0 {
			y[i] = 4
		}
	}
	a := NewAuto()
	if err := a.Fit(context.Background(), y[:400], nil); err != nil {
		t.Fatal(err)
	}
	below, atMost, err := OneStepAheadCDF(a, y, nil, 400)
	if err != nil {
		t.Fatal(err)
	}
	q, err := OneStepAheadQuantile(a, y, nil, 400, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	cov, _ := Coverage(y[400:], q)
	pit, _ := PITCoverage(below, atMost, 0.9)
	// The mass is m/(m+1) on the value, the rest above it.
	m := float64(a.sel.Window)
	if cov != 1 || math.Abs(pit-0.9*(m+1)/m) > 1e-9 {
		t.Errorf("coverage %v, PIT coverage %v; want 1 and 0.9·(m+1)/m = %v", cov, pit, 0.9*(m+1)/m)
	}
}

func TestPredictCDFErrors(t *testing.T) {
	y := randomWalk(300, 100, 2, 5)
	a, c := NewAuto(), NewConformal(LastValue{})
	if _, _, err := a.PredictCDF(y, nil, 1, 3); !errors.Is(err, errAutoNotFitted) {
		t.Errorf("Auto before Fit: %v", err)
	}
	if _, _, err := c.PredictCDF(y, nil, 1, 3); !errors.Is(err, errConformalNotFitted) {
		t.Errorf("Conformal before Fit: %v", err)
	}
	for _, f := range []CDFForecaster{a, c} {
		if err := f.Fit(context.Background(), y, nil); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			k    int
			y    float64
			want string
		}{
			{0, 3, "horizon h = 0"},
			{MaxHorizon + 1, 3, "horizon h = "},
			{1, math.NaN(), "y is NaN"},
		} {
			if _, _, err := f.PredictCDF(y, nil, tc.k, tc.y); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%T k %d y %v: %v, want an error containing %q", f, tc.k, tc.y, err, tc.want)
			}
		}
	}
}

func TestPredictCDFDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	y := noisySine(600, 12, 20, 8, 2, 11)
	ts := minuteTimes(len(y))
	a := NewAuto()
	if err := a.Fit(context.Background(), y[:500], ts[:500]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.PredictCDF(y, ts, 3, 20); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() {
		if _, _, err := a.PredictCDF(y, ts, 3, 20); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("PredictCDF: %v allocations", n)
	}
}
