package lambdatune

import (
	"fmt"
	"math"
)

// Objective is the one definition of "better" that lambdatune's reports, its tests and its
// reinforcement-learning reward share. A tuner is judged by two numbers: what AWS bills (requests,
// duration, provisioned capacity, INIT) and how many requests missed the function's latency SLO.
//
// A request violates the SLO when it is throttled (Metrics.Throttles), fails (Metrics.Errors,
// timeouts included) or runs without error but takes longer than the SLO (Metrics.SLOMisses); each
// is counted once. Requests are Invocations + Throttles. For an asynchronous function CloudWatch
// counts every throttled or failed attempt, and so does the Objective (a dropped event has been
// counted in those already).
//
// The two numbers are made scale-free — cost in USD per million requests, violations in percent of
// requests — so a function at 0.1 request/s and one at 1,000 requests/s are judged alike, and
// weighed into one loss (lower is better):
//
//	Loss = CostWeight × USD per million requests + SLOWeight × violations in % of requests
//
// Start from DefaultObjective; the zero value is not valid.
type Objective struct {
	// CostWeight weighs cost, per USD per million requests.
	CostWeight float64
	// SLOWeight weighs SLO violations, per percentage point of requests.
	SLOWeight float64
}

// DefaultObjective weighs one percentage point of requests violating the SLO as much as $10 per
// million requests, about 2.5 times the whole bill of a 512 MB function that runs 450 ms: a missed
// request costs the business far more than serving one.
func DefaultObjective() Objective { return Objective{CostWeight: 1, SLOWeight: 10} }

// Validate reports an error naming the field when a weight is negative or not finite, or when both
// are 0.
func (o Objective) Validate() error {
	for _, w := range []struct {
		name string
		v    float64
	}{{"CostWeight", o.CostWeight}, {"SLOWeight", o.SLOWeight}} {
		if w.v < 0 || math.IsNaN(w.v) || math.IsInf(w.v, 0) {
			return fmt.Errorf("lambdatune: Objective.%s = %v, want a finite number >= 0", w.name, w.v)
		}
	}
	if o.CostWeight == 0 && o.SLOWeight == 0 {
		return fmt.Errorf("lambdatune: Objective weights are both 0, want at least one > 0")
	}
	return nil
}

// Loss returns the weighted loss of a run's score (lower is better): CostWeight × USD per million
// requests + SLOWeight × violations in percent.
func (o Objective) Loss(s Score) float64 {
	return o.CostWeight*s.CostPerMillion() + o.SLOWeight*100*s.ViolationRate()
}

// Reward returns the reinforcement-learning reward of one interval: minus the interval's share of
// the loss, with scale the typical number of requests per interval (for example the workload's
// mean). Over a run of T intervals whose mean is scale, the rewards sum to −T × Loss of the run, so
// maximising the return minimises the loss; an idle interval still pays for what it bills
// (provisioned capacity), which a per-interval ratio could not express. scale must be > 0.
func (o Objective) Reward(m Metrics, scale float64) float64 {
	v := m.SLOMisses + m.Errors + m.Throttles
	return -(o.CostWeight*1e6*m.Cost.Total() + o.SLOWeight*100*float64(v)) / scale
}

// Score sums what the Objective judges over intervals; Add one interval's metrics at a time, or use
// Measure. The zero value is an empty score.
type Score struct {
	// Intervals counts the intervals added.
	Intervals int
	// Requests counts requests made: Invocations + Throttles.
	Requests int64
	// Violations counts requests that violated the SLO: SLOMisses + Errors + Throttles.
	Violations int64
	// SLOMisses, Errors, Throttles and ColdStarts are the sums of the Metrics fields.
	SLOMisses, Errors, Throttles, ColdStarts int64
	// Cost is the bill.
	Cost Cost
}

// Measure returns the score of the intervals ms.
func Measure(ms []Metrics) Score {
	var s Score
	for i := range ms {
		s.Add(&ms[i])
	}
	return s
}

// Add adds one interval's metrics.
func (s *Score) Add(m *Metrics) {
	s.Intervals++
	s.Requests += m.Invocations + m.Throttles
	s.Violations += m.SLOMisses + m.Errors + m.Throttles
	s.SLOMisses += m.SLOMisses
	s.Errors += m.Errors
	s.Throttles += m.Throttles
	s.ColdStarts += m.ColdStarts
	s.Cost = s.Cost.Add(m.Cost)
}

// ViolationRate returns Violations / Requests, 0 when there were no requests.
func (s Score) ViolationRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Violations) / float64(s.Requests)
}

// CostPerMillion returns the bill in USD per million requests: 0 when nothing was billed, +Inf
// when something was billed but no request came (idle provisioned capacity).
func (s Score) CostPerMillion() float64 {
	c := s.Cost.Total()
	if s.Requests == 0 {
		if c == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return c * 1e6 / float64(s.Requests)
}
