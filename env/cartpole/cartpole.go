// Package cartpole is the classic cart-pole balancing task, a faithful port of
// Gymnasium's CartPole-v1: the same physics constants, explicit Euler integration,
// termination thresholds (|x| > 2.4, |θ| > 12°), reset state drawn uniformly from
// [-0.05, 0.05]^4, a reward of 1 on every step (including the terminating one) and
// truncation after 500 steps (what gym.make("CartPole-v1") adds with its TimeLimit).
//
// Like Gymnasium, the state is kept in float64 and observations are rounded to float32
// precision. Random numbers come from a PCG generator seeded by Reset, so episodes are
// reproducible but not bit-identical to NumPy's.
package cartpole

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/env"
)

// Physics constants of Gymnasium's CartPoleEnv.
const (
	Gravity   = 9.8
	MassCart  = 1.0
	MassPole  = 0.1
	TotalMass = MassPole + MassCart
	// Length is half the pole's length.
	Length         = 0.5
	PoleMassLength = MassPole * Length
	ForceMag       = 10.0
	// Tau is the time step in seconds.
	Tau = 0.02
	// ThetaThreshold is the pole angle, in radians, beyond which the episode terminates (12°).
	ThetaThreshold = 12 * 2 * math.Pi / 360
	// XThreshold is the cart position beyond which the episode terminates.
	XThreshold = 2.4
	// MaxEpisodeSteps is CartPole-v1's time limit.
	MaxEpisodeSteps = 500
)

// Config configures an Env. The zero value is CartPole-v1.
type Config struct {
	// MaxEpisodeSteps truncates episodes after this many steps. 0 means 500
	// (CartPole-v1); a negative value disables truncation (the raw CartPoleEnv).
	MaxEpisodeSteps int
}

// Env is CartPole-v1. Observation: Box(4) [x, ẋ, θ, θ̇]; action: Discrete(2), 0 pushes
// the cart left and 1 right. Create it with New.
type Env struct {
	maxSteps int
	obsSpace *env.Box
	actSpace env.Discrete
	rng      *rand.Rand
	src      *rand.PCG

	state   [4]float64
	obs     []float64
	steps   int
	started bool
	done    bool
}

var _ env.Env = (*Env)(nil)

// New returns a CartPole-v1 environment. Call Reset before Step.
func New(cfg Config) (*Env, error) {
	max := cfg.MaxEpisodeSteps
	if max == 0 {
		max = MaxEpisodeSteps
	}
	f32max := float64(math.MaxFloat32)
	high := []float64{XThreshold * 2, f32max, ThetaThreshold * 2, f32max}
	low := []float64{-high[0], -high[1], -high[2], -high[3]}
	box, err := env.NewBox(low, high)
	if err != nil {
		return nil, fmt.Errorf("cartpole: %w", err)
	}
	act, err := env.NewDiscrete(2)
	if err != nil {
		return nil, fmt.Errorf("cartpole: %w", err)
	}
	src := rand.NewPCG(0, 0)
	return &Env{maxSteps: max, obsSpace: box, actSpace: act, src: src, rng: rand.New(src), obs: make([]float64, 4)}, nil
}

// ObservationSpace returns Box([-4.8, -f32max, -0.419, -f32max], [4.8, f32max, 0.419, f32max]).
func (e *Env) ObservationSpace() env.Space { return e.obsSpace }

// ActionSpace returns Discrete(2).
func (e *Env) ActionSpace() env.Space { return e.actSpace }

// State returns the current physical state [x, ẋ, θ, θ̇] in full float64 precision.
func (e *Env) State() [4]float64 { return e.state }

// SetState sets the physical state, for tests and planning. It does not reset the
// step counter.
func (e *Env) SetState(s [4]float64) {
	e.state = s
	e.started, e.done = true, false
}

// Reset draws each state variable uniformly from [-0.05, 0.05).
func (e *Env) Reset(seed env.Seed) ([]float64, env.Info, error) {
	if s, ok := seed.Value(); ok {
		e.src.Seed(s, 0x9e3779b97f4a7c15)
	}
	for i := range e.state {
		e.state[i] = -0.05 + 0.1*e.rng.Float64()
	}
	e.steps, e.started, e.done = 0, true, false
	e.writeObs()
	return e.obs, nil, nil
}

// Step pushes the cart left (action 0) or right (action 1) and integrates for Tau seconds.
func (e *Env) Step(action []float64) (env.StepResult, error) {
	if !e.started {
		return env.StepResult{}, fmt.Errorf("cartpole: Step called before Reset")
	}
	if e.done {
		return env.StepResult{}, fmt.Errorf("cartpole: Step called after the episode ended; call Reset")
	}
	if len(action) != 1 || (action[0] != 0 && action[0] != 1) {
		return env.StepResult{}, fmt.Errorf("cartpole: action = %v, must be [0] or [1]", action)
	}
	force := -ForceMag
	if action[0] == 1 {
		force = ForceMag
	}
	x, xDot, theta, thetaDot := e.state[0], e.state[1], e.state[2], e.state[3]
	cos, sin := math.Cos(theta), math.Sin(theta)
	temp := (force + PoleMassLength*thetaDot*thetaDot*sin) / TotalMass
	thetaAcc := (Gravity*sin - cos*temp) / (Length * (4.0/3.0 - MassPole*cos*cos/TotalMass))
	xAcc := temp - PoleMassLength*thetaAcc*cos/TotalMass
	x += Tau * xDot
	xDot += Tau * xAcc
	theta += Tau * thetaDot
	thetaDot += Tau * thetaAcc
	e.state = [4]float64{x, xDot, theta, thetaDot}
	e.steps++
	terminated := x < -XThreshold || x > XThreshold || theta < -ThetaThreshold || theta > ThetaThreshold
	truncated := e.maxSteps > 0 && e.steps >= e.maxSteps // as Gymnasium's TimeLimit, even if terminated
	e.done = terminated || truncated
	e.writeObs()
	return env.StepResult{Obs: e.obs, Reward: 1, Terminated: terminated, Truncated: truncated}, nil
}

func (e *Env) writeObs() {
	for i, v := range e.state {
		e.obs[i] = float64(float32(v))
	}
}
