package lambdasim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"runtime"
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
// (runFunctions: through windows of time while the unreserved pool cannot fill, or a whole
// interval optimistically, kept when the pool had room throughout) gives the metrics of running
// every event in time order, which a request log forces: on fleetAccount with its tight limit
// (the pool fills, optimistic runs are undone, windows shrink), with a limit that binds now and
// then, and with one that never binds (110 keeps some optimistic runs and undoes others), with
// asynchronous functions among them. With rollbackAll
// every interval is run optimistically, undone and run again in windows: the snapshot must
// restore the state exactly. It also checks that each path was taken where expected.
func TestFleetWindowsMatchTimeOrder(t *testing.T) {
	steps := 60
	if testing.Short() {
		steps = 20
	}
	for _, tc := range []struct {
		limit        int
		kept, undone bool // whether some optimistic runs are kept, some undone
	}{{70, false, true}, {110, true, true}, {250, true, false}, {10000, true, false}} {
		limit := tc.limit
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			inOrder, _ := runFleetVariant(t, limit, steps, true, false)
			windows, s := runFleetVariant(t, limit, steps, false, false)
			var thr int64
			for i := range s.Len() {
				thr += s.Stats(i).Throttles
			}
			t.Logf("throttles %d, last window %v, %d windows, %d optimistic intervals, %d undone",
				thr, time.Duration(s.window), s.windows, s.optimistic, s.rollbacks)
			if windows != inOrder {
				t.Errorf("digest %s with windows, %s in time order", windows, inOrder)
			}
			if kept, undone := s.optimistic > 0, s.rollbacks > 0; kept != tc.kept || undone != tc.undone {
				t.Errorf("%d optimistic runs kept, %d undone; want some kept %v, some undone %v",
					s.optimistic, s.rollbacks, tc.kept, tc.undone)
			}
			if tc.undone && !tc.kept && s.rollbacks > int64(steps)/2 {
				t.Errorf("%d of %d intervals tried optimistically and undone: an undone run should put the next ones off", s.rollbacks, steps)
			}
			undone, s := runFleetVariant(t, limit, steps, false, true)
			if undone != inOrder {
				t.Errorf("digest %s with every optimistic run undone, %s in time order", undone, inOrder)
			}
			if s.rollbacks != int64(steps) || s.optimistic != 0 {
				t.Errorf("rollbackAll: %d intervals undone, %d kept, want %d and 0", s.rollbacks, s.optimistic, steps)
			}
		})
	}
}

// runFleetVariant runs fleetAccount under the given account limit for steps intervals, two of its
// functions asynchronous (one with errors, retried), in time order (log) or not, with every
// optimistic run undone (rollbackAll) or not; see runDigest.
func runFleetVariant(t *testing.T, limit, steps int, log, rollbackAll bool) (string, *Sim) {
	t.Helper()
	opts, deps, change := fleetAccount(t)
	opts.Limits.AccountConcurrency = limit
	deps[2].Function.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}
	deps[4].Function.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 1}
	deps[4].Function.ErrorRate = 0.05
	return runDigest(t, opts, deps, change, steps, log, rollbackAll)
}

// runDigest runs deps under opts for steps intervals, applying change(i) before interval i, in
// time order (log) or not, with every optimistic run undone (rollbackAll) or not, and returns a
// digest of every metric and of the functions' Stats and whole-run distributions at the end, and
// the Sim.
func runDigest(t *testing.T, opts Options, deps []Deployment, change func(i int) (int, *lambdatune.Config),
	steps int, log, rollbackAll bool) (string, *Sim) {
	t.Helper()
	if log {
		opts.Log = io.Discard
	}
	s, err := New(opts, deps...)
	if err != nil {
		t.Fatal(err)
	}
	s.rollbackAll = rollbackAll
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
	for i := range s.Len() {
		fmt.Fprintf(h, "%+v %+v %+v\n", s.Stats(i), s.RunLatency(i), s.RunDuration(i))
	}
	return hex.EncodeToString(h.Sum(nil)), s
}

