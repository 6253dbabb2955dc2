package workload

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrivals is a stream of arrival instants, given as offsets from the start of
// the series they were drawn from. Successive offsets are non-decreasing; ok is
// false once the stream is exhausted (and stays false).
//
// The streams this package returns hold O(1) state, allocate nothing per
// arrival and, given the same *rand.Rand state, yield the same instants. Their
// constructors validate the input up front and return an error naming the bad
// field, so a stream that exists is valid. A stream is not safe for concurrent
// use.
type Arrivals interface {
	Next() (at time.Duration, ok bool)
}

// errNilRand is reported by streams built with a nil *rand.Rand.
var errNilRand = errors.New("workload: rng = nil, want a *rand.Rand")

func checkStream(s Series, rng *rand.Rand) error {
	if rng == nil {
		return errNilRand
	}
	return s.Validate()
}

// PoissonArrivals returns a stream in which interval i receives N ~ Poisson(Counts[i])
// arrivals placed as a homogeneous Poisson process of rate Counts[i]/Step inside
// the interval (equivalently: N uniform instants). The counts of different
// intervals are independent. It draws one exponential variate per arrival plus
// one per non-empty interval.
//
// It returns an error naming the field when s is invalid or rng is nil.
func PoissonArrivals(s Series, rng *rand.Rand) (Arrivals, error) {
	if err := checkStream(s, rng); err != nil {
		return nil, err
	}
	return &poissonStream{counts: s.Counts, step: s.Step, stepf: float64(s.Step), rng: rng}, nil
}

type poissonStream struct {
	counts []float64
	step   time.Duration
	stepf  float64
	rng    *rand.Rand
	i      int     // current interval
	pos    float64 // position inside interval i, ns
}

// Next implements Arrivals.
func (p *poissonStream) Next() (time.Duration, bool) {
	for p.i < len(p.counts) {
		if c := p.counts[p.i]; c > 0 {
			// Memorylessness: restarting the exponential clock at each interval
			// boundary with the new rate is exact.
			p.pos += p.rng.ExpFloat64() * p.stepf / c
			if p.pos < p.stepf {
				return time.Duration(p.i)*p.step + time.Duration(p.pos), true
			}
		}
		p.i++
		p.pos = 0
	}
	return 0, false
}

// ExactCountArrivals returns a stream in which interval i receives exactly
// round(Counts[i]) arrivals (math.Round: halves away from zero), placed as
// uniform order statistics inside the interval. This is the Poisson process
// conditioned on its count, the natural way to spread a trace's per-minute
// counts over the minute. The sorted uniforms are generated sequentially
// (the minimum of m uniforms on [u, 1) is u + (1−u)(1−e^{−E/m}), E ~ Exp(1)),
// so nothing is materialised.
//
// It returns an error naming the field when s is invalid, a count exceeds
// 2^53 or rng is nil.
func ExactCountArrivals(s Series, rng *rand.Rand) (Arrivals, error) {
	if err := checkStream(s, rng); err != nil {
		return nil, err
	}
	for i, c := range s.Counts {
		if c > maxExactCount {
			return nil, fmt.Errorf("workload: Series.Counts[%d] = %v, want <= 2^53 for exact counts", i, c)
		}
	}
	return &exactStream{counts: s.Counts, step: s.Step, stepf: float64(s.Step), rng: rng, i: -1}, nil
}

// maxExactCount is the largest count ExactCountArrivals accepts: beyond 2^53
// float64 no longer holds every integer.
const maxExactCount = 1 << 53

type exactStream struct {
	counts []float64
	step   time.Duration
	stepf  float64
	rng    *rand.Rand
	i      int     // current interval
	left   int64   // arrivals left in interval i
	u      float64 // last position in [0, 1)
}

// Next implements Arrivals.
func (e *exactStream) Next() (time.Duration, bool) {
	for e.left == 0 {
		e.i++
		if e.i >= len(e.counts) {
			e.i = len(e.counts)
			return 0, false
		}
		e.left = int64(math.Round(e.counts[e.i]))
		e.u = 0
	}
	e.u += (1 - e.u) * -math.Expm1(-e.rng.ExpFloat64()/float64(e.left))
	e.left--
	off := time.Duration(e.u * e.stepf)
	if off >= e.step { // rounding at the top of the interval
		off = e.step - 1
	}
	return time.Duration(e.i)*e.step + off, true
}

// RateArrivals returns a non-homogeneous Poisson process whose rate follows
// the piecewise-linear interpolation of Counts[i]/Step through the interval
// midpoints, held constant before the first midpoint and after the last. The
// integrated rate over the whole series equals the series total, so the
// expected number of arrivals is Total(); per interval it is a local average of
// the neighbouring counts, which removes the steps a piecewise-constant rate
// has at interval boundaries. Sampling is by exact inversion of the integrated
// rate (one exponential variate and one square root per arrival).
//
// It returns an error naming the field when s is invalid or rng is nil.
func RateArrivals(s Series, rng *rand.Rand) (Arrivals, error) {
	if err := checkStream(s, rng); err != nil {
		return nil, err
	}
	r := &rateStream{counts: s.Counts, stepf: float64(s.Step), rng: rng}
	if len(s.Counts) > 0 {
		r.enterSegment(0)
	} else {
		r.seg = 1 // past the last segment: the stream is empty
	}
	return r, nil
}

