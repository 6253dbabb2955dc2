package policy

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mathext"

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
// smallest P with P(N ≥ P) ≤ ColdStartTarget, the largest over the horizon, at most MaxProvisioned.
// (A spilled request is not always cold — an on-demand environment may still be warm — so the
// target bounds the cold-start probability from above.) Given a QuantileForecaster, it sizes from
// the forecast's Quantile instead of the point forecast, covering forecast error as well.
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
}

// DefaultPredictive returns the predictive strategy with a 5 % cold-start target, a timeout margin
// of 2 and at most 100 provisioned environments; set MemoryMB and MeanDuration from a sweep.
func DefaultPredictive() Predictive {
	return Predictive{ColdStartTarget: 0.05, TimeoutMargin: 2, MaxProvisioned: 100, QuantileLevel: 0.9}
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
	}
	return nil
}

// NewPredictive returns the policy. It keeps buffers for the quantile forecast, so one policy
// serves one tuner.
func NewPredictive(p Predictive) (lambdatune.Policy, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &predictive{Predictive: p}, nil
}

type predictive struct {
	Predictive
	counts []float64
	times  []time.Time
}

// Decide sizes provisioned concurrency for the forecast and keeps the timeout above the tail.
func (p *predictive) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	c := obs.Current
	if p.MemoryMB != 0 {
		c.MemoryMB = p.MemoryMB
	}
	if p.ReservedCap > 0 {
		c.Reserved = lambdatune.Reserve(p.ReservedCap)
	}
	c.Timeout = p.timeout(c, obs.History)
	load, err := p.load(obs)
	if err != nil {
		return lambdatune.Decision{}, err
	}
	mean := p.meanDuration(c.MemoryMB, obs.History)
	if load == nil || mean <= 0 || len(obs.History) == 0 {
		return lambdatune.Decision{Config: c, Reason: "predictive: no forecast or duration yet"}, nil
	}
	period := obs.History[len(obs.History)-1].Period
	need := 0
	for _, n := range load {
		a := max(n, 0) / period.Seconds() * mean.Seconds()
		need = max(need, ProvisionFor(a, p.ColdStartTarget))
	}
	c.Provisioned = min(need, p.MaxProvisioned)
	if c.Reserved.Set {
		c.Provisioned = min(c.Provisioned, c.Reserved.N)
	}
	return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("predictive: peak forecast %.1f/interval × %v: %d provisioned", maxOf(load), mean.Round(time.Millisecond), c.Provisioned)}, nil
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

// meanDuration is the invocation-weighted mean duration of the last hour at memory mem, or
// MeanDuration when the history has none.
func (p *predictive) meanDuration(mem int, h []lambdatune.Metrics) time.Duration {
	var n, sum float64
	var span time.Duration
	for i := len(h) - 1; i >= 0 && span < time.Hour; i-- {
		m := &h[i]
		span += m.Period
		if m.Config.MemoryMB == mem && m.Invocations > 0 {
			n += float64(m.Invocations)
			sum += float64(m.Invocations) * m.Duration.Mean
		}
	}
	if n == 0 {
		return p.MeanDuration
	}
	return time.Duration(sum / n * float64(time.Millisecond))
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
// a erlangs. It returns 0 for a ≤ 0 and math.MaxInt32 for a load it cannot size (not finite).
func ProvisionFor(a, eps float64) int {
	switch {
	case !(a > 0):
		return 0
	case math.IsInf(a, 1) || a > 1e9:
		return math.MaxInt32
	}
	// P(N ≥ P) = 1 − F(P−1) and F(k) = Q(k+1, a), the regularized upper incomplete gamma function.
	tail := func(P int) float64 { return 1 - mathext.GammaIncRegComp(float64(P), a) }
	P := max(1, int(a+4*math.Sqrt(a))) // well above the mode; walk down, then up
	for P > 1 && tail(P-1) <= eps {
		P--
	}
	for tail(P) > eps {
		P++
	}
	return P
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
