package lambdasim

import "github.com/lambdatune/lambdatune"

// Sizes of an fnHist's buffer of bucket indexes.
const (
	// fnHistDense is how many values one interval may buffer: a function that records more in an
	// interval counts into dense Histograms from then on (its records then share the lines of a
	// dense Histogram, and summarising and merging its buffer would cost more than counting).
	fnHistDense = fnHistBuffer / 2
	// fnHistBuffer is the buffer's capacity: past intervals' values are merged into the run's
	// sparse counts when they fill half of it, so that it never grows.
	fnHistBuffer = 512
	// fnHistSparseMax bounds the run's count while it is sparse (a count takes 48 bits there).
	fnHistSparseMax = 1 << 47
)

// fnHist is one of the event model's per-function histograms (duration or latency): the current
// interval's and the whole run's, with the results of two Histograms (the interval's recorded,
// summarised, merged into the run's and reset) bit for bit, in a few KB rather than two dense
// Histograms. A function of a large fleet records a few values a minute; dense Histograms would
// put every record on a cold cache line.
//
// Values are kept as bucket indexes (pending) in the order recorded; closing an interval counts
// its indexes into a scratch Histogram shared by all functions (hot in the cache) to summarise
// them, and when the buffer is half full the past intervals' indexes are merged into the run's
// counts, kept sparse. A function that records more than fnHistDense values in one interval
// counts into dense Histograms, the interval's and the run's, from then on. Handing the run's
// Histogram out (dense, for Sim.Latency and Sim.Duration) makes the run's counts dense and kept
// current every interval.
type fnHist struct {
	iv, run histSummary // the current interval's values; the run's, up to the last interval
	// pending holds the bucket indexes of values not yet in the run's counts, those of the
	// current interval from ivAt on.
	pending []uint16
	ivAt    int
	// sparse is the run's counts while runH is nil, one per bucket in use in ascending order:
	// bucket<<48 | count.
	sparse []uint64
	runH   *Histogram // the run's counts and summary, once dense
	ivH    *Histogram // the current interval's counts once dense (its summary is iv)
}

// record adds value ns (negative values count as 0) to the current interval.
func (h *fnHist) record(ns int64) {
	ns = max(ns, 0)
	h.iv.record(ns)
	i := histIndex(ns)
	if h.ivH != nil {
		h.ivH.counts[i]++
		return
	}
	if len(h.pending)-h.ivAt >= fnHistDense {
		h.toDense()
		h.ivH.counts[i]++
		return
	}
	if h.pending == nil {
		h.pending = make([]uint16, 0, fnHistBuffer)
	}
	h.pending = append(h.pending, uint16(i))
}

// toDense moves the current interval's values into a dense Histogram and the run's into another.
func (h *fnHist) toDense() {
	h.ivH = new(Histogram)
	for _, b := range h.pending[h.ivAt:] {
		h.ivH.counts[b]++
	}
	h.pending = h.pending[:h.ivAt]
	h.dense()
}

// dense returns the run's Histogram with the values of the intervals closed so far, making it
// dense (and from then on kept current) if it is not. The current interval must have no pending
// values.
func (h *fnHist) dense() *Histogram {
	if h.runH == nil {
		h.runH = new(Histogram)
		for _, e := range h.sparse {
			h.runH.counts[e>>48] += e & (1<<48 - 1)
		}
		h.sparse = nil
	}
	for _, b := range h.pending {
		h.runH.counts[b]++
	}
	h.pending, h.ivAt = h.pending[:0], 0
	h.runH.histSummary = h.run
	return h.runH
}

// runDistribution returns the run's distribution so far, as the run's Histogram gives it, using
// scratch (empty, left empty) while the run's counts are sparse. Like dense, it must not be called
// with pending values of the current interval.
func (h *fnHist) runDistribution(scratch *Histogram) lambdatune.Distribution {
	if h.runH != nil {
		return h.dense().Distribution()
	}
	for _, e := range h.sparse {
		scratch.counts[e>>48] += e & (1<<48 - 1)
	}
	for _, b := range h.pending {
		scratch.counts[b]++
	}
	scratch.histSummary = h.run
	d := scratch.Distribution()
	scratch.Reset()
	return d
}

