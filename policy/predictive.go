package policy

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// Predictive provisions concurrency from the load forecast, ahead of need: the "ML-only" strategy.
//
// For each forecast interval (the Tuner's Horizon, which should cover the platform's allocation
// delay: provisioned concurrency asked for now serves one to two minutes later on AWS) the load
// a = λ × E[D] erlangs follows from the forecast rate λ and the mean duration E[D] at the memory in
// force (Little's law). With provisioned environments serving first and the rest spilling to on
// demand, the number of busy environments an arrival finds is Poisson(a) (the M/G/∞ occupancy,
// insensitive to the duration's distribution; arrivals see time averages), so P provisioned
// environments leave a request without one with probability P(N ≥ P). The policy provisions the
// smallest P with P(N ≥ P) ≤ ColdStartTarget (ProvisionFor). Given a QuantileForecaster, it sizes
// from the forecast's Quantile instead of the point forecast, covering forecast error as well.
// Before the first forecast (the forecaster's warm-up) it sizes for the last interval's load.
//
// Two facts of Lambda's economics refine the count (both can be turned off):
//
//   - The warm pool (KeepAlive): on-demand environments stay warm for about 10 minutes after their
//     last use, so a request that finds every provisioned environment busy is cold only when the
//     on-demand environments are busy too. The environments the on-demand pool will still hold
//     when an interval is served — the largest on-demand concurrency (MaxConcurrency less the
//     provisioned environments) of the intervals that ended within KeepAlive of that interval's
//     end — are subtracted from its count. Provisioned concurrency then goes where load climbs
//     past what the pool holds.
//
//   - Billing in increments (BillingIncrement): each enablement is billed up to the next 5 minutes,
//     so releasing an environment before that saves nothing. Environments are released newest
//     first (as the simulator's meter and AWS bill them) and only once releasing them now costs
//     less than keeping them to the next decision.
//
//   - The break-even utilization: a provisioned environment costs capacity whether busy or not, but
//     its invocations are billed at the lower provisioned duration rate, so one busy more than
//     capacity / (on-demand rate − provisioned rate) of the time (about 60 % at list prices) is
//     cheaper than on demand. With provisioned environments serving first, the k-th is busy
//     while at least k invocations run, a fraction P(N ≥ k) of the time, so every k with
//     P(N ≥ k) at or above the break-even is provisioned to save money, whatever the cold starts
//     (Prices; set NoBaseLoad to skip).
//
// The result is the largest count over the horizon, at most MaxProvisioned.
//
// Memory is set once (MemoryMB, from a Power Tuning sweep). The timeout follows the observed
// duration tail: it is raised to TimeoutMargin × the longest duration seen when that exceeds it,
// never lowered (every configuration change sends requests to new, cold environments). Reserved
// concurrency is set only when ReservedCap asks for a cap. E[D] is the invocation-weighted mean
// duration of the last hour at the memory in force, MeanDuration until the history has one.
type Predictive struct {
	// ColdStartTarget is the largest acceptable probability that a request finds every provisioned
	// environment busy, in (0, 1).
	ColdStartTarget float64
	// MemoryMB is the memory size to run at; 0 keeps the current one.
	MemoryMB int
	// MeanDuration is the function's mean duration at MemoryMB (for example the sweep's average),
	// used until the history holds invocations at that size; 0 means none: nothing is provisioned
	// until then.
	MeanDuration time.Duration
	// TimeoutMargin is the factor over the longest observed duration the timeout must keep (≥ 1).
	TimeoutMargin float64
	// MaxProvisioned caps the provisioned concurrency.
	MaxProvisioned int
	// ReservedCap, when > 0, sets reserved concurrency to it (a cap the user asked for); 0 leaves
	// reserved concurrency as it is.
	ReservedCap int
	// Quantile, when set, sizes from the q-quantile of the forecast load (q = QuantileLevel) rather
	// than the Tuner's point forecast.
	Quantile lambdatune.QuantileForecaster
	// QuantileLevel is q, in (0, 1).
	QuantileLevel float64
	// KeepAlive is how long an idle on-demand environment stays warm (10 minutes measured on AWS,
	// lambdasim.DefaultKeepAlive); 0 ignores the warm pool.
	KeepAlive time.Duration
	// BillingIncrement is provisioned concurrency's billing increment (5 minutes on AWS,
	// lambdasim.ProvisionedBillingIncrement); 0 releases environments as soon as they are not needed.
	BillingIncrement time.Duration
	// Prices give the break-even utilization of the base load; nil means lambdatune.DefaultPrices().
	Prices *lambdatune.Prices
	// NoBaseLoad skips provisioning the base load that is cheaper provisioned than on demand.
	NoBaseLoad bool
}

