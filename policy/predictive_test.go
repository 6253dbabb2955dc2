package policy

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// poissonTail returns P(N >= k) for N ~ Poisson(a) by summing the mass below k in log space.
func poissonTail(a float64, k int) float64 {
	below := 0.0
	for j := 0; j < k; j++ {
		lg, _ := math.Lgamma(float64(j + 1))
		below += math.Exp(float64(j)*math.Log(a) - a - lg)
	}
	return 1 - below
}

// tinyTail returns the smallest P with P(Poisson(a) >= P) <= eps by summing the upper tail in log
// space, for targets far below what 1 − CDF resolves.
func tinyTail(a, eps float64) int {
	for P := 1; ; P++ {
		tail := 0.0
		for j := P; j < P+400; j++ {
			lg, _ := math.Lgamma(float64(j + 1))
			tail += math.Exp(float64(j)*math.Log(a) - a - lg)
		}
		if tail <= eps {
			return P
		}
	}
}

// TestProvisionForQueueingFormula holds ProvisionFor to the M/G/∞ formula: the smallest P with
// P(Poisson(a) >= P) <= eps, checked by direct summation on both sides of the answer. A worked
// case: a = 1, eps = 0.05: P(N >= 3) = 1 − 2.5/e = 0.080, P(N >= 4) = 1 − (8/3)/e = 0.019, so 4.
func TestProvisionForQueueingFormula(t *testing.T) {
	if got := ProvisionFor(1, 0.05); got != 4 {
		t.Errorf("ProvisionFor(1, 0.05) = %d, want 4", got)
	}
	for _, a := range []float64{0.001, 0.01, 0.3, 1, 2.5, 7.3, 40, 250, 600} {
		for _, eps := range []float64{0.001, 0.01, 0.05, 0.2, 0.5} {
			P := ProvisionFor(a, eps)
			if poissonTail(a, P) > eps+1e-12 {
				t.Errorf("a=%v eps=%v: P=%d leaves P(N>=P)=%v > eps", a, eps, P, poissonTail(a, P))
			}
			if P > 1 && poissonTail(a, P-1) <= eps-1e-12 {
				t.Errorf("a=%v eps=%v: P=%d is not the smallest (P-1 gives %v)", a, eps, P, poissonTail(a, P-1))
			}
		}
	}
	if got := ProvisionFor(0, 0.05); got != 0 {
		t.Errorf("no load: %d, want 0", got)
	}
	if got := ProvisionFor(math.NaN(), 0.05); got != 0 {
		t.Errorf("NaN load: %d, want 0", got)
	}
	for _, tt := range []struct {
		a, eps float64
		want   int
	}{
		{5, 1, 0}, {5, 2, 0}, {5, 0, math.MaxInt32}, {5, -1, math.MaxInt32}, {5, math.NaN(), math.MaxInt32},
		{5, 1e-320, math.MaxInt32}, {2e9, 0.1, math.MaxInt32},
		{5, 1e-30, tinyTail(5, 1e-30)}, {0.2, 1e-25, tinyTail(0.2, 1e-25)},
	} {
		if got := ProvisionFor(tt.a, tt.eps); got != tt.want {
			t.Errorf("ProvisionFor(%v, %v) = %d, want %d", tt.a, tt.eps, got, tt.want)
		}
	}
}

// history returns n one-minute intervals at memory mem, each with inv invocations of mean and
// longest duration meanMs and maxMs.
func history(n, mem int, inv int64, meanMs, maxMs float64) []lambdatune.Metrics {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := make([]lambdatune.Metrics, n)
	for i := range h {
		c := lambdatune.DefaultConfig()
		c.MemoryMB = mem
		h[i] = lambdatune.Metrics{Start: t0.Add(time.Duration(i) * time.Minute), Period: time.Minute, Config: c, Invocations: inv,
			Duration: lambdatune.Distribution{Mean: meanMs, Max: maxMs}}
	}
	return h
}

type fixedQuantile struct{ q []float64 }

func (fixedQuantile) Fit(context.Context, []float64, []time.Time) error { return nil }
func (f fixedQuantile) Predict(_ []float64, _ []time.Time, h int) ([]float64, error) {
	return f.q[:h], nil
}
func (f fixedQuantile) PredictQuantile(_ []float64, _ []time.Time, h int, q float64) ([]float64, error) {
	out := make([]float64, h)
	for i := range out {
		out[i] = f.q[i] * (1 + q)
	}
	return out, nil
}

