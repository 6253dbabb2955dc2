package workload

import (
	"errors"
	"math"
	mathrand "math/rand"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func TestNewSeriesValidates(t *testing.T) {
	tests := []struct {
		name    string
		step    time.Duration
		counts  []float64
		wantErr string // substring; "" = valid
	}{
		{"ok", time.Minute, []float64{0, 1.5, 3}, ""},
		{"empty ok", time.Minute, nil, ""},
		{"zero step", 0, []float64{1}, "Series.Step = 0s, want > 0"},
		{"negative step", -time.Second, []float64{1}, "Series.Step = -1s, want > 0"},
		{"negative count", time.Minute, []float64{1, -2}, "Series.Counts[1] = -2, want a finite value >= 0"},
		{"NaN", time.Minute, []float64{math.NaN()}, "Series.Counts[0] = NaN"},
		{"+Inf", time.Minute, []float64{0, 0, math.Inf(1)}, "Series.Counts[2] = +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSeries(t0, tt.step, tt.counts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewSeries: %v", err)
				}
				if diff := cmp.Diff(tt.counts, s.Counts); diff != "" {
					t.Errorf("counts (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewSeries error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewSeriesCopies(t *testing.T) {
	c := []float64{1, 2, 3}
	s, err := NewSeries(t0, time.Minute, c)
	if err != nil {
		t.Fatal(err)
	}
	c[0] = 99
	if s.Counts[0] != 1 {
		t.Fatalf("NewSeries aliases its input: Counts[0] = %v after caller changed it", s.Counts[0])
	}
}

func TestSeriesTimes(t *testing.T) {
	s, _ := NewSeries(t0, 5*time.Minute, []float64{1, 2, 3, 4})
	if got, want := s.End(), t0.Add(20*time.Minute); !got.Equal(want) {
		t.Errorf("End = %v, want %v", got, want)
	}
	if got, want := s.Time(2), t0.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("Time(2) = %v, want %v", got, want)
	}
	if got := s.Len(); got != 4 {
		t.Errorf("Len = %d, want 4", got)
	}
	if got := s.Total(); got != 10 {
		t.Errorf("Total = %v, want 10", got)
	}
	if diff := cmp.Diff(Grid{Start: t0, Step: 5 * time.Minute, Len: 4}, s.Grid()); diff != "" {
		t.Errorf("Grid (-want +got):\n%s", diff)
	}
	if got := s.Duration(); got != 20*time.Minute {
		t.Errorf("Duration = %v, want 20m", got)
	}
}

func TestSlice(t *testing.T) {
	s, _ := NewSeries(t0, time.Minute, []float64{0, 1, 2, 3, 4})
	tests := []struct {
		i, j    int
		want    Series
		wantErr bool
	}{
		{1, 3, Series{Start: t0.Add(time.Minute), Step: time.Minute, Counts: []float64{1, 2}}, false},
		{0, 5, s, false},
		{5, 5, Series{Start: t0.Add(5 * time.Minute), Step: time.Minute, Counts: []float64{}}, false},
		{-1, 2, Series{}, true},
		{3, 2, Series{}, true},
		{0, 6, Series{}, true},
	}
	for _, tt := range tests {
		got, err := s.Slice(tt.i, tt.j)
		if (err != nil) != tt.wantErr {
			t.Errorf("Slice(%d, %d) error = %v, wantErr %v", tt.i, tt.j, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "length 5") {
				t.Errorf("Slice(%d, %d) error %q does not name the length", tt.i, tt.j, err)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Slice(%d, %d) (-want +got):\n%s", tt.i, tt.j, diff)
		}
	}
	got, _ := s.Slice(1, 3)
	got.Counts[0] = 42
	if s.Counts[1] != 1 {
		t.Error("Slice shares its backing array with the receiver")
	}
}

func TestResample(t *testing.T) {
	s, _ := NewSeries(t0, time.Minute, []float64{1, 2, 3, 4, 5, 6})
	tests := []struct {
		step    time.Duration
		want    []float64
		wantErr string
	}{
		{time.Minute, []float64{1, 2, 3, 4, 5, 6}, ""},
		{2 * time.Minute, []float64{3, 7, 11}, ""},
		{3 * time.Minute, []float64{6, 15}, ""},
		{6 * time.Minute, []float64{21}, ""},
		{30 * time.Second, []float64{0.5, 0.5, 1, 1, 1.5, 1.5, 2, 2, 2.5, 2.5, 3, 3}, ""},
		{4 * time.Minute, nil, "length 6 is not a multiple of 4"},
		{90 * time.Second, nil, "not an integer multiple"},
		{45 * time.Second, nil, "does not divide"},
		{0, nil, "want > 0"},
	}
	for _, tt := range tests {
		got, err := s.Resample(tt.step)
		if tt.wantErr != "" {
			if err == nil || !errors.Is(err, ErrResample) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Resample(%v) error = %v, want ErrResample containing %q", tt.step, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resample(%v): %v", tt.step, err)
			continue
		}
		want := Series{Start: t0, Step: tt.step, Counts: tt.want}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Resample(%v) (-want +got):\n%s", tt.step, diff)
		}
	}
}

func TestResampleRoundTrip(t *testing.T) {
	s, err := OriginalTraining(OriginalGrid(288), 7)
	if err != nil {
		t.Fatal(err)
	}
	fine, err := s.Resample(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	back, err := fine.Resample(5 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) })); diff != "" {
		t.Errorf("5 min → 1 min → 5 min changed the series (-want +got):\n%s", diff)
	}
	hourly, err := s.Resample(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(hourly.Total()-s.Total()) > 1e-6 {
		t.Errorf("hourly total %v, want %v", hourly.Total(), s.Total())
	}
}

