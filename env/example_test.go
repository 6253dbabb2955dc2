package env_test

import (
	"fmt"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

// A Gymnasium-style episode loop on CartPole-v1.
func Example() {
	e, err := cartpole.New(cartpole.Config{})
	if err != nil {
		panic(err)
	}
	obs, _, err := e.Reset(env.NewSeed(42))
	if err != nil {
		panic(err)
	}
	total := 0.0
	for {
		// A hand-written controller: push towards the side the pole leans to.
		a := 0.0
		if obs[2]+0.5*obs[3] > 0 {
			a = 1
		}
		r, err := e.Step([]float64{a})
		if err != nil {
			panic(err)
		}
		obs = r.Obs
		total += r.Reward
		if r.Terminated || r.Truncated {
			fmt.Println("return:", total, "truncated:", r.Truncated)
			break
		}
	}
	// Output: return: 500 truncated: true
}

// Eight CartPole copies stepped together with SB3-style auto-reset.
func ExampleVec() {
	v, err := env.NewVec(8, func(int) (env.Env, error) {
		c, err := cartpole.New(cartpole.Config{})
		if err != nil {
			return nil, err
		}
		return env.NewEpisodeStats(c, 100)
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()
	if _, err := v.Reset(env.NewSeed(0)); err != nil {
		panic(err)
	}
	actions := make([]float64, 8) // always push left
	episodes := 0
	for step := 0; step < 100; step++ {
		s, err := v.Step(actions)
		if err != nil {
			panic(err)
		}
		for i := 0; i < v.NumEnvs(); i++ {
			if s.Done(i) {
				// s.Obs row i already holds the new episode's first observation;
				// s.FinalObs row i holds the last one of the finished episode.
				episodes++
			}
		}
	}
	fmt.Println(episodes > 8)
	// Output: true
}

func ExampleCheck() {
	e, _ := cartpole.New(cartpole.Config{})
	fmt.Println(env.Check(e))
	// Output: <nil>
}
