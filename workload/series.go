package workload

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Series holds per-interval invocation counts on a regular time grid: interval i
// covers [Start+i·Step, Start+(i+1)·Step).
//
// Counts are expected invocations per interval: non-negative and finite.
// Fractional values are allowed (model-generated loads are expectations, not
// observations). NewSeries validates a Series and copies its counts; a Series
// built as a struct literal can be checked with Validate. Methods never modify
// the receiver's Counts, and every method that returns a Series returns one
// with its own backing array.
type Series struct {
	Start  time.Time     // start of the first interval
	Step   time.Duration // interval length (> 0)
	Counts []float64     // non-negative, finite; fractional values allowed for model-generated loads
}

// NewSeries returns a validated Series with a copy of counts. It reports an
// error naming the field, the offending value and the allowed range when step
// is not positive or a count is negative, NaN or infinite. An empty counts
// slice is valid (a series of length zero).
func NewSeries(start time.Time, step time.Duration, counts []float64) (Series, error) {
	s := Series{Start: start, Step: step, Counts: append([]float64(nil), counts...)}
	if err := s.Validate(); err != nil {
		return Series{}, err
	}
	return s, nil
}

// Validate reports whether s satisfies the Series invariants: Step > 0 and
// every count non-negative and finite. The error names the field, the value
// and the allowed range.
func (s Series) Validate() error {
	if s.Step <= 0 {
		return fmt.Errorf("workload: Series.Step = %v, want > 0", s.Step)
	}
	for i, c := range s.Counts {
		if !(c >= 0) || math.IsInf(c, 1) { // !(c >= 0) also catches NaN
			return fmt.Errorf("workload: Series.Counts[%d] = %v, want a finite value >= 0", i, c)
		}
	}
	return nil
}

// Len returns the number of intervals.
func (s Series) Len() int { return len(s.Counts) }

// End returns the end of the last interval, Start + Len·Step.
func (s Series) End() time.Time { return s.Start.Add(time.Duration(len(s.Counts)) * s.Step) }

// Grid returns the time axis of s, for generating a series to combine with it
// (Sum, Product).
func (s Series) Grid() Grid { return Grid{Start: s.Start, Step: s.Step, Len: len(s.Counts)} }

// Duration returns the time the series covers, Len·Step.
func (s Series) Duration() time.Duration { return time.Duration(len(s.Counts)) * s.Step }

// Time returns the start of interval i, Start + i·Step. Any i is accepted, so
// Time(Len()) equals End().
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// Total returns the sum of the counts.
func (s Series) Total() float64 {
	var t float64
	for _, c := range s.Counts {
		t += c
	}
	return t
}

// Clone returns a copy of s with its own Counts.
func (s Series) Clone() Series {
	s.Counts = append([]float64(nil), s.Counts...)
	return s
}

// Slice returns intervals [i, j) as a new Series starting at Time(i), with
// 0 <= i <= j <= Len(). The counts are copied.
func (s Series) Slice(i, j int) (Series, error) {
	if i < 0 || j < i || j > len(s.Counts) {
		return Series{}, fmt.Errorf("workload: Slice(%d, %d) on a series of length %d, want 0 <= i <= j <= %d", i, j, len(s.Counts), len(s.Counts))
	}
	return Series{Start: s.Time(i), Step: s.Step, Counts: append([]float64(nil), s.Counts[i:j]...)}, nil
}

// MaxIntervals is the longest series this package builds: 2^26 intervals (about 128 years of
// minutes, 512 MiB of counts). Readers, Bin, Resample and the generators refuse to allocate more,
// so a small hostile input (a timestamp far in the future, a huge Grid.Len) cannot exhaust memory.
const MaxIntervals = 1 << 26

// ErrResample is wrapped by the errors Resample returns when the new step is
// not an integer multiple or divisor of the old one, or the length is not a
// multiple of the aggregation factor.
var ErrResample = errors.New("workload: cannot resample")

