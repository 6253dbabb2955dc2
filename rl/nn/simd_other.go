//go:build !amd64

package nn

// haveAVX2FMA is false: the assembly kernels exist only for amd64.
const haveAVX2FMA = false

func tanhAVX2(x []float64)                         { tanhSliceGo(x) }
func fwdAVX2(y, x, w, b []float64, n, in, out int) { linearForwardGo(y, x, w, b, n, in, out) }
func gemmAVX2(c, a, b []float64, m, p, cols, ars, acs, ldb int) {
	gemmGo(c, a, b, m, p, cols, ars, acs, ldb)
}
