package cartpole_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

// balance is a hand-made controller that keeps the pole up indefinitely: push
// towards the side the pole is falling to.
func balance(e *cartpole.Env) []float64 {
	s := e.State()
	if s[2]+0.5*s[3] > 0 {
		return []float64{1}
	}
	return []float64{0}
}

func TestFirstStepMatchesGymnasium(t *testing.T) {
	e, err := cartpole.New(cartpole.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e.SetState([4]float64{0, 0, 0, 0})
	r, err := e.Step([]float64{1})
	if err != nil {
		t.Fatal(err)
	}
	// Hand-derived from Gymnasium's equations: temp = 10/1.1,
	// θ̈ = -temp/(0.5·(4/3 − 0.1/1.1)), ẍ = temp − 0.05·θ̈/1.1.
	temp := 10 / 1.1
	thetaAcc := -temp / (0.5 * (4.0/3.0 - 0.1/1.1))
	xAcc := temp - 0.05*thetaAcc/1.1
	want := [4]float64{0, 0.02 * xAcc, 0, 0.02 * thetaAcc}
	if diff := cmp.Diff(want, e.State(), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("state after one push right (-want +got):\n%s", diff)
	}
	if r.Reward != 1 || r.Terminated || r.Truncated {
		t.Errorf("step result = %+v", r)
	}
	if float32(r.Obs[1]) != float32(want[1]) || r.Obs[1] != float64(float32(want[1])) {
		t.Errorf("observation not rounded to float32: %v", r.Obs)
	}
}

func TestTerminationAndTruncation(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	e.SetState([4]float64{0, 0, 0.2, 0.5})
	r, err := e.Step([]float64{0})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Terminated || r.Reward != 1 {
		t.Fatalf("pole past 12°: %+v, want terminated with reward 1", r)
	}
	if _, err := e.Step([]float64{0}); err == nil {
		t.Error("Step after termination must fail")
	}
	// A balanced pole survives exactly 500 steps.
	e.Reset(env.NewSeed(3))
	steps := 0
	for {
		r, err := e.Step(balance(e))
		if err != nil {
			t.Fatal(err)
		}
		steps++
		if r.Done() {
			if !r.Truncated || r.Terminated || steps != 500 {
				t.Fatalf("episode ended at step %d: %+v, want truncation at 500", steps, r)
			}
			break
		}
	}
}

func TestResetRangeAndSeeding(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	a, _, _ := e.Reset(env.NewSeed(7))
	a = append([]float64(nil), a...)
	for _, v := range a {
		if v < -0.05 || v >= 0.05 {
			t.Errorf("reset value %v outside [-0.05, 0.05)", v)
		}
	}
	b, _, _ := e.Reset(env.NewSeed(7))
	if !cmp.Equal(a, b) {
		t.Errorf("same seed gave %v and %v", a, b)
	}
	c, _, _ := e.Reset(env.Seed{})
	if cmp.Equal(a, c) {
		t.Error("unseeded Reset repeated the seeded observation")
	}
	if _, err := e.Step([]float64{2}); err == nil {
		t.Error("action 2 accepted")
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	e, err := cartpole.New(cartpole.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e.Reset(env.NewSeed(1))
	act := []float64{0}
	allocs := testing.AllocsPerRun(1000, func() {
		act[0] = 1 - act[0]
		r, err := e.Step(act)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			e.Reset(env.Seed{})
		}
	})
	if allocs != 0 {
		t.Errorf("Step allocates %v times", allocs)
	}
}

func TestRawEnvHasNoTimeLimit(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{MaxEpisodeSteps: -1})
	e.Reset(env.NewSeed(0))
	for i := 0; i < 600; i++ {
		r, err := e.Step(balance(e))
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			t.Fatalf("episode ended at step %d without a time limit: %+v", i+1, r)
		}
	}
}

func BenchmarkStep(b *testing.B) {
	e, _ := cartpole.New(cartpole.Config{})
	e.Reset(env.NewSeed(1))
	act := []float64{0}
	for b.Loop() {
		act[0] = 1 - act[0]
		r, _ := e.Step(act)
		if r.Done() {
			e.Reset(env.Seed{})
		}
	}
}

func ExampleNew() {
	e, _ := cartpole.New(cartpole.Config{})
	obs, _, _ := e.Reset(env.NewSeed(0))
	fmt.Println(e.ObservationSpace().Dim(), e.ActionSpace(), len(obs))
	r, _ := e.Step([]float64{1})
	fmt.Println(r.Reward, r.Terminated, r.Truncated)
	// Output:
	// 4 Discrete(2) 4
	// 1 false false
}
