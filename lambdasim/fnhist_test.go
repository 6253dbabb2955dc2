package lambdasim

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestFnHistMatchesHistogram records the same values into an fnHist and into the two Histograms
// it stands for (the interval's, merged into the run's and reset at each close) and checks that
// every interval's distribution, the run's distribution and the run's Histogram are the same, bit
// for bit: through sparse flushes, the switch to dense counts of a busy interval, and the run's
// Histogram handed out mid-run.
func TestFnHistMatchesHistogram(t *testing.T) {
	for _, tc := range []struct {
		name     string
		perIv    func(k int) int // values recorded in interval k
		exposeAt int             // interval after which the run's Histogram is handed out (-1 never)
	}{
		{"sparse", func(k int) int { return k % 90 }, -1},
		{"exposed", func(k int) int { return 40 + k%7 }, 25},
		{"busy", func(k int) int { return []int{3, 0, 800, 1500, 20}[k%5] }, -1},
		{"busy-late", func(k int) int {
			if k == 60 {
				return 5000
			}
			return 30
		}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			var h fnHist
			var iv, run, scratch Histogram
			var merged []uint64
			for k := range 100 {
				for range tc.perIv(k) {
					var v int64
					switch rng.IntN(10) {
					case 0:
						v = -int64(rng.IntN(5)) // negative and small values
					case 1:
						v = rng.Int64N(1 << 40) // a wide range
					default:
						v = int64(1e8 * (1 + rng.NormFloat64()/3))
					}
					h.record(v)
					iv.Record(v)
				}
				want := iv.Distribution()
				run.Merge(&iv)
				iv.Reset()
				if got := h.closeInterval(&scratch, &merged); got != want {
					t.Fatalf("interval %d: distribution %+v, want %+v", k, got, want)
				}
				if got, want := h.runDistribution(&scratch), run.Distribution(); got != want {
					t.Fatalf("interval %d: run distribution %+v, want %+v", k, got, want)
				}
				if scratch != (Histogram{}) {
					t.Fatalf("interval %d: scratch left non-empty", k)
				}
				if k >= tc.exposeAt && tc.exposeAt >= 0 || k == 99 {
					if got := h.dense(); *got != run {
						t.Fatalf("interval %d: run Histogram differs (count %d, want %d)", k, got.n, run.n)
					}
				}
			}
		})
	}
}

// TestFnHistRecordAllocs checks that recording into a function's histograms allocates nothing once
// its buffer has grown.
func TestFnHistRecordAllocs(t *testing.T) {
	var h fnHist
	var scratch Histogram
	var merged []uint64
	interval := func() {
		for i := range 100 {
			h.record(int64(i) * 1e6)
		}
		h.closeInterval(&scratch, &merged)
	}
	for range 50 {
		interval()
	}
	if n := testing.AllocsPerRun(100, interval); n != 0 {
		t.Errorf("an interval of 100 values allocates %v times, want 0", n)
	}
}

// TestFnHistRewind checks that rewinding an fnHist to the mark taken at an interval's start undoes
// the interval's records exactly: the fnHist then equals (reflect.DeepEqual) a twin that recorded
// the same intervals before and nothing in this one, whether the interval stayed buffered, was
// dense already, or switched to dense counts with earlier intervals' values pending or with the
// run's counts dense already (handed out).
func TestFnHistRewind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []int // values recorded in each interval before the mark
		after  int   // values recorded in the interval rewound
		expose bool  // hand the run's Histogram out before the mark
	}{
		{"buffered", []int{30, 40}, 100, false},
		{"to-dense", []int{60, 60, 60}, fnHistDense + 50, false},
		{"to-dense-flushed", []int{200, 200, 20}, fnHistDense + 1, false},
		{"to-dense-exposed", []int{60, 60}, fnHistDense + 50, true},
		{"dense", []int{60, 2 * fnHistDense}, 2 * fnHistDense, false},
		{"dense-idle", []int{2 * fnHistDense}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			value := func() int64 { return int64(1e8 * (1 + rng.NormFloat64()/3)) }
			var h, twin fnHist
			var scratch Histogram
			var merged []uint64
			for _, n := range tc.before {
				for range n {
					v := value()
					h.record(v)
					twin.record(v)
				}
				h.closeInterval(&scratch, &merged)
				twin.closeInterval(&scratch, &merged)
			}
			if tc.expose {
				h.dense()
				twin.dense()
			}
			m := h.mark()
			for range tc.after {
				h.record(value())
			}
			h.rewind(m)
			if !reflect.DeepEqual(h, twin) {
				t.Errorf("rewound %+v\nwant %+v", h, twin)
			}
		})
	}
}
