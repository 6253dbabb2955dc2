package lambdasim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// TestBurstyDayStaticConfigs runs a day of the original project's bursty load under a few static
// configurations (what examples/quickstart prints) and checks the model's directions: more memory
// is faster, a tight reservation throttles, provisioned concurrency cuts cold starts.
func TestBurstyDayStaticConfigs(t *testing.T) {
	g := workload.OriginalGrid(288) // a day of 5-minute intervals
	load, err := workload.OriginalBursty(g, 1)
	if err != nil {
		t.Fatal(err)
	}
	fn := Function{Name: "api", Duration: CPUModel{CPUTime: 400 * time.Millisecond, IOTime: 100 * time.Millisecond, Spread: 0.3}, Runtime: RuntimePython}
	type row struct {
		name                         string
		cost, p95                    float64
		invocations, cold, throttles int64
	}
	run := func(name string, c lambdatune.Config) row {
		arr, err := workload.PoissonArrivals(load, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		s := mustNew(t, Options{Start: load.Start, Interval: load.Step, Seed: 1}, Deployment{Function: fn, Config: c, Arrivals: arr})
		if err := s.Run(context.Background(), load.Len()); err != nil {
			t.Fatal(err)
		}
		st := s.Stats(0)
		r := row{name, st.Cost.Total(), float64(s.Latency(0).Quantile(0.95)) / 1e6, st.Invocations, st.ColdStarts, st.Throttles}
		t.Logf("%-22s cost $%.4f  p95 %7.1f ms  invocations %6d  cold %4d  throttles %5d", r.name, r.cost, r.p95, r.invocations, r.cold, r.throttles)
		return r
	}
	base := cfgMem(128)
	base.Timeout = 30 * time.Second
	with := func(f func(*lambdatune.Config)) lambdatune.Config { c := base; f(&c); return c }
	r128 := run("128 MB", base)
	r512 := run("512 MB", with(func(c *lambdatune.Config) { c.MemoryMB = 512 }))
	r1769 := run("1769 MB", with(func(c *lambdatune.Config) { c.MemoryMB = 1769 }))
	rRes := run("512 MB, reserved 1", with(func(c *lambdatune.Config) { c.MemoryMB, c.Reserved = 512, lambdatune.Reserve(1) }))
	rProv := run("512 MB, provisioned 3", with(func(c *lambdatune.Config) { c.MemoryMB, c.Provisioned = 512, 3 }))
	if !(r128.p95 > r512.p95 && r512.p95 > r1769.p95) {
		t.Errorf("p95 %.0f / %.0f / %.0f ms at 128 / 512 / 1769 MB, want decreasing", r128.p95, r512.p95, r1769.p95)
	}
	if rRes.throttles == 0 || r512.throttles != 0 {
		t.Errorf("throttles %d with reserved 1, %d without, want some and none", rRes.throttles, r512.throttles)
	}
	if rProv.cold >= r512.cold {
		t.Errorf("cold starts %d with 3 provisioned, %d without, want fewer", rProv.cold, r512.cold)
	}
}
