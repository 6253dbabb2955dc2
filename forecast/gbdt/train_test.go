package gbdt

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedData returns the original project's workload with its feature
// columns: hour, dayofweek, is_weekend, lag1, lag2, and either the CSV's
// rolling mean/std (which include the current row: leaky) or the rolling
// mean/std of the 5 previous rows (past-only, NaN for the first row).
func seedData(t testing.TB, leaky bool) (x []float64, y []float64) {
	t.Helper()
	f, err := os.Open("../../testdata/seed/synthetic_invocations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	num := func(rec []string, name string) float64 {
		v, err := strconv.ParseFloat(rec[col[name]], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	recs = recs[1:]
	for i, rec := range recs {
		dow := num(rec, "dayofweek")
		weekend := 0.0
		if dow >= 5 {
			weekend = 1
		}
		row := []float64{num(rec, "hour"), dow, weekend, num(rec, "invocations_lag1"), num(rec, "invocations_lag2")}
		if leaky {
			row = append(row, num(rec, "invocations_avg_5"), num(rec, "invocations_std_5"))
		} else if i == 0 {
			row = append(row, math.NaN(), math.NaN())
		} else {
			row = append(row, num(recs[i-1], "invocations_avg_5"), num(recs[i-1], "invocations_std_5"))
		}
		x = append(x, row...)
		y = append(y, num(rec, "invocations"))
	}
	return x, y
}

func seedParams() Params {
	p := DefaultParams()
	p.MaxDepth = 6
	p.LearningRate = 0.05
	p.NEstimators = 100
	p.Subsample = 0.8
	p.ColsampleByTree = 1
	p.MinChildWeight = 5
	// XGBoost 1.7 starts from base_score 0.5 (it does not estimate the
	// intercept); parity uses the same start.
	p.BaseScore = 0.5
	return p
}

func split80(x, y []float64, k int) (Dataset, Dataset) {
	n := len(y)
	s := int(float64(n) * 0.8)
	return Dataset{X: x[:s*k], NumFeature: k, Y: y[:s]}, Dataset{X: x[s*k:], NumFeature: k, Y: y[s:]}
}

func mae(m *Model, d Dataset) float64 {
	var s float64
	for i := range d.Rows() {
		p, err := m.Predict(d.X[i*d.NumFeature : (i+1)*d.NumFeature])
		if err != nil {
			panic(err)
		}
		s += math.Abs(p - d.Y[i])
	}
	return s / float64(d.Rows())
}

// TestGBDTOriginalParity trains on the original's workload with its parameters
// and checks the test MAE against XGBoost 1.7.4 (hist, 1 thread, seeds 0-4,
// testdata/forecast/seed_xgboost_parity.txt): 9.4801 with the original's
// leaky features and 8.5757 with past-only ones. The median (AbsoluteError,
// intercept estimated as the median) is compared with reg:absoluteerror
// (pastonly-abs-eta1: 9.3174) at learning rate 1: XGBoost 1.7 sets an
// adaptive leaf to its residuals' quantile without the learning rate (2.0
// applies it, as Train does), so only there do the two agree. The
// acceptance bound is 2 % above XGBoost's mean.
func TestGBDTOriginalParity(t *testing.T) {
	median := func(p *Params) {
		p.Objective, p.BaseScore, p.LearningRate = AbsoluteError, math.NaN(), 1
	}
	for _, tc := range []struct {
		name    string
		leaky   bool
		xgbMean float64
		mod     func(*Params)
	}{
		{"original-leaky", true, 9.4801, nil},
		{"past-only", false, 8.5757, nil},
		{"past-only-median", false, 9.3174, median},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := seedData(t, tc.leaky)
			tr, te := split80(x, y, 7)
			var sum float64
			for seed := range uint64(5) {
				p := seedParams()
				p.Seed = seed
				if tc.mod != nil {
					tc.mod(&p)
				}
				m, err := Train(context.Background(), tr, p)
				if err != nil {
					t.Fatal(err)
				}
				e := mae(m, te)
				t.Logf("seed %d: MAE %.4f", seed, e)
				sum += e
			}
			got := sum / 5
			t.Logf("mean MAE %.4f (XGBoost %.4f, ratio %.4f)", got, tc.xgbMean, got/tc.xgbMean)
			if got > tc.xgbMean*1.02 {
				t.Errorf("mean MAE %.4f is more than 2 %% above XGBoost's %.4f", got, tc.xgbMean)
			}
		})
	}
}

