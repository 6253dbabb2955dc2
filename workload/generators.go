package workload

import (
	"fmt"
	"math"
	"time"
)

// This file holds the building blocks for synthetic loads. Shape generators
// (Constant, Diurnal, Weekly, FlashCrowd, StepChange, Timer) are deterministic;
// the random ones (Spikes, OnOff, RareEvents, Jitter) take a seed. Combine them
// with Sum, Product, Scale and Clip: for example a diurnal web load with a
// weekly dip and a flash crowd is
//
//	Sum(Product(Diurnal(g, {Mean: 100, ...}), Weekly(g, {Mean: 1, ...})), FlashCrowd(g, ...))
//
// (see ExampleSum). A shape meant to be multiplied with another has Mean 1.

func finiteNonNeg(name string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("workload: %s = %v, want a finite value >= 0", name, v)
	}
	return nil
}

func positiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("workload: %s = %v, want > 0", name, d)
	}
	return nil
}

// midHour returns the local hour of day, in [0, 24), of the midpoint of
// interval i, in the location of g.Start.
func midHour(g Grid, i int) float64 {
	t := g.Time(i).Add(g.Step / 2)
	h, m, s := t.Clock()
	return float64(h) + float64(m)/60 + (float64(s)+float64(t.Nanosecond())/1e9)/3600
}

// Constant returns a series with every count equal to level (>= 0).
func Constant(g Grid, level float64) (Series, error) {
	if err := finiteNonNeg("level", level); err != nil {
		return Series{}, err
	}
	return fill(g, func(int) float64 { return level })
}

// DiurnalConfig describes a daily cycle.
type DiurnalConfig struct {
	// Mean is the average count per interval over whole days (>= 0).
	Mean float64
	// Amplitude is the relative swing in [0, 1]: the peak is
	// Mean·(1+Amplitude) and the trough Mean·(1−Amplitude).
	Amplitude float64
	// PeakHour is the local hour of day of the peak, in [0, 24), in the
	// location of the grid's Start.
	PeakHour float64
}

// Diurnal returns a daily cycle: the count of interval i is
// Mean·(1 + Amplitude·cos(2π(h_i − PeakHour)/24)) with h_i the local hour of
// the interval's midpoint. Over any whole number of days the mean is Mean
// (exactly, when Step divides a day), the dominant period is one day
// (24h/Step intervals ± 1, once the series spans two days), the maximum is
// Mean·(1+Amplitude) at PeakHour and the minimum Mean·(1−Amplitude) twelve
// hours away (up to the grid's resolution).
func Diurnal(g Grid, c DiurnalConfig) (Series, error) {
	if err := finiteNonNeg("DiurnalConfig.Mean", c.Mean); err != nil {
		return Series{}, err
	}
	if !(c.Amplitude >= 0 && c.Amplitude <= 1) {
		return Series{}, fmt.Errorf("workload: DiurnalConfig.Amplitude = %v, want a value in [0, 1]", c.Amplitude)
	}
	if !(c.PeakHour >= 0 && c.PeakHour < 24) {
		return Series{}, fmt.Errorf("workload: DiurnalConfig.PeakHour = %v, want a value in [0, 24)", c.PeakHour)
	}
	return fill(g, func(i int) float64 {
		v := c.Mean * (1 + c.Amplitude*math.Cos(2*math.Pi*(midHour(g, i)-c.PeakHour)/24))
		return math.Max(v, 0) // rounding below zero at Amplitude 1
	})
}

// WeeklyConfig describes a weekly cycle of weekday and weekend levels.
type WeeklyConfig struct {
	// Mean is the average count per interval over whole weeks (>= 0).
	Mean float64
	// WeekendFactor is the weekend level relative to the weekday level
	// (>= 0; 1 means no weekly cycle, 0.3 a typical business application).
	WeekendFactor float64
}

// Weekly returns a weekly cycle: every interval whose midpoint falls on a
// Saturday or Sunday (in the location of the grid's Start) has count
// WeekendFactor·L, every other interval L, with L = 7·Mean/(5 + 2·WeekendFactor)
// so that the mean over whole weeks is Mean. With Mean 1 it is a shape to
// multiply with a Diurnal series (Product).
func Weekly(g Grid, c WeeklyConfig) (Series, error) {
	if err := finiteNonNeg("WeeklyConfig.Mean", c.Mean); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("WeeklyConfig.WeekendFactor", c.WeekendFactor); err != nil {
		return Series{}, err
	}
	weekday := 7 * c.Mean / (5 + 2*c.WeekendFactor)
	return fill(g, func(i int) float64 {
		switch g.Time(i).Add(g.Step / 2).Weekday() {
		case time.Saturday, time.Sunday:
			return c.WeekendFactor * weekday
		}
		return weekday
	})
}

