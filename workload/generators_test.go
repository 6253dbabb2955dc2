package workload

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g ± %.3g", what, got, want, tol)
	}
}

func TestConstantAndStepChange(t *testing.T) {
	g := Grid{Start: t0, Step: time.Hour, Len: 4}
	c, err := Constant(g, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{2.5, 2.5, 2.5, 2.5}, c.Counts); diff != "" {
		t.Errorf("Constant (-want +got):\n%s", diff)
	}
	s, err := StepChange(g, 1, 7, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{1, 1, 7, 7}, s.Counts); diff != "" {
		t.Errorf("StepChange (-want +got):\n%s", diff)
	}
}

func TestDiurnal(t *testing.T) {
	g := Grid{Start: t0, Step: 5 * time.Minute, Len: 7 * 288}
	s, err := Diurnal(g, DiurnalConfig{Mean: 100, Amplitude: 0.5, PeakHour: 14})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	within(t, "mean", st.Mean, 100, 1e-9)
	within(t, "peak", st.Peak, 150, 0.01)
	within(t, "min", st.Min, 50, 0.01)
	if math.Abs(float64(st.DominantPeriod)-288) > 1 {
		t.Errorf("DominantPeriod = %d, want 288 ± 1 (one day)", st.DominantPeriod)
	}
	argmax := 0
	for i, c := range s.Counts[:288] {
		if c > s.Counts[argmax] {
			argmax = i
		}
	}
	within(t, "hour of the peak", midHour(g, argmax), 14, 5.0/60)
}