// DefaultPredictive returns the predictive strategy with a 0.1 % cold-start target (the warm pool
// alone leaves a few hundredths of a percent of requests cold on steady load, so a looser target
// rarely provisions anything), a timeout margin of 2, at most 100 provisioned environments,
// a 10-minute keep-alive and AWS's 5-minute billing increment; set MemoryMB and MeanDuration from
// a sweep.
func DefaultPredictive() Predictive {
	return Predictive{ColdStartTarget: 0.001, TimeoutMargin: 2, MaxProvisioned: 100, QuantileLevel: 0.9,
		KeepAlive: 10 * time.Minute, BillingIncrement: 5 * time.Minute}
}

// Validate reports an error naming the field when the policy cannot run.
func (p Predictive) Validate() error {
	switch {
	case !(p.ColdStartTarget > 0 && p.ColdStartTarget < 1):
		return fmt.Errorf("policy: Predictive.ColdStartTarget = %v, want a probability in (0, 1)", p.ColdStartTarget)
	case p.MemoryMB != 0 && (p.MemoryMB < lambdatune.MinMemoryMB || p.MemoryMB > lambdatune.MaxMemoryMB):
		return fmt.Errorf("policy: Predictive.MemoryMB = %d, want 0 or an integer in [%d, %d]", p.MemoryMB, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
	case p.MeanDuration < 0 || p.MeanDuration > lambdatune.MaxTimeout:
		return fmt.Errorf("policy: Predictive.MeanDuration = %v, want a duration in [0, %v]", p.MeanDuration, lambdatune.MaxTimeout)
	case !(p.TimeoutMargin >= 1 && p.TimeoutMargin <= 100):
		return fmt.Errorf("policy: Predictive.TimeoutMargin = %v, want a number in [1, 100]", p.TimeoutMargin)
	case p.MaxProvisioned < 0 || p.MaxProvisioned > lambdatune.DefaultAccountConcurrency*1000:
		return fmt.Errorf("policy: Predictive.MaxProvisioned = %d, want an integer in [0, %d]", p.MaxProvisioned, lambdatune.DefaultAccountConcurrency*1000)
	case p.ReservedCap < 0:
		return fmt.Errorf("policy: Predictive.ReservedCap = %d, want >= 0 (0 means no cap)", p.ReservedCap)
	case p.Quantile != nil && !(p.QuantileLevel > 0 && p.QuantileLevel < 1):
		return fmt.Errorf("policy: Predictive.QuantileLevel = %v, want a probability in (0, 1)", p.QuantileLevel)
	case p.KeepAlive < 0 || p.KeepAlive > 24*time.Hour:
		return fmt.Errorf("policy: Predictive.KeepAlive = %v, want a duration in [0, 24h]", p.KeepAlive)
	case p.BillingIncrement < 0 || p.BillingIncrement > 24*time.Hour:
		return fmt.Errorf("policy: Predictive.BillingIncrement = %v, want a duration in [0, 24h]", p.BillingIncrement)
	}
	return nil
}

// NewPredictive returns the policy. It keeps buffers for the quantile forecast, so one policy
// serves one tuner.
func NewPredictive(p Predictive) (lambdatune.Policy, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	prices := lambdatune.DefaultPrices()
	if p.Prices != nil {
		prices = *p.Prices
	}
	return &predictive{Predictive: p, prices: prices}, nil
}

type predictive struct {
	Predictive
	prices   lambdatune.Prices
	lastLoad [1]float64
	counts   []float64
	times    []time.Time
	units    []time.Time // when each provisioned environment asked for was enabled, oldest first
}

// Decide sizes provisioned concurrency for the forecast and keeps the timeout above the tail.
func (p *predictive) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	c := obs.Current
	if p.MemoryMB != 0 {
		c.MemoryMB = p.MemoryMB
	}
	need, peak, mean, err := p.provision(obs, &c, p.ColdStartTarget)
	if err != nil {
		return lambdatune.Decision{}, err
	}
	reason := "predictive: no duration measured yet"
	if mean > 0 {
		reason = fmt.Sprintf("predictive: peak forecast %.1f/interval × %v: %d needed, %d provisioned", peak, mean.Round(time.Millisecond), need, c.Provisioned)
	}
	return lambdatune.Decision{Config: c, Reason: reason}, nil
}

