package lambdasim

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

// sloCounts is what the SLO tests compare: the SLO reported and the counts that share requests
// between them.
type sloCounts struct {
	SLO                                              time.Duration
	Invocations, Errors, Timeouts, Throttles, Misses int64
}

func sumSLO(ms []lambdatune.Metrics) sloCounts {
	var c sloCounts
	for _, m := range ms {
		c.SLO = m.SLO
		c.Invocations += m.Invocations
		c.Errors += m.Errors
		c.Timeouts += m.Timeouts
		c.Throttles += m.Throttles
		c.Misses += m.SLOMisses
	}
	return c
}

// at yields arrivals at the given offsets.
func at(ts ...time.Duration) Arrivals { return &fixedTimes{ts: ts} }

// TestSLOMissesEventModel checks the event model's SLO count on hand-worked timelines: a miss is an
// invocation that ran without error and whose latency (INIT, duration, retry wait) exceeded the
// SLO; timeouts, errors and throttles are counted in their own fields only.
func TestSLOMissesEventModel(t *testing.T) {
	const ms = time.Millisecond
	fn := Function{Duration: Flat{Constant(100 * ms)}, Init: Constant(50 * ms)}
	oneEnv := cfgMem(512)
	oneEnv.Reserved = lambdatune.Reserve(1)
	async := fn
	async.Async = DefaultAsyncOptions()
	slowFn := Function{Duration: Flat{Constant(2 * time.Second)}, Init: Constant(50 * ms)}
	short := cfgMem(512)
	short.Timeout = time.Second
	failing := fn
	failing.ErrorRate = 1
	for _, tc := range []struct {
		name string
		d    Deployment
		want sloCounts
	}{
		{"no SLO", Deployment{Function: fn, Config: cfgMem(512), Arrivals: at(0, time.Second)},
			sloCounts{Invocations: 2}},
		{"the cold start misses, the warm one meets", Deployment{Function: fn, Config: cfgMem(512), SLO: 120 * ms, Arrivals: at(0, time.Second)},
			sloCounts{SLO: 120 * ms, Invocations: 2, Misses: 1}},
		{"a latency equal to the SLO meets it", Deployment{Function: fn, Config: cfgMem(512), SLO: 150 * ms, Arrivals: at(0, time.Second)},
			sloCounts{SLO: 150 * ms, Invocations: 2}},
		{"both miss", Deployment{Function: fn, Config: cfgMem(512), SLO: 99 * ms, Arrivals: at(0, time.Second)},
			sloCounts{SLO: 99 * ms, Invocations: 2, Misses: 2}},
		{"timeouts are errors, not misses", Deployment{Function: slowFn, Config: short, SLO: 500 * ms, Arrivals: at(0, 5*time.Second)},
			sloCounts{SLO: 500 * ms, Invocations: 2, Errors: 2, Timeouts: 2}},
		{"function errors are not misses", Deployment{Function: failing, Config: cfgMem(512), SLO: 10 * ms, Arrivals: at(0, time.Second)},
			sloCounts{SLO: 10 * ms, Invocations: 2, Errors: 2}},
		{"a throttled request is not a miss", Deployment{Function: fn, Config: oneEnv, SLO: 120 * ms, Arrivals: at(0, 0)},
			sloCounts{SLO: 120 * ms, Invocations: 1, Throttles: 1, Misses: 1}},
		// The second event is throttled at 0 and retried 1 s later on the warm environment: 1.1 s.
		{"an asynchronous retry's wait counts", Deployment{Function: async, Config: oneEnv, SLO: 500 * ms, Arrivals: at(0, 0)},
			sloCounts{SLO: 500 * ms, Invocations: 2, Throttles: 1, Misses: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, Options{Seed: 1}, tc.d)
			got := sumSLO(collect(t, s, 1))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if st := s.Stats(0); st.SLOMisses != got.Misses {
				t.Errorf("Stats.SLOMisses = %d, want %d", st.SLOMisses, got.Misses)
			}
		})
	}
}

