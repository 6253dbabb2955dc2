package policy

import (
	"context"
	"fmt"
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
	if len(times) == 0 {
		return nil, fmt.Errorf("policy: oracle: no timestamps, want the start of every interval of the history")
	}
	if h < 1 {
		return nil, fmt.Errorf("policy: oracle: horizon h = %d, want >= 1", h)
	}
	next := times[len(times)-1].Add(o.s.Step)
	off := next.Sub(o.s.Start)
	if off < 0 || off%o.s.Step != 0 {
		return nil, fmt.Errorf("policy: oracle: interval starting %v is not on the series' grid (start %v, step %v)", next, o.s.Start, o.s.Step)
	}
	out := make([]float64, h)
	i := int(off / o.s.Step)
	for k := range out {
		if i+k < len(o.s.Counts) {
			out[k] = o.s.Counts[i+k]
		}
	}
	return out, nil
}