// provision sets c's timeout, reserved cap and provisioned concurrency for cold-start target eps
// (0: none for cold starts, and no base load) at c's memory size. It returns the count needed, the
// peak load sized for and the mean duration used (0 before any was measured).
func (p *predictive) provision(obs lambdatune.Observation, c *lambdatune.Config, eps float64) (need int, peak float64, mean time.Duration, err error) {
	if p.ReservedCap > 0 {
		c.Reserved = lambdatune.Reserve(p.ReservedCap)
	}
	c.Timeout = p.timeout(*c, obs.History)
	load, err := p.load(obs)
	if err != nil {
		return 0, 0, 0, err
	}
	mean = p.meanDuration(c.MemoryMB, obs.History)
	if mean <= 0 || len(obs.History) == 0 {
		c.Provisioned = p.hold(obs, *c, 0, time.Minute)
		return 0, 0, 0, nil
	}
	last := &obs.History[len(obs.History)-1]
	if load == nil { // no forecast yet (the forecaster's warm-up): size for the last interval's load
		p.lastLoad[0] = float64(last.Invocations + last.Throttles)
		load = p.lastLoad[:]
	}
	period := last.Period
	breakEven, err := p.breakEven(c.Arch())
	if err != nil {
		return 0, 0, 0, err
	}
	for k, n := range load {
		peak = max(peak, n)
		if eps <= 0 {
			break
		}
		a := max(n, 0) / period.Seconds() * mean.Seconds()
		warm := p.warmPool(obs.History, obs.Time.Add(time.Duration(k+1)*period))
		need = max(need, ProvisionFor(a, eps)-warm)
		if breakEven < 1 {
			need = max(need, ProvisionFor(a, breakEven)-1)
		}
	}
	need = min(need, p.MaxProvisioned)
	if c.Reserved.Set {
		need = min(need, c.Reserved.N)
	}
	c.Provisioned = p.hold(obs, *c, need, period)
	return need, peak, mean, nil
}

// breakEven returns the utilization above which a provisioned environment costs less than on-demand
// duration (capacity / (on-demand − provisioned duration rate)), or 1 when the base load is skipped
// or never pays.
func (p *predictive) breakEven(arch lambdatune.Architecture) (float64, error) {
	if p.NoBaseLoad {
		return 1, nil
	}
	ap, ok := p.prices.Arch[arch]
	if !ok || len(ap.Duration) == 0 {
		return 0, fmt.Errorf("policy: predictive: no prices for architecture %q", arch)
	}
	saving := ap.Duration[0].Rate - ap.ProvisionedDuration
	if saving <= 0 || ap.ProvisionedCapacity >= saving {
		return 1, nil
	}
	return float64(ap.ProvisionedCapacity) / float64(saving), nil
}

// warmPool returns how many on-demand environments will still be warm at the end of an interval
// ending at end: the largest on-demand concurrency of the intervals that ended within KeepAlive
// before it.
func (p *predictive) warmPool(h []lambdatune.Metrics, end time.Time) int {
	if p.KeepAlive == 0 {
		return 0
	}
	warm := 0
	for i := len(h) - 1; i >= 0; i-- {
		m := &h[i]
		if m.Start.Add(m.Period).Add(p.KeepAlive).Before(end) {
			break
		}
		warm = max(warm, m.MaxConcurrency-m.Config.Provisioned)
	}
	return warm
}

// hold turns the count needed into the count to ask for, keeping environments whose billing
// increment is already paid past the next decision, and tracks when each was enabled.
func (p *predictive) hold(obs lambdatune.Observation, c lambdatune.Config, need int, period time.Duration) int {
	now := obs.Time
	if len(p.units) != obs.Current.Provisioned || c.MemoryMB != obs.Current.MemoryMB {
		// First decision, someone else changed it, or a new version (every environment re-enabled).
		old := now
		if c.MemoryMB == obs.Current.MemoryMB {
			old = now.Add(-24 * time.Hour) // enabled long ago: releasable at once
		}
		p.units = p.units[:0]
		for range obs.Current.Provisioned {
			p.units = append(p.units, old)
		}
	}
	cur := len(p.units)
	switch {
	case need > cur:
		for range need - cur {
			p.units = append(p.units, now)
		}
	case need < cur && p.BillingIncrement > 0:
		keep := cur
		for keep > need && !p.freeToKeep(now.Sub(p.units[keep-1]), period) { // newest first
			keep--
		}
		p.units = p.units[:keep]
	case need < cur:
		p.units = p.units[:need]
	}
	return len(p.units)
}

// freeToKeep reports whether an enablement of age held is billed the same whether it is released
// now or one interval later.
func (p *predictive) freeToKeep(held, period time.Duration) bool {
	if held <= 0 {
		return true // just enabled: its first increment is billed anyway
	}
	inc := p.BillingIncrement
	return (held+period+inc-1)/inc == (held+inc-1)/inc
}

