package qlearn

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/lambdatune/lambdatune/env"
)

// rewardEnv is a one-step env whose reward and observation are set by the test.
type rewardEnv struct {
	reward, obs float64
}

func (e *rewardEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (e *rewardEnv) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (e *rewardEnv) Reset(env.Seed) ([]float64, env.Info, error) {
	return []float64{0.5}, nil, nil
}
func (e *rewardEnv) Step([]float64) (env.StepResult, error) {
	return env.StepResult{Obs: []float64{e.obs}, Reward: e.reward, Terminated: true}, nil
}

// TestLearnStopsAtNonFinite checks that a NaN or infinite reward or observation stops
// training with an error naming the episode and step, before it reaches the Q-table.
func TestLearnStopsAtNonFinite(t *testing.T) {
	tests := []struct {
		name        string
		reward, obs float64
		want        string
	}{
		{"NaN reward", math.NaN(), 0.5, "episode 0 step 0: reward = NaN"},
		{"infinite reward", math.Inf(1), 0.5, "episode 0 step 0: reward = +Inf"},
		{"NaN observation", 1, math.NaN(), "episode 0 step 0: qlearn: observation[0] = NaN"},
		{"overflowing reward", math.MaxFloat64, 0.5, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &rewardEnv{reward: tc.reward, obs: tc.obs}
			a, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			err = a.Learn(context.Background(), e, 5, nil)
			if tc.want == "" {
				// MaxFloat64 is finite and α·MaxFloat64 too: it may be learned, but no Q-value may be non-finite.
				for _, v := range a.q {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("Q-table holds %v after Learn returned %v", v, err)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			for _, v := range a.q {
				if v != 0 {
					t.Fatalf("Q-table changed to %v by a non-finite step", v)
				}
			}
		})
	}
}

// TestHostileInput checks inputs that once panicked or allocated without bound.
func TestHostileInput(t *testing.T) {
	var zero Agent
	if _, err := zero.Predict([]float64{0}); err == nil {
		t.Error("zero Agent Predict: no error")
	}
	if err := zero.Learn(context.Background(), &rewardEnv{}, 1, nil); err == nil {
		t.Error("zero Agent Learn: no error")
	}
	if _, err := Load(nil); err == nil {
		t.Error("Load(nil): no error")
	}
	e := &rewardEnv{}
	a, err := New(e.ObservationSpace(), e.ActionSpace(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Predict([]float64{math.NaN()}); err == nil {
		t.Error("Predict on a NaN observation: no error")
	}
	// 1e12 actions in a ~200-byte file: refused before the table is allocated.
	file := `{"format":"lambdatune/qlearn","version":1,"config":{"Bins":10,"Alpha":0.1,"Gamma":0.99,"EpsilonStart":1,"EpsilonDecay":0.99,"EpsilonMin":0.05},"actions":1000000000000,"low":[0],"high":[1],"epsilon":0.5,"episodes":0,"q":[0,0]}`
	if _, err := Load(strings.NewReader(file)); err == nil || !strings.Contains(err.Error(), "actions") {
		t.Errorf("Load of 1e12 actions: got %v", err)
	}
	d, _ := env.NewDiscrete(1 << 22)
	if _, err := New(e.ObservationSpace(), d, DefaultConfig()); err == nil {
		t.Error("New with 10 states × 2^22 actions: no error")
	}
}
