package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func newTestMLP(t testing.TB, sizes []int, act Activation, seed uint64) *MLP {
	t.Helper()
	m, err := NewMLP(sizes, act, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	m.InitOrthogonal(rng, math.Sqrt2, 1)
	for i := range m.params { // non-zero biases exercise the bias gradient too
		m.params[i] += 0.1 * rng.NormFloat64()
	}
	return m
}

// loss returns Σ c·f(x) for fixed coefficients c, whose gradient w.r.t. the output is c.
func loss(t testing.TB, m *MLP, tape *Tape, x, c []float64, n int) float64 {
	y, err := m.Forward(tape, x, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for i := range y {
		s += c[i] * y[i]
	}
	return s
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		act   Activation
		n     int
	}{
		{"tanh 64-64 batch 5", []int{4, 64, 64, 3}, Tanh, 5},
		{"tanh odd sizes batch 9", []int{3, 7, 5, 2}, Tanh, 9},
		{"relu batch 4", []int{4, 16, 16, 1}, ReLU, 4},
		{"linear single row", []int{6, 5}, Identity, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMLP(t, tc.sizes, tc.act, 1)
			rng := rand.New(rand.NewPCG(2, 0))
			x := make([]float64, tc.n*m.InDim())
			c := make([]float64, tc.n*m.OutDim())
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for i := range c {
				c[i] = rng.NormFloat64()
			}
			tape := m.NewTape(tc.n)
			loss(t, m, tape, x, c, tc.n)
			m.ZeroGrad()
			dx := make([]float64, len(x))
			if err := m.Backward(tape, c, tc.n, dx); err != nil {
				t.Fatal(err)
			}
			const h = 1e-6
			check := func(what string, i int, v []float64, analytic float64) {
				old := v[i]
				v[i] = old + h
				lp := loss(t, m, tape, x, c, tc.n)
				v[i] = old - h
				lm := loss(t, m, tape, x, c, tc.n)
				v[i] = old
				num := (lp - lm) / (2 * h)
				if math.Abs(num-analytic) > 1e-6*(1+math.Abs(num)) {
					t.Errorf("%s[%d]: analytic %v, finite difference %v", what, i, analytic, num)
				}
			}
			for i := range m.params {
				check("param", i, m.params, m.grads[i])
			}
			for i := range x {
				check("input", i, x, dx[i])
			}
		})
	}
}

func TestBackwardAccumulates(t *testing.T) {
	m := newTestMLP(t, []int{3, 8, 2}, Tanh, 3)
	x := []float64{0.1, -0.2, 0.3, 0.5, 0.1, -1}
	c := []float64{1, -1, 0.5, 2}
	tape := m.NewTape(2)
	m.Forward(tape, x, 0, 2)
	m.Backward(tape, c, 2, nil)
	once := append([]float64(nil), m.grads...)
	m.Backward(tape, c, 2, nil)
	for i := range once {
		if math.Abs(m.grads[i]-2*once[i]) > 1e-12 {
			t.Fatalf("grad %d: %v after two passes, want %v", i, m.grads[i], 2*once[i])
		}
	}
}

func TestForwardRowsAreIndependent(t *testing.T) {
	m := newTestMLP(t, []int{3, 8, 8, 2}, Tanh, 4)
	rng := rand.New(rand.NewPCG(5, 0))
	x := make([]float64, 7*3)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	full := m.NewTape(7)
	all, _ := m.Forward(full, x, 0, 7)
	all = append([]float64(nil), all...)
	part := m.NewTape(7)
	for r := 0; r < 7; r++ {
		y, err := m.Forward(part, x[r*3:(r+1)*3], r, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all[r*2:(r+1)*2], y, cmpopts.EquateApprox(0, 1e-14)); diff != "" {
			t.Fatalf("row %d: %s", r, diff)
		}
	}
	if _, err := m.Forward(part, x[:6], 6, 2); err == nil {
		t.Error("rows beyond the tape accepted")
	}
	if _, err := m.Forward(part, x[:5], 0, 2); err == nil {
		t.Error("short input accepted")
	}
}

func TestOrthogonal(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 0))
	for _, sh := range [][2]int{{64, 4}, {4, 64}, {64, 64}, {1, 64}} {
		rows, cols := sh[0], sh[1]
		w := make([]float64, rows*cols)
		if err := Orthogonal(rng, w, rows, cols, 2); err != nil {
			t.Fatal(err)
		}
		// The smaller Gram matrix (WᵀW if rows ≥ cols, else WWᵀ) must be gain² · I.
		// at(r, i) reads W, or Wᵀ when it is wide, as a tall long×k matrix.
		long, k := rows, cols
		at := func(r, i int) float64 { return w[r*cols+i] }
		if rows < cols {
			long, k = cols, rows
			at = func(r, i int) float64 { return w[i*cols+r] }
		}
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				var s float64
				for r := 0; r < long; r++ {
					s += at(r, i) * at(r, j)
				}
				want := 0.0
				if i == j {
					want = 4
				}
				if math.Abs(s-want) > 1e-10 {
					t.Fatalf("%v: Gram[%d,%d] = %v, want %v", sh, i, j, s, want)
				}
			}
		}
	}
}

func TestOrthogonalAndTapeRejectBadSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if err := Orthogonal(rng, make([]float64, 5), 2, 3, 1); err == nil {
		t.Error("Orthogonal accepted 5 values for 2×3")
	}
	m := newTestMLP(t, []int{2, 3}, Tanh, 1)
	tape := m.NewTape(4)
	if _, err := tape.Output(3, 2); err == nil {
		t.Error("Output beyond the tape accepted")
	}
	if _, err := tape.Input(-1, 1); err == nil {
		t.Error("negative row accepted")
	}
	// A tape of a network as deep but narrower must be refused, not overrun.
	wide := newTestMLP(t, []int{2, 64}, Tanh, 1)
	if _, err := wide.Forward(tape, make([]float64, 2*4), 0, 4); err == nil {
		t.Error("Forward accepted another network's tape")
	}
	if err := wide.Backward(tape, make([]float64, 64*4), 4, nil); err == nil {
		t.Error("Backward accepted another network's tape")
	}
}

func TestRMSpropMatchesPyTorchFormula(t *testing.T) {
	o, err := NewRMSprop(2, 0.99, 1e-5)
	if err != nil {
		t.Fatal(err)
	}
	p := []float64{1, -2}
	g := []float64{0.5, -0.1}
	o.Step(p, g, 0.1)
	// Step 1: v = 0.01·g², θ -= lr·g/(√v + ε).
	want := []float64{1 - 0.1*0.5/(math.Sqrt(0.01*0.25)+1e-5), -2 + 0.1*0.1/(math.Sqrt(0.01*0.01)+1e-5)}
	if diff := cmp.Diff(want, p, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Fatal(diff)
	}
	o.Step(p, g, 0.1)
	v := 0.99*0.01*0.25 + 0.01*0.25
	want0 := want[0] - 0.1*0.5/(math.Sqrt(v)+1e-5)
	if math.Abs(p[0]-want0) > 1e-15 {
		t.Fatalf("step 2: %v, want %v", p[0], want0)
	}
	if _, err := NewRMSprop(1, 1, 1e-5); err == nil {
		t.Error("alpha 1 accepted")
	}
	if err := o.Step(p[:1], g, 0.1); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestAdamMatchesPyTorchFormula(t *testing.T) {
	o, _ := NewAdam(1, 0.9, 0.999, 1e-8)
	p := []float64{1}
	// With bias correction the first step moves each parameter by lr·sign(g) (up to ε).
	o.Step(p, []float64{3}, 0.01)
	if math.Abs(p[0]-0.99) > 1e-9 {
		t.Fatalf("after step 1: %v, want 0.99", p[0])
	}
	o.Step(p, []float64{-1}, 0.01)
	m := 0.9*0.3 + 0.1*-1
	v := 0.999*0.009 + 0.001*1
	want := 0.99 - 0.01/(1-0.81)*m/(math.Sqrt(v)/math.Sqrt(1-0.998001)+1e-8)
	if math.Abs(p[0]-want) > 1e-9 { // step 1 is 0.99 only up to ε
		t.Fatalf("after step 2: %v, want %v", p[0], want)
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float64{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 {
		t.Fatalf("no clipping expected: norm %v, g %v", n, g)
	}
	n := ClipGradNorm(g, 0.5)
	if n != 5 || math.Abs(math.Hypot(g[0], g[1])-0.5) > 1e-6 {
		t.Fatalf("norm %v, clipped %v", n, g)
	}
}

func TestForwardBackwardDoNotAllocate(t *testing.T) {
	m := newTestMLP(t, []int{4, 64, 64, 2}, Tanh, 7)
	x := make([]float64, 40*4)
	c := make([]float64, 40*2)
	tape := m.NewTape(40)
	o, _ := NewRMSprop(len(m.params), 0.99, 1e-5)
	allocs := testing.AllocsPerRun(100, func() {
		for r := 0; r < 5; r++ {
			m.Forward(tape, x[r*32:(r+1)*32], r*8, 8)
		}
		m.ZeroGrad()
		m.Backward(tape, c, 40, nil)
		ClipGradNorm(m.grads, 0.5)
		o.Step(m.params, m.grads, 7e-4)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per training step", allocs)
	}
}

func BenchmarkForward8(b *testing.B) {
	m := newTestMLP(b, []int{4, 64, 64, 2}, Tanh, 7)
	x := make([]float64, 8*4)
	tape := m.NewTape(8)
	for b.Loop() {
		m.Forward(tape, x, 0, 8)
	}
}

func BenchmarkForward1(b *testing.B) {
	m := newTestMLP(b, []int{4, 64, 64, 2}, Tanh, 7)
	x := make([]float64, 4)
	tape := m.NewTape(1)
	for b.Loop() {
		m.Forward(tape, x, 0, 1)
	}
}

func BenchmarkBackward40(b *testing.B) {
	m := newTestMLP(b, []int{4, 64, 64, 2}, Tanh, 7)
	x := make([]float64, 40*4)
	c := make([]float64, 40*2)
	tape := m.NewTape(40)
	m.Forward(tape, x, 0, 40)
	for b.Loop() {
		m.Backward(tape, c, 40, nil)
	}
}
