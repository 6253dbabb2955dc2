package forecast

import (
	"fmt"
	"math"
)

// ExactPeriod configures [DetectExactPeriod].
type ExactPeriod struct {
	// MaxPeriod is the longest period tried, in intervals; 0 means a third
	// of the history.
	MaxPeriod int
	// MinMatch is the fraction of informative intervals (see
	// [DetectExactPeriod]) whose value must repeat one period later, in
	// (0, 1]; 0 means 0.9.
	MinMatch float64
	// MinEvents is how many informative intervals the history must hold for
	// a period to be trusted; 0 means 6.
	MinEvents int
}

func (c ExactPeriod) withDefaults(n int) (ExactPeriod, error) {
	if c.MaxPeriod < 0 {
		return c, fmt.Errorf("forecast: ExactPeriod.MaxPeriod = %d, want >= 0 (0 = a third of the history)", c.MaxPeriod)
	}
	if !(c.MinMatch >= 0 && c.MinMatch <= 1) {
		return c, fmt.Errorf("forecast: ExactPeriod.MinMatch = %v, want in (0, 1] (0 = 0.9)", c.MinMatch)
	}
	if c.MinEvents < 0 {
		return c, fmt.Errorf("forecast: ExactPeriod.MinEvents = %d, want >= 0 (0 = 6)", c.MinEvents)
	}
	if c.MaxPeriod == 0 {
		c.MaxPeriod = n / 3
	}
	if c.MinMatch == 0 {
		c.MinMatch = 0.9
	}
	if c.MinEvents == 0 {
		c.MinEvents = 6
	}
	return c, nil
}

// DetectExactPeriod finds the period of a series that repeats itself
// exactly, as the invocations of a timer-triggered function do (a call every
// 5, 15 or 60 minutes, nothing in between). Autocorrelation finds such a
// period only approximately and often prefers a multiple of it; here a
// period P is the smallest lag in [2, MaxPeriod] at which values[t] equals
// values[t−P] on at least MinMatch of the informative intervals: those where
// values[t] or values[t−P] differs from the series' most frequent value
// (without that restriction every lag of a mostly idle series would match).
// A series that repeats at lag 1 just as well (a constant, or a rate that
// never changes) has no period beyond the last value: DetectExactPeriod
// returns 0 for it, and when no lag qualifies.
func DetectExactPeriod(values []float64, cfg ExactPeriod) (int, error) {
	n := len(values)
	cfg, err := cfg.withDefaults(n)
	if err != nil {
		return 0, err
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("forecast: DetectExactPeriod: values[%d] = %v, want a finite value", i, v)
		}
	}
	maxP := min(cfg.MaxPeriod, n-1)
	if maxP < 2 {
		return 0, nil
	}
	mode := modeOf(values)
	match := func(p int) (float64, int) {
		hit, events := 0, 0
		for t := p; t < n; t++ {
			a, b := values[t], values[t-p]
			if a == mode && b == mode {
				continue
			}
			events++
			if a == b {
				hit++
			}
		}
		if events == 0 {
			return 0, 0
		}
		return float64(hit) / float64(events), events
	}
	if m1, ev := match(1); ev < cfg.MinEvents || m1 >= cfg.MinMatch {
		return 0, nil
	}
	for p := 2; p <= maxP; p++ {
		// A period must be seen to repeat: at least two full cycles after
		// the first, so that the match is not a coincidence of one pair.
		if n < 3*p {
			break
		}
		if m, ev := match(p); ev >= cfg.MinEvents && m >= cfg.MinMatch {
			return p, nil
		}
	}
	return 0, nil
}

// modeOf returns the most frequent value of values (the smallest on ties),
// or 0 for an empty slice. It does not allocate for the common case of a
// series dominated by one value: a Boyer-Moore majority vote is checked
// first, and only when no value holds a majority does it count.
func modeOf(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	cand, cnt := values[0], 0
	for _, v := range values {
		switch {
		case cnt == 0:
			cand, cnt = v, 1
		case v == cand:
			cnt++
		default:
			cnt--
		}
	}
	c := 0
	for _, v := range values {
		if v == cand {
			c++
		}
	}
	if 2*c > len(values) {
		return cand
	}
	counts := make(map[float64]int)
	best, bestN := values[0], 0
	for _, v := range values {
		counts[v]++
		if k := counts[v]; k > bestN || (k == bestN && v < best) {
			best, bestN = v, k
		}
	}
	return best
}