// TestOptimisticRollbackExact holds the event model to time order on an account whose functions
// exercise what fleetAccount does not: several increases of provisioned concurrency pending at
// once (allocated in the order of their random delays), a new generation with provisioned
// environments, a random keep-alive with a lifetime limit, asynchronous retries, a reservation
// dropped, histograms sparse, dense, and made dense mid-run, arrivals a Load or not. With every
// optimistic run undone (rollbackAll) and without, the digests must equal time order's.
func TestOptimisticRollbackExact(t *testing.T) {
	fn := ivBenchFunction()
	keep := fn
	keep.KeepAlive, keep.MaxLifetime = Exponential(30*time.Second), 3*time.Minute
	async := fn
	async.Async, async.ErrorRate = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}, 0.1
	c := ivBenchConfig()
	prov, res := c, c
	prov.Provisioned, res.Reserved = 4, lambdatune.Reserve(5)
	deps := []Deployment{{Function: fn, Config: prov}, {Function: keep, Config: c}, {Function: async, Config: c},
		{Function: fn, Config: res}, {Function: fn, Config: c}}
	rates := []float64{5, 10, 10, 20, 40}                    // requests/s
	deps = append(deps, Deployment{Function: fn, Config: c}) // 1/s, then 50/s from the 5th interval on
	ramp := make([]float64, 20)
	for i := range ramp {
		ramp[i] = map[bool]float64{false: 60, true: 3000}[i >= 4]
	}
	changes := map[int]struct {
		fn  int
		set func(*lambdatune.Config)
	}{
		1:  {0, func(c *lambdatune.Config) { c.Provisioned = 6 }},
		2:  {0, func(c *lambdatune.Config) { c.Provisioned = 8 }},
		3:  {0, func(c *lambdatune.Config) { c.Provisioned = 10 }},
		6:  {0, func(c *lambdatune.Config) { c.MemoryMB = 1024 }},
		8:  {0, func(c *lambdatune.Config) { c.Provisioned = 3 }},
		10: {3, func(c *lambdatune.Config) { c.Reserved = lambdatune.Config{}.Reserved }},
		12: {1, func(c *lambdatune.Config) { c.Provisioned = 2 }},
	}
	for _, limit := range []int{25, 1000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			fresh := func() ([]Deployment, func(i int) (int, *lambdatune.Config)) { // for each run
				d := append([]Deployment(nil), deps...)
				cfgs := make([]lambdatune.Config, len(d))
				for i := range d {
					if i < len(rates) {
						d[i].Arrivals = newPoisson(rates[i], uint64(i+1))
					} else {
						l, err := NewLoad(workload.Series{Start: DefaultStart(), Step: time.Minute, Counts: ramp}, 1)
						if err != nil {
							t.Fatal(err)
						}
						d[i].Arrivals = l
					}
					cfgs[i] = d[i].Config
				}
				return d, func(i int) (int, *lambdatune.Config) {
					ch, ok := changes[i]
					if !ok {
						return 0, nil
					}
					ch.set(&cfgs[ch.fn])
					c := cfgs[ch.fn]
					return ch.fn, &c
				}
			}
			opts := Options{Seed: 7, Limits: lambdatune.Limits{AccountConcurrency: limit, MinUnreserved: 10}}
			const steps = 16
			d, change := fresh()
			inOrder, _ := runDigest(t, opts, d, change, steps, true, false)
			d, change = fresh()
			got, s := runDigest(t, opts, d, change, steps, false, false)
			t.Logf("%d optimistic intervals kept, %d undone, %d windows", s.optimistic, s.rollbacks, s.windows)
			if got != inOrder {
				t.Errorf("digest %s, %s in time order", got, inOrder)
			}
			d, change = fresh()
			undone, _ := runDigest(t, opts, d, change, steps, false, true)
			if undone != inOrder {
				t.Errorf("digest %s with every optimistic run undone, %s in time order", undone, inOrder)
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

// TestFleetSteadyStateAllocations checks that an account whose intervals run optimistically,
// kept or undone (rollbackAll), allocates nothing in steady state: the snapshot's buffers are
// reused. Fifty functions at 1 request/s under a limit of 1,000 + 10 N do not pass the pool's
// check for a whole interval, but their optimistic runs are kept. The warm-up is an hour: the
// run's sparse histogram counts grow while new buckets turn up.
func TestFleetSteadyStateAllocations(t *testing.T) {
	const n, warm, timed = 50, 60, 10
	counts := make([]float64, warm+timed+2)
	for i := range counts {
		counts[i] = 60
	}
	series := workload.Series{Start: DefaultStart(), Step: time.Minute, Counts: counts}
	for _, rollbackAll := range []bool{false, true} {
		deps := make([]Deployment, n)
		for i := range deps {
			l, err := NewLoad(series, uint64(i+1))
			if err != nil {
				t.Fatal(err)
			}
			deps[i] = Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l}
		}
		s := mustNew(t, Options{Seed: 1, Limits: lambdatune.Limits{AccountConcurrency: 1000 + 10*n, MinUnreserved: 100}}, deps...)
		s.rollbackAll = rollbackAll
		ctx := context.Background()
		if err := s.Run(ctx, warm); err != nil {
			t.Fatal(err)
		}
		kept, undone := s.optimistic, s.rollbacks
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		if err := s.Run(ctx, timed); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		if d := ms.Mallocs - before; d != 0 {
			t.Errorf("rollbackAll %v: %d intervals allocated %d times, want 0", rollbackAll, timed, d)
		}
		want := map[bool][2]int64{false: {timed, 0}, true: {0, timed}}[rollbackAll]
		if got := [2]int64{s.optimistic - kept, s.rollbacks - undone}; got != want {
			t.Errorf("rollbackAll %v: %d optimistic intervals kept, %d undone, want %d and %d", rollbackAll, got[0], got[1], want[0], want[1])
		}
	}
}

// TestOptimisticBoundTight puts the pool's whole room to use at one instant: in the second
// interval one function starts six environments at once, beside three provisioned ones another
// function was allocated ten seconds before (one of them then busy) and two a third function has
// held from the start, while a fourth with a reservation starts four. With an unreserved pool of
// 11 the optimistic run is kept and throttles nothing; with 10 it must be undone (time order
// throttles one start). Both must give time order's digest: a bound that undercounts by one, or
// leaves out either function's provisioned environments, keeps the run of the second.
func TestOptimisticBoundTight(t *testing.T) {
	burst := func(n int, at time.Duration) Arrivals {
		ts := make([]time.Duration, n)
		for i := range ts {
			ts[i] = at
		}
		a, err := workload.TimestampArrivals(ts)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	fn := Function{Duration: CPUModel{CPUTime: time.Second}, Runtime: RuntimePython}
	c := ivBenchConfig()
	prov, res := c, c
	prov.Provisioned, res.Reserved = 2, lambdatune.Reserve(5)
	more := func(i int) (int, *lambdatune.Config) { // 3 provisioned for function 1, ready at 70 s
		if i != 1 {
			return 0, nil
		}
		c := c
		c.Provisioned = 3
		return 1, &c
	}
	for _, tc := range []struct {
		pool            int
		kept, throttles int64
	}{{11, 1, 0}, {10, 0, 1}} {
		t.Run(fmt.Sprint(tc.pool), func(t *testing.T) {
			deps := func() []Deployment {
				return []Deployment{
					{Function: fn, Config: c, Arrivals: burst(6, 80*time.Second)},
					{Function: fn, Config: c, Arrivals: burst(1, 75*time.Second)},
					{Function: fn, Config: prov},
					{Function: fn, Config: res, Arrivals: burst(4, 80*time.Second)},
				}
			}
			opts := Options{Limits: lambdatune.Limits{AccountConcurrency: tc.pool + 5, MinUnreserved: 1},
				ProvisioningDelay: Constant(10 * time.Second)}
			inOrder, _ := runDigest(t, opts, deps(), more, 3, true, false)
			got, s := runDigest(t, opts, deps(), more, 3, false, false)
			if got != inOrder {
				t.Errorf("digest %s, %s in time order", got, inOrder)
			}
			if s.unresCap != tc.pool {
				t.Fatalf("unreserved pool %d, want %d", s.unresCap, tc.pool)
			}
			if s.Stats(0).Throttles != tc.throttles || s.optimistic != tc.kept {
				t.Errorf("%d throttles, %d optimistic intervals kept; want %d and %d", s.Stats(0).Throttles, s.optimistic, tc.throttles, tc.kept)
			}
		})
	}
}

// TestOptimisticPartsBound holds runOptimistic's bound, taken part by part of the interval
// (optParts: 16 parts of 3.75 s in a minute), to time order where the whole-interval maxima summed
// exceed the pool but no part's sum does. "staggered": eight functions each start three
// environments at once (busy about 3.5 s), function i at 7.5 i + 0.1 s, so at most one burst is
// held during any part: their maxima over the minute sum to 24, and with a pool of 3 the run is
// kept and throttles nothing; with 2 it must be undone (time order throttles). "carried": a burst
// of two at 3 s is still held through the next part, where another function starts two at 4 s,
// so that part's sum must count what the first function held at the part's start: a pool of 4
// keeps the run, 3 must undo it (the first function's third request, at 30 s, makes the pool's
// check send the minute to runOptimistic). A bound off by one either way, a part's maxima not
// starting from what the function holds then, or the whole-interval bound fails a case; each
// must give time order's digest.
func TestOptimisticPartsBound(t *testing.T) {
	fn := Function{Duration: CPUModel{CPUTime: time.Second}, Runtime: RuntimePython}
	at := func(ts ...time.Duration) Deployment {
		a, err := workload.TimestampArrivals(ts)
		if err != nil {
			t.Fatal(err)
		}
		return Deployment{Function: fn, Config: ivBenchConfig(), Arrivals: a}
	}
	staggered := func() []Deployment {
		var deps []Deployment
		for i := range 8 {
			when := time.Duration(i)*7500*time.Millisecond + 100*time.Millisecond
			deps = append(deps, at(when, when, when))
		}
		return deps
	}
	carried := func() []Deployment { // the request at 30 s: the pool's check does not allow the minute
		first := at(3*time.Second, 3*time.Second, 30*time.Second)
		return []Deployment{first, at(4*time.Second, 4*time.Second)}
	}
	none := func(int) (int, *lambdatune.Config) { return 0, nil }
	for _, tc := range []struct {
		name  string
		deps  func() []Deployment
		pool  int
		kept  bool
		whole int // the functions' maxima over the minute, summed
	}{{"staggered", staggered, 3, true, 24}, {"staggered", staggered, 2, false, 16},
		{"carried", carried, 4, true, 4}, {"carried", carried, 3, false, 3}} {
		t.Run(fmt.Sprintf("%s/%d", tc.name, tc.pool), func(t *testing.T) {
			opts := Options{Limits: lambdatune.Limits{AccountConcurrency: tc.pool, MinUnreserved: 1}}
			inOrder, _ := runDigest(t, opts, tc.deps(), none, 1, true, false)
			got, s := runDigest(t, opts, tc.deps(), none, 1, false, false)
			if got != inOrder {
				t.Errorf("digest %s, %s in time order", got, inOrder)
			}
			if s.unresCap != tc.pool {
				t.Fatalf("unreserved pool %d, want %d", s.unresCap, tc.pool)
			}
			var whole, thr int64
			for i := range s.Len() {
				whole += int64(s.fns[i].last.MaxConcurrency)
				thr += s.fns[i].last.Throttles
			}
			if kept := s.optimistic == 1 && s.rollbacks == 0; kept != tc.kept || (thr == 0) != tc.kept {
				t.Errorf("%d optimistic runs kept, %d undone, %d throttles; want kept %v, throttles %v",
					s.optimistic, s.rollbacks, thr, tc.kept, !tc.kept)
			}
			if whole != int64(tc.whole) {
				t.Errorf("whole-interval maxima sum to %d, want %d", whole, tc.whole)
			}
		})
	}
}
