package policy

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/lambdatune/lambdatune"
)

// PowerStrategy is how a Power Tuning sweep picks a memory size.
type PowerStrategy string

// Power Tuning's strategies.
const (
	// PowerCost picks the cheapest memory size, the fastest of equally cheap ones.
	PowerCost PowerStrategy = "cost"
	// PowerSpeed picks the fastest memory size, the cheapest of equally fast ones.
	PowerSpeed PowerStrategy = "speed"
	// PowerBalanced minimises BalancedWeight × cost/maxCost + (1 − BalancedWeight) × duration/maxDuration.
	PowerBalanced PowerStrategy = "balanced"
)

// PowerTuning is a sweep of AWS Lambda Power Tuning (github.com/alexcasalboni/aws-lambda-power-tuning),
// what AWS users run today to choose a function's memory: for each memory size it runs Num test
// invocations one after another, drops the DiscardTopBottom fraction of the slowest and the
// fastest billed durations (the cold start among them), averages the rest, prices the average, and
// picks a size by Strategy. It tunes memory only, once, offline. Start from DefaultPowerTuning.
//
// The analysis follows Power Tuning's executor and analyzer: the trimmed mean of billed durations
// (floor(Num × DiscardTopBottom) dropped at each end), an average price of ceil(mean) ms at the
// memory size and the architecture's first duration tier (no request charge), and ties broken as
// its stable sorts break them: cost ties to the faster, speed ties to the cheaper, and any remaining
// tie to the size listed first.
type PowerTuning struct {
	// PowerValues are the memory sizes to try, in MB.
	PowerValues []int
	// Num is the number of invocations per memory size (Power Tuning requires at least 5).
	Num int
	// DiscardTopBottom is the fraction of durations dropped at each end, in [0, 0.4].
	DiscardTopBottom float64
	// Strategy picks the size.
	Strategy PowerStrategy
	// BalancedWeight is the weight of cost in PowerBalanced, in [0, 1] (1 = cost only).
	BalancedWeight float64
	// Prices price the average duration; nil means lambdatune.DefaultPrices().
	Prices *lambdatune.Prices
	// Architecture is the function's architecture, for the price; empty means x86_64.
	Architecture lambdatune.Architecture
}

// DefaultPowerTuning returns Power Tuning's defaults: powerValues 128, 256, 512, 1024, 1536 and
// 3008 MB, discardTopBottom 0.2, the cost strategy, balancedWeight 0.5, and 20 invocations per size
// (Power Tuning has no default num; its documentation recommends 10 to 100).
func DefaultPowerTuning() PowerTuning {
	return PowerTuning{
		PowerValues:      []int{128, 256, 512, 1024, 1536, 3008},
		Num:              20,
		DiscardTopBottom: 0.2,
		Strategy:         PowerCost,
		BalancedWeight:   0.5,
	}
}

// PowerStats is what a sweep measured at one memory size.
type PowerStats struct {
	// MemoryMB is the memory size.
	MemoryMB int
	// AverageDuration is the trimmed mean billed duration in milliseconds.
	AverageDuration float64
	// AveragePrice is the price of one invocation of AverageDuration (rounded up to 1 ms), in USD.
	AveragePrice float64
	// TotalCost is what the size's test invocations cost, in USD (duration only).
	TotalCost float64
}

// PowerResult is a sweep's outcome.
type PowerResult struct {
	// Best is the memory size the strategy picked.
	Best PowerStats
	// Stats holds every size measured, in PowerValues order.
	Stats []PowerStats
}

