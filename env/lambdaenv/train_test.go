package lambdaenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lambdatune/lambdatune/env"
)

// heldOutReturns runs act on days held-out days (seeds no training run resets to) and returns
// each day's return.
func heldOutReturns(t *testing.T, cfg Config, days int, act func(obs []float64) ([]float64, error)) []float64 {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 0, days)
	for d := range days {
		obs, _, err := e.Reset(env.NewSeed(uint64(9000 + d)))
		if err != nil {
			t.Fatal(err)
		}
		ret := 0.0
		for {
			a, err := act(obs)
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Step(a)
			if err != nil {
				t.Fatal(err)
			}
			ret += r.Reward
			obs = r.Obs
			if r.Done() {
				break
			}
		}
		out = append(out, ret)
	}
	return out
}

func meanOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// TestShortTrainingBeatsRandomAndConstants trains the hybrid agent briefly (seeded: deterministic)
// in the shipped agents' environment and holds it to beating, on days it never
// trained on, a random policy and every constant action (each headroom level at each memory
// rung): it learns when provisioning pays, which no fixed choice does.
func TestShortTrainingBeatsRandomAndConstants(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	const days = 12
	cfg := AgentConfig(true)
	rec := DefaultRecipe(1)
	// A short budget: the policy starts at the best constant action (10 % headroom at the base
	// memory) rather than uniform, which skips the phase where it learns what a catastrophic
	// constant costs.
	rec.Steps, rec.Prior, rec.PriorLogit = 45_000, []int{2, 1}, 2
	m, err := Train(context.Background(), cfg, rec, 2)
	if err != nil {
		t.Fatal(err)
	}
	agent := meanOf(heldOutReturns(t, cfg, days, func(obs []float64) ([]float64, error) { return m.Predict(obs, true) }))
	rng := rand.New(rand.NewPCG(1, 1))
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	space := e.ActionSpace()
	refs := map[string]float64{"random": meanOf(heldOutReturns(t, cfg, days, func([]float64) ([]float64, error) {
		a := make([]float64, 2)
		return a, space.Sample(rng, a)
	}))}
	for h := range 6 {
		for mem := range 3 {
			a := []float64{float64(h), float64(mem)}
			refs[fmt.Sprint(a)] = meanOf(heldOutReturns(t, cfg, days, func([]float64) ([]float64, error) { return a, nil }))
		}
	}
	best, bestName := refs["random"], "random"
	for name, r := range refs {
		if r > best {
			best, bestName = r, name
		}
	}
	t.Logf("mean return over %d held-out days: agent %.0f, random %.0f, best constant %s %.0f", days, agent, refs["random"], bestName, best)
	if agent <= best {
		t.Errorf("agent %.0f does not beat random %.0f and every constant action (best %s: %.0f)", agent, refs["random"], bestName, best)
	}
}

// TestTrainRecipe checks what a recipe asks for reaches the model: the observation statistics
// with NormalizeObs (Predict applies them), the prior's bias, and errors naming the field.
func TestTrainRecipe(t *testing.T) {
	cfg := Config{EpisodeLen: 120, Every: 60}
	tests := []struct {
		name    string
		edit    func(*Recipe)
		wantErr string
	}{
		{"default", func(*Recipe) {}, ""},
		{"normalized observations", func(r *Recipe) { r.NormalizeObs = true }, ""},
		{"prior", func(r *Recipe) { r.Prior, r.PriorLogit = []int{2, 1}, 50 }, ""},
		{"no environments", func(r *Recipe) { r.Envs = 0 }, "Recipe.Envs"},
		{"no steps", func(r *Recipe) { r.Steps = 0 }, "Recipe.Steps"},
		{"bad A2C", func(r *Recipe) { r.A2C.Gamma = 2 }, "Recipe.A2C"},
		{"short prior", func(r *Recipe) { r.Prior = []int{2} }, "Recipe.Prior"},
		{"prior out of range", func(r *Recipe) { r.Prior = []int{2, 3} }, "Recipe.Prior[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRecipe(1)
			r.Envs, r.Steps = 2, 8
			tt.edit(&r)
			m, err := Train(context.Background(), cfg, r, 1)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.ObsNormalizer() != nil; got != r.NormalizeObs {
				t.Errorf("model carries an observation normalizer: %v, want %v", got, r.NormalizeObs)
			}
			if r.Prior != nil {
				obs := make([]float64, m.ObservationSpace().Dim())
				a, err := m.Predict(obs, true)
				if err != nil {
					t.Fatal(err)
				}
				if a[0] != 2 || a[1] != 1 {
					t.Errorf("after 8 decisions from a prior of [2 1] at +50, the policy picks %v", a)
				}
			}
		})
	}
}
