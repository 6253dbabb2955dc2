package nn

import (
	"fmt"
	"math"
)

// Optimizer updates a flat parameter vector from its gradient.
type Optimizer interface {
	// Step applies one update with learning rate lr. params and grads must have the
	// length the optimizer was created for.
	Step(params, grads []float64, lr float64) error
}

// RMSprop is torch.optim.RMSprop without momentum, centering or weight decay:
//
//	v ← α·v + (1−α)·g²
//	θ ← θ − lr·g/(√v + ε)
//
// Note that ε is added outside the square root, as in PyTorch (TensorFlow adds it
// inside); SB3's A2C uses α = 0.99 and ε = 1e-5.
type RMSprop struct {
	// Alpha is the smoothing constant.
	Alpha float64
	// Eps is added to the denominator for numerical stability.
	Eps float64
	sq  []float64
}

// NewRMSprop returns RMSprop for n parameters. alpha must be in [0, 1) and eps ≥ 0.
func NewRMSprop(n int, alpha, eps float64) (*RMSprop, error) {
	if !(alpha >= 0 && alpha < 1) {
		return nil, fmt.Errorf("nn: RMSprop alpha = %v, must be in [0, 1)", alpha)
	}
	if !(eps >= 0) {
		return nil, fmt.Errorf("nn: RMSprop eps = %v, must be ≥ 0", eps)
	}
	return &RMSprop{Alpha: alpha, Eps: eps, sq: make([]float64, n)}, nil
}

// State returns the running average of squared gradients (for saving).
func (o *RMSprop) State() []float64 { return o.sq }

// Step applies one RMSprop update.
func (o *RMSprop) Step(params, grads []float64, lr float64) error {
	if len(params) != len(o.sq) || len(grads) != len(o.sq) {
		return fmt.Errorf("nn: RMSprop for %d parameters got %d parameters and %d gradients", len(o.sq), len(params), len(grads))
	}
	rmsprop(params, grads, o.sq, o.Alpha, 1-o.Alpha, lr, o.Eps)
	return nil
}

// Adam is torch.optim.Adam without weight decay or AMSGrad:
//
//	m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
//	θ ← θ − lr/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε)
type Adam struct {
	// Beta1 and Beta2 are the decay rates of the first and second moment estimates.
	Beta1, Beta2 float64
	// Eps is added to the denominator for numerical stability.
	Eps  float64
	m, v []float64
	t    int
}

// NewAdam returns Adam for n parameters; PyTorch's defaults are beta1 0.9, beta2 0.999,
// eps 1e-8.
func NewAdam(n int, beta1, beta2, eps float64) (*Adam, error) {
	if !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) {
		return nil, fmt.Errorf("nn: Adam betas = (%v, %v), must be in [0, 1)", beta1, beta2)
	}
	if !(eps >= 0) {
		return nil, fmt.Errorf("nn: Adam eps = %v, must be ≥ 0", eps)
	}
	return &Adam{Beta1: beta1, Beta2: beta2, Eps: eps, m: make([]float64, n), v: make([]float64, n)}, nil
}

// Step applies one Adam update.
func (o *Adam) Step(params, grads []float64, lr float64) error {
	if len(params) != len(o.m) || len(grads) != len(o.m) {
		return fmt.Errorf("nn: Adam for %d parameters got %d parameters and %d gradients", len(o.m), len(params), len(grads))
	}
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := math.Sqrt(1 - math.Pow(o.Beta2, float64(o.t)))
	step := lr / bc1
	m, v := o.m, o.v[:len(o.m)]
	grads, params = grads[:len(m)], params[:len(m)]
	for i, g := range grads {
		mi := o.Beta1*m[i] + (1-o.Beta1)*g
		vi := o.Beta2*v[i] + (1-o.Beta2)*g*g
		m[i], v[i] = mi, vi
		params[i] -= step * mi / (math.Sqrt(vi)/bc2 + o.Eps)
	}
	return nil
}

// ClipGradNorm scales grads in place so that their global L2 norm is at most maxNorm,
// like torch.nn.utils.clip_grad_norm_ (coefficient maxNorm/(norm + 1e-6), applied only
// when below 1). It returns the norm before clipping.
func ClipGradNorm(grads []float64, maxNorm float64) float64 {
	norm := math.Sqrt(sumSquares(grads))
	if c := maxNorm / (norm + 1e-6); c < 1 {
		scale(grads, c)
	}
	return norm
}

// SetState restores the running average saved from State.
func (o *RMSprop) SetState(sq []float64) error {
	if len(sq) != len(o.sq) {
		return fmt.Errorf("nn: RMSprop state has %d values, need %d", len(sq), len(o.sq))
	}
	copy(o.sq, sq)
	return nil
}

// State returns the first and second moment estimates and the step count (for saving).
func (o *Adam) State() (m, v []float64, t int) { return o.m, o.v, o.t }

// SetState restores a state saved from State.
func (o *Adam) SetState(m, v []float64, t int) error {
	if len(m) != len(o.m) || len(v) != len(o.v) || t < 0 {
		return fmt.Errorf("nn: Adam state has %d/%d values and step %d, need %d values each and step ≥ 0", len(m), len(v), t, len(o.m))
	}
	copy(o.m, m)
	copy(o.v, v)
	o.t = t
	return nil
}