func synth(n int, seed uint64) Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := Dataset{NumFeature: 4}
	for range n {
		a, b, c := r.NormFloat64(), math.Round(r.Float64()*10), r.NormFloat64()
		miss := math.NaN()
		if r.Float64() < 0.7 {
			miss = r.NormFloat64()
		}
		y := 3*a + math.Sin(b) + c*c + r.NormFloat64()*0.1
		if !math.IsNaN(miss) {
			y += 2 * miss
		} else {
			y -= 4
		}
		d.X = append(d.X, a, b, c, miss)
		d.Y = append(d.Y, y)
	}
	return d
}

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	tr, te := synth(3000, 1), synth(1000, 2)
	p := DefaultParams()
	p.Subsample, p.ColsampleByTree, p.Seed = 0.7, 0.75, 42
	p.LearningRate = 0.1
	m1, err := Train(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := Train(context.Background(), tr, p)
	var b1, b2 bytes.Buffer
	m1.WriteXGBoostJSON(&b1)
	m2.WriteXGBoostJSON(&b2)
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatal("same seed gave different models")
	}
	p.Seed = 43
	m3, _ := Train(context.Background(), tr, p)
	var b3 bytes.Buffer
	m3.WriteXGBoostJSON(&b3)
	if bytes.Equal(b1.Bytes(), b3.Bytes()) {
		t.Fatal("different seeds gave identical models")
	}
	// The target's standard deviation is about 4; a good model is far better
	// than predicting the mean.
	if e := mae(m1, te); e > 0.6 {
		t.Fatalf("test MAE %.3f, want < 0.6", e)
	}
	// The written model reads back to identical predictions.
	m4, err := ReadXGBoostJSON(&b1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range te.Rows() {
		row := te.X[i*4 : i*4+4]
		a, _ := m1.Predict(row)
		b, _ := m4.Predict(row)
		if a != b {
			t.Fatalf("row %d: %v after round trip, want %v", i, b, a)
		}
	}
}