// load returns the loads to size for: the quantile forecast when configured, else the Tuner's.
func (p *predictive) load(obs lambdatune.Observation) ([]float64, error) {
	if p.Quantile == nil || obs.Forecast == nil {
		return obs.Forecast, nil
	}
	p.counts, p.times = p.counts[:0], p.times[:0]
	for i := range obs.History {
		m := &obs.History[i]
		p.counts = append(p.counts, float64(m.Invocations+m.Throttles))
		p.times = append(p.times, m.Start)
	}
	q, err := p.Quantile.PredictQuantile(p.counts, p.times, len(obs.Forecast), p.QuantileLevel)
	if err != nil {
		return nil, fmt.Errorf("policy: predictive: quantile forecast: %w", err)
	}
	for i, v := range q {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("policy: predictive: quantile forecast value %d is %v, want a finite number", i, v)
		}
	}
	return q, nil
}

// meanDuration is the invocation-weighted mean duration of the last hour at memory mem; without
// invocations at mem, MeanDuration, and without that the last hour's mean at any memory size (a
// memory size just changed to: the duration before the change is the best guess there is).
func (p *predictive) meanDuration(mem int, h []lambdatune.Metrics) time.Duration {
	var n, sum, nAll, sumAll float64
	var span time.Duration
	for i := len(h) - 1; i >= 0 && span < time.Hour; i-- {
		m := &h[i]
		span += m.Period
		if m.Invocations == 0 {
			continue
		}
		w := float64(m.Invocations)
		nAll += w
		sumAll += w * m.Duration.Mean
		if m.Config.MemoryMB == mem {
			n += w
			sum += w * m.Duration.Mean
		}
	}
	switch {
	case n > 0:
		return time.Duration(sum / n * float64(time.Millisecond))
	case p.MeanDuration > 0 || nAll == 0:
		return p.MeanDuration
	}
	return time.Duration(sumAll / nAll * float64(time.Millisecond))
}

// timeout raises c's timeout to TimeoutMargin × the longest duration seen at c's memory, in whole
// seconds within Lambda's limit; it never lowers it.
func (p *predictive) timeout(c lambdatune.Config, h []lambdatune.Metrics) time.Duration {
	var longest float64
	for i := range h {
		if h[i].Config.MemoryMB == c.MemoryMB {
			longest = max(longest, h[i].Duration.Max)
		}
	}
	need := time.Duration(math.Ceil(longest*p.TimeoutMargin/1000)) * time.Second
	return max(c.Timeout, min(need, lambdatune.MaxTimeout))
}

// ProvisionFor returns the smallest number of provisioned environments P such that a Poisson(a)
// number of busy environments reaches P with probability at most eps: the provisioned concurrency
// that leaves a request without a provisioned environment with probability ≤ eps under a load of
// a erlangs. It returns 0 for a ≤ 0 (or NaN) or eps ≥ 1 (no environment is needed), and
// math.MaxInt32 for what no count can meet or float64 cannot resolve: eps ≤ 0 (or NaN), a tail
// probability below about 1e-300, or a load above 1e9 erlangs. It allocates nothing and costs
// O(√a) operations for the usual targets.
func ProvisionFor(a, eps float64) int {
	switch {
	case !(a > 0) || eps >= 1:
		return 0
	case !(eps > 0) || a > 1e9:
		return math.MaxInt32
	}
	// Start well above the mode, where the tail P(N ≥ P) = Σ_{j≥P} π_j is a fast-converging sum,
	// then walk down (tail(P−1) = tail(P) + π_{P−1}, π_{P−1} = π_P·P/a) or up.
	P := int(a+4*math.Sqrt(a)) + 2
	lg, _ := math.Lgamma(float64(P) + 1)
	pi := math.Exp(float64(P)*math.Log(a) - a - lg) // π_P
	tail := upperTail(P, pi, a)
	for P > 1 {
		prev := pi * float64(P) / a // π_{P−1}
		if tail+prev > eps {
			break
		}
		tail += prev
		pi = prev
		P--
	}
	for tail > eps { // only when the start was too low for a tiny eps
		if pi < 1e-300 { // past what float64 resolves: eps is too small to meet
			return math.MaxInt32
		}
		pi *= a / float64(P+1)
		P++
		tail = upperTail(P, pi, a) // summed afresh: subtracting from the tail would lose its digits
	}
	return P
}

// upperTail returns Σ_{j≥P} π_j of a Poisson(a) distribution given π_P, summing until the terms
// no longer change the sum (they fall geometrically once j > a).
func upperTail(P int, pi, a float64) float64 {
	tail, term := 0.0, pi
	for j := P; term > 1e-18*tail || tail == 0; j++ {
		tail += term
		term *= a / float64(j+1)
		if term == 0 {
			break
		}
	}
	return tail
}