func TestWeekly(t *testing.T) {
	g := Grid{Start: t0, Step: time.Hour, Len: 4 * 7 * 24} // t0 is a Monday
	s, err := Weekly(g, WeeklyConfig{Mean: 10, WeekendFactor: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	within(t, "mean", s.Stats().Mean, 10, 1e-9)
	weekday, saturday := s.Counts[0], s.Counts[5*24]
	within(t, "weekend/weekday", saturday/weekday, 0.3, 1e-12)
	within(t, "Sunday", s.Counts[6*24+23], saturday, 0)
	within(t, "next Monday", s.Counts[7*24], weekday, 0)
}

func TestFlashCrowd(t *testing.T) {
	g := Grid{Start: t0, Step: time.Minute, Len: 600}
	c := FlashCrowdConfig{At: t0.Add(100 * time.Minute), Peak: 500, Rise: 10 * time.Minute, Decay: 30 * time.Minute}
	s, err := FlashCrowd(g, c)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	within(t, "peak", st.Peak, 500, 500*(1-math.Exp(-0.5/30))+1e-9)
	within(t, "total", st.Total, 500*(5+30), 0.03*500*35)
	for i := range 100 {
		if s.Counts[i] != 0 {
			t.Fatalf("Counts[%d] = %v before the crowd", i, s.Counts[i])
		}
	}
	if s.Counts[599] != 0 {
		t.Errorf("tail not cut: Counts[599] = %v", s.Counts[599])
	}
}

func TestTimer(t *testing.T) {
	day := Grid{Start: t0, Step: 5 * time.Minute, Len: 288}
	s, err := Timer(day, TimerConfig{Every: 15 * time.Minute, Phase: 5 * time.Minute, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	within(t, "total", st.Total, 96*2, 0)
	within(t, "empty share", st.EmptyShare, 2.0/3, 1e-12)
	if st.DominantPeriod != 3 || s.Counts[1] != 2 || s.Counts[0] != 0 {
		t.Errorf("period %d, counts[0:3] %v; want 3 and [0 2 0]", st.DominantPeriod, s.Counts[:3])
	}
	fast, err := Timer(Grid{Start: t0, Step: time.Minute, Len: 10}, TimerConfig{Every: 20 * time.Second, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range fast.Counts {
		if c != 3 {
			t.Fatalf("20 s timer: Counts[%d] = %v, want 3", i, c)
		}
	}
}

func TestRandomGeneratorsStatistics(t *testing.T) {
	g := Grid{Start: t0, Step: time.Minute, Len: 100_000}
	gens := []struct {
		name      string
		gen       func(uint64) (Series, error)
		mean, tol float64
		empty     float64
		emptyTol  float64
	}{
		{"Spikes", func(seed uint64) (Series, error) {
			return Spikes(g, SpikesConfig{MeanGap: 100 * time.Minute, Height: 50, Width: 3}, seed)
		}, 1.5, 0.15, math.Pow(0.99, 3), 0.005},
		{"OnOff", func(seed uint64) (Series, error) {
			return OnOff(g, OnOffConfig{MeanOn: 30 * time.Minute, MeanOff: 90 * time.Minute, Level: 10}, seed)
		}, 2.5, 0.25, 0.75 - 1.0/120, 0.03},
		{"RareEvents", func(seed uint64) (Series, error) {
			return RareEvents(g, RareEventsConfig{MeanGap: time.Hour, Count: 3}, seed)
		}, 3.0 / 60, 0.005, math.Exp(-1.0 / 60), 0.003},
	}
	for _, tt := range gens {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.gen(1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := tt.gen(1)
			c, _ := tt.gen(2)
			if !slices.Equal(a.Counts, b.Counts) {
				t.Error("same seed, different series")
			}
			if slices.Equal(a.Counts, c.Counts) {
				t.Error("different seeds, same series")
			}
			st := a.Stats()
			t.Logf("mean %.4f empty share %.4f", st.Mean, st.EmptyShare)
			within(t, "mean", st.Mean, tt.mean, tt.tol)
			within(t, "empty share", st.EmptyShare, tt.empty, tt.emptyTol)
		})
	}
}

func TestJitter(t *testing.T) {
	base, _ := Constant(Grid{Start: t0, Step: time.Minute, Len: 50_000}, 100)
	s, err := Jitter(base, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	within(t, "mean", st.Mean, 100, 1)
	within(t, "CV", st.CV, 0.5, 0.02)
	again, _ := Jitter(base, 0.5, 3)
	if !slices.Equal(s.Counts, again.Counts) {
		t.Error("same seed, different series")
	}
}

func TestComposition(t *testing.T) {
	a := Series{Start: t0, Step: time.Minute, Counts: []float64{1, 2, 3}}
	b := Series{Start: t0, Step: time.Minute, Counts: []float64{10, 0, 0.5}}
	sum, err := Sum(a, b)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := Product(a, b)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := a.Scale(2)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := b.Clip(0.75, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := [][]float64{sum.Counts, prod.Counts, sc.Counts, cl.Counts, a.Counts}
	want := [][]float64{{11, 2, 3.5}, {10, 0, 1.5}, {2, 4, 6}, {5, 0.75, 0.75}, {1, 2, 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sum, product, scale, clip, unchanged input (-want +got):\n%s", diff)
	}
	errs := []struct {
		name string
		err  error
		want string
	}{
		{"sum of none", func() error { _, err := Sum(); return err }(), "at least one"},
		{"grid mismatch", func() error {
			_, err := Sum(a, Series{Start: t0, Step: time.Second, Counts: []float64{1, 2, 3}})
			return err
		}(), "series 1 is on grid"},
		{"product invalid", func() error {
			_, err := Product(a, Series{Start: t0, Step: time.Minute, Counts: []float64{1, -2, 3}})
			return err
		}(), "Counts[1] = -2"},
		{"scale negative", func() error { _, err := a.Scale(-1); return err }(), "k = -1"},
		{"clip inverted", func() error { _, err := a.Clip(3, 1); return err }(), "hi = 1, want >= lo (3)"},
	}
	for _, e := range errs {
		if e.err == nil || !strings.Contains(e.err.Error(), e.want) {
			t.Errorf("%s: error %v, want one containing %q", e.name, e.err, e.want)
		}
	}
}

func TestGeneratorsRejectBadConfig(t *testing.T) {
	g := Grid{Start: t0, Step: time.Minute, Len: 10}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"constant", func() error { _, e := Constant(g, math.NaN()); return e }(), "level = NaN"},
		{"diurnal amplitude", func() error { _, e := Diurnal(g, DiurnalConfig{Mean: 1, Amplitude: 2}); return e }(), "Amplitude = 2, want a value in [0, 1]"},
		{"diurnal hour", func() error { _, e := Diurnal(g, DiurnalConfig{Mean: 1, PeakHour: 24}); return e }(), "PeakHour = 24"},
		{"weekly", func() error { _, e := Weekly(g, WeeklyConfig{Mean: 1, WeekendFactor: -1}); return e }(), "WeekendFactor = -1"},
		{"flash decay", func() error { _, e := FlashCrowd(g, FlashCrowdConfig{Peak: 1}); return e }(), "Decay = 0s, want > 0"},
		{"timer phase", func() error {
			_, e := Timer(g, TimerConfig{Every: time.Minute, Phase: time.Minute, Count: 1})
			return e
		}(), "Phase = 1m0s, want a value in [0, 1m0s)"},
		{"spikes gap", func() error { _, e := Spikes(g, SpikesConfig{MeanGap: time.Second, Width: 1}, 1); return e }(), "MeanGap = 1s, want >= Step"},
		{"spikes width", func() error { _, e := Spikes(g, SpikesConfig{MeanGap: time.Hour}, 1); return e }(), "Width = 0"},
		{"onoff", func() error { _, e := OnOff(g, OnOffConfig{MeanOn: time.Minute}, 1); return e }(), "MeanOff = 0s"},
		{"rare", func() error { _, e := RareEvents(g, RareEventsConfig{MeanGap: time.Hour, Count: -1}, 1); return e }(), "Count = -1"},
		{"jitter", func() error { _, e := Jitter(Series{Step: 1}, -0.1, 1); return e }(), "cv = -0.1"},
		{"grid", func() error { _, e := Constant(Grid{Step: time.Minute, Len: -1}, 1); return e }(), "Grid.Len = -1"},
		// Each parameter in range, their combination beyond float64.
		{"diurnal overflow", func() error { _, e := Diurnal(g, DiurnalConfig{Mean: math.MaxFloat64, Amplitude: 1}); return e }(), "= +Inf"},
		{"spikes overflow", func() error {
			_, e := Spikes(g, SpikesConfig{MeanGap: time.Minute, Height: math.MaxFloat64, Width: 2}, 1)
			return e
		}(), "Counts[1] = +Inf"},
		{"rare overflow", func() error {
			_, e := RareEvents(g, RareEventsConfig{MeanGap: time.Second, Count: math.MaxFloat64}, 1)
			return e
		}(), "Counts[0] = +Inf"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, tt.err, tt.want)
		}
	}
}
