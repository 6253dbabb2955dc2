package policy

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lambdatune/lambdatune"
)

// TestEncoderFeatures encodes a worked observation: 10 intervals of 600 requests of 500 ms
// (5 erlangs) at 1,024 MB, the last with 900 requests, 2 cold starts, 9 SLO misses, p95 1.5 s
// against a 1 s SLO and a peak of 12 busy with 4 provisioned (8 on demand).
func TestEncoderFeatures(t *testing.T) {
	h := history(10, 1024, 600, 500, 900)
	last := &h[9]
	last.Invocations, last.ColdStarts, last.SLOMisses = 900, 2, 9
	last.Latency.P95, last.Latency.P99 = 1499, 1999
	last.MaxConcurrency, last.Config.Provisioned, last.ProvisionedUtilization = 12, 4, 0.75
	cur := last.Config
	cur.Provisioned = 4
	obs := lambdatune.Observation{Time: time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC), Current: cur, History: h, Forecast: []float64{1800, 900}}
	enc := Encoder{SLO: time.Second, BaseMemoryMB: 512, Forecast: true, Horizon: 2, KeepAlive: 10 * time.Minute}
	got := make([]float64, enc.Dim())
	if err := enc.Encode(got, obs); err != nil {
		t.Fatal(err)
	}
	hourMean := (9*600.0 + 900) / 10
	erl := 900.0 / 60 * 0.5 // the last hour's mean duration is 500 ms
	capacity := 4 + 8 + 1.0
	want := []float64{
		math.Log2(1+erl) / 4, math.Log2(901 / (hourMean + 1)), 12 / capacity, 4 / capacity, 0.75,
		math.Log10(2.0/900+1e-4) + 4, math.Log10(9.0/900+1e-4) + 4, 0, 0,
		math.Log2(1500.0 / 1000), math.Log2(2000.0 / 1000), 1,
		1, 0, math.Sin(2 * math.Pi * (1 + 0.25) / 7), math.Cos(2 * math.Pi * (1 + 0.25) / 7), // 06:00 on a Monday
		math.Log2(1801.0 / 901), 0, 1800.0 / 60 * 0.5 / capacity,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = enc.Encode(got, obs) }); allocs != 0 {
		t.Errorf("Encode allocates %v times", allocs)
	}
	noFc := enc
	noFc.Forecast = false
	if noFc.Dim() != 16 || enc.Dim() != 19 {
		t.Errorf("dims %d, %d, want 16, 19", noFc.Dim(), enc.Dim())
	}
	for _, bad := range []Encoder{{BaseMemoryMB: 512}, {SLO: time.Second, BaseMemoryMB: 64}, {SLO: time.Second, BaseMemoryMB: 512, Forecast: true}} {
		if bad.Validate() == nil {
			t.Errorf("%+v valid", bad)
		}
	}
	if err := enc.Encode(got[:3], obs); err == nil {
		t.Error("short dst accepted")
	}
	if err := enc.Encode(got, lambdatune.Observation{}); err == nil {
		t.Error("empty history accepted")
	}
}

func TestStepMemory(t *testing.T) {
	tests := []struct{ mem, step, want int }{
		{1024, -1, 512}, {1024, 0, 1024}, {1024, 1, 1536}, {128, -1, 128}, {10240, 1, 10240},
		{1000, -1, 512}, {1000, 1, 1024}, {3008, 1, 4096},
	}
	for _, tt := range tests {
		if got := StepMemory(tt.mem, tt.step); got != tt.want {
			t.Errorf("StepMemory(%d, %d) = %d, want %d", tt.mem, tt.step, got, tt.want)
		}
	}
}