// closeInterval returns the current interval's distribution, adds its values to the run's and
// starts the next interval. scratch is an empty Histogram, left empty; merged is a buffer for the
// sparse counts.
func (h *fnHist) closeInterval(scratch *Histogram, merged *[]uint64) lambdatune.Distribution {
	var d lambdatune.Distribution
	switch {
	case h.ivH != nil:
		h.ivH.histSummary = h.iv
		d = h.ivH.Distribution()
		h.runH.addCounts(h.ivH)
		h.ivH.Reset()
	case h.iv.n > 0:
		for _, b := range h.pending[h.ivAt:] {
			scratch.counts[b]++
		}
		scratch.histSummary = h.iv
		d = scratch.Distribution()
		scratch.Reset()
	}
	h.run.merge(h.iv)
	h.iv = histSummary{}
	h.ivAt = len(h.pending)
	switch {
	case h.runH != nil || h.run.n >= fnHistSparseMax:
		h.dense()
	case len(h.pending) >= cap(h.pending)/2:
		h.flush(scratch, merged)
	}
	return d
}

// flush merges the pending values (of closed intervals) into the sparse counts, counting them in
// scratch (empty, left empty) first.
func (h *fnHist) flush(scratch *Histogram, merged *[]uint64) {
	for _, b := range h.pending {
		scratch.counts[b]++
	}
	out, sp, j := (*merged)[:0], h.sparse, 0
	for i, hi := histIndex(h.run.min), histIndex(h.run.max); i <= hi; i++ {
		c := scratch.counts[i]
		if c == 0 {
			continue
		}
		scratch.counts[i] = 0
		for j < len(sp) && int(sp[j]>>48) < i {
			out = append(out, sp[j])
			j++
		}
		if j < len(sp) && int(sp[j]>>48) == i {
			out = append(out, sp[j]+c)
			j++
		} else {
			out = append(out, uint64(i)<<48|c)
		}
	}
	out = append(out, sp[j:]...)
	h.sparse = append(h.sparse[:0], out...)
	*merged = out
	h.pending, h.ivAt = h.pending[:0], 0
}

// histMark is what rewind needs to undo an interval's records: how many values were pending,
// the run's sparse counts and whether the run's and the interval's counts were dense.
type histMark struct {
	pending           int
	sparse            []uint64
	runDense, ivDense bool
}

// mark returns the mark to rewind to. It is taken at an interval's start, before anything is
// recorded in it (the interval's summary is empty, its pending values and dense counts none).
func (h *fnHist) mark() histMark {
	return histMark{pending: len(h.pending), sparse: h.sparse, runDense: h.runH != nil, ivDense: h.ivH != nil}
}

// rewind undoes every record since mark m was taken: recording only appends to pending (whose
// values below m.pending it leaves alone), adds to the summary and the interval's dense counts,
// or switches to dense counts once (toDense), which rewind undoes, dropping the new Histograms.
func (h *fnHist) rewind(m histMark) {
	switch {
	case h.ivH == nil: // still buffered
	case m.ivDense: // the interval's counts were dense and empty: clear what the records added
		if h.iv.n > 0 {
			clear(h.ivH.counts[histIndex(h.iv.min) : histIndex(h.iv.max)+1])
		}
	case !m.runDense: // toDense made the run's counts dense from the sparse and pending ones
		h.ivH, h.runH, h.sparse = nil, nil, m.sparse
	default: // toDense; the run's counts were dense, so no values were pending for them to take
		h.ivH = nil
	}
	h.iv = histSummary{}
	h.pending, h.ivAt = h.pending[:m.pending], m.pending
}
