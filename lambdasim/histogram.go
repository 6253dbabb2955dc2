package lambdasim

import (
	"math"
	"math/bits"
	"time"

	"github.com/lambdatune/lambdatune"
)

// Histogram layout: values in nanoseconds; below 128 ns each value has its own bucket; above, each
// power of two is split into 64 equal buckets, so a bucket's width is at most 1/64 of its lower bound
// and its midpoint is within 1/128 (0.79 %) of every value in it.
const (
	histSubBits = 6
	histSub     = 1 << histSubBits // 64
	// histBuckets covers every non-negative int64: the top bucket index is (56+1)*64 + 63.
	histBuckets = (63-histSubBits)*histSub + histSub
)

// HistogramRelativeError bounds the relative error of Histogram quantiles: every quantile is within
// this fraction of a value that was recorded at that rank.
const HistogramRelativeError = 1.0 / (2 * histSub)

// Histogram is a log-bucketed histogram of durations with relative error at most
// HistogramRelativeError (0.79 %), in the style of HdrHistogram and DDSketch: fixed memory (about
// 30 KB), Record in a few nanoseconds without allocating, and mergeable (Merge adds two histograms
// exactly, so per-interval histograms combine into hourly or whole-run percentiles). The mean and the
// maximum are exact. The zero value is empty and ready to use.
type Histogram struct {
	counts [histBuckets]uint64
	histSummary
}

// histSummary is the exact part of a histogram: the count, sum, minimum and maximum of the values
// recorded. The non-zero buckets lie between the indexes of min and max.
type histSummary struct {
	n        uint64
	sum      float64 // nanoseconds
	min, max int64
}

// record adds value ns (≥ 0).
func (s *histSummary) record(ns int64) {
	if s.n == 0 {
		s.min, s.max = ns, ns
	} else if ns < s.min {
		s.min = ns
	} else if ns > s.max {
		s.max = ns
	}
	s.n++
	s.sum += float64(ns)
}

// merge adds the values summarised by o.
func (s *histSummary) merge(o histSummary) {
	if o.n == 0 {
		return
	}
	if s.n == 0 {
		s.min, s.max = o.min, o.max
	} else {
		s.min, s.max = min(s.min, o.min), max(s.max, o.max)
	}
	s.n += o.n
	s.sum += o.sum
}

func histIndex(v int64) int {
	if v < 2*histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - histSubBits - 1
	return (shift+1)*histSub + int(uint64(v)>>uint(shift)) - histSub
}

// histMid returns the midpoint of bucket i, in nanoseconds.
func histMid(i int) float64 {
	if i < 2*histSub {
		return float64(i)
	}
	shift := i/histSub - 1
	top := uint64(i%histSub + histSub)
	lo := top << uint(shift)
	return float64(lo) + float64(uint64(1)<<uint(shift))/2
}

// Record adds one value in nanoseconds (negative values count as 0).
func (h *Histogram) Record(ns int64) {
	if ns < 0 {
		ns = 0
	}
	h.counts[histIndex(ns)]++
	h.histSummary.record(ns)
}

// RecordDuration adds one duration.
func (h *Histogram) RecordDuration(d time.Duration) { h.Record(int64(d)) }

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the exact mean (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Max returns the exact maximum (0 when empty).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Min returns the exact minimum (0 when empty).
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method, within
// HistogramRelativeError of the recorded value at that rank; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	return time.Duration(h.quantileNs(q))
}

func (h *Histogram) quantileNs(q float64) float64 {
	if h.n == 0 || math.IsNaN(q) {
		return 0
	}
	if q <= 0 {
		return float64(h.min)
	}
	if q >= 1 {
		return float64(h.max)
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var cum uint64
	for i, hi := histIndex(h.min), histIndex(h.max); i <= hi; i++ {
		cum += h.counts[i]
		if cum >= rank {
			v := histMid(i)
			return math.Min(math.Max(v, float64(h.min)), float64(h.max))
		}
	}
	return float64(h.max)
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	h.addCounts(o)
	h.histSummary.merge(o.histSummary)
}

// addCounts adds o's bucket counts to h's, leaving h's summary as it is.
func (h *Histogram) addCounts(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, hi := histIndex(o.min), histIndex(o.max); i <= hi; i++ {
		h.counts[i] += o.counts[i]
	}
}

// Reset empties the histogram, keeping its memory.
func (h *Histogram) Reset() {
	if h.n > 0 {
		clear(h.counts[histIndex(h.min) : histIndex(h.max)+1])
	}
	h.histSummary = histSummary{}
}

// Distribution summarises the histogram in milliseconds as CloudWatch statistics: mean and maximum
// exact, p50/p90/p95/p99 within HistogramRelativeError. All fields are 0 when it is empty.
func (h *Histogram) Distribution() lambdatune.Distribution {
	if h.n == 0 {
		return lambdatune.Distribution{}
	}
	const ms = 1e6
	p := h.quantilesNs([4]float64{0.50, 0.90, 0.95, 0.99})
	return lambdatune.Distribution{
		Mean: h.sum / float64(h.n) / ms,
		P50:  p[0] / ms,
		P90:  p[1] / ms,
		P95:  p[2] / ms,
		P99:  p[3] / ms,
		Max:  float64(h.max) / ms,
	}
}

// quantilesNs returns quantileNs of each of qs, which must be ascending and in (0, 1), in one pass
// over the buckets. h must not be empty.
func (h *Histogram) quantilesNs(qs [4]float64) [4]float64 {
	var ranks [4]uint64
	for k, q := range qs {
		ranks[k] = max(uint64(math.Ceil(q*float64(h.n))), 1)
	}
	lo, hi := float64(h.min), float64(h.max)
	var v [4]float64
	k := 0
	var cum uint64
	for i, last := histIndex(h.min), histIndex(h.max); i <= last && k < len(ranks); i++ {
		cum += h.counts[i]
		for k < len(ranks) && cum >= ranks[k] {
			v[k] = math.Min(math.Max(histMid(i), lo), hi)
			k++
		}
	}
	for ; k < len(ranks); k++ {
		v[k] = hi
	}
	return v
}
