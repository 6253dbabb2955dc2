package env

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Check runs an environment through the checks of SB3's env_checker and returns every
// kind of problem found (each at its first occurrence, with how often it repeated),
// joined, or nil: the spaces exist and have valid dimensions, Reset and
// Step return observations of the right length inside the observation space, rewards
// are finite, actions sampled from the action space are accepted, an action outside it
// is rejected with an error, and two runs with the same seed and actions produce the
// same observations, rewards and episode ends. It steps the env for up to 200 steps per
// run and leaves it in an arbitrary state.
func Check(e Env) error {
	if e == nil {
		return errors.New("env: Check: env is nil")
	}
	obsSp, actSp := e.ObservationSpace(), e.ActionSpace()
	if obsSp == nil || actSp == nil {
		return errors.New("env: Check: observation or action space is nil")
	}
	if obsSp.Dim() < 1 || actSp.Dim() < 1 {
		return fmt.Errorf("env: Check: space dimensions are %d (observation) and %d (action), need ≥ 1", obsSp.Dim(), actSp.Dim())
	}
	// A broken env usually breaks a rule at every step: report each kind of problem
	// once, at its first occurrence, with the number of repeats.
	var errs []error
	repeats := map[string]int{}
	first := map[string]int{}
	note := func(kind string, err error) {
		if err == nil {
			return
		}
		if _, seen := first[kind]; seen {
			repeats[kind]++
			return
		}
		first[kind] = len(errs)
		errs = append(errs, err)
	}
	run := func(seed uint64, note func(string, error)) (trace []float64, err error) {
		rng := rand.New(rand.NewPCG(seed, 1))
		obs, _, err := e.Reset(NewSeed(seed))
		if err != nil {
			return nil, fmt.Errorf("Reset: %w", err)
		}
		note("observation", checkObs(obsSp, obs, "Reset"))
		trace = append(trace, obs...)
		act := make([]float64, actSp.Dim())
		for step := 0; step < 200; step++ {
			if err := actSp.Sample(rng, act); err != nil {
				return trace, err
			}
			if !actSp.Contains(act) {
				return trace, fmt.Errorf("action space %v sampled %v, which it does not contain", actSp, act)
			}
			r, err := e.Step(act)
			if err != nil {
				return trace, fmt.Errorf("Step %d with sampled action %v: %w", step, act, err)
			}
			note("observation", checkObs(obsSp, r.Obs, fmt.Sprintf("Step %d", step)))
			if math.IsNaN(r.Reward) || math.IsInf(r.Reward, 0) {
				note("reward", fmt.Errorf("Step %d returned reward %v, must be finite", step, r.Reward))
			}
			trace = append(trace, r.Obs...)
			trace = append(trace, r.Reward, b2f(r.Terminated), b2f(r.Truncated))
			if r.Done() {
				obs, _, err := e.Reset(Seed{})
				if err != nil {
					return trace, fmt.Errorf("Reset after episode end: %w", err)
				}
				note("observation", checkObs(obsSp, obs, "Reset after episode end"))
				trace = append(trace, obs...)
			}
		}
		return trace, nil
	}
	a, err := run(42, note)
	for kind, n := range repeats {
		errs[first[kind]] = fmt.Errorf("%w (and %d more times)", errs[first[kind]], n)
	}
	if err != nil {
		return fmt.Errorf("env: Check: %w", errors.Join(append(errs, err)...))
	}
	// The second run only checks determinism; its problems repeat the first run's.
	b, err := run(42, func(string, error) {})
	if err != nil {
		return fmt.Errorf("env: Check: second run: %w", errors.Join(append(errs, err)...))
	}
	sameOrNaN := func(x, y float64) bool { return x == y || (x != x && y != y) }
	if !slices.EqualFunc(a, b, sameOrNaN) { // a NaN reward is reported above, not as non-determinism
		errs = append(errs, errors.New("two runs with seed 42 and the same actions differ: Reset(seed) must make the env deterministic"))
	}
	// An invalid action must be rejected, not silently clamped.
	if _, _, err := e.Reset(NewSeed(0)); err == nil {
		bad := make([]float64, actSp.Dim()+1)
		if _, err := e.Step(bad); err == nil {
			errs = append(errs, fmt.Errorf("Step accepted an action of length %d for %v; it must return an error", len(bad), actSp))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("env: Check: %w", errors.Join(errs...))
	}
	return nil
}

func checkObs(sp Space, obs []float64, where string) error {
	if len(obs) != sp.Dim() {
		return fmt.Errorf("%s returned an observation of length %d, observation space %v has dimension %d", where, len(obs), sp, sp.Dim())
	}
	if !sp.Contains(obs) {
		return fmt.Errorf("%s returned observation %v, outside the observation space %v", where, obs, sp)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