// TestHeadroomActions: hold keeps the provisioned count, none asks for nothing, a target sizes as
// the predictive strategy does, and the second dimension steps the memory.
func TestHeadroomActions(t *testing.T) {
	h := history(10, 1024, 600, 1000, 1000) // 10 erlangs
	cur := h[9].Config
	cur.Provisioned = 7
	obs := lambdatune.Observation{Time: h[9].Start.Add(time.Minute), Current: cur, History: h, Forecast: []float64{600, 600, 600}}
	p := DefaultPredictive()
	p.KeepAlive, p.BillingIncrement, p.NoBaseLoad = 0, 0, true
	hr, err := NewHeadroom(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{6, 3}, hr.NVec()); diff != "" {
		t.Errorf("NVec (-want +got):\n%s", diff)
	}
	tests := []struct {
		action      []float64
		prov, memMB int
	}{
		{[]float64{0, 1}, 7, 1024},
		{[]float64{0, 2}, 7, 1536},
		{[]float64{1, 1}, 0, 1024},
		{[]float64{2, 1}, ProvisionFor(10, 0.1), 1024},
		{[]float64{5, 0}, ProvisionFor(10, 1e-4), 512},
	}
	for _, tt := range tests {
		hr.Reset(1024)
		c, err := hr.Config(tt.action, obs)
		if err != nil {
			t.Fatal(err)
		}
		if c.Provisioned != tt.prov || c.MemoryMB != tt.memMB {
			t.Errorf("action %v: %d provisioned at %d MB, want %d at %d", tt.action, c.Provisioned, c.MemoryMB, tt.prov, tt.memMB)
		}
	}
	for _, bad := range [][]float64{{6, 1}, {0, 3}, {0.5, 1}, {1}} {
		if _, err := hr.Config(bad, obs); err == nil {
			t.Errorf("action %v accepted", bad)
		}
	}
	if c, err := (OriginalTable{}).Config([]float64{4}, obs); err != nil || c.MemoryMB != 128 || c.Provisioned != 2 {
		t.Errorf("original action 4: %v, %v", c, err)
	}
}

func TestAgentDecides(t *testing.T) {
	enc := Encoder{SLO: time.Second, BaseMemoryMB: 1024, KeepAlive: 10 * time.Minute}
	var seen int
	pred := PredictorFunc(func(obs []float64) ([]float64, error) {
		seen = len(obs)
		return []float64{1, 2}, nil
	})
	hr, err := NewHeadroom(DefaultPredictive())
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(pred, enc, hr)
	if err != nil {
		t.Fatal(err)
	}
	cur := lambdatune.DefaultConfig()
	d, err := a.Decide(context.Background(), lambdatune.Observation{Current: cur})
	if err != nil || d.Config != cur {
		t.Errorf("nothing observed: %v, %v, want the configuration kept", d.Config, err)
	}
	h := history(3, 128, 60, 100, 100)
	d, err = a.Decide(context.Background(), lambdatune.Observation{Time: h[2].Start.Add(time.Minute), Current: cur, History: h})
	if err != nil {
		t.Fatal(err)
	}
	if seen != enc.Dim() || d.Config.MemoryMB != 1536 || d.Config.Provisioned != 0 { // a rung above the base (1,024)
		t.Errorf("predictor saw %d features; decision %v", seen, d.Config)
	}
	if _, err := NewAgent(nil, enc, hr); err == nil {
		t.Error("nil predictor accepted")
	}
}

// TestAgentEvery checks that an agent set to decide every k intervals asks its predictor at the
// first observed interval and every k-th after it, and maps the action in force in between.
func TestAgentEvery(t *testing.T) {
	enc := Encoder{SLO: time.Second, BaseMemoryMB: 1024, KeepAlive: 10 * time.Minute}
	for _, k := range []int{1, 3} {
		asked := 0
		pred := PredictorFunc(func([]float64) ([]float64, error) {
			asked++
			return []float64{1, 2}, nil
		})
		hr, err := NewHeadroom(DefaultPredictive())
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewAgent(pred, enc, hr)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetEvery(k); err != nil {
			t.Fatal(err)
		}
		h := history(3, 1024, 60, 100, 100)
		cur := lambdatune.DefaultConfig()
		for i := range 7 {
			d, err := a.Decide(context.Background(), lambdatune.Observation{Time: h[2].Start.Add(time.Minute), Current: cur, History: h})
			if err != nil {
				t.Fatal(err)
			}
			if d.Config.MemoryMB != 1536 {
				t.Errorf("every %d, decision %d: %d MB, want the action in force (1,536)", k, i, d.Config.MemoryMB)
			}
		}
		if want := (7 + k - 1) / k; asked != want {
			t.Errorf("every %d: predictor asked %d times in 7 decisions, want %d", k, asked, want)
		}
	}
	a, err := NewAgent(PredictorFunc(func([]float64) ([]float64, error) { return nil, nil }), enc, OriginalTable{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetEvery(0); err == nil {
		t.Error("SetEvery(0) accepted")
	}
}
