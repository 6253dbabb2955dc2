package original

import (
	"errors"
	"fmt"
	"math"
)

// NumActions is the size of the original's action table: 4 memory sizes × 3 timeouts × 3
// concurrency levels.
const NumActions = 36

// Constants of the original's formulas.
const (
	// SLAThresholdMS is the latency above which a step violates the SLA.
	SLAThresholdMS = 200.0
	// MinLatencyMS is the floor of the latency formula.
	MinLatencyMS = 50.0
	// PricePerGBSecond is the price the cost formula uses per MB-second (the AWS price per
	// GB-second, applied to megabytes).
	PricePerGBSecond = 0.00001667
	// InvocationsPerStep is the cost formula's fixed invocation count per step.
	InvocationsPerStep = 200.0
	// LatencyScaleMS and CostScaleUSD normalize latency and cost into the observation (values
	// above them are clipped to 1).
	LatencyScaleMS = 300.0
	CostScaleUSD   = 0.1
)

// ErrInvalidAction is returned (wrapped) for an action outside the original's table.
var ErrInvalidAction = errors.New("invalid action")

// Action is one entry of the original's Discrete(36) action table.
type Action struct {
	// MemoryMB is 128, 256, 512 or 1024.
	MemoryMB int
	// TimeoutS is 3, 5 or 10 seconds.
	TimeoutS int
	// Concurrency is 1, 2 or 3; in the formulas it lowers latency by 50 ms per unit and
	// multiplies the cost.
	Concurrency int
}

// Decode returns action a of the table: memory = {128, 256, 512, 1024}[a/9], timeout =
// {3, 5, 10}[(a/3) mod 3], concurrency = {1, 2, 3}[a mod 3].
func Decode(a int) (Action, error) {
	if a < 0 || a >= NumActions {
		return Action{}, fmt.Errorf("original: action %d: %w: want an integer in [0, %d)", a, ErrInvalidAction, NumActions)
	}
	memory := [...]int{128, 256, 512, 1024}
	timeout := [...]int{3, 5, 10}
	return Action{MemoryMB: memory[a/9], TimeoutS: timeout[(a/3)%3], Concurrency: a%3 + 1}, nil
}

// Index returns the action's index in the table, the inverse of Decode.
func (a Action) Index() (int, error) {
	mi, ti := -1, -1
	switch a.MemoryMB {
	case 128:
		mi = 0
	case 256:
		mi = 1
	case 512:
		mi = 2
	case 1024:
		mi = 3
	}
	switch a.TimeoutS {
	case 3:
		ti = 0
	case 5:
		ti = 1
	case 10:
		ti = 2
	}
	switch {
	case mi < 0:
		return 0, fmt.Errorf("original: memory %d MB: %w: want 128, 256, 512 or 1024", a.MemoryMB, ErrInvalidAction)
	case ti < 0:
		return 0, fmt.Errorf("original: timeout %d s: %w: want 3, 5 or 10", a.TimeoutS, ErrInvalidAction)
	case a.Concurrency < 1 || a.Concurrency > 3:
		return 0, fmt.Errorf("original: concurrency %d: %w: want 1, 2 or 3", a.Concurrency, ErrInvalidAction)
	}
	return mi*9 + ti*3 + a.Concurrency - 1, nil
}

// String implements fmt.Stringer.
func (a Action) String() string {
	return fmt.Sprintf("%d MB, %d s, concurrency %d", a.MemoryMB, a.TimeoutS, a.Concurrency)
}

// Outcome is what the original's formulas give for one step.
type Outcome struct {
	// F is the normalized forecast the step was evaluated at.
	F float64
	// LatencyMS and CostUSD are the formulas' values.
	LatencyMS, CostUSD float64
	// SLAViolated reports LatencyMS > SLAThresholdMS.
	SLAViolated bool
	// Reward is the original's reward.
	Reward float64
}

// Evaluate applies the original's three formulas and its reward to action a at normalized
// forecast f (see the package documentation).
func Evaluate(f float64, a Action) Outcome {
	m, c := float64(a.MemoryMB), float64(a.Concurrency)
	lat := math.Max(MinLatencyMS, 250-50*c-0.2*m+120*f)
	cost := m * PricePerGBSecond * (float64(a.TimeoutS) / 60) * c * InvocationsPerStep
	o := Outcome{F: f, LatencyMS: lat, CostUSD: cost, SLAViolated: lat > SLAThresholdMS}
	w := 30.0
	if f >= 0.5 {
		w = 50
	}
	r := (lat/SLAThresholdMS)*(lat/SLAThresholdMS) + cost*w
	if o.SLAViolated {
		r += 2
	}
	r = -r
	if lat < 170 && cost < 0.002 {
		r += 0.4
	}
	if f < 0.3 && a.MemoryMB > 512 {
		r -= 0.2
	}
	if f < 0.3 && a.Concurrency > 1 {
		r -= 0.2
	}
	o.Reward = r
	return o
}

// LatencyObs is the observation's latency entry, min(LatencyMS/300, 1) in float32 precision.
func (o Outcome) LatencyObs() float64 {
	return float64(float32(math.Min(o.LatencyMS/LatencyScaleMS, 1)))
}

// CostObs is the observation's cost entry, min(CostUSD/0.1, 1) in float32 precision.
func (o Outcome) CostObs() float64 {
	return float64(float32(math.Min(o.CostUSD/CostScaleUSD, 1)))
}

// LoggedLatency is the latency as the original's logs store it: the observation entry times
// 300, computed in float32.
func (o Outcome) LoggedLatency() float64 {
	return float64(float32(float32(o.LatencyObs()) * LatencyScaleMS))
}

// LoggedCost is the cost as the original's logs store it: the observation entry times 0.1,
// computed in float32, so capped at 0.1 USD.
func (o Outcome) LoggedCost() float64 {
	return float64(float32(float32(o.CostObs()) * float32(CostScaleUSD)))
}
