package lambdasim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
)

// poisson is a homogeneous Poisson arrival stream (exponential gaps), unbounded.
type poisson struct {
	r    *rand.Rand
	mean float64 // mean gap, ns
	t    float64
}

func newPoisson(rate float64, seed uint64) *poisson {
	return &poisson{r: rand.New(rand.NewPCG(seed, 99)), mean: 1e9 / rate}
}

func (p *poisson) Next() (time.Duration, bool) {
	p.t += p.r.ExpFloat64() * p.mean
	return time.Duration(p.t), true
}

// countArrivals yields n arrivals evenly spread in each interval of a series of counts.
type fixedTimes struct {
	ts []time.Duration
	i  int
}

func (f *fixedTimes) Next() (time.Duration, bool) {
	if f.i >= len(f.ts) {
		return 0, false
	}
	f.i++
	return f.ts[f.i-1], true
}

// simfaasFunction is SimFaaS's README example: exponential warm (1.991 s) and cold (2.244 s) service
// times, 600 s expiration, no lifetime limit.
func simfaasFunction() Function {
	return Function{
		Name:         "simfaas",
		Duration:     Flat{Exponential(1991 * time.Millisecond)},
		ColdDuration: Exponential(2244 * time.Millisecond),
		KeepAlive:    Constant(600 * time.Second),
		MaxLifetime:  -1,
	}
}

func bigConfig() lambdatune.Config {
	c := lambdatune.DefaultConfig()
	c.Timeout = lambdatune.MaxTimeout
	return c
}

func mustNew(t testing.TB, opts Options, d ...Deployment) *Sim {
	t.Helper()
	s, err := New(opts, d...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runFor(t testing.TB, s *Sim, steps int) {
	t.Helper()
	ctx := context.Background()
	for range steps {
		if _, err := s.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// periodic yields n arrivals every gap, starting at offset.
type periodic struct {
	offset, gap time.Duration
	n, i        int
}

func (p *periodic) Next() (time.Duration, bool) {
	if p.i >= p.n {
		return 0, false
	}
	p.i++
	return p.offset + time.Duration(p.i-1)*p.gap, true
}

// collect runs steps intervals and returns their metrics.
func collect(t testing.TB, s *Sim, steps int) []lambdatune.Metrics {
	t.Helper()
	var ms []lambdatune.Metrics
	ctx := context.Background()
	for range steps {
		m, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

func cfgMem(mb int) lambdatune.Config {
	c := lambdatune.DefaultConfig()
	c.MemoryMB = mb
	c.Timeout = 60 * time.Second
	return c
}
