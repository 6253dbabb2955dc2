package lambdasim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
)

// erlangB returns the Erlang-B blocking probability of c servers under offered load a (Erlangs).
func erlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

func TestLittlesLaw(t *testing.T) {
	cases := []struct {
		name string
		rate float64
		fn   Function
	}{
		{"simfaas", 0.9, simfaasFunction()},
		{"lognormal-cpu", 20, Function{Duration: CPUModel{CPUTime: 800 * time.Millisecond, IOTime: 100 * time.Millisecond, Spread: 0.4}, Runtime: RuntimeNode, KeepAlive: Exponential(5 * time.Minute)}},
		{"short-keepalive", 2, Function{Duration: Flat{Exponential(time.Second)}, Init: Constant(300 * time.Millisecond), KeepAlive: Constant(2 * time.Second)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, Options{Interval: time.Hour, Seed: 7}, Deployment{Function: tc.fn, Config: cfgMem(1024), Arrivals: newPoisson(tc.rate, 3)})
			runFor(t, s, 30)
			st := s.Stats(0)
			lambda := float64(st.Invocations) / st.Elapsed.Seconds()
			w := s.Latency(0).Mean().Seconds() // sync: latency = INIT + duration = time busy
			want := lambda * w
			got := st.MeanConcurrency()
			t.Logf("L = %.4f, λW = %.4f (λ = %.4f/s, W = %.4fs, cold %.4f)", got, want, lambda, w, st.ColdStartRate())
			if math.Abs(got-want)/want > 0.02 {
				t.Errorf("mean concurrency %.4f, λ × mean time = %.4f: off by more than 2 %%", got, want)
			}
		})
	}
}

func TestErlangBBlocking(t *testing.T) {
	// c provisioned environments capped by an equal reservation: no cold starts, a request that finds
	// all c busy is throttled. Erlang-B holds for any service-time distribution.
	cases := []struct {
		c       int
		a       float64
		service Dist
	}{
		{10, 8, Exponential(time.Second)},
		{5, 5, Exponential(2 * time.Second)},
		{20, 15, LogNormalMean(500*time.Millisecond, 0.8)},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("c=%d,a=%g", tc.c, tc.a), func(t *testing.T) {
			cfg := bigConfig()
			cfg.Reserved = lambdatune.Reserve(tc.c)
			cfg.Provisioned = tc.c
			rate := tc.a / tc.service.Mean().Seconds()
			s := mustNew(t, Options{Interval: time.Hour, Seed: 11},
				Deployment{Function: Function{Duration: Flat{tc.service}}, Config: cfg, Arrivals: newPoisson(rate, 5)})
			runFor(t, s, int(math.Ceil(2e6/rate/3600)))
			st := s.Stats(0)
			got, want := st.ThrottleRate(), erlangB(tc.c, tc.a)
			t.Logf("c = %d, a = %g: blocking %.5f, Erlang-B %.5f, cold starts %d, requests %d", tc.c, tc.a, got, want, st.ColdStarts, st.Requests)
			if math.Abs(got-want)/want > 0.05 {
				t.Errorf("blocking %.5f, Erlang-B %.5f: off by more than 5 %%", got, want)
			}
			if st.ColdStarts != 0 {
				t.Errorf("cold starts = %d, want 0 (all environments provisioned)", st.ColdStarts)
			}
			if st.ProvisionedInvocations != st.Invocations {
				t.Errorf("provisioned invocations %d of %d, want all", st.ProvisionedInvocations, st.Invocations)
			}
		})
	}
}