// FlashCrowdConfig describes one flash crowd: a sudden surge that decays.
type FlashCrowdConfig struct {
	At     time.Time     // when the surge begins
	Peak   float64       // extra count per interval at the top of the surge (>= 0)
	Rise   time.Duration // time from At to the peak, linear (>= 0; 0 = instant)
	Decay  time.Duration // time constant of the exponential decay after the peak (> 0)
	Cutoff float64       // the tail is cut to 0 once it falls below Cutoff·Peak; 0 means 1e-3
}

// FlashCrowd returns the extra load of one flash crowd (0 outside it; add it
// to a base load with Sum). Evaluated at interval midpoints t, the count is
// Peak·(t−At)/Rise during the rise and Peak·exp(−(t−At−Rise)/Decay) after it
// (until it falls below Cutoff·Peak). Its total is about
// Peak·(Rise/2 + Decay)/Step, its maximum is Peak (at the interval containing
// At+Rise, up to the grid's resolution).
func FlashCrowd(g Grid, c FlashCrowdConfig) (Series, error) {
	if err := finiteNonNeg("FlashCrowdConfig.Peak", c.Peak); err != nil {
		return Series{}, err
	}
	if c.Rise < 0 {
		return Series{}, fmt.Errorf("workload: FlashCrowdConfig.Rise = %v, want >= 0", c.Rise)
	}
	if err := positiveDuration("FlashCrowdConfig.Decay", c.Decay); err != nil {
		return Series{}, err
	}
	if !(c.Cutoff >= 0 && c.Cutoff < 1) {
		return Series{}, fmt.Errorf("workload: FlashCrowdConfig.Cutoff = %v, want a value in [0, 1)", c.Cutoff)
	}
	cutoff := c.Cutoff
	if cutoff == 0 {
		cutoff = 1e-3
	}
	return fill(g, func(i int) float64 {
		t := g.Time(i).Add(g.Step / 2).Sub(c.At)
		switch {
		case t < 0:
			return 0
		case t < c.Rise:
			return c.Peak * float64(t) / float64(c.Rise)
		}
		v := c.Peak * math.Exp(-float64(t-c.Rise)/float64(c.Decay))
		if v < cutoff*c.Peak {
			return 0
		}
		return v
	})
}

// StepChange returns Before for every interval that starts before At and After
// for the others: a deployment, a migration, a new client.
func StepChange(g Grid, before, after float64, at time.Time) (Series, error) {
	if err := finiteNonNeg("before", before); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("after", after); err != nil {
		return Series{}, err
	}
	return fill(g, func(i int) float64 {
		if g.Time(i).Before(at) {
			return before
		}
		return after
	})
}

// TimerConfig describes a timer trigger (a cron job): Count invocations at
// every tick Phase + k·Every after the grid's Start, k = 0, 1, ...
type TimerConfig struct {
	Every time.Duration // tick period (> 0)
	Phase time.Duration // offset of the first tick from the grid's Start, in [0, Every)
	Count float64       // invocations per tick (>= 0)
}

// Timer returns the per-interval counts of a timer trigger: each tick adds
// Count to the interval containing it. The total is Count times the number of
// ticks inside the grid; when Every is a multiple k·Step the series is
// periodic with period k intervals and, for k > 1, a share 1−1/k of the
// intervals is empty. ExactCountArrivals spreads each interval's ticks
// uniformly; use TimestampArrivals for exact tick instants.
func Timer(g Grid, c TimerConfig) (Series, error) {
	if err := positiveDuration("TimerConfig.Every", c.Every); err != nil {
		return Series{}, err
	}
	if c.Phase < 0 || c.Phase >= c.Every {
		return Series{}, fmt.Errorf("workload: TimerConfig.Phase = %v, want a value in [0, %v)", c.Phase, c.Every)
	}
	if err := finiteNonNeg("TimerConfig.Count", c.Count); err != nil {
		return Series{}, err
	}
	if err := g.Validate(); err != nil {
		return Series{}, err
	}
	// ticksBefore(t) = number of ticks in [0, t), for t >= 0.
	ticksBefore := func(t time.Duration) int64 {
		if t <= c.Phase {
			return 0
		}
		return int64((t-c.Phase-1)/c.Every) + 1
	}
	return fill(g, func(i int) float64 {
		a := time.Duration(i) * g.Step
		return float64(ticksBefore(a+g.Step)-ticksBefore(a)) * c.Count
	})
}

