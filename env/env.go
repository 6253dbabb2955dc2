// Package env defines a Gymnasium-style environment API for reinforcement learning in Go:
// the [Env] interface, observation and action spaces ([Discrete], [MultiDiscrete], [Box]),
// vectorized environments with automatic reset ([Vec]), wrappers (time limit, episode
// statistics, SB3 VecNormalize-style normalization, action mapping) and an environment
// checker ([Check]).
//
// # Types and ownership
//
// Points of every space are []float64. A [Discrete] action is a slice of length 1 holding
// an integer value, a [MultiDiscrete] action holds one integer per dimension and a [Box]
// point holds its values flattened in row-major order. Using one element type for every
// space keeps the hot loop free of interface conversions and allocations: vectorized
// environments, buffers and policies all work on flat []float64 matrices.
//
// Slices returned by Reset and Step (observations, Info maps) are owned by the
// environment and stay valid only until the next call to Reset or Step on the same
// environment. Copy them if you need to keep them. Action slices passed to Step are
// owned by the caller and are not retained.
//
// # Seeding
//
// Reset takes a [Seed]. As in Gymnasium, passing a seed (NewSeed(42)) reseeds the
// environment's random number generator; passing the zero Seed continues the current
// stream, so that a sequence of episodes started with one seeded Reset is reproducible.
package env

import (
	"fmt"
)

// Seed is an optional seed for [Env.Reset], like Gymnasium's reset(seed=None). The zero
// value means "no seed": the environment keeps its current random stream.
type Seed struct {
	value uint64
	set   bool
}

// NewSeed returns a Seed that reseeds the environment with v.
func NewSeed(v uint64) Seed { return Seed{value: v, set: true} }

// Value returns the seed and whether one was given.
func (s Seed) Value() (uint64, bool) { return s.value, s.set }

// Offset returns the seed plus d if a seed is set, and the zero Seed otherwise. Vector
// environments seed copy i with Offset(i), like Stable-Baselines3.
func (s Seed) Offset(d uint64) Seed {
	if !s.set {
		return s
	}
	return NewSeed(s.value + d)
}

// String implements fmt.Stringer.
func (s Seed) String() string {
	if !s.set {
		return "none"
	}
	return fmt.Sprint(s.value)
}

// Info carries optional diagnostic values from Reset and Step, like Gymnasium's info
// dict. An environment may return nil. A non-nil Info is owned by the environment and
// valid until its next Reset or Step; environments should reuse one map to stay
// allocation-free.
type Info map[string]float64

// Keys written into Info by the wrappers of this package.
const (
	// InfoEpisodeReturn is the undiscounted return of an episode that just ended,
	// added by [EpisodeStats] on the step that ends the episode.
	InfoEpisodeReturn = "episode_return"
	// InfoEpisodeLength is the number of steps of an episode that just ended.
	InfoEpisodeLength = "episode_length"
	// InfoTimeLimitTruncated is 1 when [TimeLimit] truncated the episode.
	InfoTimeLimitTruncated = "time_limit_truncated"
)

// StepResult is what [Env.Step] returns: Gymnasium's
// (observation, reward, terminated, truncated, info).
type StepResult struct {
	// Obs is the observation after the step. Owned by the environment; valid until
	// the next Reset or Step.
	Obs []float64
	// Reward is the reward for the step.
	Reward float64
	// Terminated reports that a terminal state of the MDP was reached (the value of
	// the next state is zero).
	Terminated bool
	// Truncated reports that the episode was cut short for a reason outside the MDP,
	// such as a time limit; learners should bootstrap from Obs.
	Truncated bool
	// Info holds optional diagnostics; may be nil.
	Info Info
}

// Done reports whether the episode ended (terminated or truncated).
func (r StepResult) Done() bool { return r.Terminated || r.Truncated }

// Env is a reinforcement-learning environment in the style of Gymnasium's gym.Env.
//
// After an episode ends (Terminated or Truncated), the caller must call Reset before
// Step again. Implementations return an error for an action outside ActionSpace, for
// Step before Reset and for Step after the end of an episode; they never panic.
type Env interface {
	// ObservationSpace describes the observations returned by Reset and Step.
	ObservationSpace() Space
	// ActionSpace describes the actions accepted by Step.
	ActionSpace() Space
	// Reset starts a new episode and returns its first observation.
	Reset(seed Seed) (obs []float64, info Info, err error)
	// Step applies one action and advances the environment by one step.
	Step(action []float64) (StepResult, error)
}
