package policy

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// Oracle returns a forecaster that knows the future: it predicts the load series s itself, the
// rate the platform's arrivals are drawn from (not the random draw of it). Given to the predictive
// strategy it is the "oracle" strategy, the limit any forecast-driven strategy can approach. The
// intervals after the series' end are predicted as 0.
func Oracle(s workload.Series) lambdatune.Forecaster { return oracle{s} }

type oracle struct{ s workload.Series }

func (oracle) Fit(context.Context, []float64, []time.Time) error { return nil }

// Predict returns the series' values for the h intervals after the last of times.
func (o oracle) Predict(_ []float64, times []time.Time, h int) ([]float64, error) {
	if h < 1 || h > 1<<20 {
		return nil, fmt.Errorf("policy: oracle: horizon h = %d, want an integer in [1, %d]", h, 1<<20)
	}
	out := make([]float64, h)
	return out, o.fill(out, times)
}

// fill writes the series' values for the len(out) intervals after the last of times.
func (o oracle) fill(out []float64, times []time.Time) error {
	if len(times) == 0 {
		return fmt.Errorf("policy: oracle: no timestamps, want the start of every interval of the history")
	}
	next := times[len(times)-1].Add(o.s.Step)
	off := next.Sub(o.s.Start)
	if off < 0 || off%o.s.Step != 0 {
		return fmt.Errorf("policy: oracle: interval starting %v is not on the series' grid (start %v, step %v)", next, o.s.Start, o.s.Step)
	}
	i := int(off / o.s.Step)
	for k := range out {
		out[k] = 0
		if i+k < len(o.s.Counts) {
			out[k] = o.s.Counts[i+k]
		}
	}
	return nil
}

// NoisyOracle returns a forecaster that predicts the load series s with multiplicative noise: each
// predicted value is the true one times an independent lognormal factor of mean 1 and coefficient
// of variation cv, drawn from its own generator seeded with seed. It stands in for a real forecaster
// where one would be too slow (training an agent over millions of intervals), with an error of a
// chosen size; evaluate a trained agent with a real one.
func NoisyOracle(s workload.Series, cv float64, seed uint64) (lambdatune.Forecaster, error) {
	if !(cv >= 0 && cv <= 10) {
		return nil, fmt.Errorf("policy: NoisyOracle: cv = %v, want a number in [0, 10]", cv)
	}
	sigma := math.Sqrt(math.Log1p(cv * cv))
	return &noisyOracle{oracle: oracle{s}, sigma: sigma, rng: rand.New(rand.NewPCG(seed, 0x0aac1e))}, nil
}

type noisyOracle struct {
	oracle
	sigma float64
	rng   *rand.Rand
	buf   []float64
}

// Predict returns the true values times lognormal noise. The slice is reused by the next call.
func (o *noisyOracle) Predict(_ []float64, times []time.Time, h int) ([]float64, error) {
	if cap(o.buf) < h {
		o.buf = make([]float64, h)
	}
	out := o.buf[:h]
	if err := o.oracle.fill(out, times); err != nil {
		return nil, err
	}
	for i := range out {
		out[i] *= math.Exp(o.sigma*o.rng.NormFloat64() - o.sigma*o.sigma/2)
	}
	return out, nil
}