func TestPredictiveDecide(t *testing.T) {
	cur := lambdatune.DefaultConfig()
	cur.MemoryMB = 512
	cur.Timeout = 3 * time.Second
	h := history(10, 512, 600, 500, 2100) // 600/min of 500 ms: a = 10/s × 0.5 s = 5 erlangs
	tests := []struct {
		name     string
		edit     func(*Predictive)
		forecast []float64
		hist     []lambdatune.Metrics
		want     lambdatune.Config
	}{
		{"sized for the forecast peak", nil, []float64{600, 1200, 300}, h,
			// a = 20/s × 0.5 s = 10 at the peak: 5 % tail at 16
			with(cur, func(c *lambdatune.Config) { c.Provisioned = ProvisionFor(10, 0.05); c.Timeout = 5 * time.Second })},
		{"memory and cap", func(p *Predictive) { p.MemoryMB = 1024; p.MeanDuration = 250 * time.Millisecond; p.MaxProvisioned = 3 },
			[]float64{600}, h, with(cur, func(c *lambdatune.Config) { c.MemoryMB = 1024; c.Provisioned = 3 })},
		{"reserved cap bounds provisioned", func(p *Predictive) { p.ReservedCap = 6 }, []float64{600}, h,
			with(cur, func(c *lambdatune.Config) {
				c.Reserved = lambdatune.Reserve(6)
				c.Provisioned = 6
				c.Timeout = 5 * time.Second
			})},
		{"no forecast: the last interval's load", nil, nil, h,
			with(cur, func(c *lambdatune.Config) { c.Provisioned = ProvisionFor(5, 0.05); c.Timeout = 5 * time.Second })},
		{"no duration yet", nil, []float64{600}, nil, cur},
		{"quantile forecast", func(p *Predictive) { p.Quantile = fixedQuantile{[]float64{300}}; p.QuantileLevel = 1.0 / 3 },
			[]float64{600}, h, with(cur, func(c *lambdatune.Config) {
				c.Provisioned = ProvisionFor(3.333333333, 0.05)
				c.Timeout = 5 * time.Second
			})},
	}
	for _, tt := range tests {
		p := DefaultPredictive()
		p.ColdStartTarget, p.NoBaseLoad = 0.05, true
		if tt.edit != nil {
			tt.edit(&p)
		}
		pol, err := NewPredictive(p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := pol.Decide(context.Background(), lambdatune.Observation{Current: cur, History: tt.hist, Forecast: tt.forecast})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, d.Config); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func with(c lambdatune.Config, f func(*lambdatune.Config)) lambdatune.Config { f(&c); return c }

func TestPredictiveValidate(t *testing.T) {
	for _, edit := range []func(*Predictive){
		func(p *Predictive) { p.ColdStartTarget = 0 },
		func(p *Predictive) { p.ColdStartTarget = math.NaN() },
		func(p *Predictive) { p.MemoryMB = 100 },
		func(p *Predictive) { p.TimeoutMargin = 0.5 },
		func(p *Predictive) { p.MaxProvisioned = -1 },
		func(p *Predictive) { p.ReservedCap = -1 },
		func(p *Predictive) { p.Quantile = fixedQuantile{}; p.QuantileLevel = 1 },
	} {
		p := DefaultPredictive()
		edit(&p)
		if _, err := NewPredictive(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

func TestOracle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := workload.NewSeries(t0, time.Minute, []float64{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	o := Oracle(s)
	got, err := o.Predict([]float64{1, 2}, []time.Time{t0, t0.Add(time.Minute)}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{3, 4, 5, 0}, got); diff != "" {
		t.Errorf("oracle (-want +got):\n%s", diff)
	}
	if _, err := o.Predict(nil, []time.Time{t0.Add(30 * time.Second)}, 1); err == nil || !strings.Contains(err.Error(), "grid") {
		t.Errorf("off-grid time: err = %v", err)
	}
	if _, err := o.Predict(nil, nil, 1); err == nil {
		t.Error("no times accepted")
	}
}

func TestOriginalRule(t *testing.T) {
	p := OriginalRule()
	base := lambdatune.DefaultConfig()
	var got []string
	for _, f := range []float64{100, 80, 60, 40, 200, 151} { // f: 1, 0.8, 0.6, 0.4, 1, 0.755
		d, err := p.Decide(context.Background(), lambdatune.Observation{Current: base, Forecast: []float64{f}})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Config.String())
	}
	a15 := "256MB/10s/reserved=unreserved/provisioned=1/x86_64"
	a10 := "256MB/3s/reserved=unreserved/provisioned=2/x86_64"
	a0 := "128MB/3s/reserved=unreserved/provisioned=1/x86_64"
	if diff := cmp.Diff([]string{a15, a15, a10, a0, a15, a15}, got); diff != "" {
		t.Errorf("original rule (-want +got):\n%s", diff)
	}
	for a := range OriginalActions {
		c, err := OriginalConfig(a, base)
		if err != nil || c.Validate() != nil {
			t.Errorf("action %d: %v, %v", a, c, err)
		}
	}
	if c, _ := OriginalConfig(4, base); c.MemoryMB != 128 || c.Timeout != 5*time.Second || c.Provisioned != 2 {
		t.Errorf("action 4 (the original's static choice) = %v, want 128 MB, 5 s, 2", c)
	}
	if _, err := OriginalConfig(36, base); err == nil {
		t.Error("action 36 accepted")
	}
}

func TestRandomSeeded(t *testing.T) {
	choices := make([]lambdatune.Config, 5)
	for i := range choices {
		choices[i] = with(lambdatune.DefaultConfig(), func(c *lambdatune.Config) { c.Provisioned = i })
	}
	run := func(seed uint64) []int {
		p, err := Random(choices, seed)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for range 50 {
			d, _ := p.Decide(context.Background(), lambdatune.Observation{})
			out = append(out, d.Config.Provisioned)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if !cmp.Equal(a, b) || cmp.Equal(a, c) {
		t.Errorf("seed 1 twice: %v, %v; seed 2: %v", a, b, c)
	}
	seen := map[int]bool{}
	for _, v := range a {
		seen[v] = true
	}
	if len(seen) != 5 {
		t.Errorf("50 draws covered %d of 5 choices", len(seen))
	}
	if _, err := Random(nil, 1); err == nil {
		t.Error("no choices accepted")
	}
}

// TestPredictiveWarmPool subtracts the on-demand environments the pool still holds: the interval
// that ended 4 minutes before the decision ran 9 at once over 2 provisioned (7 on demand), warm for
// 10 minutes after it, so 7 fewer are needed for the next interval; 11 minutes back is forgotten.
func TestPredictiveWarmPool(t *testing.T) {
	cur := lambdatune.DefaultConfig()
	h := history(12, 128, 600, 1000, 1000) // a = 10 erlangs
	h[len(h)-5].MaxConcurrency, h[len(h)-5].Config.Provisioned = 9, 2
	h[0].MaxConcurrency = 30 // ended 11 minutes before the decision: expired for the next interval
	p := DefaultPredictive()
	p.TimeoutMargin, p.ColdStartTarget, p.NoBaseLoad = 1, 0.05, true
	pol, err := NewPredictive(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pol.Decide(context.Background(), lambdatune.Observation{Time: h[len(h)-1].Start.Add(time.Minute), Current: cur, History: h, Forecast: []float64{600}})
	if err != nil {
		t.Fatal(err)
	}
	if want := ProvisionFor(10, 0.05) - 7; d.Config.Provisioned != want {
		t.Errorf("provisioned %d, want %d (%s)", d.Config.Provisioned, want, d.Reason)
	}
}

// TestPredictiveBillingHold keeps environments whose 5-minute billing increment is paid: 3 enabled
// at minute 0 are kept at minutes 1–4 although none is needed and released at minute 5, when
// keeping them would start a second increment.
func TestPredictiveBillingHold(t *testing.T) {
	p := DefaultPredictive()
	p.KeepAlive, p.TimeoutMargin, p.ColdStartTarget, p.NoBaseLoad = 0, 1, 0.05, true
	pol, err := NewPredictive(p)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cur := lambdatune.DefaultConfig()
	var got []int
	for minute, load := range []float64{600, 0, 0, 0, 0, 0, 0} { // 600/min of 1 s: a = 10
		h := history(1, 128, 600, 1000, 1000)
		h[0].Start = t0.Add(time.Duration(minute-1) * time.Minute)
		d, err := pol.Decide(context.Background(), lambdatune.Observation{Time: t0.Add(time.Duration(minute) * time.Minute), Current: cur, History: h, Forecast: []float64{load}})
		if err != nil {
			t.Fatal(err)
		}
		cur = d.Config
		got = append(got, cur.Provisioned)
	}
	n := ProvisionFor(10, 0.05)
	if diff := cmp.Diff([]int{n, n, n, n, n, 0, 0}, got); diff != "" {
		t.Errorf("provisioned (-want +got):\n%s", diff)
	}
}

// TestPredictiveBaseLoad provisions, with no cold-start need, the environments busy more than the
// break-even share of the time: 4,1667 / (16,6667 − 9,7222) = 0.600 at x86 list prices. At a = 10
// erlangs, P(N ≥ 9) = 0.667 and P(N ≥ 10) = 0.542: 9 environments.
func TestPredictiveBaseLoad(t *testing.T) {
	p := DefaultPredictive()
	p.ColdStartTarget, p.TimeoutMargin = 0.99, 1
	pol, err := NewPredictive(p)
	if err != nil {
		t.Fatal(err)
	}
	h := history(1, 128, 600, 1000, 1000)
	d, err := pol.Decide(context.Background(), lambdatune.Observation{Current: lambdatune.DefaultConfig(), History: h, Forecast: []float64{600}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Config.Provisioned != 9 {
		t.Errorf("provisioned %d, want 9 (%s)", d.Config.Provisioned, d.Reason)
	}
	if poissonTail(10, 9) < 0.6 || poissonTail(10, 10) > 0.6 {
		t.Fatalf("worked figures wrong: %v %v", poissonTail(10, 9), poissonTail(10, 10))
	}
}
