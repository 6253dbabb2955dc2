package workload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Grid is the time axis a generator fills: Len intervals of length Step from
// Start.
type Grid struct {
	Start time.Time     // start of the first interval
	Step  time.Duration // interval length (> 0)
	Len   int           // number of intervals (>= 0)
}

// Validate reports an error naming the field, its value and the allowed range
// when Step <= 0 or Len < 0.
func (g Grid) Validate() error {
	if g.Step <= 0 {
		return fmt.Errorf("workload: Grid.Step = %v, want > 0", g.Step)
	}
	if g.Len < 0 || g.Len > MaxIntervals {
		return fmt.Errorf("workload: Grid.Len = %d, want in [0, %d] (MaxIntervals)", g.Len, MaxIntervals)
	}
	return nil
}

// Time returns the start of interval i.
func (g Grid) Time(i int) time.Time { return g.Start.Add(time.Duration(i) * g.Step) }

// OriginalTrainingLen is the length of the original project's training series:
// 30 days of 5-minute intervals. Its CSV has OriginalTrainingLen−4 rows.
const OriginalTrainingLen = 30 * 288

// OriginalGrid returns the original project's time axis with n intervals: 5-minute
// steps from 2024-01-01 00:00 UTC, where its training series begins. Its
// shipped CSV starts four intervals later, at 00:20, because computing two lags
// and a five-step rolling window dropped the first four rows.
func OriginalGrid(n int) Grid {
	return Grid{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Step: 5 * time.Minute, Len: n}
}

// newRand returns the generator every seeded function of this package uses: a
// PCG source keyed by seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func fill(g Grid, f func(i int) float64) (Series, error) {
	if err := g.Validate(); err != nil {
		return Series{}, err
	}
	counts := make([]float64, g.Len)
	for i := range counts {
		counts[i] = f(i)
	}
	return generated(g, counts)
}

// generated returns counts on g as a Series, or an error when a count is not
// a finite value >= 0: parameters that are each in range can still overflow
// float64 together (a mean near the largest float times a peak factor, or
// overlapping spikes).
func generated(g Grid, counts []float64) (Series, error) {
	s := Series{Start: g.Start, Step: g.Step, Counts: counts}
	if err := s.Validate(); err != nil {
		return Series{}, fmt.Errorf("workload: generated series invalid (do the parameters overflow float64?): %w", err)
	}
	return s, nil
}

// OriginalTraining generates the original project's training load
// (synthetic_invocations.csv), with i the interval index from g.Start:
//
//	i mod 50 <  5 (burst):  220 + N(0, 10²)
//	otherwise:              100 + 25·sin(i/10) + N(0, 5²)
//
// truncated toward zero to an integer and floored at 1. The original's
// description reads "+120 with N(0,10) noise during the first 5 of every 50
// steps" on top of the sine; its CSV shows that a burst replaces the sine and
// the base noise (burst values have mean 219.6 and s.d. 9.8 with no sine
// component, against 5.1 outside bursts), and that values were truncated
// (residual mean −0.5), so this is what OriginalTraining does.
//
// Properties (OriginalGrid(OriginalTrainingLen), tested over several seeds): mean
// 111.5 ± 1 (0.9·100 + 0.1·220 − 0.5 plus the sine's small average over
// non-burst steps), burst intervals 220 ± 2 on average, non-burst intervals
// below 150, peak 235–260, dominant period 50 intervals. Starting g at
// OriginalGrid's start and dropping the first four intervals lines it up with the
// CSV's rows.
func OriginalTraining(g Grid, seed uint64) (Series, error) {
	rng := newRand(seed)
	return fill(g, func(i int) float64 {
		var v float64
		if i%50 < 5 {
			v = 220 + 10*rng.NormFloat64()
		} else {
			v = 100 + 25*math.Sin(float64(i)/10) + 5*rng.NormFloat64()
		}
		return math.Max(math.Trunc(v), 1)
	})
}

// OriginalBursty generates the original project's "bursty" evaluation pattern:
//
//	100 + 60·sin(i/15) + 10·(i mod 20) + N(0, 10²), floored at 0
//
// The values are not rounded (they are expected counts). A negative value
// needs noise below −4σ, so the floor at 0 (an idle interval; a count cannot
// be negative) practically never applies. Properties: mean 195 (100 + 10·9.5)
// ± 3 over 2,000 intervals, a sawtooth of period 20 intervals rising by 190
// within each period, and a slow sine of period 2π·15 ≈ 94.2 intervals.
func OriginalBursty(g Grid, seed uint64) (Series, error) {
	rng := newRand(seed)
	return fill(g, func(i int) float64 {
		v := 100 + 60*math.Sin(float64(i)/15) + 10*float64(i%20) + 10*rng.NormFloat64()
		return math.Max(v, 0)
	})
}

// OriginalPeriodic generates the original project's "periodic" evaluation pattern:
//
//	100 + 50·cos(i/10) + 30·sin(i/30) + N(0, 10²), floored at 0
//
// The values are not rounded. The minimum of the deterministic part is about
// 20, so the floor at 0 needs noise below −2σ at the deepest trough and
// applies very rarely. Properties: mean 100 ± 3 over 2,000 intervals; the two
// components have periods 2π·10 ≈ 62.8 and 2π·30 ≈ 188.5 intervals, and as
// 188.5 is three times 62.8 the sum repeats every 188.5 intervals, which is the
// dominant period Stats reports (±2).
func OriginalPeriodic(g Grid, seed uint64) (Series, error) {
	rng := newRand(seed)
	return fill(g, func(i int) float64 {
		x := float64(i)
		v := 100 + 50*math.Cos(x/10) + 30*math.Sin(x/30) + 10*rng.NormFloat64()
		return math.Max(v, 0)
	})
}

// OriginalIrregular generates the original project's "irregular" evaluation
// pattern: independent draws 100 + U, U a uniform integer in [−120, 180],
// floored at 0. The floor is a decision of this package (a count cannot be
// negative; 0 is an idle interval): 20 of the 301 values are negative, so
// 21/301 ≈ 7.0 % of intervals are 0 and the mean is 130 + 210/301 ≈ 130.70
// rather than 130. No autocorrelation: Stats reports no dominant period.
func OriginalIrregular(g Grid, seed uint64) (Series, error) {
	rng := newRand(seed)
	return fill(g, func(int) float64 {
		return math.Max(float64(100+rng.IntN(301)-120), 0)
	})
}
