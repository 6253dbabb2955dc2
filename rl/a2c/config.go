package a2c

import (
	"fmt"
	"math"

	"github.com/lambdatune/lambdatune/rl/nn"
)

// Schedule maps the remaining training progress (1 at the start of Learn, 0 at the end)
// to a value, like SB3's schedules.
type Schedule func(progressRemaining float64) float64

// LinearSchedule goes linearly from initial (progress remaining 1) to final (0), like
// rl-zoo's lin_<value> schedules when final is 0.
func LinearSchedule(initial, final float64) Schedule {
	return func(p float64) float64 { return final + p*(initial-final) }
}

// Optimizer names for Config.Optimizer.
const (
	RMSprop = "rmsprop"
	Adam    = "adam"
)

// Config holds A2C's hyperparameters. Start from DefaultConfig, which has SB3's
// defaults, so that published hyperparameters transfer unchanged.
type Config struct {
	// LearningRate is the optimizer's step size (SB3 7e-4). Ignored if LRSchedule is set.
	LearningRate float64 `json:"learning_rate"`
	// LRSchedule, if not nil, gives the learning rate as a function of the remaining
	// progress, e.g. LinearSchedule(7e-4, 0). It is not saved with the model.
	LRSchedule Schedule `json:"-"`
	// NSteps is the number of steps per environment per update (SB3 5).
	NSteps int `json:"n_steps"`
	// Gamma is the discount factor (SB3 0.99).
	Gamma float64 `json:"gamma"`
	// GAELambda trades bias for variance in generalized advantage estimation; 1 gives
	// n-step returns, as SB3's A2C default.
	GAELambda float64 `json:"gae_lambda"`
	// EntCoef weighs the entropy bonus (SB3 0).
	EntCoef float64 `json:"ent_coef"`
	// VFCoef weighs the value loss (SB3 0.5).
	VFCoef float64 `json:"vf_coef"`
	// MaxGradNorm clips the global gradient norm (SB3 0.5).
	MaxGradNorm float64 `json:"max_grad_norm"`
	// Optimizer is RMSprop (SB3's A2C default) or Adam.
	Optimizer string `json:"optimizer"`
	// RMSpropAlpha and RMSpropEps are SB3's A2C RMSprop settings (0.99, 1e-5).
	RMSpropAlpha float64 `json:"rms_prop_alpha"`
	RMSpropEps   float64 `json:"rms_prop_eps"`
	// AdamEps is Adam's ε when Optimizer is Adam (SB3 uses PyTorch's 1e-8 then).
	AdamEps float64 `json:"adam_eps"`
	// NormalizeAdvantage standardizes advantages per update (SB3 default false for A2C).
	NormalizeAdvantage bool `json:"normalize_advantage"`
	// PolicyNet and ValueNet are the hidden layer sizes of the separate actor and
	// critic networks (SB3 [64, 64] each).
	PolicyNet []int `json:"pi"`
	ValueNet  []int `json:"vf"`
	// Activation is the hidden activation (SB3 Tanh).
	Activation nn.Activation `json:"activation"`
	// LogStdInit is the initial log standard deviation of Gaussian policies (SB3 0).
	LogStdInit float64 `json:"log_std_init"`
	// Seed seeds network initialization, action sampling and the first environment reset.
	Seed uint64 `json:"seed"`
}

// DefaultConfig returns SB3's A2C defaults.
func DefaultConfig() Config {
	return Config{
		LearningRate: 7e-4,
		NSteps:       5,
		Gamma:        0.99,
		GAELambda:    1.0,
		EntCoef:      0,
		VFCoef:       0.5,
		MaxGradNorm:  0.5,
		Optimizer:    RMSprop,
		RMSpropAlpha: 0.99,
		RMSpropEps:   1e-5,
		AdamEps:      1e-8,
		PolicyNet:    []int{64, 64},
		ValueNet:     []int{64, 64},
		Activation:   nn.Tanh,
	}
}

// Validate reports the first invalid field with its value and allowed range.
func (c Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.LRSchedule == nil && !(c.LearningRate > 0 && finite(c.LearningRate)):
		return fmt.Errorf("a2c: LearningRate = %v, must be > 0", c.LearningRate)
	case c.NSteps < 1 || c.NSteps > 1<<20:
		return fmt.Errorf("a2c: NSteps = %d, must be in [1, %d]", c.NSteps, 1<<20)
	case !(c.Gamma >= 0 && c.Gamma <= 1):
		return fmt.Errorf("a2c: Gamma = %v, must be in [0, 1]", c.Gamma)
	case !(c.GAELambda >= 0 && c.GAELambda <= 1):
		return fmt.Errorf("a2c: GAELambda = %v, must be in [0, 1]", c.GAELambda)
	case !(c.EntCoef >= 0 && finite(c.EntCoef)):
		return fmt.Errorf("a2c: EntCoef = %v, must be ≥ 0", c.EntCoef)
	case !(c.VFCoef >= 0 && finite(c.VFCoef)):
		return fmt.Errorf("a2c: VFCoef = %v, must be ≥ 0", c.VFCoef)
	case !(c.MaxGradNorm > 0):
		return fmt.Errorf("a2c: MaxGradNorm = %v, must be > 0 (use math.MaxFloat64 to disable clipping)", c.MaxGradNorm)
	case c.Optimizer != RMSprop && c.Optimizer != Adam:
		return fmt.Errorf("a2c: Optimizer = %q, must be %q or %q", c.Optimizer, RMSprop, Adam)
	case c.Optimizer == RMSprop && !(c.RMSpropAlpha >= 0 && c.RMSpropAlpha < 1):
		return fmt.Errorf("a2c: RMSpropAlpha = %v, must be in [0, 1)", c.RMSpropAlpha)
	case c.Optimizer == RMSprop && !(c.RMSpropEps >= 0):
		return fmt.Errorf("a2c: RMSpropEps = %v, must be ≥ 0", c.RMSpropEps)
	case c.Optimizer == Adam && !(c.AdamEps >= 0):
		return fmt.Errorf("a2c: AdamEps = %v, must be ≥ 0", c.AdamEps)
	case c.Activation != nn.Tanh && c.Activation != nn.ReLU:
		return fmt.Errorf("a2c: Activation = %v, must be tanh or relu", c.Activation)
	case !finite(c.LogStdInit):
		return fmt.Errorf("a2c: LogStdInit = %v, must be finite", c.LogStdInit)
	}
	for name, net := range map[string][]int{"PolicyNet": c.PolicyNet, "ValueNet": c.ValueNet} {
		if len(net) > maxHidden {
			return fmt.Errorf("a2c: %s has %d hidden layers, must have at most %d", name, len(net), maxHidden)
		}
		for i, s := range net {
			if s < 1 || s > maxLayer {
				return fmt.Errorf("a2c: %s[%d] = %d, must be in [1, %d]", name, i, s, maxLayer)
			}
		}
	}
	return nil
}

// maxLayer and maxParams bound network sizes so that a corrupt config or model file
// cannot make New allocate unbounded memory.
const (
	maxLayer  = 1 << 16
	maxHidden = 1 << 10 // hidden layers per network
	maxParams = 1 << 27
)

func (c Config) lr(progressRemaining float64) float64 {
	if c.LRSchedule != nil {
		return c.LRSchedule(progressRemaining)
	}
	return c.LearningRate
}
