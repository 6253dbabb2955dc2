package qlearn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

// corridor is a 10-cell corridor: start in cell 0, move left (0) or right (1), earn 1
// for reaching cell 9 and −0.01 per step, at most 50 steps.
type corridor struct {
	pos, steps int
	obs        []float64
}

func (c *corridor) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (c *corridor) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (c *corridor) Reset(env.Seed) ([]float64, env.Info, error) {
	c.pos, c.steps = 0, 0
	c.obs = []float64{0}
	return c.obs, nil, nil
}
func (c *corridor) Step(a []float64) (env.StepResult, error) {
	if len(a) != 1 || (a[0] != 0 && a[0] != 1) {
		return env.StepResult{}, fmt.Errorf("bad action %v", a)
	}
	if a[0] == 1 {
		c.pos++
	} else if c.pos > 0 {
		c.pos--
	}
	c.steps++
	c.obs[0] = float64(c.pos) / 9.5
	if c.pos == 9 {
		return env.StepResult{Obs: c.obs, Reward: 1, Terminated: true}, nil
	}
	return env.StepResult{Obs: c.obs, Reward: -0.01, Truncated: c.steps >= 50}, nil
}

func evaluate(t *testing.T, e env.Env, act func(obs []float64) float64, episodes int) float64 {
	t.Helper()
	var total float64
	for ep := 0; ep < episodes; ep++ {
		seed := env.Seed{}
		if ep == 0 {
			seed = env.NewSeed(100)
		}
		obs, _, err := e.Reset(seed)
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := e.Step([]float64{act(obs)})
			if err != nil {
				t.Fatal(err)
			}
			total += r.Reward
			obs = r.Obs
			if r.Done() {
				break
			}
		}
	}
	return total / float64(episodes)
}

func TestBeatsRandomOnCorridor(t *testing.T) {
	e := &corridor{}
	a, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Learn(context.Background(), e, 500, nil); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	random := evaluate(t, e, func([]float64) float64 { return float64(rng.IntN(2)) }, 200)
	greedy := evaluate(t, e, func(o []float64) float64 { x, _ := a.Predict(o); return x[0] }, 1)
	t.Logf("corridor: random %.3f, Q-learning %.3f (optimal 0.92)", random, greedy)
	if greedy < 0.919 || greedy <= random {
		t.Errorf("greedy return %.3f, want the optimal 0.92 (random %.3f)", greedy, random)
	}
}

