package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/rl/nn"
)

// Fit y = sin(x) with a 1-32-32-1 tanh MLP and Adam.
func Example() {
	m, err := nn.NewMLP([]int{1, 32, 32, 1}, nn.Tanh, nil, nil)
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m.InitOrthogonal(rng, math.Sqrt2, 1)
	opt, _ := nn.NewAdam(len(m.Params()), 0.9, 0.999, 1e-8)
	const batch = 32
	tape := m.NewTape(batch)
	x := make([]float64, batch)
	dy := make([]float64, batch)
	var mse float64
	for step := 0; step < 2000; step++ {
		for i := range x {
			x[i] = -3 + 6*rng.Float64()
		}
		y, _ := m.Forward(tape, x, 0, batch)
		mse = 0
		for i := range y {
			d := y[i] - math.Sin(x[i])
			mse += d * d / batch
			dy[i] = 2 * d / batch // gradient of the mean squared error
		}
		m.ZeroGrad()
		_ = m.Backward(tape, dy, batch, nil)
		nn.ClipGradNorm(m.Grads(), 1)
		_ = opt.Step(m.Params(), m.Grads(), 3e-3)
	}
	fmt.Println("mse < 0.01:", mse < 0.01)
	// Output: mse < 0.01: true
}