func TestTrainParamsAndGamma(t *testing.T) {
	tr := synth(1000, 3)
	p := DefaultParams()
	m0, err := Train(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	p.Gamma = 50
	m1, err := Train(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m1.nodes) >= len(m0.nodes) {
		t.Fatalf("gamma 50 kept %d nodes, gamma 0 %d: pruning did nothing", len(m1.nodes), len(m0.nodes))
	}
	p = DefaultParams()
	p.MaxDepth = 2
	m2, _ := Train(context.Background(), tr, p)
	for ti := range m2.roots {
		if d := depth(m2.nodes, m2.roots[ti]); d > 2 {
			t.Fatalf("tree %d has depth %d with MaxDepth 2", ti, d)
		}
	}
	p = DefaultParams()
	p.MinChildWeight = 400
	m3, _ := Train(context.Background(), tr, p)
	for _, st := range m3.stats {
		if st.hess < 400 {
			t.Fatalf("a node has hessian %v < MinChildWeight 400", st.hess)
		}
	}
}

func depth(nodes []node, i int32) int {
	if nodes[i].left < 0 {
		return 0
	}
	return 1 + max(depth(nodes, nodes[i].left), depth(nodes, nodes[i].right))
}

func TestTrainEarlyStopping(t *testing.T) {
	tr := synth(2000, 4)
	p := DefaultParams()
	p.NEstimators = 500
	p.LearningRate = 0.3
	p.EarlyStoppingRounds = 10
	m, err := Train(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	if m.BestIteration() < 0 || m.NumTrees() != m.BestIteration()+1 || m.NumTrees() >= 500 {
		t.Fatalf("best iteration %d, %d trees: early stopping did not stop", m.BestIteration(), m.NumTrees())
	}
}

func TestTrainRejectsBadInput(t *testing.T) {
	good := synth(100, 5)
	tests := []struct {
		name string
		mod  func(*Params, *Dataset)
		want string
	}{
		{"estimators", func(p *Params, _ *Dataset) { p.NEstimators = 0 }, "NEstimators"},
		{"depth", func(p *Params, _ *Dataset) { p.MaxDepth = 31 }, "MaxDepth"},
		{"eta", func(p *Params, _ *Dataset) { p.LearningRate = 0 }, "LearningRate"},
		{"subsample", func(p *Params, _ *Dataset) { p.Subsample = 1.5 }, "Subsample"},
		{"colsample", func(p *Params, _ *Dataset) { p.ColsampleByTree = math.NaN() }, "ColsampleByTree"},
		{"lambda", func(p *Params, _ *Dataset) { p.Lambda = -1 }, "Lambda"},
		{"bins", func(p *Params, _ *Dataset) { p.MaxBin = 1000 }, "MaxBin"},
		{"nan target", func(_ *Params, d *Dataset) { d.Y = append([]float64{math.NaN()}, d.Y[1:]...) }, "Y[0]"},
		{"inf target", func(_ *Params, d *Dataset) { d.Y = append([]float64{math.Inf(-1)}, d.Y[1:]...) }, "Y[0]"},
		{"target beyond float32", func(_ *Params, d *Dataset) { d.Y = append([]float64{1e39}, d.Y[1:]...) }, "float32-representable"},
		{"shape", func(_ *Params, d *Dataset) { d.X = d.X[:len(d.X)-1] }, "len(X)"},
		{"inf feature", func(_ *Params, d *Dataset) { d.X = append([]float64{math.Inf(1)}, d.X[1:]...) }, "X[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, d := DefaultParams(), good
			tc.mod(&p, &d)
			_, err := Train(context.Background(), d, p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, good, DefaultParams()); err == nil {
		t.Fatal("cancelled context: no error")
	}
}

func TestQuantileCuts(t *testing.T) {
	tests := []struct {
		in     []float32
		maxBin int
		want   []float32
	}{
		{[]float32{1, 1, 2, 3, 3}, 256, []float32{2, 3}},
		{[]float32{5}, 256, []float32{}},
		{[]float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, []float32{3, 5, 7}},
	}
	for _, tc := range tests {
		if got := quantileCuts(tc.in, tc.maxBin); !cmp.Equal(got, tc.want) {
			t.Errorf("quantileCuts(%v, %d) = %v, want %v", tc.in, tc.maxBin, got, tc.want)
		}
	}
}

func BenchmarkGBDTTrainOriginal(b *testing.B) {
	x, y := seedData(b, true)
	tr, _ := split80(x, y, 7)
	p := seedParams()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Train(context.Background(), tr, p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWrittenLayoutIsXGBoosts checks the layout XGBoost's predictor relies
// on: node 0 is the root and every right child directly follows its left
// sibling. (A model written this way was loaded by XGBoost 1.7.4, which
// reproduced all 1,000 checked predictions exactly.)
func TestWrittenLayoutIsXGBoosts(t *testing.T) {
	p := DefaultParams()
	p.Subsample, p.Seed = 0.8, 9
	m, err := Train(context.Background(), synth(1500, 6), p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteXGBoostJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var f xgbFile
	if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	for ti, tr := range f.Learner.GradientBooster.Model.Trees {
		for i, l := range tr.LeftChildren {
			if l >= 0 && (tr.RightChildren[i] != l+1 || l <= int32(i)) {
				t.Fatalf("tree %d node %d: children %d, %d", ti, i, l, tr.RightChildren[i])
			}
		}
	}
}
