package a2c_test

import (
	"context"
	"fmt"
	"os"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// Train A2C on CartPole-v1 with rl-zoo's settings (8 envs, SB3 defaults) until the
// mean return of the last 100 episodes reaches 475, then act greedily.
func Example() {
	venv, err := env.NewVec(8, func(int) (env.Env, error) { return cartpole.New(cartpole.Config{}) })
	if err != nil {
		panic(err)
	}
	cfg := a2c.DefaultConfig()
	cfg.Seed = 1
	model, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), cfg)
	if err != nil {
		panic(err)
	}
	err = model.Learn(context.Background(), venv, 500_000, a2c.StopOnMeanReturn(475))
	if err != nil {
		panic(err)
	}
	e, _ := cartpole.New(cartpole.Config{})
	returns, _, err := a2c.Evaluate(context.Background(), model, e, 10, true, 0)
	if err != nil {
		panic(err)
	}
	total := 0.0
	for _, r := range returns {
		total += r
	}
	fmt.Println("trained:", model.NumTimesteps() < 500_000, "mean eval return ≥ 450:", total/10 >= 450)
	// Output: trained: true mean eval return ≥ 450: true
}

// Progress lines in the style of SB3's logger.
func ExampleLogger() {
	venv, _ := env.NewVec(8, func(int) (env.Env, error) { return cartpole.New(cartpole.Config{}) })
	model, _ := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), a2c.DefaultConfig())
	_ = model.Learn(context.Background(), venv, 20_000, a2c.Logger(os.Stderr, 100))
	fmt.Println(model.NumTimesteps())
	// Output: 20000
}

// Save a model and load it back.
func ExampleLoad() {
	venv, _ := env.NewVec(2, func(int) (env.Env, error) { return cartpole.New(cartpole.Config{}) })
	model, _ := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), a2c.DefaultConfig())
	_ = model.Learn(context.Background(), venv, 1000)
	path := os.TempDir() + "/a2c-example.json"
	if err := model.SaveFile(path); err != nil {
		panic(err)
	}
	defer os.Remove(path)
	loaded, err := a2c.LoadFile(path)
	if err != nil {
		panic(err)
	}
	a, _ := model.Predict([]float64{0, 0, 0.1, 0}, true)
	b, _ := loaded.Predict([]float64{0, 0, 0.1, 0}, true)
	fmt.Println(loaded.NumTimesteps(), a[0] == b[0])
	// Output: 1000 true
}
