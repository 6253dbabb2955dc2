//go:build amd64 && !purego

package nn

// haveAVX2FMA reports whether the CPU and the operating system support AVX2 and FMA3,
// which the assembly kernels in simd_amd64.s need. It is set once at package
// initialization and never changed.
var haveAVX2FMA = detectAVX2FMA()

// scalarFMA reports whether math.FMA is a hardware instruction that tanhGo may rely
// on when haveAVX2FMA is false; on amd64 that case means an old CPU, so no.
const scalarFMA = false

func detectAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // the OS saves XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}

// cpuid executes the CPUID instruction for leaf eaxArg and sub-leaf ecxArg.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv returns the extended control register XCR0.
func xgetbv() (eax, edx uint32)

// tanhAVX2 replaces x[i] by tanh(x[i]) for i < len(x)&^3, with the same algorithm and
// the same results, bit for bit, as tanhGo.
//
//go:noescape
func tanhAVX2(x []float64)

// fwdAVX2 is linearForward for in a positive multiple of 4.
//
//go:noescape
func fwdAVX2(y, x, w, b []float64, n, in, out int)

// gemmAVX2 sets c[i*cols+j] = Σ_{l<p} a[i*ars+l*acs]·b[l*ldb+j] for i < m and j < cols,
// adding the old c[i*cols+j] if acc ≠ 0; cols is a positive multiple of 4 and m, p ≥ 1.
//
//go:noescape
func gemmAVX2(c, a, b []float64, m, p, cols, ars, acs, ldb, acc int)

// sumSquaresAVX2 returns Σ x[i]² over i < len(x)&^15.
//
//go:noescape
func sumSquaresAVX2(x []float64) float64

// scaleAVX2 multiplies x[i] by c for i < len(x)&^3.
//
//go:noescape
func scaleAVX2(x []float64, c float64)

// rmspropAVX2 is RMSprop.Step's loop for i < len(sq)&^3; params and grads are at
// least as long as sq.
//
//go:noescape
func rmspropAVX2(params, grads, sq []float64, alpha, beta, lr, eps float64)

// tanhGradAVX2 multiplies d[i] by 1 − y[i]² for i < len(d)&^3; len(y) ≥ len(d).
//
//go:noescape
func tanhGradAVX2(d, y []float64)

// fwdIn4AVX2 is linearForward for in = 4 and n ≥ 1.
//
//go:noescape
func fwdIn4AVX2(y, x, w, b []float64, n, out int)
