package forecast

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/forecast/gbdt"
)

func TestBaselines(t *testing.T) {
	h := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	tests := []struct {
		name string
		f    Forecaster
		n    int
		want []float64
	}{
		{"last", LastValue{}, 3, []float64{8, 8, 8}},
		{"seasonal 3", SeasonalNaive{Period: 3}, 5, []float64{6, 7, 8, 6, 7}},
		{"seasonal 1", SeasonalNaive{Period: 1}, 2, []float64{8, 8}},
		{"moving average 4", MovingAverage{Window: 4}, 2, []float64{6.5, 6.5}},
		{"moving average longer than history", MovingAverage{Window: 100}, 1, []float64{4.5}},
		{"ewma 1", EWMA{Alpha: 1}, 2, []float64{8, 8}},
		{"ewma 0.5", EWMA{Alpha: 0.5}, 1, []float64{7.0078125}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f.Fit(context.Background(), h, nil); err != nil {
				t.Fatal(err)
			}
			got, err := tc.f.Predict(h, nil, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got, tc.want, cmpopts.EquateApprox(0, 1e-12)) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	bad := []struct {
		name string
		f    Forecaster
		want string
	}{
		{"seasonal period", SeasonalNaive{Period: 0}, "Period"},
		{"window", MovingAverage{Window: 0}, "Window"},
		{"alpha", EWMA{Alpha: 1.5}, "Alpha"},
		{"hw period", &HoltWinters{Period: 1}, "Period"},
		{"hw short", &HoltWinters{Period: 5}, "two seasons"},
	}
	for _, tc := range bad {
		if err := tc.f.Fit(context.Background(), h, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %s", tc.name, err, tc.want)
		}
		// The stateless baselines need no Fit: Predict checks them too.
		if _, hw := tc.f.(*HoltWinters); !hw {
			if _, err := tc.f.Predict(h, nil, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: Predict got %v, want an error naming %s", tc.name, err, tc.want)
			}
		}
	}
	if _, err := (LastValue{}).Predict(h, nil, 0); err == nil {
		t.Error("h = 0: no error")
	}
}

func TestHoltWinters(t *testing.T) {
	// Trend + season + small deterministic noise: the forecast must follow
	// both.
	const m = 12
	y := make([]float64, 20*m)
	for i := range y {
		y[i] = 50 + 0.3*float64(i) + 10*math.Sin(2*math.Pi*float64(i)/m) + 0.5*math.Sin(float64(i)*1.7)
	}
	hw := NewHoltWinters(m)
	if err := hw.Fit(context.Background(), y[:18*m], nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{hw.Alpha, hw.Beta, hw.Gamma} {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("fitted factors %v %v %v out of [0, 1]", hw.Alpha, hw.Beta, hw.Gamma)
		}
	}
	p, err := hw.Predict(y[:18*m], nil, 2*m)
	if err != nil {
		t.Fatal(err)
	}
	mae, err := MAE(y[18*m:], p) // fails on NaN predictions
	if err != nil {
		t.Fatal(err)
	}
	naive, _ := (SeasonalNaive{Period: m}).Predict(y[:18*m], nil, 2*m)
	mn, _ := MAE(y[18*m:], naive)
	if mae > 1.5 || mae >= mn {
		t.Fatalf("Holt-Winters MAE %.3f (seasonal naive %.3f), want < 1.5 and better", mae, mn)
	}
	// A failed Fit keeps the fitted factors.
	fitted := *hw
	if err := hw.Fit(context.Background(), y[:m], nil); err == nil || *hw != fitted {
		t.Fatalf("Fit on one season: error %v, factors %+v, want an error and %+v", err, *hw, fitted)
	}
	fixed := &HoltWinters{Period: m, Alpha: 0.2, Beta: 0.1, Gamma: 0.3, Fixed: true}
	if err := fixed.Fit(context.Background(), y, nil); err != nil || fixed.Alpha != 0.2 {
		t.Fatalf("fixed: %v, alpha %v", err, fixed.Alpha)
	}
}

func TestMetrics(t *testing.T) {
	a := []float64{1, 2, 3, 4}
	p := []float64{2, 2, 2, 6}
	tests := []struct {
		name string
		f    func() (float64, error)
		want float64
	}{
		{"MAE", func() (float64, error) { return MAE(a, p) }, 1},
		{"RMSE", func() (float64, error) { return RMSE(a, p) }, math.Sqrt(6.0 / 4)},
		{"MAPE", func() (float64, error) { return MAPE(a, p) }, 100 * (1 + 0 + 1.0/3 + 0.5) / 4},
		{"SMAPE", func() (float64, error) { return SMAPE(a, p) }, 100 * (2.0/3 + 0 + 0.4 + 0.4) / 4},
		{"R2", func() (float64, error) { return R2(a, p) }, 1 - 6/5.0},
		{"MASE", func() (float64, error) { return MASE(a, p, []float64{1, 3, 2, 4}, 1) }, 1.0 / (5.0 / 3)},
		{"MASE seasonal", func() (float64, error) { return MASE(a, p, []float64{1, 3, 2, 4}, 2) }, 1.0 / 1},
		{"MAPE skips zeros", func() (float64, error) { return MAPE([]float64{0, 2}, []float64{5, 1}) }, 50},
		{"SMAPE both zero", func() (float64, error) { return SMAPE([]float64{0, 1}, []float64{0, 1}) }, 0},
	}
	for _, tc := range tests {
		got, err := tc.f()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	errs := []func() (float64, error){
		func() (float64, error) { return MAE(a, p[:3]) },
		func() (float64, error) { return MAE(nil, nil) },
		func() (float64, error) { return R2([]float64{1, 1}, []float64{1, 2}) },
		func() (float64, error) { return MAPE([]float64{0}, []float64{1}) },
		func() (float64, error) { return MASE(a, p, []float64{1, 1, 1}, 1) },
		func() (float64, error) { return MASE(a, p, a, 0) },
		func() (float64, error) { return MAE([]float64{math.NaN()}, []float64{1}) },
	}
	for i, f := range errs {
		if _, err := f(); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

// TestTimeSeriesSplit compares with scikit-learn's TimeSeriesSplit.
func TestTimeSeriesSplit(t *testing.T) {
	tests := []struct {
		n, k int
		opt  SplitOptions
		want []Fold
	}{
		// TimeSeriesSplit(n_splits=3).split(range(10))
		{10, 3, SplitOptions{}, []Fold{{0, 4, 4, 6}, {0, 6, 6, 8}, {0, 8, 8, 10}}},
		// TimeSeriesSplit(n_splits=3, gap=1)
		{10, 3, SplitOptions{Gap: 1}, []Fold{{0, 3, 4, 6}, {0, 5, 6, 8}, {0, 7, 8, 10}}},
		// TimeSeriesSplit(n_splits=3, max_train_size=3)
		{10, 3, SplitOptions{MaxTrainSize: 3}, []Fold{{1, 4, 4, 6}, {3, 6, 6, 8}, {5, 8, 8, 10}}},
		// TimeSeriesSplit(n_splits=2, test_size=2) on 7 samples
		{7, 2, SplitOptions{TestSize: 2}, []Fold{{0, 3, 3, 5}, {0, 5, 5, 7}}},
	}
	for _, tc := range tests {
		got, err := TimeSeriesSplit(tc.n, tc.k, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("TimeSeriesSplit(%d, %d, %+v) (-want +got):\n%s", tc.n, tc.k, tc.opt, diff)
		}
	}
	if _, err := TimeSeriesSplit(5, 5, SplitOptions{}); err == nil {
		t.Error("too many splits: no error")
	}
	if _, err := TimeSeriesSplit(10, 1, SplitOptions{}); err == nil {
		t.Error("one split: no error")
	}
}

// TestGridSearchDeterministic runs the same GBDT grid with 1 and 4 workers
// and expects identical results, using 3-fold expanding-window CV on the
// original workload (a short slice of it, to stay fast).
func TestGridSearchDeterministic(t *testing.T) {
	v, ts := loadSeed(t)
	v, ts = v[:2000], ts[:2000]
	folds, err := TimeSeriesSplit(len(v), 3, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base := gbdt.DefaultParams()
	base.NEstimators = 20
	grid := GBDTGrid{MaxDepth: []int{3, 6}, LearningRate: []float64{0.1, 0.3}, Subsample: []float64{0.8}}
	cands := grid.Candidates(base)
	if len(cands) != 4 || cands[1].MaxDepth != 3 || cands[1].LearningRate != 0.3 {
		t.Fatalf("candidates %+v", cands)
	}
	score := func(ctx context.Context, p gbdt.Params) (float64, error) {
		s, err := CrossValidate(ctx, func() Forecaster { return NewGBDT(PastOnlyFeatures(), p) }, v, ts, folds, MAE)
		if err != nil {
			return 0, err
		}
		var m float64
		for _, x := range s {
			m += x / float64(len(s))
		}
		return m, nil
	}
	r1, b1, err := GridSearch(context.Background(), cands, score, 1)
	if err != nil {
		t.Fatal(err)
	}
	r4, b4, err := GridSearch(context.Background(), cands, score, 4)
	if err != nil {
		t.Fatal(err)
	}
	if b1 != b4 || !cmp.Equal(scores(r1), scores(r4)) {
		t.Fatalf("1 worker: best %d %v; 4 workers: best %d %v", b1, scores(r1), b4, scores(r4))
	}
	for i, r := range r1 {
		if r.Index != i || r.Score < r1[b1].Score {
			t.Fatalf("result %d: %+v, best %d", i, r, b1)
		}
	}
}

func scores[P any](rs []Result[P]) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.Score
	}
	return out
}

func TestGridSearchErrorsAndCancel(t *testing.T) {
	boom := errors.New("boom")
	rs, best, err := GridSearch(context.Background(), []int{3, 1, 2, 1}, func(_ context.Context, p int) (float64, error) {
		if p == 2 {
			return 0, boom
		}
		return float64(p), nil
	}, 0)
	if err != nil || best != 1 || !errors.Is(rs[2].Err, boom) || !math.IsNaN(rs[2].Score) {
		t.Fatalf("best %d, results %+v, err %v", best, rs, err)
	}
	if _, _, err := GridSearch(context.Background(), []int{1}, func(context.Context, int) (float64, error) { return 0, boom }, 1); !errors.Is(err, boom) {
		t.Fatalf("all failing: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	_, _, err = GridSearch(ctx, make([]int, 100), func(context.Context, int) (float64, error) {
		if calls.Add(1) == 3 {
			cancel()
		}
		time.Sleep(time.Millisecond)
		return 0, nil
	}, 2)
	if !errors.Is(err, context.Canceled) || calls.Load() >= 100 {
		t.Fatalf("cancel: %v after %d calls", err, calls.Load())
	}
}

func TestCrossValidateBaselines(t *testing.T) {
	v, ts := loadSeed(t)
	v, ts = v[:3000], ts[:3000]
	folds, _ := TimeSeriesSplit(len(v), 3, SplitOptions{Gap: 10, MaxTrainSize: 1000})
	last, err := CrossValidate(context.Background(), func() Forecaster { return LastValue{} }, v, ts, folds, MAE)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range folds {
		// Last value's one-step forecast of v[t] is v[t-1].
		want, _ := MAE(v[f.TestStart:f.TestEnd], v[f.TestStart-1:f.TestEnd-1])
		if last[i] != want {
			t.Fatalf("fold %d: CV MAE %v, want %v", i, last[i], want)
		}
	}
	hw, err := CrossValidate(context.Background(), func() Forecaster { return NewHoltWinters(50) }, v, ts, folds[:1], RMSE)
	if err != nil || len(hw) != 1 || !(hw[0] > 0) {
		t.Fatalf("Holt-Winters CV: %v, %v", hw, err)
	}
	if _, err := CrossValidate(context.Background(), func() Forecaster { return LastValue{} }, v, ts, []Fold{{0, 10, 5, 20}}, MAE); err == nil {
		t.Fatal("overlapping fold: no error")
	}
}

// TestRowDoesNotAllocate checks Builder.Row's documented promise, which
// GBDT.Predict relies on for every step of a forecast.
func TestRowDoesNotAllocate(t *testing.T) {
	v, ts := loadSeed(t)
	b, err := NewBuilder(DefaultFeatures(), v[:2000], ts[:2000])
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float64, b.NumFeature())
	if allocs := testing.AllocsPerRun(100, func() {
		if err := b.Row(row, v, 1500, ts[1500]); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("Row: %v allocations, want 0", allocs)
	}
}