// Resample returns the series on a grid of the given step, keeping the total
// (and the total of every coarse interval).
//
// A coarser step must be an integer multiple k of s.Step and Len must be a
// multiple of k (Slice first to drop a partial tail): each new count is the sum
// of k old ones. A finer step must divide s.Step into an integer k parts: each
// old count is split evenly into k counts of count/k (fractional counts
// result). Any other step is an error wrapping ErrResample.
func (s Series) Resample(step time.Duration) (Series, error) {
	if err := s.Validate(); err != nil {
		return Series{}, err
	}
	switch {
	case step <= 0:
		return Series{}, fmt.Errorf("%w: step = %v, want > 0", ErrResample, step)
	case step == s.Step:
		return s.Clone(), nil
	case step > s.Step:
		if step%s.Step != 0 {
			return Series{}, fmt.Errorf("%w: step = %v is not an integer multiple of %v", ErrResample, step, s.Step)
		}
		k := int(step / s.Step)
		if len(s.Counts)%k != 0 {
			return Series{}, fmt.Errorf("%w: length %d is not a multiple of %d (step %v to %v); Slice to a multiple first", ErrResample, len(s.Counts), k, s.Step, step)
		}
		out := make([]float64, len(s.Counts)/k)
		for i := range out {
			var sum float64
			for _, c := range s.Counts[i*k : (i+1)*k] {
				sum += c
			}
			out[i] = sum
		}
		return Series{Start: s.Start, Step: step, Counts: out}, nil
	default:
		if s.Step%step != 0 {
			return Series{}, fmt.Errorf("%w: step = %v does not divide %v", ErrResample, step, s.Step)
		}
		k := int(s.Step / step)
		if k > MaxIntervals || len(s.Counts) > MaxIntervals/k {
			return Series{}, fmt.Errorf("%w: %d intervals of %v split into %d each exceed %d intervals (MaxIntervals)", ErrResample, len(s.Counts), s.Step, k, MaxIntervals)
		}
		out := make([]float64, len(s.Counts)*k)
		for i, c := range s.Counts {
			v := c / float64(k)
			for j := range k {
				out[i*k+j] = v
			}
		}
		return Series{Start: s.Start, Step: step, Counts: out}, nil
	}
}

// Stats summarises a Series.
type Stats struct {
	Len   int     // number of intervals
	Total float64 // sum of counts
	Mean  float64 // mean count per interval (0 for an empty series)
	Std   float64 // population standard deviation of the counts
	Min   float64 // smallest count (0 for an empty series)
	Peak  float64 // largest count (0 for an empty series)
	// CV is the coefficient of variation Std/Mean (0 when Mean is 0).
	CV float64
	// DominantPeriod is a period, in intervals, read from the sample
	// autocorrelation function (ACF) over lags 2..Len/2 (at least two full
	// cycles must fit). Among the local maxima of the ACF (corrected for the
	// number of overlapping pairs, r(k)·n/(n−k), so that peaks are not pulled
	// to shorter lags) where the ACF exceeds max(MinPeriodACF, 3/√Len) (so
	// that noise is not reported as a period), it is the smallest lag whose
	// corrected ACF is at least 0.8 times the highest one:
	// multiples of a period peak too, sometimes slightly higher, and the
	// fundamental is the useful answer. It is 0 when no maximum qualifies.
	// Sampling limits its precision to about one interval.
	DominantPeriod int
	// PeriodACF is the (plain) autocorrelation at DominantPeriod (0 if there
	// is none).
	PeriodACF float64
	// EmptyShare is the share of intervals whose count is 0, in [0, 1].
	EmptyShare float64
}

// MinPeriodACF is the smallest autocorrelation at which Stats reports a
// dominant period.
const MinPeriodACF = 0.2

// harmonicTolerance: see Stats.DominantPeriod.
const harmonicTolerance = 0.8

