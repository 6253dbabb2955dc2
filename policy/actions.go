package policy

import (
	"fmt"
	"slices"

	"github.com/lambdatune/lambdatune"
)

// ActionSet maps a learned agent's action onto a valid configuration. Its space is MultiDiscrete
// (a Discrete(n) space is NVec [n]); an action is a point of it, one integer per dimension, as
// package env encodes them. Training and deployment share it, as they share the Encoder.
type ActionSet interface {
	// NVec is the number of choices in each dimension.
	NVec() []int
	// Config returns the configuration action asks for, given what the policy sees.
	Config(action []float64, obs lambdatune.Observation) (lambdatune.Config, error)
	// Reset forgets any state kept between decisions (a new episode or deployment) and sets the
	// function's base memory size (its Power Tuning choice), which actions may be relative to.
	Reset(baseMemoryMB int)
}

// OriginalTable is the original project's Discrete(36) action table (OriginalConfig), for parity
// with it: memory × timeout × "concurrency" as provisioned concurrency.
type OriginalTable struct{}

// NVec is [36].
func (OriginalTable) NVec() []int { return []int{OriginalActions} }

// Config maps the action with OriginalConfig.
func (OriginalTable) Config(action []float64, obs lambdatune.Observation) (lambdatune.Config, error) {
	a, err := actionIndex(action, 0, OriginalActions)
	if err != nil {
		return lambdatune.Config{}, err
	}
	return OriginalConfig(a, obs.Current)
}

// Reset does nothing: the table keeps no state and its memory sizes are absolute.
func (OriginalTable) Reset(int) {}

// HeadroomTargets are the cold-start targets a Headroom action chooses from, after "hold" and
// "none": the ladder the agent climbs to buy more provisioned headroom.
var HeadroomTargets = []float64{1e-1, 1e-2, 1e-3, 1e-4}

// MemoryLadder is the memory sizes a Headroom action steps along, in MB: Power Tuning's defaults and
// the sizes between them and the top of Lambda's range.
var MemoryLadder = []int{128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240}

// Headroom is the action set that transfers across functions: the agent acts as a correction on
// top of the predictive strategy. Dimension 0 chooses the provisioned headroom:
//
//	0 hold: keep the provisioned concurrency as it is
//	1 none: provision nothing (released as the billing increment allows)
//	2…  size like Predictive for the cold-start target HeadroomTargets[i−2] (10 %, 1 %, 0.1 %, 0.01 %)
//
// so the agent picks how much risk to buy each interval while the predictive strategy's sizing
// (forecast, warm pool, billing increments, base load) turns it into a count for any function.
// Dimension 1 picks the memory size: the rung of MemoryLadder below the base memory (set by Reset:
// the function's Power Tuning choice), the base, or the rung above; relative to the base, so that
// it means the same for every function and cannot drift (a change sends requests to new
// environments, as on AWS). Timeout and reservations follow Predictive.
type Headroom struct {
	// FixedMemory drops the memory dimension (NVec [n, 1]): the memory size stays the base (an
	// ablation: env/lambdaenv's README measures what the dimension is worth).
	FixedMemory bool

	p    *predictive
	base int
}

// NewHeadroom returns the action set over the predictive strategy p (its ColdStartTarget and
// MemoryMB are not used: the action chooses them).
func NewHeadroom(p Predictive) (*Headroom, error) {
	p.ColdStartTarget, p.MemoryMB = 0.5, 0 // placeholders that Validate accepts
	pol, err := NewPredictive(p)
	if err != nil {
		return nil, err
	}
	return &Headroom{p: pol.(*predictive)}, nil
}

// NVec is [2 + len(HeadroomTargets), 3] ([…, 1] with FixedMemory).
func (h *Headroom) NVec() []int {
	if h.FixedMemory {
		return []int{2 + len(HeadroomTargets), 1}
	}
	return []int{2 + len(HeadroomTargets), 3}
}

// Config applies the action to obs.Current.
func (h *Headroom) Config(action []float64, obs lambdatune.Observation) (lambdatune.Config, error) {
	if len(action) != 2 {
		return lambdatune.Config{}, fmt.Errorf("policy: Headroom action %v, want 2 integers", action)
	}
	head, err := actionIndex(action, 0, 2+len(HeadroomTargets))
	if err != nil {
		return lambdatune.Config{}, err
	}
	step, err := actionIndex(action, 1, h.NVec()[1])
	if err != nil {
		return lambdatune.Config{}, err
	}
	if h.FixedMemory {
		step = 1
	}
	c := obs.Current
	if h.base > 0 {
		c.MemoryMB = StepMemory(h.base, step-1)
	}
	switch head {
	case 0:
		if c.MemoryMB == obs.Current.MemoryMB {
			return c, nil
		}
		// A new memory size re-enables the provisioned environments at it.
		h.p.units = h.p.units[:0]
		for range c.Provisioned {
			h.p.units = append(h.p.units, obs.Time)
		}
		return c, nil
	case 1:
		_, _, _, err = h.p.provision(obs, &c, 0)
	default:
		_, _, _, err = h.p.provision(obs, &c, HeadroomTargets[head-2])
	}
	return c, err
}

// Reset forgets the billing state of the provisioned environments and sets the base memory size
// (0 keeps the memory size as it is whatever dimension 1 asks).
func (h *Headroom) Reset(baseMemoryMB int) {
	h.p.units = h.p.units[:0]
	h.base = baseMemoryMB
}

// StepMemory moves mem by step (−1, 0, +1) along MemoryLadder, from the nearest rung at or above
// it (a size between rungs steps down to the rung below it, up to the rung above).
func StepMemory(mem, step int) int {
	if step == 0 {
		return mem
	}
	i, _ := slices.BinarySearch(MemoryLadder, mem)
	if step < 0 {
		return MemoryLadder[max(i-1, 0)]
	}
	if i < len(MemoryLadder) && MemoryLadder[i] == mem {
		i++
	}
	return MemoryLadder[min(i, len(MemoryLadder)-1)]
}

// actionIndex reads dimension d of action as an integer in [0, n).
func actionIndex(action []float64, d, n int) (int, error) {
	if d >= len(action) {
		return 0, fmt.Errorf("policy: action %v has no dimension %d", action, d)
	}
	v := action[d]
	if v != float64(int(v)) || v < 0 || int(v) >= n {
		return 0, fmt.Errorf("policy: action dimension %d = %v, want an integer in [0, %d)", d, v, n)
	}
	return int(v), nil
}
