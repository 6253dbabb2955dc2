package gbdt

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// hetero returns n rows of y = 10x + (1 + 5x)·ε, x ~ U(0, 1), ε ~ N(0, 1),
// with x and a noise feature: the true α-quantile at x is
// 10x + (1 + 5x)·Φ⁻¹(α), and the spread grows with x.
func hetero(n int, seed uint64) Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	d := Dataset{NumFeature: 2}
	for range n {
		x := r.Float64()
		d.X = append(d.X, x, r.Float64())
		d.Y = append(d.Y, 10*x+(1+5*x)*r.NormFloat64())
	}
	return d
}

// TestQuantileErrorCalibrated trains the 0.1, 0.5 and 0.9 quantiles of
// heteroscedastic data and checks, on fresh data, that each covers its
// level within 2.5 points, tracks the true conditional quantile, and has
// the lowest pinball loss at its own level (the loss it minimises).
func TestQuantileErrorCalibrated(t *testing.T) {
	tr, te := hetero(6000, 1), hetero(4000, 2)
	alphas := []float64{0.1, 0.5, 0.9}
	preds := make([][]float64, len(alphas))
	for i, a := range alphas {
		p := DefaultParams()
		p.Objective, p.QuantileAlpha, p.LearningRate, p.MaxDepth, p.NEstimators = QuantileError, a, 0.1, 3, 200
		m, err := Train(context.Background(), tr, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Objective() != QuantileError || m.QuantileAlpha() != a {
			t.Fatalf("model objective %q alpha %v, want %q %v", m.Objective(), m.QuantileAlpha(), QuantileError, a)
		}
		var covered, dev float64
		for j := range te.Rows() {
			row := te.X[j*2 : j*2+2]
			v, err := m.Predict(row)
			if err != nil {
				t.Fatal(err)
			}
			preds[i] = append(preds[i], v)
			if te.Y[j] <= v {
				covered++
			}
			x := row[0]
			dev += math.Abs(v - (10*x + (1+5*x)*math.Sqrt2*math.Erfinv(2*a-1)))
		}
		cov, meanDev := covered/float64(te.Rows()), dev/float64(te.Rows())
		t.Logf("alpha %.1f: coverage %.4f, mean distance to the true quantile %.3f", a, cov, meanDev)
		if math.Abs(cov-a) > 0.025 {
			t.Errorf("alpha %.1f: coverage %.4f, want within 0.025", a, cov)
		}
		if meanDev > 0.5 { // the noise's spread is 1 to 6
			t.Errorf("alpha %.1f: mean distance to the true quantile %.3f, want <= 0.5", a, meanDev)
		}
	}
	pinball := func(p []float64, a float64) float64 {
		var s float64
		for j, v := range p {
			d := te.Y[j] - v
			s += max(a*d, (a-1)*d)
		}
		return s / float64(len(p))
	}
	for i, a := range alphas {
		for k := range alphas {
			if k != i && pinball(preds[k], a) <= pinball(preds[i], a) {
				t.Errorf("at level %.1f the %.1f model's pinball loss %.4f is not above the %.1f model's %.4f", a, alphas[k], pinball(preds[k], a), a, pinball(preds[i], a))
			}
		}
	}
}

// TestQuantileErrorWithoutSplits: with nothing to split on, every tree is
// one leaf and the model converges to the training targets' quantile, by
// XGBoost's interpolation rule; the intercept alone is that quantile.
func TestQuantileErrorWithoutSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	d := Dataset{NumFeature: 1}
	for range 501 {
		d.X = append(d.X, 1)
		d.Y = append(d.Y, math.Round(100*r.ExpFloat64()))
	}
	sorted := slices.Sorted(slices.Values(d.Y))
	for _, a := range []float64{0.05, 0.3, 0.9, 0.999} {
		want := sortedQuantile(a, sorted)
		p := DefaultParams()
		p.Objective, p.QuantileAlpha = QuantileError, a
		m, err := Train(context.Background(), d, p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.Predict([]float64{1})
		if math.Abs(float64(m.BaseScore())-want) > 1e-4 || math.Abs(got-want) > 1e-3 {
			t.Errorf("alpha %v: base %v, prediction %v, want the quantile %v", a, m.BaseScore(), got, want)
		}
	}
}

// TestSortedQuantile checks XGBoost's rule (common::Quantile) by hand.
func TestSortedQuantile(t *testing.T) {
	v := []float64{1, 2, 4, 8}
	for _, tc := range []struct{ alpha, want float64 }{
		{0.1, 1}, // <= 1/(n+1) = 0.2: the smallest
		{0.2, 1}, // the boundary
		{0.5, 3}, // rank 2.5: halfway between 2 and 4
		{0.7, 6}, // rank 3.5: halfway between 4 and 8
		{0.8, 8}, // >= n/(n+1): the largest
	} {
		if got := sortedQuantile(tc.alpha, v); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("quantile %v of %v = %v, want %v", tc.alpha, v, got, tc.want)
		}
	}
	if got := sortedQuantile(0.5, []float64{}); !math.IsNaN(got) {
		t.Errorf("quantile of nothing = %v, want NaN", got)
	}
}

func TestObjectiveParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(p *Params)
		want string
	}{
		{"unknown objective", func(p *Params) { p.Objective = Poisson }, `Params.Objective = "count:poisson"`},
		{"alpha 0", func(p *Params) { p.Objective = QuantileError }, "Params.QuantileAlpha = 0, want in (0, 1)"},
		{"alpha 1", func(p *Params) { p.Objective, p.QuantileAlpha = QuantileError, 1 }, "Params.QuantileAlpha = 1"},
		{"alpha NaN", func(p *Params) { p.Objective, p.QuantileAlpha = QuantileError, math.NaN() }, "Params.QuantileAlpha = NaN"},
		{"alpha without quantile loss", func(p *Params) { p.QuantileAlpha = 0.9 }, "it is used only with reg:quantileerror"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			tc.mod(&p)
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	p := DefaultParams()
	p.Objective = ""
	if err := p.Validate(); err != nil {
		t.Errorf("empty objective (squared error): %v", err)
	}
}

// TestQuantileModelJSON writes a quantile model in XGBoost 2.0's JSON,
// reads it back with the same predictions and quantile, and refuses a
// file with several quantiles or none.
func TestQuantileModelJSON(t *testing.T) {
	p := DefaultParams()
	p.Objective, p.QuantileAlpha, p.NEstimators = QuantileError, 0.9, 20
	tr := hetero(500, 4)
	m, err := Train(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteXGBoostJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadXGBoostJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Objective() != QuantileError || back.QuantileAlpha() != 0.9 {
		t.Fatalf("read back objective %q alpha %v", back.Objective(), back.QuantileAlpha())
	}
	for i := range 50 {
		row := tr.X[i*2 : i*2+2]
		a, _ := m.Predict(row)
		b, _ := back.Predict(row)
		if a != b {
			t.Fatalf("row %d: %v written, %v read back", i, a, b)
		}
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"quantile_alpha":"[0.9]"`, `"quantile_alpha":"[0.1, 0.9]"`, "several quantiles"},
		{`"quantile_alpha":"[0.9]"`, `"quantile_alpha":"1.5"`, "want one number in (0, 1)"},
		{`"quantile_loss_param":{"quantile_alpha":"[0.9]"}`, `"reg_loss_param":{}`, "without quantile_loss_param"},
	} {
		s := strings.Replace(buf.String(), tc.from, tc.to, 1)
		if s == buf.String() {
			t.Fatalf("%q not in the written model", tc.from)
		}
		if _, err := ReadXGBoostJSON(strings.NewReader(s)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.to, err, tc.want)
		}
	}
}

// TestQuantileEarlyStopping stops on the validation pinball loss.
func TestQuantileEarlyStopping(t *testing.T) {
	p := DefaultParams()
	p.Objective, p.QuantileAlpha, p.NEstimators, p.EarlyStoppingRounds = QuantileError, 0.9, 500, 10
	m, err := TrainWithValidation(context.Background(), hetero(2000, 5), hetero(500, 6), p)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.BestIteration(); b < 1 || b >= 400 || m.NumTrees() != b+1 {
		t.Errorf("best iteration %d with %d trees, want early stopping well before 500", b, m.NumTrees())
	}
}
