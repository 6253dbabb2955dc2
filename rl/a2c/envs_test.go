package a2c

import (
	"fmt"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/env"
)

// reachEnv is a one-step continuous-control task: observe x ~ U(-1, 1), act a ∈ [-2, 2],
// receive −(a − x)². The optimal policy is a = x.
type reachEnv struct {
	rng      *rand.Rand
	obs      []float64
	obsSpace *env.Box
	actSpace *env.Box
}

func newReachEnv() (env.Env, error) {
	o, _ := env.NewUniformBox(-1, 1, 1)
	a, _ := env.NewUniformBox(-2, 2, 1)
	return &reachEnv{rng: rand.New(rand.NewPCG(0, 0)), obs: make([]float64, 1), obsSpace: o, actSpace: a}, nil
}

func (e *reachEnv) ObservationSpace() env.Space { return e.obsSpace }
func (e *reachEnv) ActionSpace() env.Space      { return e.actSpace }
func (e *reachEnv) Reset(s env.Seed) ([]float64, env.Info, error) {
	if v, ok := s.Value(); ok {
		e.rng = rand.New(rand.NewPCG(v, 0))
	}
	e.obs[0] = -1 + 2*e.rng.Float64()
	return e.obs, nil, nil
}
func (e *reachEnv) Step(a []float64) (env.StepResult, error) {
	if !e.actSpace.Contains(a) {
		return env.StepResult{}, fmt.Errorf("action %v outside %v", a, e.actSpace)
	}
	d := a[0] - e.obs[0]
	return env.StepResult{Obs: e.obs, Reward: -d * d, Terminated: true}, nil
}

// matchEnv is a one-step task with a MultiDiscrete([3, 3]) action: observe a one-hot
// context c, earn 1 for a0 == c and 1 for a1 == (c+1) mod 3.
type matchEnv struct {
	rng *rand.Rand
	c   int
	obs []float64
}

func newMatchEnv() (env.Env, error) {
	return &matchEnv{rng: rand.New(rand.NewPCG(0, 0)), obs: make([]float64, 3)}, nil
}

func (e *matchEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 3); return b }
func (e *matchEnv) ActionSpace() env.Space {
	m, _ := env.NewMultiDiscrete([]int{3, 3})
	return m
}
func (e *matchEnv) Reset(s env.Seed) ([]float64, env.Info, error) {
	if v, ok := s.Value(); ok {
		e.rng = rand.New(rand.NewPCG(v, 0))
	}
	e.c = e.rng.IntN(3)
	clear(e.obs)
	e.obs[e.c] = 1
	return e.obs, nil, nil
}
func (e *matchEnv) Step(a []float64) (env.StepResult, error) {
	if len(a) != 2 {
		return env.StepResult{}, fmt.Errorf("action %v, need 2 values", a)
	}
	r := 0.0
	if int(a[0]) == e.c {
		r++
	}
	if int(a[1]) == (e.c+1)%3 {
		r++
	}
	return env.StepResult{Obs: e.obs, Reward: r, Terminated: true}, nil
}