func TestStats(t *testing.T) {
	sine := make([]float64, 600)
	for i := range sine {
		sine[i] = 10 + 5*math.Sin(2*math.Pi*float64(i)/24)
	}
	tests := []struct {
		name   string
		counts []float64
		want   Stats
	}{
		{"empty", nil, Stats{}},
		{"constant", []float64{2, 2, 2, 2}, Stats{Len: 4, Total: 8, Mean: 2, Min: 2, Peak: 2}},
		{"with zeros", []float64{0, 4, 0, 4}, Stats{Len: 4, Total: 8, Mean: 2, Std: 2, Min: 0, Peak: 4, CV: 1, EmptyShare: 0.5}},
		{"sine period 24", sine, Stats{Len: 600, Total: 6000, Mean: 10, Std: 5 / math.Sqrt2, Min: 5, Peak: 15, CV: 0.5 / math.Sqrt2, DominantPeriod: 24}},
	}
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(a)) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Series{Start: t0, Step: time.Minute, Counts: tt.counts}.Stats()
			got.PeriodACF = 0 // checked separately
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDominantPeriodNoise(t *testing.T) {
	s, err := OriginalIrregular(OriginalGrid(2000), 3)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.DominantPeriod != 0 {
		t.Errorf("white noise: DominantPeriod = %d (ACF %.3f), want 0", st.DominantPeriod, st.PeriodACF)
	}
}

func TestACFMatchesDirect(t *testing.T) {
	// Large enough to take the FFT path; compare with the direct sum.
	s, err := OriginalPeriodic(OriginalGrid(3000), 1)
	if err != nil {
		t.Fatal(err)
	}
	got := s.ACF(400)
	mean := s.Total() / float64(s.Len())
	var ss float64
	for _, c := range s.Counts {
		ss += (c - mean) * (c - mean)
	}
	for _, k := range []int{0, 1, 17, 63, 188, 400} {
		var sum float64
		for i := 0; i+k < s.Len(); i++ {
			sum += (s.Counts[i] - mean) * (s.Counts[i+k] - mean)
		}
		if want := sum / ss; math.Abs(got[k]-want) > 1e-9 {
			t.Errorf("ACF[%d] = %v, want %v", k, got[k], want)
		}
	}
}

// TestResampleProperties: coarsening keeps every coarse total, and refining
// then coarsening gives the series back, for random series and factors.
func TestResampleProperties(t *testing.T) {
	f := func(raw []uint16, k uint8) bool {
		factor := int(k%6) + 1
		counts := make([]float64, len(raw)-len(raw)%factor)
		for i := range counts {
			counts[i] = float64(raw[i]) / 8
		}
		s, err := NewSeries(t0, time.Minute, counts)
		if err != nil {
			return false
		}
		coarse, err := s.Resample(time.Duration(factor) * time.Minute)
		if err != nil || coarse.Len()*factor != s.Len() {
			return false
		}
		for i, c := range coarse.Counts {
			var sum float64
			for _, x := range s.Counts[i*factor : (i+1)*factor] {
				sum += x
			}
			if math.Abs(c-sum) > 1e-9 {
				return false
			}
		}
		fine, err := s.Resample(time.Minute / time.Duration(factor))
		if err != nil {
			return false
		}
		back, err := fine.Resample(time.Minute)
		return err == nil && cmp.Equal(s, back, cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty())
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 300, Rand: mathrand.New(mathrand.NewSource(1))}); err != nil {
		t.Error(err)
	}
}
