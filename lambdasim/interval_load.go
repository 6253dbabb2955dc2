package lambdasim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

// Load is a function's traffic given as expected invocations per interval (a workload.Series). It
// serves both fidelities from one Deployment: as an Arrivals stream it is a Poisson process with the
// series' per-interval rates (workload.PoissonArrivals), which the event model consumes request by
// request; the interval model reads the series' counts directly, one number per interval, which is
// what makes it fast. Offsets are from the start of the simulation: interval i of the series starts
// at i × Series.Step. A Load is consumed by one simulator; build a new one (same seed, same arrivals)
// for another.
type Load struct {
	series workload.Series
	stream workload.Arrivals
}

// MaxRequestRate is the highest request rate, per second, a Load may ask for: 10 million, ten
// times what the largest Lambda account limits allow (10 requests/s per unit of concurrency). The
// interval model counts requests exactly up to it; the event model simulates each one, so a load
// near it takes minutes per simulated minute (the context stops it).
const MaxRequestRate = 1e7

// NewLoad returns the traffic of series s, with the Poisson arrival instants drawn from seed.
// It returns an error naming the bad field when s is invalid or asks for more than
// MaxRequestRate requests per second.
func NewLoad(s workload.Series, seed uint64) (*Load, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("lambdasim: NewLoad: %w", err)
	}
	perSec := float64(time.Second) / float64(s.Step)
	for i, c := range s.Counts {
		if c*perSec > MaxRequestRate {
			return nil, fmt.Errorf("lambdasim: NewLoad: Series.Counts[%d] = %g in %v is %g requests/s, want at most %g (MaxRequestRate)", i, c, s.Step, c*perSec, float64(MaxRequestRate))
		}
	}
	stream, err := workload.PoissonArrivals(s, rand.New(rand.NewPCG(seed, 0x4c6f6164)))
	if err != nil {
		return nil, fmt.Errorf("lambdasim: NewLoad: %w", err)
	}
	return &Load{series: s, stream: stream}, nil
}

// Next returns the next arrival instant (an offset from the start of the simulation). It
// implements Arrivals.
func (l *Load) Next() (time.Duration, bool) { return l.stream.Next() }

// Series returns the load's series (sharing its counts: do not modify them).
func (l *Load) Series() workload.Series { return l.series }

// ivTraffic gives the interval model one expected count per interval, from a Load's series (fast:
// O(1) per interval when the series' step equals the interval, a short overlap sum otherwise) or by
// counting any other Arrivals stream's instants (exact, but O(requests)).
type ivTraffic struct {
	counts []float64
	step   int64 // ns; 0 when counting a stream
	arr    Arrivals
	next   int64 // the stream's next instant, MaxInt64 when exhausted
	exact  bool  // counts are observed requests, not expectations
}

func newIvTraffic(a Arrivals) (ivTraffic, error) {
	switch l := a.(type) {
	case nil:
		return ivTraffic{next: math.MaxInt64}, nil
	case *Load:
		return ivTraffic{counts: l.series.Counts, step: int64(l.series.Step)}, nil
	}
	t := ivTraffic{arr: a, next: math.MaxInt64, exact: true}
	if at, ok := a.Next(); ok {
		if at < 0 {
			return t, fmt.Errorf("first arrival at %v, want offsets >= 0", at)
		}
		t.next = int64(at)
	}
	return t, nil
}

// count returns the expected (series) or actual (stream) number of requests in [t0, t1) ns. It
// fails when a stream's instants decrease or when ctx is done while it counts.
func (t *ivTraffic) count(ctx context.Context, t0, t1 int64) (float64, error) {
	if t.step > 0 {
		i0, i1 := t0/t.step, (t1-1)/t.step
		if i0 >= int64(len(t.counts)) {
			return 0, nil
		}
		if i0 == i1 && t0%t.step == 0 && t1-t0 == t.step {
			return t.counts[i0], nil
		}
		// Piecewise-constant rate within each series interval: sum the overlaps.
		var n float64
		for i := i0; i <= i1 && i < int64(len(t.counts)); i++ {
			lo, hi := max(t0, i*t.step), min(t1, (i+1)*t.step)
			n += t.counts[i] * float64(hi-lo) / float64(t.step)
		}
		return n, nil
	}
	n := 0
	for t.next < t1 {
		n++
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("counting arrivals stopped after %d: %w", n, err)
			}
		}
		if at, ok := t.arr.Next(); ok {
			if int64(at) < t.next {
				return 0, fmt.Errorf("arrival at %v after one at %v, want non-decreasing offsets", at, time.Duration(t.next))
			}
			t.next = int64(at)
		} else {
			t.next = math.MaxInt64
		}
	}
	return float64(n), nil
}
