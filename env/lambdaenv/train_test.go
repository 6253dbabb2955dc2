package lambdaenv

import (
	"context"
	"fmt"
	"math/rand/v2"
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
