package nn

import "math"

// Vector helpers with an AVX2 path; the Go loops are the reference and the fallback.

// sumSquares returns Σ x[i]².
func sumSquares(x []float64) float64 {
	if !haveAVX2FMA {
		return sumSquaresGo(x)
	}
	n := len(x) &^ 15
	return sumSquaresAVX2(x) + sumSquaresGo(x[n:])
}

func sumSquaresGo(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

// scale multiplies every x[i] by c.
func scale(x []float64, c float64) {
	if haveAVX2FMA {
		scaleAVX2(x, c)
		x = x[len(x)&^3:]
	}
	scaleGo(x, c)
}

func scaleGo(x []float64, c float64) {
	for i := range x {
		x[i] *= c
	}
}

// rmsprop applies sq ← α·sq + β·g²; θ ← θ − lr·g/(√sq + ε); params and grads have
// len(sq) values. Both paths give the same bits.
func rmsprop(params, grads, sq []float64, alpha, beta, lr, eps float64) {
	if haveAVX2FMA {
		rmspropAVX2(params, grads, sq, alpha, beta, lr, eps)
		n := len(sq) &^ 3
		params, grads, sq = params[n:], grads[n:], sq[n:]
	}
	rmspropGo(params, grads, sq, alpha, beta, lr, eps)
}

func rmspropGo(params, grads, sq []float64, alpha, beta, lr, eps float64) {
	grads = grads[:len(sq)]
	params = params[:len(sq)]
	for i, g := range grads {
		v := alpha*sq[i] + beta*g*g
		sq[i] = v
		params[i] -= lr * g / (math.Sqrt(v) + eps)
	}
}

// tanhGrad multiplies d[i] by tanh′ = 1 − y[i]², given the activation y = tanh(z).
// Both paths give the same bits.
func tanhGrad(d, y []float64) {
	y = y[:len(d)]
	if haveAVX2FMA {
		tanhGradAVX2(d, y)
		n := len(d) &^ 3
		d, y = d[n:], y[n:]
	}
	tanhGradGo(d, y)
}

func tanhGradGo(d, y []float64) {
	y = y[:len(d)]
	for i, v := range y {
		d[i] *= 1 - v*v
	}
}
