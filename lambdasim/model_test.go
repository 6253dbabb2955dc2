package lambdasim

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
)

func TestDistMeans(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []Dist{
		Constant(time.Second), Exponential(2 * time.Second), LogNormalMean(time.Second, 0.7),
		Uniform(time.Minute, 2*time.Minute), LogNormal(100*time.Millisecond, 0), Exponential(time.Second).Scale(3),
	}
	for _, d := range cases {
		var sum float64
		const n = 200000
		for range n {
			sum += float64(d.Sample(r))
		}
		got, want := sum/n, float64(d.Mean())
		if math.Abs(got-want)/want > 0.01 {
			t.Errorf("%v: sample mean %v, Mean %v", d, time.Duration(got), d.Mean())
		}
		if err := d.Validate("d", true); err != nil {
			t.Errorf("%v: %v", d, err)
		}
	}
	for _, d := range []Dist{{}, Exponential(0), Constant(-1), Uniform(2, 1), LogNormal(time.Second, -1)} {
		if err := d.Validate("Field", true); err == nil || !strings.Contains(err.Error(), "Field") {
			t.Errorf("%v: Validate = %v, want an error naming the field", d, err)
		}
	}
}

func TestDistQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []Dist{Constant(time.Second), Exponential(2 * time.Second), LogNormal(time.Second, 0.5), Uniform(time.Second, 3*time.Second)} {
		var h Histogram
		for range 200000 {
			h.RecordDuration(d.Sample(r))
		}
		for _, q := range []float64{0.5, 0.9, 0.95, 0.99} {
			got, want := float64(d.Quantile(q)), float64(h.Quantile(q))
			if math.Abs(got-want)/want > 0.03 {
				t.Errorf("%v: Quantile(%g) = %v, sampled %v", d, q, d.Quantile(q), h.Quantile(q))
			}
		}
	}
}

func TestMeasuredInterpolation(t *testing.T) {
	// A Power Tuning table taken from a CPUModel: interpolation in 1/memory reproduces the model
	// between the measured sizes.
	cm := CPUModel{CPUTime: 2 * time.Second, IOTime: 30 * time.Millisecond}
	var pts []MemoryDuration
	for _, mb := range []int{1024, 128, 512, 256, 1536} { // any order
		pts = append(pts, MemoryDuration{mb, cm.Mean(mb, "")})
	}
	m := Measured{Points: pts}
	for _, mb := range []int{128, 200, 384, 700, 1200, 1536} {
		got, err := m.Mean(mb, lambdatune.X86_64)
		if err != nil {
			t.Fatal(err)
		}
		if want := cm.Mean(mb, ""); math.Abs(float64(got-want)) > float64(time.Microsecond) {
			t.Errorf("%d MB: %v, want %v", mb, got, want)
		}
	}
	if got, _ := m.Mean(3008, ""); got != cm.Mean(1536, "") {
		t.Errorf("beyond the table: %v, want the last measurement %v", got, cm.Mean(1536, ""))
	}
	m.ARM64Factor = 0.8
	if a, x := must(m.Mean(512, lambdatune.ARM64)), must(m.Mean(512, lambdatune.X86_64)); math.Abs(float64(a)-0.8*float64(x)) > 1 {
		t.Errorf("arm64 %v, x86 %v, want 0.8×", a, x)
	}
	for _, bad := range []Measured{{}, {Points: []MemoryDuration{{128, 0}}}, {Points: []MemoryDuration{{128, 1}, {128, 2}}}, {Points: pts, Spread: -1}} {
		if _, err := bad.ServiceTime(512, ""); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCPUModelFacts(t *testing.T) {
	if v := VCPUs(1769); v != 1 {
		t.Errorf("VCPUs(1769) = %g, want 1", v)
	}
	if v := VCPUs(10240); math.Abs(v-5.79) > 0.01 {
		t.Errorf("VCPUs(10240) = %g, want ≈ 5.79", v)
	}
	for mb, want := range map[int]int{128: 2, 3008: 2, 3009: 3, 5307: 3, 7076: 4, 8845: 5, 10240: 6} {
		if got := VisibleCores(mb); got != want {
			t.Errorf("VisibleCores(%d) = %d, want %d", mb, got, want)
		}
	}
	// Halving memory below 1 vCPU doubles the CPU part.
	m := CPUModel{CPUTime: time.Second}
	if a, b := m.Mean(512, ""), m.Mean(1024, ""); math.Abs(float64(a)/float64(b)-2) > 1e-6 {
		t.Errorf("512 MB %v, 1024 MB %v, want ratio 2", a, b)
	}
	for _, bad := range []CPUModel{{}, {CPUTime: -1}, {CPUTime: 1, Spread: -1}, {CPUTime: 1, Parallelism: -2}} {
		if _, err := bad.ServiceTime(512, ""); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

func TestRuntimePresets(t *testing.T) {
	cases := map[Runtime][2]time.Duration{
		RuntimeGo: {40 * time.Millisecond, 55 * time.Millisecond}, RuntimeRust: {11 * time.Millisecond, 16 * time.Millisecond},
		RuntimePython: {71 * time.Millisecond, 102 * time.Millisecond}, RuntimeNode: {118 * time.Millisecond, 142 * time.Millisecond},
		RuntimeJava: {240 * time.Millisecond, 285 * time.Millisecond},
	}
	for rt, rng := range cases {
		d, err := rt.Init()
		if err != nil {
			t.Fatal(err)
		}
		if m := d.Mean(); m < rng[0] || m > rng[1] {
			t.Errorf("%s: mean INIT %v outside the measured %v–%v", rt, m, rng[0], rng[1])
		}
	}
	if _, err := Runtime("cobol").Init(); err == nil {
		t.Error("unknown runtime: want an error")
	}
}

func TestSteadyStateAllocations(t *testing.T) {
	fn := Function{Duration: CPUModel{CPUTime: 300 * time.Millisecond, IOTime: 50 * time.Millisecond, Spread: 0.3},
		KeepAlive: Exponential(time.Minute), ErrorRate: 0.01, Async: DefaultAsyncOptions()}
	c := cfgMem(512)
	c.Reserved = lambdatune.Reserve(120) // ≈ 65 busy: a few throttles, retried
	c.Provisioned = 10
	s := mustNew(t, Options{Seed: 5}, Deployment{Function: fn, Config: c, Arrivals: newPoisson(60, 9)})
	runFor(t, s, 30)
	ctx := context.Background()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.Mallocs
	for range 10 {
		if _, err := s.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&ms)
	if n := ms.Mallocs - before; n != 0 {
		t.Errorf("10 intervals (≈ 36,000 requests) in steady state allocated %d times, want 0", n)
	}
}