// SpikesConfig describes random spikes: short rectangular surges.
type SpikesConfig struct {
	// MeanGap is the mean time between spike starts (> 0); starts form a
	// Bernoulli process with probability Step/MeanGap per interval (so
	// MeanGap must be at least Step).
	MeanGap time.Duration
	// Height is the extra count per interval during a spike (>= 0).
	Height float64
	// Width is the spike length in intervals (>= 1). Overlapping spikes add.
	Width int
}

// Spikes returns random spikes (0 elsewhere; add them to a base load with Sum).
// A spike starts in each interval independently with probability
// p = Step/MeanGap and adds Height to that interval and the Width−1 after it.
// The expected mean is p·Width·Height (less near the start of the grid, where
// earlier spikes would have overlapped) and the expected share of intervals
// with no spike is (1−p)^Width.
func Spikes(g Grid, c SpikesConfig, seed uint64) (Series, error) {
	if err := g.Validate(); err != nil {
		return Series{}, err
	}
	if c.MeanGap < g.Step {
		return Series{}, fmt.Errorf("workload: SpikesConfig.MeanGap = %v, want >= Step (%v)", c.MeanGap, g.Step)
	}
	if err := finiteNonNeg("SpikesConfig.Height", c.Height); err != nil {
		return Series{}, err
	}
	if c.Width < 1 {
		return Series{}, fmt.Errorf("workload: SpikesConfig.Width = %d, want >= 1", c.Width)
	}
	rng := newRand(seed)
	p := float64(g.Step) / float64(c.MeanGap)
	counts := make([]float64, g.Len)
	for i := range counts {
		if rng.Float64() < p {
			for j := i; j < min(i+c.Width, g.Len); j++ {
				counts[j] += c.Height
			}
		}
	}
	return generated(g, counts)
}

// OnOffConfig describes on/off traffic: an alternating process whose on and
// off periods have exponentially distributed lengths (a two-state Markov
// chain in continuous time), with a constant rate while on.
type OnOffConfig struct {
	MeanOn  time.Duration // mean length of an on period (> 0)
	MeanOff time.Duration // mean length of an off period (> 0)
	Level   float64       // count per interval while on for the whole interval (>= 0)
}

// OnOff returns on/off traffic: interval i's count is Level times the fraction
// of the interval that is on. The process starts in its stationary
// distribution (on with probability MeanOn/(MeanOn+MeanOff)). The expected
// mean is Level·MeanOn/(MeanOn+MeanOff); with periods much longer than Step
// the share of empty intervals approaches MeanOff/(MeanOn+MeanOff), which is
// how sparse, rare-event functions look in the Azure traces.
func OnOff(g Grid, c OnOffConfig, seed uint64) (Series, error) {
	if err := g.Validate(); err != nil {
		return Series{}, err
	}
	if err := positiveDuration("OnOffConfig.MeanOn", c.MeanOn); err != nil {
		return Series{}, err
	}
	if err := positiveDuration("OnOffConfig.MeanOff", c.MeanOff); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("OnOffConfig.Level", c.Level); err != nil {
		return Series{}, err
	}
	rng := newRand(seed)
	on := rng.Float64() < float64(c.MeanOn)/float64(c.MeanOn+c.MeanOff)
	mean := func(on bool) float64 {
		if on {
			return float64(c.MeanOn)
		}
		return float64(c.MeanOff)
	}
	counts := make([]float64, g.Len)
	step := float64(g.Step)
	end := step * float64(g.Len)
	for t := 0.0; t < end; {
		next := math.Min(t+rng.ExpFloat64()*mean(on), end)
		if on && c.Level > 0 {
			// Spread [t, next) over the intervals it covers.
			for a := t; a < next; {
				i := int(a / step)
				b := math.Min(next, float64(i+1)*step)
				if i >= g.Len {
					break
				}
				counts[i] += c.Level * (b - a) / step
				a = b
			}
		}
		t, on = next, !on
	}
	return generated(g, counts)
}

// RareEventsConfig describes rare events: isolated batches of invocations.
type RareEventsConfig struct {
	MeanGap time.Duration // mean time between events (> 0); events form a Poisson process
	Count   float64       // invocations per event (>= 0)
}

