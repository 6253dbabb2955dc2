package lambdaenv

import "testing"

// TestEvaluate: the same seed meets the same days (equal evaluations), a costlier constant action
// (the 0.01 % headroom) is judged worse than holding, and 0 episodes is refused.
func TestEvaluate(t *testing.T) {
	cfg := Config{EpisodeLen: 240, Forecaster: noisy}
	hold := func([]float64) ([]float64, error) { return []float64{0, 1}, nil }
	most := func([]float64) ([]float64, error) { return []float64{5, 1}, nil }
	a, err := Evaluate(cfg, hold, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Evaluate(cfg, hold, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("same seed, different evaluations: %+v, %+v", a, b)
	}
	c, err := Evaluate(cfg, most, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !(c.Loss > a.Loss && c.CostPerMillion > a.CostPerMillion && c.Return < a.Return) {
		t.Errorf("0.01 %% headroom %+v not judged worse than holding %+v", c, a)
	}
	if _, err := Evaluate(cfg, hold, 0, 42); err == nil {
		t.Error("0 episodes accepted")
	}
}
