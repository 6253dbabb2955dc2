package lambdasim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// fleetAccount is a small account whose functions throttle each other: a limit of 70 with 10 kept
// unreserved, five functions of the seed's patterns at ten times their rate (about 15 busy
// environments each at 512 MB), one of them with a reservation of 12, another with 5 provisioned
// environments, so that the other four share 58. Every 17 intervals one function's configuration
// changes (reserved, provisioned, memory), so the shared pool's bookkeeping runs both ways.
func fleetAccount(t testing.TB) (Options, []Deployment, func(i int) (fn int, c *lambdatune.Config)) {
	t.Helper()
	gens := []func(workload.Grid, uint64) (workload.Series, error){workload.OriginalBursty, workload.OriginalPeriodic, workload.OriginalIrregular}
	cfg := ivBenchConfig()
	var deps []Deployment
	for i := range 5 {
		s, err := gens[i%3](ivGrid(240), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLoad(ivScale(s, 10), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		switch i {
		case 1:
			c.Reserved = lambdatune.Reserve(12)
		case 3:
			c.Provisioned = 5
		}
		fn := ivBenchFunction()
		fn.Name = fmt.Sprintf("f%d", i)
		deps = append(deps, Deployment{Function: fn, Config: c, Arrivals: l, SLO: time.Second})
	}
	opts := Options{Seed: 3, Limits: lambdatune.Limits{AccountConcurrency: 70, MinUnreserved: 10}}
	change := func(i int) (int, *lambdatune.Config) {
		if i == 0 || i%17 != 0 {
			return 0, nil
		}
		fn := (i / 17) % len(deps)
		c := deps[fn].Config
		switch (i / 17) % 4 {
		case 0:
			c.Reserved = lambdatune.Reserve(8)
		case 1:
			c.Provisioned = 3
		case 2:
			c.MemoryMB = 1024
		}
		return fn, &c
	}
	return opts, deps, change
}

// digestMetrics writes the fields of ms that the models fill to h, floats exactly.
func digestMetrics(h hash.Hash, ms []lambdatune.Metrics) {
	for _, m := range ms {
		fmt.Fprintln(h, m.Start.Unix(), m.Config, m.Invocations, m.Errors, m.Throttles, m.Timeouts, m.ColdStarts,
			m.SLO, m.SLOMisses, m.AsyncEventsDropped, m.Duration, m.Latency, m.MaxConcurrency,
			m.ProvisionedInvocations, m.SpilloverInvocations, m.ProvisionedUtilization, m.Usage, m.Cost)
	}
}

// TestFleetSharedPoolUnchanged runs fleetAccount through both models, the first half with Step and
// the second through each function's Platform in lockstep, and compares a digest of every metric
// of every interval with the one recorded before the fleet-scale rework (one heap over functions,
// running totals of the shared pool and reservations): same seed, same metrics, bit for bit. It
// also checks that the functions did throttle each other. A deliberate change of either model
// changes the digests: record the new ones then.
func TestFleetSharedPoolUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(Options, ...Deployment) (simulation, error)
		want string
	}{
		{"event", func(o Options, d ...Deployment) (simulation, error) { return New(o, d...) }, "1e744767913a49a57926dd90b3368d8e8c553f25113320d046c3a48764b509ff"},
		{"interval", func(o Options, d ...Deployment) (simulation, error) { return NewInterval(o, d...) }, "8f3e05bc9f3426cefeb96c00458aa6a51d921f7e8936e53835684bfe91af73b8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, deps, change := fleetAccount(t)
			s, err := tc.new(opts, deps...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			h := sha256.New()
			thr := make([]int64, len(deps))
			const n = 240
			var ms []lambdatune.Metrics
			for i := range n {
				if fn, c := change(i); c != nil {
					if err := s.apply(fn, *c); err != nil {
						t.Fatal(err)
					}
				}
				ms = ms[:0]
				if i < n/2 {
					if err := advance(ctx, s); err != nil {
						t.Fatal(err)
					}
					for j := range deps {
						ms = append(ms, s.lastMetrics(j))
					}
				} else {
					if i == n/2 {
						for j := range deps { // all platforms exist before the first of them reads
							functionPlatform(s, j)
						}
					}
					for j := range deps {
						m, err := functionPlatform(s, j).Next(ctx)
						if err != nil {
							t.Fatal(err)
						}
						ms = append(ms, m)
					}
				}
				for j, m := range ms {
					thr[j] += m.Throttles
				}
				digestMetrics(h, ms)
			}
			for j, n := range thr {
				if n == 0 {
					t.Errorf("function %d was never throttled: the account limit does not bind", j)
				}
			}
			got := hex.EncodeToString(h.Sum(nil))
			t.Logf("throttles %v, digest %s", thr, got)
			if got != tc.want {
				t.Errorf("digest %s, want %s: the metrics changed", got, tc.want)
			}
		})
	}
}

