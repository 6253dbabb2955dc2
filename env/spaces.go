package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Space describes a set of points, each a []float64 of length Dim. See the package
// documentation for how Discrete and MultiDiscrete points are encoded.
type Space interface {
	// Dim is the length of a point of the space.
	Dim() int
	// Contains reports whether x is a point of the space.
	Contains(x []float64) bool
	// Sample writes a random point of the space into dst; it fails if dst does not
	// have length Dim.
	Sample(rng *rand.Rand, dst []float64) error
	// String describes the space in Gymnasium's notation.
	String() string
}

// Discrete is the space {0, 1, …, N-1}, like gymnasium.spaces.Discrete(N). A point is a
// slice of length 1 holding the integer.
type Discrete struct {
	n int
}

// NewDiscrete returns Discrete(n). n must be at least 1.
func NewDiscrete(n int) (Discrete, error) {
	if n < 1 {
		return Discrete{}, fmt.Errorf("env: Discrete n = %d, must be ≥ 1", n)
	}
	return Discrete{n: n}, nil
}

// N is the number of elements.
func (d Discrete) N() int { return d.n }

// Dim returns 1.
func (d Discrete) Dim() int { return 1 }

// Contains reports whether x holds one integer in [0, N).
func (d Discrete) Contains(x []float64) bool {
	return len(x) == 1 && isIndex(x[0], d.n)
}

// Sample writes a uniform element into dst[0].
func (d Discrete) Sample(rng *rand.Rand, dst []float64) error {
	if err := checkDst(d, dst); err != nil {
		return err
	}
	dst[0] = float64(rng.IntN(d.n))
	return nil
}

func checkDst(s Space, dst []float64) error {
	if len(dst) != s.Dim() {
		return fmt.Errorf("env: %v.Sample: dst has %d values, need %d", s, len(dst), s.Dim())
	}
	return nil
}

// String implements fmt.Stringer.
func (d Discrete) String() string { return fmt.Sprintf("Discrete(%d)", d.n) }

// MultiDiscrete is a product of Discrete spaces, like
// gymnasium.spaces.MultiDiscrete(nvec): point i lies in [0, nvec[i]).
type MultiDiscrete struct {
	nvec []int
}

// MaxCategories bounds the total number of categories of a MultiDiscrete space (the sum of
// nvec), which is the width of a policy's output layer: 2^31 − 1.
const MaxCategories = math.MaxInt32

// NewMultiDiscrete returns MultiDiscrete(nvec). nvec must be non-empty, every entry at least 1
// and their sum at most MaxCategories. The slice is copied.
func NewMultiDiscrete(nvec []int) (MultiDiscrete, error) {
	if len(nvec) == 0 {
		return MultiDiscrete{}, fmt.Errorf("env: MultiDiscrete nvec is empty, need at least one dimension")
	}
	sum := 0
	for i, n := range nvec {
		if n < 1 {
			return MultiDiscrete{}, fmt.Errorf("env: MultiDiscrete nvec[%d] = %d, must be ≥ 1", i, n)
		}
		if n > MaxCategories-sum {
			return MultiDiscrete{}, fmt.Errorf("env: MultiDiscrete nvec %v sums to more than %d (MaxCategories)", nvec, MaxCategories)
		}
		sum += n
	}
	return MultiDiscrete{nvec: append([]int(nil), nvec...)}, nil
}

// Nvec returns a copy of the number of choices per dimension.
func (m MultiDiscrete) Nvec() []int { return append([]int(nil), m.nvec...) }

// Dim is the number of dimensions.
func (m MultiDiscrete) Dim() int { return len(m.nvec) }

// Contains reports whether x holds one integer in [0, nvec[i]) per dimension.
func (m MultiDiscrete) Contains(x []float64) bool {
	if len(x) != len(m.nvec) {
		return false
	}
	for i, n := range m.nvec {
		if !isIndex(x[i], n) {
			return false
		}
	}
	return true
}

// Sample writes a uniform point into dst.
func (m MultiDiscrete) Sample(rng *rand.Rand, dst []float64) error {
	if err := checkDst(m, dst); err != nil {
		return err
	}
	for i, n := range m.nvec {
		dst[i] = float64(rng.IntN(n))
	}
	return nil
}

// String implements fmt.Stringer.
func (m MultiDiscrete) String() string { return fmt.Sprintf("MultiDiscrete(%v)", m.nvec) }

func isIndex(v float64, n int) bool {
	return v >= 0 && v < float64(n) && v == math.Trunc(v)
}

