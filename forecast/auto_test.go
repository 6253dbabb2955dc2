package forecast

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// noisySine returns n values of level + amp·sin(2πt/period) + Gaussian
// noise of standard deviation sd, never below zero.
func noisySine(n, period int, level, amp, sd float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = max(0, level+amp*math.Sin(2*math.Pi*float64(i)/float64(period))+sd*rng.NormFloat64())
	}
	return v
}

// randomWalk returns n values of a Gaussian random walk started at start.
func randomWalk(n int, start, sd float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := make([]float64, n)
	x := start
	for i := range v {
		x += sd * rng.NormFloat64()
		v[i] = x
	}
	return v
}

// minuteTimes returns n timestamps a minute apart.
func minuteTimes(n int) []time.Time {
	ts := make([]time.Time, n)
	start := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	for i := range ts {
		ts[i] = start.Add(time.Duration(i) * time.Minute)
	}
	return ts
}

// TestAutoSelects checks the choice on series whose best model is known.
func TestAutoSelects(t *testing.T) {
	type choice struct {
		Family      Family
		Chosen      string
		ExactPeriod int
	}
	tests := []struct {
		name   string
		values []float64
		want   choice
		reason string
	}{
		{"timer every 15 minutes", timerSeries(1000, 15, 4, 1), choice{FamilySeasonalNaive, "seasonal naive (period 15)", 15}, "repeats exactly every 15 intervals"},
		{"constant rate", timerSeries(1000, 1, 0, 625), choice{FamilyLastValue, "last value", 0}, "a tie, won by the simpler model"},
		{"random walk", randomWalk(1000, 500, 5, 7), choice{FamilyLastValue, "last value", 0}, "lowest one-step mean absolute error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAuto()
			if err := a.Fit(context.Background(), tc.values, minuteTimes(len(tc.values))); err != nil {
				t.Fatal(err)
			}
			sel, ok := a.Selection()
			if !ok {
				t.Fatal("no selection after Fit")
			}
			got := choice{sel.Family, sel.Chosen, sel.ExactPeriod}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("choice (-want +got):\n%s\ncandidates: %+v", diff, sel.Candidates)
			}
			if !strings.Contains(sel.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", sel.Reason, tc.reason)
			}
			if sel.Window != 500 || len(sel.Calibration) != 5 || sel.Calibration[0].N != 500 {
				t.Errorf("window %d, calibration %+v; want 500 and 5 horizons of 500, 499, ... errors", sel.Window, sel.Calibration)
			}
		})
	}
}