// TestFleetWindowsMatchTimeOrder checks that letting the event model's functions run on their own
// through windows of time while the unreserved pool cannot fill (runFunctions) gives the metrics
// of running every event in time order, which a request log forces: on fleetAccount with its
// tight limit (the pool fills, windows shrink), with a limit that binds now and then, and with
// one that never binds, with asynchronous functions among them.
func TestFleetWindowsMatchTimeOrder(t *testing.T) {
	steps := 60
	if testing.Short() {
		steps = 20
	}
	for _, limit := range []int{70, 250, 10000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			run := func(log bool) (string, *Sim) {
				opts, deps, change := fleetAccount(t)
				opts.Limits.AccountConcurrency = limit
				deps[2].Function.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}
				deps[4].Function.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 1}
				deps[4].Function.ErrorRate = 0.05
				if log {
					opts.Log = io.Discard
				}
				s, err := New(opts, deps...)
				if err != nil {
					t.Fatal(err)
				}
				h := sha256.New()
				var ms []lambdatune.Metrics
				for i := range steps {
					if fn, c := change(i); c != nil {
						if err := s.apply(fn, *c); err != nil {
							t.Fatal(err)
						}
					}
					if ms, err = s.Step(context.Background(), ms[:0]); err != nil {
						t.Fatal(err)
					}
					digestMetrics(h, ms)
				}
				return hex.EncodeToString(h.Sum(nil)), s
			}
			inOrder, _ := run(true)
			windows, s := run(false)
			var thr int64
			for i := range s.Len() {
				thr += s.Stats(i).Throttles
			}
			t.Logf("throttles %d, last window %v", thr, time.Duration(s.window)) // the windows used
			if windows != inOrder {
				t.Errorf("digest %s with windows, %s in time order", windows, inOrder)
			}
		})
	}
}

// TestFleetLazyShapeUnchanged holds a function whose shape a simulation builds lazily (beyond its
// first eagerShapes) to the same function built whole: its metrics over a day, bit for bit. Every
// function has a reservation of its own, so that the others do not change its concurrency limit.
func TestFleetLazyShapeUnchanged(t *testing.T) {
	series, err := workload.OriginalBursty(ivGrid(24*60), 1)
	if err != nil {
		t.Fatal(err)
	}
	dep := func(i int) Deployment {
		l, err := NewLoad(series, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		c := ivBenchConfig()
		c.Reserved = lambdatune.Reserve(40)
		return Deployment{Function: fleetDistinct(i), Config: c, Arrivals: l}
	}
	const probe = 1000 // the function compared, a model none of the others has
	run := func(first bool) []lambdatune.Metrics {
		var deps []Deployment
		if first {
			deps = append(deps, dep(probe))
		}
		for i := range eagerShapes {
			deps = append(deps, dep(i))
		}
		if !first {
			deps = append(deps, dep(probe))
		}
		s, err := NewInterval(Options{Seed: 1, Limits: lambdatune.Limits{AccountConcurrency: 1000 + 40*len(deps), MinUnreserved: 100}}, deps...)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		if !first {
			i = len(deps) - 1
		}
		p := s.Function(i)
		var ms []lambdatune.Metrics
		for range series.Len() {
			m, err := p.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	}
	whole, lazy := run(true), run(false)
	for k := range whole {
		if whole[k] != lazy[k] {
			t.Fatalf("interval %d: lazily built shape gives\n%+v\nwhole one\n%+v", k, lazy[k], whole[k])
		}
	}
}
