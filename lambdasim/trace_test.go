package lambdasim

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// TestAzureTraceAccount replays two hours of the ten busiest functions of the Azure Functions 2019
// trace (testdata/traces, CC BY 4.0) in one small account: every request is accounted for (ran or
// throttled), per function and per interval, and the reservation caps its function.
func TestAzureTraceAccount(t *testing.T) {
	day := DefaultStart()
	fcs, err := workload.ReadFile(context.Background(), "../testdata/traces/az2019_top10_fullday_invocations.csv",
		func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
			return workload.ReadAzure2019Invocations(ctx, r, day)
		})
	if err != nil {
		t.Fatal(err)
	}
	const minutes = 120
	var deps []Deployment
	var want []float64
	for i, fc := range fcs {
		s, err := fc.Series.Slice(0, minutes)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, s.Total())
		fn := Function{Name: fmt.Sprintf("az%d", i), Duration: Flat{LogNormalMean(time.Duration(50+30*i)*time.Millisecond, 0.8)}, Runtime: RuntimeNode}
		c := cfgMem(256)
		if i == 6 { // the busiest function (≈ 16 concurrent) gets a reservation too small for it
			c.Reserved = lambdatune.Reserve(12)
		}
		arr, err := workload.ExactCountArrivals(s, rand.New(rand.NewPCG(uint64(i), 1)))
		if err != nil {
			t.Fatal(err)
		}
		deps = append(deps, Deployment{Function: fn, Config: c, Arrivals: arr})
	}
	// A small account: 40 concurrent executions, 10 kept unreserved; the nine others share 28.
	sim := mustNew(t, Options{Start: fcs[0].Series.Start, Seed: 1, Limits: lambdatune.Limits{AccountConcurrency: 40, MinUnreserved: 10}}, deps...)
	got := make([]float64, len(deps))
	var ms []lambdatune.Metrics
	for k := range minutes {
		if ms, err = sim.Step(context.Background(), ms[:0]); err != nil {
			t.Fatal(err)
		}
		for i, m := range ms {
			got[i] += float64(m.Invocations + m.Throttles)
			if k == 0 && m.Start != fcs[0].Series.Start {
				t.Errorf("first interval starts %v, want the trace's %v", m.Start, fcs[0].Series.Start)
			}
		}
	}
	for i := range deps {
		st := sim.Stats(i)
		t.Logf("%s: %7.0f requests, %5d cold, %d throttles, mean concurrency %.2f, p99 latency %v", deps[i].Function.Name,
			got[i], st.ColdStarts, st.Throttles, st.MeanConcurrency(), sim.Latency(i).Quantile(0.99).Round(time.Millisecond))
		if i == 6 && (st.Throttles == 0 || sim.Metrics(i).MaxConcurrency > 12) {
			t.Errorf("%s: %d throttles, max concurrency %d, want throttles under a reservation of 12", deps[i].Function.Name, st.Throttles, sim.Metrics(i).MaxConcurrency)
		}
		if got[i] != want[i] {
			t.Errorf("%s: %v requests simulated, trace has %v", deps[i].Function.Name, got[i], want[i])
		}
	}
}