// TestAutoSeasonal: on a strong daily-like cycle with noise the choice is
// a seasonal model, and it is far better than the last value.
func TestAutoSeasonal(t *testing.T) {
	y := noisySine(1200, 24, 100, 50, 3, 1)
	a := NewAuto()
	if err := a.Fit(context.Background(), y[:1000], nil); err != nil {
		t.Fatal(err)
	}
	sel, _ := a.Selection()
	if sel.Family&(FamilySeasonalNaive|FamilyHoltWinters|FamilyGBDT) == 0 || !slices.Contains(sel.ACFPeriods, 24) {
		t.Fatalf("chose %s (periods %v), want a seasonal model at period 24", sel.Chosen, sel.ACFPeriods)
	}
	p, err := OneStepAhead(a, y, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := OneStepAhead(LastValue{}, y, nil, 1000)
	ma, _ := MAE(y[1000:], p)
	ml, _ := MAE(y[1000:], l)
	if ma > 0.5*ml {
		t.Errorf("%s MAE %.3f, last value %.3f; want at most half", sel.Chosen, ma, ml)
	}
}

// TestAutoReselects: each Fit chooses again from its own history.
func TestAutoReselects(t *testing.T) {
	ctx := context.Background()
	a := NewAuto()
	a.Families = FamilyLastValue | FamilySeasonalNaive | FamilyMovingAverage
	timer := timerSeries(600, 10, 0, 2)
	if err := a.Fit(ctx, timer, nil); err != nil {
		t.Fatal(err)
	}
	first, _ := a.Selection()
	// The report is a copy: changing it changes nothing in a.
	first.Candidates[0].Name, first.ACFPeriods = "changed", append(first.ACFPeriods[:0], -1)
	if again, _ := a.Selection(); again.Candidates[0].Name != "last value" || slices.Contains(again.ACFPeriods, -1) {
		t.Fatalf("Selection shares its slices: %+v", again)
	}
	first, _ = a.Selection()
	// The function is switched to a steady rate: the last value wins.
	grown := append(slices.Clone(timer), timerSeries(900, 1, 0, 40)...)
	if err := a.Fit(ctx, grown, nil); err != nil {
		t.Fatal(err)
	}
	second, _ := a.Selection()
	if first.Chosen != "seasonal naive (period 10)" || second.Chosen != "last value" {
		t.Fatalf("chose %q then %q, want seasonal naive (period 10) then last value", first.Chosen, second.Chosen)
	}
	p, err := a.Predict(grown, nil, 3)
	if err != nil || !slices.Equal(p, []float64{40, 40, 40}) {
		t.Fatalf("forecast %v, %v; want the steady rate", p, err)
	}
}

// TestAutoQuantileCalibration checks coverage on continuous noise, where a
// calibrated 0.9 quantile covers 90 % of new values, and the order of the
// quantiles.
func TestAutoQuantileCalibration(t *testing.T) {
	y := noisySine(4000, 60, 200, 40, 10, 5)
	a := NewAuto()
	a.Families = AllFamilies &^ FamilyGBDT // keep the test fast
	if err := a.Fit(context.Background(), y[:1000], nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q, lo, hi float64
	}{{0.5, 0.46, 0.54}, {0.9, 0.87, 0.93}, {0.99, 0.975, 1}}
	var prev []float64
	for _, tc := range tests {
		qs, err := OneStepAheadQuantile(a, y, nil, 1000, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		cov, err := Coverage(y[1000:], qs)
		if err != nil {
			t.Fatal(err)
		}
		if cov < tc.lo || cov > tc.hi {
			sel, _ := a.Selection()
			t.Errorf("q %v: coverage %.4f with %s, want %v-%v", tc.q, cov, sel.Chosen, tc.lo, tc.hi)
		}
		for i := range prev {
			if qs[i] < prev[i] {
				t.Fatalf("q %v: quantile %v below the lower level's %v at %d", tc.q, qs[i], prev[i], i)
			}
		}
		prev = qs
	}
}

// TestAutoQuantileBeyondHorizons: past the calibrated horizons the band
// widens as √k.
func TestAutoQuantileBeyondHorizons(t *testing.T) {
	y := randomWalk(800, 1000, 5, 3)
	a := NewAuto()
	a.Families = FamilyLastValue
	a.Horizons = 4
	if err := a.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	q, err := a.PredictQuantile(y, nil, 16, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	last := y[len(y)-1]
	w4, w16 := q[3]-last, q[15]-last
	if w4 <= 0 || math.Abs(w16-2*w4) > 1e-9*w4 {
		t.Fatalf("band at 4 steps %v, at 16 steps %v; want twice (√(16/4))", w4, w16)
	}
	if q[1]-last <= q[0]-last {
		t.Errorf("band at 2 steps %v not wider than at 1 step %v on a random walk", q[1]-last, q[0]-last)
	}
}

func TestAutoNeverNegative(t *testing.T) {
	// Falling load: a trend model would forecast below zero.
	y := make([]float64, 400)
	for i := range y {
		y[i] = max(0, 300-float64(i))
	}
	a := NewAuto()
	if err := a.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []float64{0.05, 0.5} {
		p, err := a.PredictQuantile(y[:299], nil, 10, q)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Min(p) < 0 {
			t.Fatalf("q %v: %v below zero", q, p)
		}
	}
	// A history with negative values is not load: no floor.
	neg := randomWalk(400, -50, 1, 9)
	if err := a.Fit(context.Background(), neg, nil); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Predict(neg, nil, 1); p[0] >= 0 {
		t.Fatalf("forecast %v of a negative series, want it negative", p[0])
	}
}

func TestAutoBadInput(t *testing.T) {
	ctx := context.Background()
	y := noisySine(400, 20, 50, 10, 2, 1)
	tests := []struct {
		name string
		mod  func(a *Auto)
		y    []float64
		ts   []time.Time
		want string
	}{
		{"NaN", nil, []float64{1, 2, math.NaN(), 3, 4, 5, 6, 7, 8, 9, 10, 11}, nil, "history[2] = NaN"},
		{"infinite", nil, append(slices.Clone(y), math.Inf(-1)), nil, "history[400] = -Inf"},
		{"times", nil, y, minuteTimes(399), "399 timestamps for 400 values"},
		{"too short", nil, y[:9], nil, "Auto.Fit with 9 values"},
		{"window too small", func(a *Auto) { a.Window = 4 }, y, nil, "Window 4"},
		{"window too large", func(a *Auto) { a.Window = 398 }, y, nil, "Window 398"},
		{"negative window", func(a *Auto) { a.Window = -1 }, y, nil, "Auto.Window = -1"},
		{"horizons", func(a *Auto) { a.Horizons = 61 }, y, nil, "Auto.Horizons = 61"},
		{"scale window", func(a *Auto) { a.ScaleWindow = 1 }, y, nil, "Auto.ScaleWindow = 1"},
		{"families", func(a *Auto) { a.Families = 1 << 7 }, y, nil, "Auto.Families = 128"},
		{"simpler within", func(a *Auto) { a.SimplerWithin = -1 }, y, nil, "Auto.SimplerWithin = -1"},
		{"simpler within NaN", func(a *Auto) { a.SimplerWithin = math.NaN() }, y, nil, "Auto.SimplerWithin = NaN"},
		{"GBDT params", func(a *Auto) { a.GBDT.NEstimators = 0 }, y, nil, "Auto.GBDT: gbdt: Params.NEstimators = 0"},
		{"seasonal periods", func(a *Auto) { a.Seasonal.MaxPeriods = -1 }, y, nil, "Auto.Seasonal.MaxPeriods = -1"},
		{"seasonal range", func(a *Auto) { a.Seasonal.MinPeriod, a.Seasonal.MaxPeriod = 10, 5 }, y, nil, "Auto.Seasonal period range [10, 5]"},
		{"seasonal ACF", func(a *Auto) { a.Seasonal.MinACF = math.NaN() }, y, nil, "Auto.Seasonal.MinACF = NaN"},
		{"exact", func(a *Auto) { a.Exact.MinMatch = 2 }, y, nil, "ExactPeriod.MinMatch = 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAuto()
			if tc.mod != nil {
				tc.mod(a)
			}
			err := a.Fit(ctx, tc.y, tc.ts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if _, ok := a.Selection(); ok {
				t.Error("a failed first Fit left a selection")
			}
		})
	}
}

func TestAutoPredictBadInput(t *testing.T) {
	y := noisySine(400, 20, 50, 10, 2, 1)
	a := NewAuto()
	if _, err := a.Predict(y, nil, 1); !errors.Is(err, errAutoNotFitted) {
		t.Fatalf("Predict before Fit: %v", err)
	}
	if _, err := a.PredictQuantile(y, nil, 1, 0.9); !errors.Is(err, errAutoNotFitted) {
		t.Fatalf("PredictQuantile before Fit: %v", err)
	}
	a.Families = FamilyLastValue | FamilyMovingAverage
	if err := a.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    func() error
		want string
	}{
		{"h 0", func() error { _, err := a.Predict(y, nil, 0); return err }, "horizon h = 0"},
		{"empty history", func() error { _, err := a.Predict(nil, nil, 1); return err }, "non-empty history"},
		{"q 0", func() error { _, err := a.PredictQuantile(y, nil, 1, 0); return err }, "quantile q = 0"},
		{"q 1", func() error { _, err := a.PredictQuantile(y, nil, 1, 1); return err }, "quantile q = 1"},
		{"q NaN", func() error { _, err := a.PredictQuantile(y, nil, 1, math.NaN()); return err }, "quantile q = NaN"},
		{"quantile h 0", func() error { return a.PredictQuantileTo(nil, y, nil, 0.9) }, "horizon h = 0"},
	}
	for _, tc := range tests {
		if err := tc.f(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	// A failed Fit keeps the previous model.
	before, _ := a.Selection()
	if err := a.Fit(context.Background(), y[:5], nil); err == nil {
		t.Fatal("Fit on 5 values: no error")
	}
	after, ok := a.Selection()
	if !ok || after.Chosen != before.Chosen {
		t.Fatalf("after a failed Fit: %q, %v; want %q kept", after.Chosen, ok, before.Chosen)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Fit(cancelled, y, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Fit: %v", err)
	}
}

// TestAutoPredictDoesNotAllocate checks PredictTo and PredictQuantileTo
// for each family the auto forecaster can choose.
func TestAutoPredictDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	y := noisySine(600, 12, 20, 8, 2, 11)
	for i := range y {
		if i%5 == 0 {
			y[i] = 0 // zeros, so that TSB is a candidate
		}
	}
	ts := minuteTimes(len(y))
	for _, fam := range []Family{FamilyLastValue, FamilySeasonalNaive, FamilyMovingAverage, FamilyHoltWinters, FamilyTSB, FamilyGBDT} {
		t.Run(fam.String(), func(t *testing.T) {
			a := NewAuto()
			a.Families = fam
			if err := a.Fit(context.Background(), y[:500], ts[:500]); err != nil {
				t.Fatal(err)
			}
			if sel, _ := a.Selection(); sel.Family != fam {
				t.Fatalf("chose %s, want the %s family", sel.Chosen, fam)
			}
			dst := make([]float64, 3)
			if n := testing.AllocsPerRun(50, func() {
				if err := a.PredictTo(dst, y, ts); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("PredictTo: %v allocations", n)
			}
			if n := testing.AllocsPerRun(50, func() {
				if err := a.PredictQuantileTo(dst, y, ts, 0.9); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("PredictQuantileTo: %v allocations", n)
			}
		})
	}
}

// TestAutoConcurrent predicts from several goroutines while another fits.
func TestAutoConcurrent(t *testing.T) {
	y := noisySine(500, 12, 20, 8, 2, 13)
	a := NewAuto()
	a.Families = FamilyLastValue | FamilySeasonalNaive | FamilyMovingAverage
	ctx := context.Background()
	if err := a.Fit(ctx, y, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := a.PredictQuantile(y[:400+i+g], nil, 2, 0.9); err != nil {
					errs <- err
					return
				}
				if _, ok := a.Selection(); !ok {
					errs <- errors.New("no selection")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 5 {
			if err := a.Fit(ctx, y[:300+40*i], nil); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestFamilyString(t *testing.T) {
	tests := []struct {
		f    Family
		want string
	}{
		{FamilyLastValue, "last value"},
		{FamilyTSB | FamilyGBDT, "TSB|GBDT"},
		{0, "Family(0)"},
		{1 << 7, "Family(128)"},
	}
	for _, tc := range tests {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", uint8(tc.f), got, tc.want)
		}
	}
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name string
		errs [][]float64
		z    float64
		want int
	}{
		{"all failed", [][]float64{nil, nil}, 1, -1},
		{"lowest, z 0", [][]float64{{2, 2, 2}, {1, 1, 1}}, 0, 1},
		{"simpler within noise", [][]float64{{1, 3, 1, 3}, {2, 2, 2, 1}}, 1, 0},
		{"simpler clearly worse", [][]float64{{3, 3.1, 2.9, 3}, {1, 1.1, 0.9, 1}}, 1, 1},
		{"failed simplest skipped", [][]float64{nil, {1, 1}, {1, 1}}, 0, 1},
	}
	for _, tc := range tests {
		if got := choose(tc.errs, tc.z); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestAutoGBDTWithoutTimes: without timestamps the GBDT candidate runs
// without calendar features rather than failing.
func TestAutoGBDTWithoutTimes(t *testing.T) {
	y := noisySine(4*24*12, 24*12, 100, 30, 3, 17) // four days of 5-minute load
	a := NewAuto()
	a.Families = FamilyGBDT
	if err := a.Fit(context.Background(), y, nil); err != nil {
		t.Fatal(err)
	}
	if sel, _ := a.Selection(); sel.Family != FamilyGBDT || sel.Candidates[0].Err != nil {
		t.Fatalf("chose %s, candidates %+v", sel.Chosen, sel.Candidates)
	}
}