type rateStream struct {
	counts []float64
	stepf  float64
	rng    *rand.Rand
	// Knots: T_0 = 0, T_j = (j−½)·Step for j = 1..n, T_{n+1} = n·Step, with
	// rates R_0 = c_0, R_j = c_{j−1}, R_{n+1} = c_{n−1} (per Step).
	// Segment j is [T_j, T_{j+1}], j = 0..n.
	seg   int
	t     float64 // current time, ns
	end   float64 // T_{seg+1}
	rt    float64 // rate at t, per ns
	slope float64 // rate slope on this segment, per ns²
}

func (r *rateStream) knot(j int) (t, rate float64) {
	n := len(r.counts)
	switch {
	case j == 0:
		return 0, r.counts[0] / r.stepf
	case j > n:
		return float64(n) * r.stepf, r.counts[n-1] / r.stepf
	default:
		return (float64(j) - 0.5) * r.stepf, r.counts[j-1] / r.stepf
	}
}

func (r *rateStream) enterSegment(j int) {
	r.seg = j
	t0, r0 := r.knot(j)
	t1, r1 := r.knot(j + 1)
	r.t, r.end, r.rt = t0, t1, r0
	r.slope = 0
	if t1 > t0 {
		r.slope = (r1 - r0) / (t1 - t0)
	}
}

// Next implements Arrivals.
func (r *rateStream) Next() (time.Duration, bool) {
	n := len(r.counts)
	if r.seg > n {
		return 0, false
	}
	e := r.rng.ExpFloat64()
	for {
		d := r.end - r.t
		integral := r.rt*d + 0.5*r.slope*d*d
		if e < integral {
			// Solve rt·τ + slope·τ²/2 = e for the smallest τ >= 0, in the
			// cancellation-free form.
			disc := r.rt*r.rt + 2*r.slope*e
			den := r.rt + math.Sqrt(math.Max(disc, 0))
			tau := d
			if den > 0 {
				tau = math.Min(2*e/den, d)
			}
			if tau >= d && r.seg == n {
				// Only float rounding lands exactly on the end of the
				// series (a probability-zero event): keep arrivals inside
				// [0, Len·Step).
				r.seg = n + 1
				return 0, false
			}
			r.t += tau
			r.rt += r.slope * tau
			return time.Duration(r.t), true
		}
		e -= integral
		if r.seg+1 > n {
			r.seg = n + 1
			return 0, false
		}
		r.enterSegment(r.seg + 1)
	}
}

// TimestampArrivals returns a stream over exact arrival offsets, for traces
// that record every invocation. ts must be non-decreasing and non-negative;
// otherwise the error names the first offending index and value. The slice is
// not copied (a day of timestamps is not duplicated): do not modify it while
// the stream is in use.
func TimestampArrivals(ts []time.Duration) (Arrivals, error) {
	for i, t := range ts {
		if t < 0 {
			return nil, fmt.Errorf("workload: timestamps[%d] = %v, want >= 0", i, t)
		}
		if i > 0 && t < ts[i-1] {
			return nil, fmt.Errorf("workload: timestamps[%d] = %v is before timestamps[%d] = %v, want non-decreasing", i, t, i-1, ts[i-1])
		}
	}
	return &timestampStream{ts: ts}, nil
}

type timestampStream struct {
	ts []time.Duration
	i  int
}

// Next implements Arrivals.
func (t *timestampStream) Next() (time.Duration, bool) {
	if t.i >= len(t.ts) {
		return 0, false
	}
	t.i++
	return t.ts[t.i-1], true
}

// Bin counts the arrivals of a into n intervals of the given step starting at
// start (arrival offsets are taken relative to start), draining a. Arrivals
// outside [0, n·step) are not binned; their number is returned as outside. It
// reports an error for step <= 0 or n outside [0, MaxIntervals].
func Bin(a Arrivals, start time.Time, step time.Duration, n int) (s Series, outside int, err error) {
	if step <= 0 {
		return Series{}, 0, fmt.Errorf("workload: Bin step = %v, want > 0", step)
	}
	if n < 0 || n > MaxIntervals {
		return Series{}, 0, fmt.Errorf("workload: Bin n = %d, want in [0, %d] (MaxIntervals)", n, MaxIntervals)
	}
	counts := make([]float64, n)
	for {
		at, ok := a.Next()
		if !ok {
			break
		}
		k := at / step
		if at < 0 || k >= time.Duration(n) {
			outside++
			continue
		}
		counts[k]++
	}
	return Series{Start: start, Step: step, Counts: counts}, outside, nil
}
