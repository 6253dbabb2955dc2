package env

import (
	"errors"
	"fmt"
	"sync"
)

// VecEnv is a batch of environments stepped together, like Stable-Baselines3's VecEnv.
// Observations, actions and rewards are flat row-major matrices: row i belongs to
// environment i.
//
// Auto-reset semantics (SB3 VecEnv style, Gymnasium's "same-step" autoreset): when
// environment i terminates or is truncated during Step, it is reset immediately and
// row i of VecStep.Obs holds the first observation of the NEW episode, while
// VecStep.FinalObs row i holds the last observation of the episode that ended (SB3's
// infos[i]["terminal_observation"]); learners bootstrap truncated episodes from it.
// Rewards, Terminated, Truncated and Infos[i] belong to the step that ended the episode.
// The next action for environment i therefore acts on the reset observation.
type VecEnv interface {
	// NumEnvs is the number of environments.
	NumEnvs() int
	// ObservationSpace is the space of one environment's observation.
	ObservationSpace() Space
	// ActionSpace is the space of one environment's action.
	ActionSpace() Space
	// Reset resets every environment; environment i gets seed.Offset(i). It returns the
	// NumEnvs×ObsDim observation matrix, owned by the VecEnv until the next call.
	Reset(seed Seed) ([]float64, error)
	// Step applies actions (a NumEnvs×ActionDim matrix) and auto-resets finished
	// environments. The result's slices are owned by the VecEnv until the next call.
	Step(actions []float64) (VecStep, error)
}

// VecStep is the result of [VecEnv.Step]. Every slice has one row per environment
// and is valid until the next Reset or Step.
type VecStep struct {
	// Obs is the NumEnvs×ObsDim observation matrix; rows of finished environments
	// hold the reset observation of their new episode.
	Obs []float64
	// Rewards has one reward per environment.
	Rewards []float64
	// Terminated and Truncated report, per environment, how the step ended the episode.
	Terminated, Truncated []bool
	// FinalObs is a NumEnvs×ObsDim matrix; row i is the last observation of the episode
	// that ended at this step, valid only where Terminated[i] || Truncated[i].
	FinalObs []float64
	// Infos holds, per environment, the Info of this step (for a finished environment,
	// the final step's Info, not the reset's). Entries may be nil.
	Infos []Info
}

// Done reports whether environment i finished an episode at this step.
func (s VecStep) Done(i int) bool { return s.Terminated[i] || s.Truncated[i] }

// Vec runs n copies of an environment in lock step, either sequentially or split over
// a fixed number of worker goroutines. Create it with NewVec and Close it if it uses
// workers.
type Vec struct {
	envs   []Env
	obsDim int
	actDim int
	obsSp  Space
	actSp  Space

	obs, finalObs, rewards []float64
	terminated, truncated  []bool
	infos                  []Info
	finalInfos             []Info
	errs                   []error
	actions                []float64

	workers int
	jobs    chan job
	wg      sync.WaitGroup
	closed  bool
}

type job struct {
	lo, hi int
	reset  bool
	seed   Seed
}

// VecOption configures NewVec.
type VecOption func(*Vec) error

// WithWorkers steps the environments on k goroutines (k ≥ 1; 1, the default, steps them
// on the caller's goroutine). Use it when an environment step costs much more than a
// few microseconds. Call Close to stop the workers.
func WithWorkers(k int) VecOption {
	return func(v *Vec) error {
		if k < 1 {
			return fmt.Errorf("env: workers = %d, must be ≥ 1", k)
		}
		v.workers = k
		return nil
	}
}

// NewVec creates n environments with factory(0), …, factory(n-1). All of them must have
// equal observation and action spaces (compared by String).
func NewVec(n int, factory func(i int) (Env, error), opts ...VecOption) (*Vec, error) {
	if n < 1 {
		return nil, fmt.Errorf("env: number of environments = %d, must be ≥ 1", n)
	}
	v := &Vec{workers: 1}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	for i := 0; i < n; i++ {
		e, err := factory(i)
		if err != nil {
			return nil, fmt.Errorf("env: creating environment %d: %w", i, err)
		}
		if e == nil {
			return nil, fmt.Errorf("env: creating environment %d: got nil", i)
		}
		v.envs = append(v.envs, e)
	}
	v.obsSp, v.actSp = v.envs[0].ObservationSpace(), v.envs[0].ActionSpace()
	for i, e := range v.envs[1:] {
		if e.ObservationSpace().String() != v.obsSp.String() || e.ActionSpace().String() != v.actSp.String() {
			return nil, fmt.Errorf("env: environment %d has spaces %v/%v, environment 0 has %v/%v",
				i+1, e.ObservationSpace(), e.ActionSpace(), v.obsSp, v.actSp)
		}
	}
	v.obsDim, v.actDim = v.obsSp.Dim(), v.actSp.Dim()
	v.obs = make([]float64, n*v.obsDim)
	v.finalObs = make([]float64, n*v.obsDim)
	v.rewards = make([]float64, n)
	v.terminated = make([]bool, n)
	v.truncated = make([]bool, n)
	v.infos = make([]Info, n)
	v.finalInfos = make([]Info, n)
	v.errs = make([]error, n)
	v.actions = make([]float64, n*v.actDim)
	if v.workers > n {
		v.workers = n
	}
	if v.workers > 1 {
		v.jobs = make(chan job)
		for w := 0; w < v.workers; w++ {
			go v.worker()
		}
	}
	return v, nil
}