// Box is a (possibly unbounded) box in R^n, like gymnasium.spaces.Box: point i lies in
// [Low[i], High[i]]. Bounds may be ±Inf. Shape is informational (points are flattened in
// row-major order); its product equals Dim.
type Box struct {
	low, high []float64
	shape     []int
}

// NewBox returns a Box with the given per-element bounds. low and high must have the
// same non-zero length, no NaN and low[i] ≤ high[i]. shape defaults to [len(low)];
// if given, its product must equal len(low). The slices are copied.
func NewBox(low, high []float64, shape ...int) (*Box, error) {
	if len(low) == 0 || len(low) != len(high) {
		return nil, fmt.Errorf("env: Box low has %d elements and high %d, need the same non-zero number", len(low), len(high))
	}
	for i := range low {
		if math.IsNaN(low[i]) || math.IsNaN(high[i]) || low[i] > high[i] {
			return nil, fmt.Errorf("env: Box bounds [%d] = [%v, %v], need low ≤ high and no NaN", i, low[i], high[i])
		}
	}
	if len(shape) == 0 {
		shape = []int{len(low)}
	}
	p := 1
	for i, s := range shape {
		if s < 1 {
			return nil, fmt.Errorf("env: Box shape[%d] = %d, must be ≥ 1", i, s)
		}
		// Every factor is >= 1, so a partial product above len(low) already fails; stopping
		// there keeps the product from overflowing.
		if s > len(low) || p > len(low)/s {
			return nil, fmt.Errorf("env: Box shape %v has more elements than the bounds' %d", shape, len(low))
		}
		p *= s
	}
	if p != len(low) {
		return nil, fmt.Errorf("env: Box shape %v has %d elements, bounds have %d", shape, p, len(low))
	}
	return &Box{low: append([]float64(nil), low...), high: append([]float64(nil), high...), shape: append([]int(nil), shape...)}, nil
}

// NewUniformBox returns a Box of dimension n with the same bounds for every element.
func NewUniformBox(low, high float64, n int) (*Box, error) {
	if n < 1 {
		return nil, fmt.Errorf("env: Box dimension = %d, must be ≥ 1", n)
	}
	l := make([]float64, n)
	h := make([]float64, n)
	for i := range l {
		l[i], h[i] = low, high
	}
	return NewBox(l, h)
}

// Low returns a copy of the lower bounds.
func (b *Box) Low() []float64 { return append([]float64(nil), b.low...) }

// High returns a copy of the upper bounds.
func (b *Box) High() []float64 { return append([]float64(nil), b.high...) }

// Shape returns a copy of the shape.
func (b *Box) Shape() []int { return append([]int(nil), b.shape...) }

// Dim is the number of elements.
func (b *Box) Dim() int { return len(b.low) }

// Bounded reports whether every bound is finite.
func (b *Box) Bounded() bool {
	for i := range b.low {
		if math.IsInf(b.low[i], 0) || math.IsInf(b.high[i], 0) {
			return false
		}
	}
	return true
}

// Contains reports whether x has Dim elements, none NaN, each within its bounds.
func (b *Box) Contains(x []float64) bool {
	if len(x) != len(b.low) {
		return false
	}
	for i, v := range x {
		if !(v >= b.low[i] && v <= b.high[i]) {
			return false
		}
	}
	return true
}

// Sample writes a random point into dst with Gymnasium's rule: uniform on bounded
// elements, standard normal on unbounded ones, and a shifted exponential on elements
// bounded on one side only.
func (b *Box) Sample(rng *rand.Rand, dst []float64) error {
	if err := checkDst(b, dst); err != nil {
		return err
	}
	for i := range b.low {
		lo, hi := b.low[i], b.high[i]
		li, hiInf := math.IsInf(lo, 0), math.IsInf(hi, 0)
		switch {
		case !li && !hiInf:
			dst[i] = lo + (hi-lo)*rng.Float64()
		case li && hiInf:
			dst[i] = rng.NormFloat64()
		case li:
			dst[i] = hi - rng.ExpFloat64()
		default:
			dst[i] = lo + rng.ExpFloat64()
		}
	}
	return nil
}

// String implements fmt.Stringer.
func (b *Box) String() string {
	lo, hi := fmtBound(b.low), fmtBound(b.high)
	return fmt.Sprintf("Box(%s, %s, %v)", lo, hi, b.shape)
}

func fmtBound(v []float64) string {
	same := true
	for _, x := range v {
		if x != v[0] {
			same = false
			break
		}
	}
	if same {
		return fmt.Sprint(v[0])
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
