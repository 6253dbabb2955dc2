package lambdatune

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakePlatform serves load[i] invocations in interval i and records applied configs.
type fakePlatform struct {
	cfg     Config
	load    []int64
	i       int
	applied []Config
	failAt  int // Apply call index that fails, -1 for none
	calls   int // Apply calls so far
}

func (f *fakePlatform) Config(context.Context) (Config, error) { return f.cfg, nil }

func (f *fakePlatform) Apply(_ context.Context, c Config) error {
	f.calls++
	if f.calls-1 == f.failAt {
		return errors.New("boom")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	f.applied = append(f.applied, c)
	f.cfg = c
	return nil
}

func (f *fakePlatform) Next(context.Context) (Metrics, error) {
	if f.i >= len(f.load) {
		return Metrics{}, errors.New("no more load")
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(f.i) * time.Minute)
	m := Metrics{Start: start, Period: time.Minute, Config: f.cfg, Invocations: f.load[f.i]}
	f.i++
	return m, nil
}

// memoryRule doubles memory when the forecast exceeds 100 and returns to 128 MB otherwise.
func memoryRule(_ context.Context, obs Observation) (Decision, error) {
	c := obs.Current
	if obs.Forecast[0] > 100 {
		c.MemoryMB = 256
	} else {
		c.MemoryMB = 128
	}
	return Decision{Config: c, Reason: fmt.Sprintf("forecast %.0f", obs.Forecast[0])}, nil
}

// lastValue forecasts the last observed count.
func lastValue(h []float64, _ []time.Time, n int) ([]float64, error) {
	out := make([]float64, n)
	for i := range out {
		out[i] = h[len(h)-1]
	}
	return out, nil
}

func TestTunerLoop(t *testing.T) {
	p := &fakePlatform{cfg: DefaultConfig(), load: []int64{50, 150, 160, 20, 30}, failAt: -1}
	var steps []StepReport
	tu, err := NewTuner(TunerConfig{Platform: p, Policy: PolicyFunc(memoryRule), Forecaster: ForecastFunc(lastValue),
		HistoryLen: 2, OnStep: func(s StepReport) { steps = append(steps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.Run(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	gotMem := []int{}
	for _, c := range p.applied {
		gotMem = append(gotMem, c.MemoryMB)
	}
	if diff := cmp.Diff([]int{256, 128}, gotMem); diff != "" {
		t.Errorf("applied memory (-want +got):\n%s", diff)
	}
	var applied []bool
	for _, s := range steps {
		applied = append(applied, s.Applied)
	}
	if diff := cmp.Diff([]bool{false, true, false, true, false}, applied); diff != "" {
		t.Errorf("Applied flags (-want +got):\n%s", diff)
	}
	if h := tu.History(); len(h) != 2 || h[1].Invocations != 30 || h[0].Invocations != 20 {
		t.Errorf("history not bounded to the last 2 intervals: %+v", h)
	}
	if err := tu.Run(context.Background(), 1); err == nil {
		t.Error("platform error not returned")
	}
}

// decisionPlatform is a fakePlatform that also takes whole decisions (DecisionApplier).
type decisionPlatform struct {
	fakePlatform
	reasons []string
}

func (f *decisionPlatform) ApplyDecision(ctx context.Context, d Decision) error {
	f.reasons = append(f.reasons, d.Reason)
	return f.Apply(ctx, d.Config)
}

// TestTunerDecisionApplier checks that the Tuner hands the whole decision to a platform that
// takes one, and only the configuration to one that does not (here the same platform, wrapped).
func TestTunerDecisionApplier(t *testing.T) {
	for _, tt := range []struct {
		name        string
		hide        bool // wrap the platform so that only Platform's methods show
		wantReasons []string
	}{
		{"DecisionApplier", false, []string{"forecast 150", "forecast 20"}},
		{"Apply only", true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dp := &decisionPlatform{fakePlatform: fakePlatform{cfg: DefaultConfig(), load: []int64{50, 150, 160, 20}, failAt: -1}}
			var p Platform = dp
			if tt.hide {
				p = struct{ Platform }{dp}
			}
			tu, err := NewTuner(TunerConfig{Platform: p, Policy: PolicyFunc(memoryRule), Forecaster: ForecastFunc(lastValue)})
			if err != nil {
				t.Fatal(err)
			}
			if err := tu.Run(context.Background(), 4); err != nil {
				t.Fatal(err)
			}
			if got, want := memories(dp.applied), []int{256, 128}; !slices.Equal(got, want) {
				t.Errorf("applied memory %v, want %v", got, want)
			}
			if diff := cmp.Diff(tt.wantReasons, dp.reasons); diff != "" {
				t.Errorf("reasons passed to ApplyDecision (-want +got):\n%s", diff)
			}
		})
	}
}

// memories returns the memory sizes of cs.
func memories(cs []Config) []int {
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.MemoryMB
	}
	return out
}

func TestTunerErrors(t *testing.T) {
	if _, err := NewTuner(TunerConfig{Policy: Fixed(DefaultConfig())}); err == nil {
		t.Error("nil platform accepted")
	}
	if _, err := NewTuner(TunerConfig{Platform: &fakePlatform{}}); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := NewTuner(TunerConfig{Platform: &fakePlatform{}, Policy: Fixed(DefaultConfig()), Horizon: -1}); err == nil {
		t.Error("negative horizon accepted")
	}
	bad := DefaultConfig()
	bad.MemoryMB = 50
	p := &fakePlatform{cfg: DefaultConfig(), load: []int64{1}, failAt: -1}
	tu, _ := NewTuner(TunerConfig{Platform: p, Policy: Fixed(bad)})
	err := tu.Run(context.Background(), 1)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "MemoryMB" {
		t.Errorf("invalid decision: err = %v, want a *ConfigError for MemoryMB", err)
	}
	// OnApplyError decides whether a failed apply stops the loop.
	p = &fakePlatform{cfg: DefaultConfig(), load: []int64{1, 2, 3}, failAt: 0}
	want := DefaultConfig()
	want.MemoryMB = 256
	var failures []int
	var appliedFlags []bool
	tu, _ = NewTuner(TunerConfig{Platform: p, Policy: Fixed(want),
		OnApplyError: func(step int, d Decision, err error) error { failures = append(failures, step); return nil },
		OnStep:       func(s StepReport) { appliedFlags = append(appliedFlags, s.Applied) }})
	if err := tu.Run(context.Background(), 3); err != nil {
		t.Fatalf("OnApplyError returned nil, but the loop stopped: %v", err)
	}
	if diff := cmp.Diff([]int{0}, failures); diff != "" {
		t.Errorf("failed steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{false, true, false}, appliedFlags); diff != "" {
		t.Errorf("Applied flags (-want +got):\n%s", diff)
	}
	p = &fakePlatform{cfg: DefaultConfig(), load: []int64{1, 2, 3}, failAt: 0}
	stop := errors.New("stop here")
	tu, _ = NewTuner(TunerConfig{Platform: p, Policy: Fixed(want), OnApplyError: func(int, Decision, error) error { return stop }})
	if err := tu.Run(context.Background(), 3); !errors.Is(err, stop) {
		t.Errorf("OnApplyError's error not returned: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tu.Run(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: err = %v", err)
	}
}

// A static policy on a platform: the loop observes every interval and never changes the configuration.
func ExampleTuner() {
	p := &fakePlatform{cfg: DefaultConfig(), load: []int64{10, 20, 30}, failAt: -1}
	want := DefaultConfig()
	want.MemoryMB = 512
	tu, err := NewTuner(TunerConfig{
		Platform: p,
		Policy:   Fixed(want),
		OnStep: func(s StepReport) {
			fmt.Printf("interval %d: %d invocations under %d MB, next %d MB (applied %v)\n",
				s.Index, s.Metrics.Invocations, s.Metrics.Config.MemoryMB, s.Decision.Config.MemoryMB, s.Applied)
		},
	})
	if err != nil {
		panic(err)
	}
	if err := tu.Run(context.Background(), 3); err != nil {
		panic(err)
	}
	// Output:
	// interval 0: 10 invocations under 128 MB, next 512 MB (applied true)
	// interval 1: 20 invocations under 512 MB, next 512 MB (applied false)
	// interval 2: 30 invocations under 512 MB, next 512 MB (applied false)
}

// A tuner started on a function with a past (its CloudWatch history on AWS) forecasts from the
// first step instead of waiting out the warm-up.
func ExampleTuner_Warm() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-3 * time.Minute)
	past := []Metrics{{Start: t0, Period: time.Minute, Invocations: 40}, {Start: t0.Add(time.Minute), Period: time.Minute, Invocations: 60},
		{Start: t0.Add(2 * time.Minute), Period: time.Minute, Invocations: 80}}
	mean := &countingForecaster{}
	tu, err := NewTuner(TunerConfig{
		Platform: &fakePlatform{cfg: DefaultConfig(), load: []int64{100}, failAt: -1},
		Policy:   Fixed(DefaultConfig()), Forecaster: mean, Refit: 60, WarmUp: 3,
		OnStep: func(s StepReport) {
			fmt.Printf("first step: forecast %.0f (fitted by Warm on the past)\n", s.Forecast[0])
		},
	})
	if err != nil {
		panic(err)
	}
	if err := tu.Warm(context.Background(), past); err != nil {
		panic(err)
	}
	if err := tu.Run(context.Background(), 1); err != nil {
		panic(err)
	}
	// Output: first step: forecast 60 (fitted by Warm on the past)
}

func ExamplePrices_Cost() {
	// One million invocations of 100 ms at 512 MB on x86_64.
	u := Usage{Requests: 1_000_000, ComputeMBms: 1_000_000 * 512 * 100}
	c, err := DefaultPrices().Cost(X86_64, u, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("requests $%.2f + duration $%.5f = $%.5f\n", c.Requests, c.Duration, c.Total())
	// Output: requests $0.20 + duration $0.83334 = $1.03334
}

func ExampleConfig_Validate() {
	c := DefaultConfig()
	c.MemoryMB = 20000
	fmt.Println(c.Validate())
	// Output: lambdatune: invalid config: MemoryMB = 20000, want an integer in [128, 10240]
}

// TestTunerHistoryWindow holds the bounded history to the last HistoryLen intervals, oldest first,
// with the counts and times the forecaster sees, over many more steps than it keeps.
func TestTunerHistoryWindow(t *testing.T) {
	for _, keep := range []int{1, 3, 7} {
		load := make([]int64, 50)
		for i := range load {
			load[i] = int64(i)
		}
		var seen [][]float64
		fc := ForecastFunc(func(h []float64, times []time.Time, n int) ([]float64, error) {
			if len(times) != len(h) {
				t.Fatalf("%d counts, %d times", len(h), len(times))
			}
			seen = append(seen, slices.Clone(h))
			return make([]float64, n), nil
		})
		tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: load, failAt: -1}, Policy: Fixed(DefaultConfig()), Forecaster: fc, HistoryLen: keep})
		if err != nil {
			t.Fatal(err)
		}
		if err := tu.Run(context.Background(), len(load)); err != nil {
			t.Fatal(err)
		}
		for step, h := range seen {
			var want []float64
			for i := max(0, step+1-keep); i <= step; i++ {
				want = append(want, float64(i))
			}
			if !slices.Equal(h, want) {
				t.Fatalf("keep %d, step %d: forecaster saw %v, want %v", keep, step, h, want)
			}
		}
		h := tu.History()
		if len(h) != keep || h[0].Invocations != int64(len(load)-keep) || h[keep-1].Invocations != int64(len(load)-1) {
			t.Errorf("keep %d: history ends %v", keep, h)
		}
	}
}

// BenchmarkTunerStep runs the loop on a platform that costs nothing, with a full day of history:
// the tuner's own cost per step.
func BenchmarkTunerStep(b *testing.B) {
	load := make([]int64, b.N+1)
	tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: load, failAt: -1}, Policy: Fixed(DefaultConfig())})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	if err := tu.Run(context.Background(), b.N); err != nil {
		b.Fatal(err)
	}
}

