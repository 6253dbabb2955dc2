//go:build !amd64 || purego

package nn

import "runtime"

// haveAVX2FMA is false: the assembly kernels exist only for amd64 (and the purego
// build tag turns them off, to test the portable code there). The functions
// below are never called (callers check haveAVX2FMA); they keep the package building
// and behave like their amd64 counterparts.
const haveAVX2FMA = false

// scalarFMA reports whether math.FMA is a hardware instruction (Go compiles it to one
// on these architectures), so that tanhGo is fast.
const scalarFMA = runtime.GOARCH == "arm64" || runtime.GOARCH == "ppc64" || runtime.GOARCH == "ppc64le" ||
	runtime.GOARCH == "s390x" || runtime.GOARCH == "riscv64" || runtime.GOARCH == "loong64"

func tanhAVX2(x []float64)                         { tanhSliceGo(x[:len(x)&^3]) }
func fwdAVX2(y, x, w, b []float64, n, in, out int) { linearForwardGo(y, x, w, b, n, in, out) }
func gemmAVX2(c, a, b []float64, m, p, cols, ars, acs, ldb, acc int) {
	if acc == 0 {
		clear(c[:m*cols])
	}
	gemmGo(c, a, b, m, p, cols, ars, acs, ldb)
}

func sumSquaresAVX2(x []float64) float64 { return sumSquaresGo(x[:len(x)&^15]) }

func scaleAVX2(x []float64, c float64) { scaleGo(x[:len(x)&^3], c) }

func rmspropAVX2(params, grads, sq []float64, alpha, beta, lr, eps float64) {
	n := len(sq) &^ 3
	rmspropGo(params[:n], grads[:n], sq[:n], alpha, beta, lr, eps)
}

func tanhGradAVX2(d, y []float64) { tanhGradGo(d[:len(d)&^3], y) }

func fwdIn4AVX2(y, x, w, b []float64, n, out int) { linearForwardGo(y, x, w, b, n, 4, out) }