// TestSLOMissesMatchRequestLog recounts the event model's SLO misses from its per-request log on a
// realistic load with timeouts and errors: exactly the invocations logged "ok" whose latency
// exceeds the SLO.
func TestSLOMissesMatchRequestLog(t *testing.T) {
	const slo = 700 * time.Millisecond
	fn := Function{Duration: CPUModel{CPUTime: 300 * time.Millisecond, IOTime: 80 * time.Millisecond, Spread: 0.6},
		Runtime: RuntimeNode, ErrorRate: 0.01}
	cfg := cfgMem(512)
	cfg.Timeout = 2 * time.Second
	var log bytes.Buffer
	s := mustNew(t, Options{Seed: 5, Log: &log}, Deployment{Function: fn, Config: cfg, SLO: slo, Arrivals: newPoisson(20, 3)})
	got := sumSLO(collect(t, s, 10))
	rows, err := csv.NewReader(strings.NewReader(log.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, r := range rows[1:] {
		lat, err := strconv.ParseFloat(r[6], 64)
		if err != nil {
			t.Fatal(err)
		}
		if r[8] == "ok" && lat > float64(slo)/1e6 {
			want++
		}
	}
	if got.Timeouts == 0 || got.Errors == got.Timeouts || want == 0 {
		t.Fatalf("the load should have timeouts, errors and misses: %+v, %d misses logged", got, want)
	}
	if got.Misses != want {
		t.Errorf("SLOMisses = %d, the log has %d", got.Misses, want)
	}
}

// TestSLOIntervalModel checks the interval model's SLO count against hand-worked expectations:
// constant durations make every invocation's latency known.
func TestSLOIntervalModel(t *testing.T) {
	const ms = time.Millisecond
	fn := Function{Duration: Flat{Constant(100 * ms)}, Init: Constant(50 * ms)}
	slowFn := Function{Duration: Flat{Constant(2 * time.Second)}, Init: Constant(50 * ms)}
	short := cfgMem(512)
	short.Timeout = time.Second
	for _, tc := range []struct {
		name     string
		fn       Function
		cfg      lambdatune.Config
		slo      time.Duration
		warmMiss bool // every warm invocation misses
		coldMiss bool // every cold one does
	}{
		{"no SLO", fn, cfgMem(512), 0, false, false},
		{"cold starts miss", fn, cfgMem(512), 120 * ms, false, true},
		{"all miss", fn, cfgMem(512), 99 * ms, true, true},
		{"none miss", fn, cfgMem(512), 150 * ms, false, false},
		{"timeouts are not misses", slowFn, short, 500 * ms, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLoad(ivConst(60, 600), 1)
			if err != nil {
				t.Fatal(err)
			}
			is, err := NewInterval(Options{Seed: 1}, Deployment{Function: tc.fn, Config: tc.cfg, SLO: tc.slo, Arrivals: l})
			if err != nil {
				t.Fatal(err)
			}
			var got sloCounts
			var cold int64
			for range 60 {
				m, err := is.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				got.Misses += m.SLOMisses
				got.Invocations += m.Invocations
				got.Errors += m.Errors
				cold += m.ColdStarts
				if m.SLO != tc.slo {
					t.Fatalf("Metrics.SLO = %v, want %v", m.SLO, tc.slo)
				}
			}
			var want int64
			switch {
			case tc.warmMiss:
				want = got.Invocations - got.Errors
			case tc.coldMiss:
				want = cold
			}
			if got.Misses != want {
				t.Errorf("SLOMisses = %d, want %d (%d invocations, %d cold, %d errors)", got.Misses, want, got.Invocations, cold, got.Errors)
			}
			if st := is.Stats(0); st.SLOMisses != got.Misses {
				t.Errorf("Stats.SLOMisses = %d, want %d", st.SLOMisses, got.Misses)
			}
		})
	}
}

// TestSLONegativeRefused checks that both models refuse a negative SLO, naming the field.
func TestSLONegativeRefused(t *testing.T) {
	d := Deployment{Function: Function{Duration: Flat{Constant(time.Millisecond)}}, Config: cfgMem(512), SLO: -time.Second}
	_, errEv := New(Options{}, d)
	_, errIv := NewInterval(Options{}, d)
	for name, err := range map[string]error{"New": errEv, "NewInterval": errIv} {
		if err == nil || !strings.Contains(err.Error(), "Deployment.SLO") {
			t.Errorf("%s with SLO -1s: error %v, want one naming Deployment.SLO", name, err)
		}
	}
}