// countingForecaster records when it is fitted and on how much history, and forecasts the mean of
// what it was fitted on.
type countingForecaster struct {
	fits []int // history length at each Fit
	mean float64
}

func (c *countingForecaster) Fit(_ context.Context, h []float64, _ []time.Time) error {
	c.fits = append(c.fits, len(h))
	c.mean = 0
	for _, v := range h {
		c.mean += v / float64(len(h))
	}
	return nil
}

func (c *countingForecaster) Predict(_ []float64, _ []time.Time, n int) ([]float64, error) {
	out := make([]float64, n)
	for i := range out {
		out[i] = c.mean
	}
	return out, nil
}

// TestTunerRefit holds the tuner to its fitting schedule: no forecast during the warm-up, a fit when
// it ends and every Refit steps after, on the history kept; Refit 0 never fits.
func TestTunerRefit(t *testing.T) {
	tests := []struct {
		name          string
		refit, warmUp int
		wantFits      []int // history length at each fit
		wantNil       int   // steps without a forecast
	}{
		{"refit every 3", 3, 0, []int{3, 4, 4, 4}, 2},
		{"warm-up 2, refit 4", 4, 2, []int{2, 4, 4}, 1},
		{"never fit", 0, 0, nil, 0},
		{"never fit, warm-up 4", 0, 4, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			load := make([]int64, 12)
			for i := range load {
				load[i] = int64(10 * i)
			}
			cf := &countingForecaster{}
			nilSteps := 0
			tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: load, failAt: -1},
				Policy: Fixed(DefaultConfig()), Forecaster: cf, Refit: tt.refit, WarmUp: tt.warmUp, HistoryLen: 4,
				OnStep: func(s StepReport) {
					if s.Forecast == nil {
						nilSteps++
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			if err := tu.Run(context.Background(), len(load)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFits, cf.fits); diff != "" {
				t.Errorf("fits (-want +got):\n%s", diff)
			}
			if nilSteps != tt.wantNil {
				t.Errorf("%d steps without a forecast, want %d", nilSteps, tt.wantNil)
			}
		})
	}
}