func TestBeatsRandomOnCartPole(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	cfg := DefaultConfig()
	cfg.Low = []float64{-2.4, -3, -0.21, -3.5}
	cfg.High = []float64{2.4, 3, 0.21, 3.5}
	cfg.Seed = 1
	a, err := New(e.ObservationSpace(), e.ActionSpace(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var last []float64
	if err := a.Learn(context.Background(), e, 3000, func(ep Episode) error {
		if ep.Index >= 2900 {
			last = append(last, ep.Return)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	random := evaluate(t, e, func([]float64) float64 { return float64(rng.IntN(2)) }, 100)
	greedy := evaluate(t, e, func(o []float64) float64 { x, _ := a.Predict(o); return x[0] }, 100)
	var lm float64
	for _, r := range last {
		lm += r / float64(len(last))
	}
	t.Logf("CartPole: random %.1f, Q-learning greedy %.1f, last 100 training episodes %.1f, ε %.3f", random, greedy, lm, a.Epsilon())
	if greedy < 3*random {
		t.Errorf("greedy return %.1f is not clearly better than random %.1f", greedy, random)
	}
}

func TestEpsilonSchedule(t *testing.T) {
	e := &corridor{}
	a, _ := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	var eps []float64
	a.Learn(context.Background(), e, 700, func(ep Episode) error { eps = append(eps, ep.Epsilon); return nil })
	if eps[0] != 1 || eps[1] != 0.995 || eps[699] != 0.05 {
		t.Errorf("ε: first %v, second %v, last %v; want 1, 0.995, 0.05", eps[0], eps[1], eps[699])
	}
}

func TestStateBinning(t *testing.T) {
	b, _ := env.NewBox([]float64{0, -1}, []float64{1, 1})
	d, _ := env.NewDiscrete(2)
	a, _ := New(b, d, DefaultConfig())
	tests := []struct {
		obs  []float64
		want int
	}{
		{[]float64{0, -1}, 0},
		{[]float64{0.05, -0.79}, 1},
		{[]float64{0.15, -1}, 10},
		{[]float64{1, 1}, 99},
		{[]float64{5, -7}, 90}, // outside: edge bins
	}
	for _, tc := range tests {
		if got, err := a.State(tc.obs); err != nil || got != tc.want {
			t.Errorf("State(%v) = %d, %v, want %d", tc.obs, got, err, tc.want)
		}
	}
	if _, err := a.State([]float64{0}); err == nil {
		t.Error("State accepted 1 value for 2 features")
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	if _, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig()); err == nil || !strings.Contains(err.Error(), "feature 1") {
		t.Errorf("unbounded velocity accepted or badly reported: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Alpha = 0
	if _, err := New(e.ObservationSpace(), e.ActionSpace(), cfg); err == nil || !strings.Contains(err.Error(), "Alpha") {
		t.Errorf("Alpha 0: %v", err)
	}
	md, _ := env.NewMultiDiscrete([]int{2, 2})
	if _, err := New(e.ObservationSpace(), md, DefaultConfig()); err == nil {
		t.Error("MultiDiscrete action accepted")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	cfg := DefaultConfig()
	cfg.Low = []float64{-2.4, -3, -0.21, -3.5}
	cfg.High = []float64{2.4, 3, 0.21, 3.5}
	a, _ := New(e.ObservationSpace(), e.ActionSpace(), cfg)
	if err := a.Learn(context.Background(), e, 200, nil); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := Load(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if b.Epsilon() != a.Epsilon() || b.NumStates() != a.NumStates() {
		t.Fatalf("ε %v/%v, states %d/%d", b.Epsilon(), a.Epsilon(), b.NumStates(), a.NumStates())
	}
	for s := 0; s < a.NumStates(); s++ {
		qa, _ := a.Q(s)
		qb, _ := b.Q(s)
		if qa[0] != qb[0] || qa[1] != qb[1] {
			t.Fatalf("state %d: %v vs %v", s, qa, qb)
		}
	}
	if _, err := Load(strings.NewReader(`{"format":"lambdatune/qlearn","version":2}`)); err == nil {
		t.Error("version 2 accepted")
	}
	if _, err := a.Q(a.NumStates()); err == nil {
		t.Error("state out of range accepted")
	}
	for _, bad := range []struct{ field, value, want string }{
		{"epsilon", "1.5", "epsilon = 1.5, must be in [0, 1]"},
		{"episodes", "-1", "episodes = -1, must be ≥ 0"},
	} {
		var f map[string]json.RawMessage
		if err := json.Unmarshal([]byte(buf.String()), &f); err != nil {
			t.Fatal(err)
		}
		f[bad.field] = json.RawMessage(bad.value)
		data, _ := json.Marshal(f)
		if _, err := Load(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s %s: error %v, want it to say %q", bad.field, bad.value, err, bad.want)
		}
	}
}

// endlessEnv never ends an episode; it calls cancel after cancelAt steps.
type endlessEnv struct {
	steps, cancelAt int
	cancel          func()
	obs             []float64
}

func (e *endlessEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (e *endlessEnv) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (e *endlessEnv) Reset(env.Seed) ([]float64, env.Info, error) {
	e.obs = []float64{0.5}
	return e.obs, nil, nil
}
func (e *endlessEnv) Step([]float64) (env.StepResult, error) {
	e.steps++
	if e.steps == e.cancelAt {
		e.cancel()
	}
	return env.StepResult{Obs: e.obs}, nil
}

func TestLearnStopsInsideAnEndlessEpisode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &endlessEnv{cancelAt: 5000, cancel: cancel}
	a, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Learn(ctx, e, 1, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Learn = %v, want context.Canceled", err)
	}
	if e.steps > 5000+1024 {
		t.Errorf("Learn ran %d steps after the context was canceled at 5000", e.steps-5000)
	}
}
