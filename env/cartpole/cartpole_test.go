package cartpole_test

import (
	"fmt"
	"testing"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

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
		s := e.State()
		a := 0.0
		if s[2]+0.5*s[3] > 0 {
			a = 1
		}
		r, err := e.Step([]float64{a})
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