// TestTunerBadForecast refuses a forecast of the wrong length or with a non-finite value, and a
// warm-up longer than the history.
func TestTunerBadForecast(t *testing.T) {
	for name, f := range map[string]ForecastFunc{
		"short": func(_ []float64, _ []time.Time, n int) ([]float64, error) { return make([]float64, n-1), nil },
		"NaN":   func(_ []float64, _ []time.Time, n int) ([]float64, error) { return []float64{math.NaN(), 0}[:n], nil },
		"Inf":   func(_ []float64, _ []time.Time, n int) ([]float64, error) { return []float64{math.Inf(1), 0}[:n], nil },
	} {
		tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: []int64{1, 2}, failAt: -1},
			Policy: Fixed(DefaultConfig()), Forecaster: f})
		if err != nil {
			t.Fatal(err)
		}
		if err := tu.Run(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "forecast") {
			t.Errorf("%s forecast: err = %v, want a forecast error", name, err)
		}
	}
	if _, err := NewTuner(TunerConfig{Platform: &fakePlatform{}, Policy: Fixed(DefaultConfig()), WarmUp: 10, HistoryLen: 5}); err == nil {
		t.Error("warm-up longer than the history accepted")
	}
}

// TestTunerWarm: history recorded before the first step is what the policy and the forecaster see
// from the first step; the forecaster is fitted on it at once when it covers the warm-up.
func TestTunerWarm(t *testing.T) {
	t0 := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	past := func(n int) []Metrics {
		ms := make([]Metrics, n)
		for i := range ms {
			ms[i] = Metrics{Start: t0.Add(time.Duration(i) * time.Minute), Period: time.Minute, Invocations: int64(100 + i), Throttles: 1}
		}
		return ms
	}
	tests := []struct {
		name          string
		past          int
		refit, warmUp int
		wantFits      []int // history length at each fit, Warm's included
		wantFirst     bool  // the first step has a forecast
		wantHistory   int   // history the first decision saw
	}{
		{"full warm-up fits at once", 5, 3, 3, []int{4, 4, 4, 4}, true, 4},
		{"short history waits for the warm-up", 1, 3, 3, []int{3, 4, 4}, false, 2},
		{"no refit: nothing fitted", 5, 0, 2, nil, true, 4},
		{"no history", 0, 3, 3, []int{3, 4}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf := &countingForecaster{}
			var first *StepReport
			var seen int
			pol := PolicyFunc(func(_ context.Context, obs Observation) (Decision, error) {
				if seen == 0 {
					seen = len(obs.History)
				}
				return Decision{Config: obs.Current}, nil
			})
			tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: make([]int64, 8), failAt: -1},
				Policy: pol, Forecaster: cf, Refit: tt.refit, WarmUp: tt.warmUp, HistoryLen: 4,
				OnStep: func(s StepReport) {
					if first == nil {
						first = &s
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			if err := tu.Warm(context.Background(), past(tt.past)); err != nil {
				t.Fatal(err)
			}
			if err := tu.Run(context.Background(), 8); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFits, cf.fits); diff != "" {
				t.Errorf("fits (-want +got):\n%s", diff)
			}
			if (first.Forecast != nil) != tt.wantFirst || seen != tt.wantHistory {
				t.Errorf("first step: forecast %v, history %d; want forecast %v, history %d", first.Forecast, seen, tt.wantFirst, tt.wantHistory)
			}
		})
	}
	tu, err := NewTuner(TunerConfig{Platform: &fakePlatform{cfg: DefaultConfig(), load: []int64{1}, failAt: -1}, Policy: Fixed(DefaultConfig())})
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.Warm(context.Background(), []Metrics{{Start: t0.Add(time.Minute)}, {Start: t0}}); err == nil || !strings.Contains(err.Error(), "oldest first") {
		t.Errorf("Warm out of order: %v, want an error", err)
	}
	if err := tu.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tu.Warm(context.Background(), past(1)); err == nil {
		t.Error("Warm after a step succeeded, want an error")
	}
}