// NumEnvs returns n.
func (v *Vec) NumEnvs() int { return len(v.envs) }

// Env returns environment i, e.g. to read its state. Do not Step it directly.
func (v *Vec) Env(i int) Env { return v.envs[i] }

// ObservationSpace returns environment 0's observation space.
func (v *Vec) ObservationSpace() Space { return v.obsSp }

// ActionSpace returns environment 0's action space.
func (v *Vec) ActionSpace() Space { return v.actSp }

// Close stops the worker goroutines. It is safe to call more than once; a closed Vec
// can still be used sequentially.
func (v *Vec) Close() error {
	if v.jobs != nil && !v.closed {
		close(v.jobs)
		v.closed = true
	}
	return nil
}

func (v *Vec) worker() {
	for j := range v.jobs {
		v.run(j)
		v.wg.Done()
	}
}

func (v *Vec) dispatch(j job) error {
	n := len(v.envs)
	if v.workers <= 1 || v.closed {
		j.lo, j.hi = 0, n
		v.run(j)
	} else {
		chunk := (n + v.workers - 1) / v.workers
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			v.wg.Add(1)
			jj := j
			jj.lo, jj.hi = lo, hi
			v.jobs <- jj
		}
		v.wg.Wait()
	}
	var errs []error // stays nil, so no allocation, when every environment succeeded
	for i, err := range v.errs {
		if err != nil {
			errs = append(errs, fmt.Errorf("environment %d: %w", i, err))
			v.errs[i] = nil
		}
	}
	if errs != nil {
		return fmt.Errorf("env: %w", errors.Join(errs...))
	}
	return nil
}

func (v *Vec) run(j job) {
	for i := j.lo; i < j.hi; i++ {
		if j.reset {
			obs, info, err := v.envs[i].Reset(j.seed.Offset(uint64(i)))
			if err != nil {
				v.errs[i] = err
				continue
			}
			v.infos[i] = info
			copy(v.obs[i*v.obsDim:(i+1)*v.obsDim], obs)
			continue
		}
		v.step(i)
	}
}

func (v *Vec) step(i int) {
	e := v.envs[i]
	r, err := e.Step(v.actions[i*v.actDim : (i+1)*v.actDim])
	if err != nil {
		v.errs[i] = err
		return
	}
	v.rewards[i], v.terminated[i], v.truncated[i], v.infos[i] = r.Reward, r.Terminated, r.Truncated, r.Info
	row := v.obs[i*v.obsDim : (i+1)*v.obsDim]
	if !r.Done() {
		copy(row, r.Obs)
		return
	}
	copy(v.finalObs[i*v.obsDim:(i+1)*v.obsDim], r.Obs)
	if r.Info != nil {
		// The final Info must survive the reset, which may reuse the env's map.
		v.infos[i] = copyInfo(&v.finalInfos[i], r.Info)
	}
	obs, _, err := e.Reset(Seed{})
	if err != nil {
		v.errs[i] = fmt.Errorf("auto-reset: %w", err)
		return
	}
	copy(row, obs)
}

// Reset resets every environment; environment i gets seed.Offset(i).
func (v *Vec) Reset(seed Seed) ([]float64, error) {
	if err := v.dispatch(job{reset: true, seed: seed}); err != nil {
		return nil, err
	}
	return v.obs, nil
}

// Step applies actions, a NumEnvs×ActionDim matrix, and auto-resets finished
// environments (see [VecEnv] for the semantics).
func (v *Vec) Step(actions []float64) (VecStep, error) {
	if len(actions) != len(v.actions) {
		return VecStep{}, fmt.Errorf("env: got %d action values, need NumEnvs×ActionDim = %d×%d", len(actions), len(v.envs), v.actDim)
	}
	copy(v.actions, actions)
	if err := v.dispatch(job{}); err != nil {
		return VecStep{}, err
	}
	return VecStep{Obs: v.obs, Rewards: v.rewards, Terminated: v.terminated, Truncated: v.truncated, FinalObs: v.finalObs, Infos: v.infos}, nil
}

// copyInfo copies src into *dst, reusing its map, and returns it.
func copyInfo(dst *Info, src Info) Info {
	if *dst == nil {
		*dst = make(Info, len(src))
	}
	clear(*dst)
	for k, x := range src {
		(*dst)[k] = x
	}
	return *dst
}