// Validate reports an error naming the field when the sweep cannot run.
func (p PowerTuning) Validate() error {
	if len(p.PowerValues) == 0 {
		return fmt.Errorf("policy: PowerTuning.PowerValues is empty, want at least one memory size")
	}
	for i, v := range p.PowerValues {
		if v < lambdatune.MinMemoryMB || v > lambdatune.MaxMemoryMB {
			return fmt.Errorf("policy: PowerTuning.PowerValues[%d] = %d, want an integer in [%d, %d]", i, v, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
		}
	}
	if p.Num < 5 || p.Num > 10_000 {
		return fmt.Errorf("policy: PowerTuning.Num = %d, want an integer in [5, 10000]", p.Num)
	}
	if !(p.DiscardTopBottom >= 0 && p.DiscardTopBottom <= 0.4) {
		return fmt.Errorf("policy: PowerTuning.DiscardTopBottom = %v, want a number in [0, 0.4]", p.DiscardTopBottom)
	}
	switch p.Strategy {
	case PowerCost, PowerSpeed, PowerBalanced:
	default:
		return fmt.Errorf("policy: PowerTuning.Strategy = %q, want %q, %q or %q", p.Strategy, PowerCost, PowerSpeed, PowerBalanced)
	}
	if !(p.BalancedWeight >= 0 && p.BalancedWeight <= 1) {
		return fmt.Errorf("policy: PowerTuning.BalancedWeight = %v, want a number in [0, 1]", p.BalancedWeight)
	}
	return nil
}

// Run sweeps the memory sizes with inv and analyses the results. Like Power Tuning, it fails when
// an invocation fails.
func (p PowerTuning) Run(ctx context.Context, inv lambdatune.Invoker) (PowerResult, error) {
	if err := p.Validate(); err != nil {
		return PowerResult{}, err
	}
	results := make([][]lambdatune.Invocation, len(p.PowerValues))
	for i, mem := range p.PowerValues {
		r, err := inv.Invoke(ctx, mem, p.Num)
		if err != nil {
			return PowerResult{}, fmt.Errorf("policy: Power Tuning at %d MB: %w", mem, err)
		}
		results[i] = r
	}
	return p.Analyze(results)
}

// Analyze turns the invocations measured at each memory size (results[i] at PowerValues[i]) into
// the sweep's result. It is the analysis of Run, for measurements taken elsewhere (on AWS).
func (p PowerTuning) Analyze(results [][]lambdatune.Invocation) (PowerResult, error) {
	if err := p.Validate(); err != nil {
		return PowerResult{}, err
	}
	if len(results) != len(p.PowerValues) {
		return PowerResult{}, fmt.Errorf("policy: Power Tuning: %d result sets for %d memory sizes", len(results), len(p.PowerValues))
	}
	prices := lambdatune.DefaultPrices()
	if p.Prices != nil {
		prices = *p.Prices
	}
	pricer, err := prices.For(p.Architecture)
	if err != nil {
		return PowerResult{}, fmt.Errorf("policy: Power Tuning: %w", err)
	}
	out := PowerResult{Stats: make([]PowerStats, 0, len(results))}
	for i, r := range results {
		mem := p.PowerValues[i]
		st, err := p.stats(mem, r, &pricer)
		if err != nil {
			return PowerResult{}, err
		}
		out.Stats = append(out.Stats, st)
	}
	best, ok := p.pick(out.Stats)
	if !ok {
		return PowerResult{}, fmt.Errorf("policy: Power Tuning: no memory size has a positive average duration")
	}
	out.Best = best
	return out, nil
}

// stats computes one memory size's trimmed mean, average price and total cost.
func (p PowerTuning) stats(mem int, r []lambdatune.Invocation, pricer *lambdatune.Pricer) (PowerStats, error) {
	if len(r) == 0 {
		return PowerStats{}, fmt.Errorf("policy: Power Tuning at %d MB: no invocations", mem)
	}
	billed := make([]int64, len(r))
	st := PowerStats{MemoryMB: mem}
	for j, inv := range r {
		if inv.Error {
			return PowerStats{}, fmt.Errorf("policy: Power Tuning at %d MB: invocation %d failed", mem, j)
		}
		if inv.BilledMs < 0 {
			return PowerStats{}, fmt.Errorf("policy: Power Tuning at %d MB: invocation %d billed %d ms, want >= 0", mem, j, inv.BilledMs)
		}
		billed[j] = inv.BilledMs
		c, err := pricer.Cost(lambdatune.Usage{ComputeMBms: inv.BilledMs * int64(mem)}, 0)
		if err != nil {
			return PowerStats{}, err
		}
		st.TotalCost += c.Duration
	}
	slices.Sort(billed)
	k := int(float64(len(billed)) * p.DiscardTopBottom)
	var sum float64
	for _, b := range billed[k : len(billed)-k] {
		sum += float64(b)
	}
	st.AverageDuration = sum / float64(len(billed)-2*k)
	c, err := pricer.Cost(lambdatune.Usage{ComputeMBms: int64(math.Ceil(st.AverageDuration)) * int64(mem)}, 0)
	if err != nil {
		return PowerStats{}, err
	}
	st.AveragePrice = c.Duration
	return st, nil
}

// pick applies the strategy to the sizes with a positive average duration (Power Tuning drops the
// others), breaking ties as Power Tuning's stable sorts do.
func (p PowerTuning) pick(all []PowerStats) (PowerStats, bool) {
	stats := make([]PowerStats, 0, len(all))
	for _, s := range all {
		if s.AverageDuration > 0 {
			stats = append(stats, s)
		}
	}
	if len(stats) == 0 {
		return PowerStats{}, false
	}
	cmpF := func(a, b float64) int {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	var less func(a, b PowerStats) int
	switch p.Strategy {
	case PowerCost:
		less = func(a, b PowerStats) int {
			if a.AveragePrice == b.AveragePrice {
				return cmpF(a.AverageDuration, b.AverageDuration)
			}
			return cmpF(a.AveragePrice, b.AveragePrice)
		}
	case PowerSpeed:
		less = func(a, b PowerStats) int {
			if a.AverageDuration == b.AverageDuration {
				return cmpF(a.AveragePrice, b.AveragePrice)
			}
			return cmpF(a.AverageDuration, b.AverageDuration)
		}
	default:
		var maxCost, maxDur float64
		for _, s := range stats {
			maxCost, maxDur = max(maxCost, s.AveragePrice), max(maxDur, s.AverageDuration)
		}
		w := p.BalancedWeight
		value := func(s PowerStats) float64 {
			v := (1 - w) * s.AverageDuration / maxDur
			if maxCost > 0 { // every price is 0 only with a zero price table
				v += w * s.AveragePrice / maxCost
			}
			return v
		}
		less = func(a, b PowerStats) int { return cmpF(value(a), value(b)) }
	}
	slices.SortStableFunc(stats, less)
	return stats[0], true
}

// PowerTuned returns the static policy at the memory size a sweep picked: base with MemoryMB set.
// It is what a team that ran Power Tuning once deploys.
func PowerTuned(base lambdatune.Config, r PowerResult) lambdatune.Policy {
	base.MemoryMB = r.Best.MemoryMB
	return lambdatune.Fixed(base)
}
