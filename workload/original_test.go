package workload

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type generator struct {
	name string
	gen  func(Grid, uint64) (Series, error)
}

var seedGenerators = []generator{
	{"OriginalTraining", OriginalTraining},
	{"OriginalBursty", OriginalBursty},
	{"OriginalPeriodic", OriginalPeriodic},
	{"OriginalIrregular", OriginalIrregular},
}

func TestOriginalGeneratorsDeterministic(t *testing.T) {
	for _, g := range seedGenerators {
		t.Run(g.name, func(t *testing.T) {
			a, err := g.gen(OriginalGrid(500), 42)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := g.gen(OriginalGrid(500), 42)
			c, _ := g.gen(OriginalGrid(500), 43)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("same seed, different series (-first +second):\n%s", diff)
			}
			if cmp.Equal(a.Counts, c.Counts) {
				t.Error("different seeds gave the same series")
			}
			if err := a.Validate(); err != nil {
				t.Error(err)
			}
			if _, err := g.gen(Grid{Step: 0, Len: 3}, 1); err == nil {
				t.Error("zero step: no error")
			}
			if _, err := g.gen(Grid{Step: 1, Len: -1}, 1); err == nil {
				t.Error("negative length: no error")
			}
		})
	}
}

// burstSplit returns the mean of the burst-phase and the max of the
// non-burst-phase values, where index k has phase (k+offset) mod 50.
func burstSplit(v []float64, offset int) (burstMean, burstMin, otherMax float64) {
	burstMin = math.Inf(1)
	var n float64
	for k, x := range v {
		if (k+offset)%50 < 5 {
			burstMean += x
			burstMin = math.Min(burstMin, x)
			n++
		} else {
			otherMax = math.Max(otherMax, x)
		}
	}
	return burstMean / n, burstMin, otherMax
}

func TestOriginalTrainingMatchesCSV(t *testing.T) {
	orig, err := ReadFile(context.Background(), seedCSV, ReadOriginalCSV)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Len() != OriginalTrainingLen-4 {
		t.Fatalf("CSV has %d rows, want %d", orig.Len(), OriginalTrainingLen-4)
	}
	os := orig.Stats()
	ob, obMin, oOther := burstSplit(orig.Counts, 4)
	t.Logf("CSV: mean %.2f peak %.0f period %d; burst mean %.1f min %.0f, non-burst max %.0f", os.Mean, os.Peak, os.DominantPeriod, ob, obMin, oOther)
	for seed := uint64(1); seed <= 5; seed++ {
		full, err := OriginalTraining(OriginalGrid(OriginalTrainingLen), seed)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := full.Slice(4, full.Len()) // the CSV's rows
		if !s.Start.Equal(OriginalGrid(0).Start.Add(20 * 60e9)) {
			t.Errorf("sliced start %v, want 2024-01-01 00:20", s.Start)
		}
		st := s.Stats()
		b, bMin, other := burstSplit(s.Counts, 4)
		t.Logf("seed %d: mean %.2f peak %.0f period %d; burst mean %.1f min %.0f, non-burst max %.0f", seed, st.Mean, st.Peak, st.DominantPeriod, b, bMin, other)
		if math.Abs(st.Mean-os.Mean) > 1 {
			t.Errorf("seed %d: mean %.2f, want %.2f ± 1", seed, st.Mean, os.Mean)
		}
		if st.Peak < 235 || st.Peak > 260 {
			t.Errorf("seed %d: peak %.0f, want 235..260 (CSV %.0f)", seed, st.Peak, os.Peak)
		}
		if st.DominantPeriod != 50 {
			t.Errorf("seed %d: dominant period %d, want 50", seed, st.DominantPeriod)
		}
		if math.Abs(b-220) > 2 || bMin < 170 || other > 150 {
			t.Errorf("seed %d: bursts not in phase with the CSV: burst mean %.1f (want 220 ± 2), min %.0f (want >= 170), non-burst max %.0f (want <= 150)", seed, b, bMin, other)
		}
		if math.Abs(st.Std-os.Std) > 2 {
			t.Errorf("seed %d: std %.2f, want %.2f ± 2", seed, st.Std, os.Std)
		}
		for i, c := range s.Counts {
			if c != math.Trunc(c) || c < 1 {
				t.Fatalf("seed %d: Counts[%d] = %v, want an integer >= 1", seed, i, c)
			}
		}
	}
}

func TestOriginalEvaluationPatterns(t *testing.T) {
	const n = 2000
	for seed := uint64(1); seed <= 5; seed++ {
		b, _ := OriginalBursty(OriginalGrid(n), seed)
		p, _ := OriginalPeriodic(OriginalGrid(n), seed)
		ir, _ := OriginalIrregular(OriginalGrid(n), seed)
		bs, ps, is := b.Stats(), p.Stats(), ir.Stats()
		t.Logf("seed %d: bursty mean %.1f period %d; periodic mean %.1f period %d; irregular mean %.1f empty %.3f period %d",
			seed, bs.Mean, bs.DominantPeriod, ps.Mean, ps.DominantPeriod, is.Mean, is.EmptyShare, is.DominantPeriod)
		if math.Abs(bs.Mean-195) > 3 {
			t.Errorf("bursty seed %d: mean %.2f, want 195 ± 3", seed, bs.Mean)
		}
		// The sawtooth: the mean by phase i mod 20 rises by 10 per step.
		var phase [20]float64
		for i, c := range b.Counts {
			phase[i%20] += c / (n / 20)
		}
		if rise := phase[19] - phase[0]; math.Abs(rise-190) > 10 {
			t.Errorf("bursty seed %d: sawtooth rise %.1f, want 190 ± 10", seed, rise)
		}
		if math.Abs(ps.Mean-100) > 3 {
			t.Errorf("periodic seed %d: mean %.2f, want 100 ± 3", seed, ps.Mean)
		}
		if math.Abs(float64(ps.DominantPeriod)-188.5) > 2 {
			t.Errorf("periodic seed %d: dominant period %d, want 188.5 ± 2", seed, ps.DominantPeriod)
		}
		if math.Abs(is.Mean-130.70) > 3 || is.DominantPeriod != 0 {
			t.Errorf("irregular seed %d: mean %.2f (want 130.70 ± 3), period %d (want 0)", seed, is.Mean, is.DominantPeriod)
		}
		if math.Abs(is.EmptyShare-21.0/301) > 0.02 {
			t.Errorf("irregular seed %d: empty share %.3f, want %.3f ± 0.02", seed, is.EmptyShare, 21.0/301)
		}
		if is.Peak > 280 {
			t.Errorf("irregular seed %d: peak %v > 280", seed, is.Peak)
		}
		for i, c := range ir.Counts {
			if c != math.Trunc(c) {
				t.Fatalf("irregular seed %d: Counts[%d] = %v is not an integer", seed, i, c)
			}
		}
	}
}