// RareEvents returns a Poisson process of events, each adding Count to the
// interval it falls in. With λ = Step/MeanGap events per interval, the
// expected mean is Count·λ and the expected share of empty intervals e^{−λ}.
func RareEvents(g Grid, c RareEventsConfig, seed uint64) (Series, error) {
	if err := g.Validate(); err != nil {
		return Series{}, err
	}
	if err := positiveDuration("RareEventsConfig.MeanGap", c.MeanGap); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("RareEventsConfig.Count", c.Count); err != nil {
		return Series{}, err
	}
	rng := newRand(seed)
	counts := make([]float64, g.Len)
	end := float64(g.Step) * float64(g.Len)
	gap := float64(c.MeanGap)
	for t := rng.ExpFloat64() * gap; t < end; t += rng.ExpFloat64() * gap {
		// t < end, but t/Step can round up to Len when Step·Len is not
		// exact in float64: such a t is in the last interval.
		counts[min(int(t/float64(g.Step)), g.Len-1)] += c.Count
	}
	return generated(g, counts)
}

// Jitter multiplies each count by an independent log-normal factor with mean 1
// and coefficient of variation cv (>= 0): exp(σZ − σ²/2), σ² = ln(1+cv²).
// The expected mean is unchanged; it adds multiplicative noise to a
// deterministic shape.
func Jitter(s Series, cv float64, seed uint64) (Series, error) {
	if err := s.Validate(); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("cv", cv); err != nil {
		return Series{}, err
	}
	sigma := math.Sqrt(math.Log1p(cv * cv))
	rng := newRand(seed)
	out := s.Clone()
	for i := range out.Counts {
		out.Counts[i] *= math.Exp(sigma*rng.NormFloat64() - sigma*sigma/2)
	}
	return out, nil
}

// sameGrid checks that all series share Start, Step and Len.
func sameGrid(op string, series []Series) error {
	if len(series) == 0 {
		return fmt.Errorf("workload: %s of no series, want at least one", op)
	}
	a := series[0]
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%s: series 0: %w", op, err)
	}
	for k, b := range series[1:] {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("%s: series %d: %w", op, k+1, err)
		}
		if !a.Start.Equal(b.Start) || a.Step != b.Step || a.Len() != b.Len() {
			return fmt.Errorf("workload: %s: series %d is on grid (%v, %v, %d), want series 0's (%v, %v, %d)",
				op, k+1, b.Start, b.Step, b.Len(), a.Start, a.Step, a.Len())
		}
	}
	return nil
}

// Sum returns the interval-wise sum of series on the same grid (Start, Step
// and Len); a mismatch is an error.
func Sum(series ...Series) (Series, error) {
	if err := sameGrid("Sum", series); err != nil {
		return Series{}, err
	}
	out := series[0].Clone()
	for _, s := range series[1:] {
		for i, c := range s.Counts {
			out.Counts[i] += c
		}
	}
	return out, out.Validate() // catches an overflow to +Inf
}

// Product returns the interval-wise product of series on the same grid; use a
// Mean-1 shape to modulate a load. A mismatch is an error.
func Product(series ...Series) (Series, error) {
	if err := sameGrid("Product", series); err != nil {
		return Series{}, err
	}
	out := series[0].Clone()
	for _, s := range series[1:] {
		for i, c := range s.Counts {
			out.Counts[i] *= c
		}
	}
	return out, out.Validate()
}

// Scale returns s with every count multiplied by k (finite, >= 0).
func (s Series) Scale(k float64) (Series, error) {
	if err := s.Validate(); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("k", k); err != nil {
		return Series{}, err
	}
	out := s.Clone()
	for i := range out.Counts {
		out.Counts[i] *= k
	}
	return out, out.Validate()
}

// Clip returns s with every count limited to [lo, hi] (0 <= lo <= hi; hi may
// be +Inf): a concurrency or rate cap, or a floor.
func (s Series) Clip(lo, hi float64) (Series, error) {
	if err := s.Validate(); err != nil {
		return Series{}, err
	}
	if err := finiteNonNeg("lo", lo); err != nil {
		return Series{}, err
	}
	if !(hi >= lo) {
		return Series{}, fmt.Errorf("workload: hi = %v, want >= lo (%v)", hi, lo)
	}
	out := s.Clone()
	for i, c := range out.Counts {
		out.Counts[i] = math.Min(math.Max(c, lo), hi)
	}
	return out, nil
}