// Stats computes the summary statistics of s, which must be valid (see
// Validate). The autocorrelation is computed by FFT in O(n log n) time.
func (s Series) Stats() Stats {
	n := len(s.Counts)
	st := Stats{Len: n}
	if n == 0 {
		return st
	}
	st.Min, st.Peak = math.Inf(1), math.Inf(-1)
	empty := 0
	for _, c := range s.Counts {
		st.Total += c
		st.Min = math.Min(st.Min, c)
		st.Peak = math.Max(st.Peak, c)
		if c == 0 {
			empty++
		}
	}
	st.Mean = st.Total / float64(n)
	var ss float64
	for _, c := range s.Counts {
		d := c - st.Mean
		ss += d * d
	}
	st.Std = math.Sqrt(ss / float64(n))
	if st.Mean > 0 {
		st.CV = st.Std / st.Mean
	}
	st.EmptyShare = float64(empty) / float64(n)
	st.DominantPeriod, st.PeriodACF = dominantPeriod(s.Counts, st.Mean, ss)
	return st
}

// ACF returns the sample autocorrelation of s for lags 0..maxLag (clamped to
// Len-1): r(k) = Σ(x_t−m)(x_{t+k}−m) / Σ(x_t−m)². A constant series has no
// defined autocorrelation; ACF then returns r(0)=1 and zeros. It returns nil
// for an empty series or a negative maxLag.
func (s Series) ACF(maxLag int) []float64 {
	n := len(s.Counts)
	if n == 0 || maxLag < 0 {
		return nil
	}
	maxLag = min(maxLag, n-1)
	var mean, ss float64
	for _, c := range s.Counts {
		mean += c
	}
	mean /= float64(n)
	for _, c := range s.Counts {
		ss += (c - mean) * (c - mean)
	}
	return acf(s.Counts, mean, ss, maxLag)
}

func acf(x []float64, mean, ss float64, maxLag int) []float64 {
	r := make([]float64, maxLag+1)
	r[0] = 1
	if ss == 0 {
		return r
	}
	n := len(x)
	if n*maxLag <= 1<<16 {
		for k := 1; k <= maxLag; k++ {
			var sum float64
			for t := 0; t+k < n; t++ {
				sum += (x[t] - mean) * (x[t+k] - mean)
			}
			r[k] = sum / ss
		}
		return r
	}
	// Wiener–Khinchin: zero-pad to a power of two >= 2n so the circular
	// correlation equals the linear one.
	m := 1
	for m < 2*n {
		m <<= 1
	}
	fft := fourier.NewFFT(m)
	buf := make([]float64, m)
	for i, c := range x {
		buf[i] = c - mean
	}
	coef := fft.Coefficients(nil, buf)
	for i, c := range coef {
		coef[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	seq := fft.Sequence(buf, coef)
	norm := seq[0]
	for k := 1; k <= maxLag; k++ {
		r[k] = seq[k] / norm
	}
	return r
}

func dominantPeriod(x []float64, mean, ss float64) (int, float64) {
	n := len(x)
	maxLag := n / 2
	if maxLag < 3 || ss == 0 {
		return 0, 0
	}
	r := acf(x, mean, ss, maxLag)
	thr := math.Max(MinPeriodACF, 3/math.Sqrt(float64(n)))
	// Peaks are located on the ACF corrected for the number of overlapping
	// pairs, u(k) = r(k)·n/(n−k): the plain estimate is tilted down by
	// (n−k)/n, which moves the peaks of a pure cycle to shorter lags. The
	// noise threshold applies to the plain estimate, whose variance does not
	// grow with k.
	u := make([]float64, maxLag+1)
	for k := range u {
		u[k] = r[k] * float64(n) / float64(n-k)
	}
	isPeak := func(k int) bool { return u[k] > u[k-1] && u[k] >= u[k+1] && r[k] > thr }
	highest := 0.0
	for k := 2; k < maxLag; k++ {
		if isPeak(k) {
			highest = math.Max(highest, u[k])
		}
	}
	if highest == 0 {
		return 0, 0
	}
	// Multiples of the period also peak, sometimes higher (when a second
	// component lines up there); prefer the first peak close to the highest.
	best, bestR := 0, 0.0
	for k := 2; k < maxLag; k++ {
		if isPeak(k) && u[k] >= harmonicTolerance*highest {
			best, bestR = k, r[k]
			break
		}
	}
	return best, bestR
}
