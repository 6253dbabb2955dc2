package workload

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file reads and writes the Azure Functions traces released by Microsoft
// in the Azure Public Dataset (CC BY 4.0):
//
//   - 2019 ("Serverless in the Wild", Shahrad et al., USENIX ATC 2020):
//     per-function invocation counts per minute of one day, with per-function
//     execution-time percentiles and per-app memory percentiles;
//   - 2021 (Zhang et al., SOSP 2021): one row per invocation.

// FunctionID identifies a function in the Azure traces (anonymised hashes).
type FunctionID struct {
	Owner    string // HashOwner
	App      string // HashApp
	Function string // HashFunction
}

// FunctionCounts is one row of an Azure 2019 invocations file: a function's
// invocations per minute.
type FunctionCounts struct {
	FunctionID
	// Trigger is the trigger type (http, queue, timer, event, orchestration,
	// storage, others); empty in the re-keyed variant, which has none.
	Trigger string
	// Series has a 1-minute step; its Start is the day passed to the reader
	// plus the first minute column's offset.
	Series Series
}

const (
	az19Owner    = "HashOwner"
	az19App      = "HashApp"
	az19Function = "HashFunction"
	az19Trigger  = "Trigger"
	maxMinute    = 100_000_000 // about 190 years of minutes; keeps times far from overflow
)

// ReadAzure2019Invocations reads an Azure Functions 2019 per-minute
// invocations file (invocations_per_function_md.anon.dNN.csv). Two layouts
// are accepted:
//
//   - the original: HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440
//     (minute columns may be any consecutive range, such as 480..959);
//   - the variant re-keyed by the invitro load generator:
//     HashFunction,HashApp,HashOwner,minute_1,minute_2,... (no Trigger).
//
// The trace does not record its date: day is the start of minute 1, and a
// file whose first minute column is m starts at day+(m−1) minutes. Counts
// must be whole numbers >= 0. Malformed input gives a *ParseError with the
// line and column.
func ReadAzure2019Invocations(ctx context.Context, r io.Reader, day time.Time) ([]FunctionCounts, error) {
	t, err := newTable(ctx, r)
	if err != nil {
		return nil, err
	}
	h := t.header
	var keys []string // header names of owner, app, function, trigger (or "")
	var prefix string
	switch {
	case len(h) >= 4 && h[0] == az19Owner && h[1] == az19App && h[2] == az19Function && h[3] == az19Trigger:
		keys, prefix = h[:4], ""
	case len(h) >= 3 && h[0] == az19Function && h[1] == az19App && h[2] == az19Owner:
		keys, prefix = []string{az19Owner, az19App, az19Function}, "minute_"
	default:
		return nil, &ParseError{Line: 1, Err: fmt.Errorf("header %q, want HashOwner,HashApp,HashFunction,Trigger,1,2,... or HashFunction,HashApp,HashOwner,minute_1,...", truncate(strings.Join(h, ","), 120))}
	}
	idx, err := t.require(keys...)
	if err != nil {
		return nil, err
	}
	first := len(keys)
	if len(h) == first {
		return nil, &ParseError{Line: 1, Err: errors.New("no minute columns")}
	}
	var m0 int
	for i := first; i < len(h); i++ {
		label, ok := strings.CutPrefix(h[i], prefix)
		m, err := strconv.Atoi(label)
		if !ok || err != nil || m < 1 || m > maxMinute {
			return nil, &ParseError{Line: 1, Column: i + 1, Err: fmt.Errorf("minute column %q, want %sa minute number in [1, %d]", truncate(h[i], 40), prefix, maxMinute)}
		}
		if i == first {
			m0 = m
		} else if m != m0+(i-first) {
			return nil, &ParseError{Line: 1, Column: i + 1, Err: fmt.Errorf("minute column %q, want %s%d (consecutive minutes)", truncate(h[i], 40), prefix, m0+(i-first))}
		}
	}
	start := day.Add(time.Duration(m0-1) * time.Minute)
	var out []FunctionCounts
	err = t.each(func(rec []string) error {
		fc := FunctionCounts{FunctionID: FunctionID{Owner: rec[idx[0]], App: rec[idx[1]], Function: rec[idx[2]]}}
		if len(idx) == 4 {
			fc.Trigger = rec[idx[3]]
		}
		counts := make([]float64, len(h)-first)
		for k := range counts {
			var err error
			if counts[k], err = t.count(first + k); err != nil {
				return err
			}
		}
		fc.Series = Series{Start: start, Step: time.Minute, Counts: counts}
		out = append(out, fc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteAzure2019Invocations writes fs in the original 2019 layout
// (HashOwner,HashApp,HashFunction,Trigger,m0,m0+1,...). All series must share
// one Start at a whole minute at or after day, a 1-minute Step and one length
// >= 1, and hold whole counts; the minute labels are counted from day
// (minute 1 starts at day).
func WriteAzure2019Invocations(w io.Writer, day time.Time, fs []FunctionCounts) error {
	if len(fs) == 0 {
		return errors.New("workload: no functions to write, want at least one (the minute columns come from the series)")
	}
	s0 := fs[0].Series
	off := s0.Start.Sub(day)
	if off < 0 || off%time.Minute != 0 {
		return fmt.Errorf("workload: functions[0].Series.Start = %v is %v after day %v, want a whole number of minutes >= 0", s0.Start, off, day)
	}
	if s0.Len() == 0 {
		return errors.New("workload: functions[0].Series is empty, want at least one minute")
	}
	m0 := int(off/time.Minute) + 1
	if last := int64(off/time.Minute) + int64(s0.Len()); last > maxMinute {
		return fmt.Errorf("workload: the series end at minute %d after day, want at most %d", last, maxMinute)
	}
	for k, f := range fs {
		s := f.Series
		if err := s.Validate(); err != nil {
			return fmt.Errorf("functions[%d]: %w", k, err)
		}
		if !s.Start.Equal(s0.Start) || s.Step != time.Minute || s.Len() != s0.Len() {
			return fmt.Errorf("workload: functions[%d].Series is on grid (%v, %v, %d), want (%v, 1m0s, %d)", k, s.Start, s.Step, s.Len(), s0.Start, s0.Len())
		}
		for i, c := range s.Counts {
			if c != math.Trunc(c) {
				return fmt.Errorf("workload: functions[%d].Series.Counts[%d] = %v, want a whole number", k, i, c)
			}
		}
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		rec := []string{az19Owner, az19App, az19Function, az19Trigger}
		for i := range s0.Len() {
			rec = append(rec, strconv.Itoa(m0+i))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		for _, f := range fs {
			rec = append(rec[:0], f.Owner, f.App, f.Function, f.Trigger)
			for _, c := range f.Series.Counts {
				rec = append(rec, formatFloat(c))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// DurationPercentiles is one row of an Azure 2019 function_durations_percentiles
// file: a function's execution times over the day, in milliseconds. In the
// original trace they are averages over 30-second windows and do not include
// cold starts, so the percentiles are of those window averages.
type DurationPercentiles struct {
	FunctionID
	Count                            int64   // executions
	Average, Minimum, Maximum        float64 // ms
	P0, P1, P25, P50, P75, P99, P100 float64 // percentiles of the window averages, ms
}

// durationColumns returns the columns of a durations file in the original order.
func durationColumns() []string {
	return []string{
		az19Owner, az19App, az19Function, "Average", "Count", "Minimum", "Maximum",
		"percentile_Average_0", "percentile_Average_1", "percentile_Average_25", "percentile_Average_50",
		"percentile_Average_75", "percentile_Average_99", "percentile_Average_100",
	}
}

func (d *DurationPercentiles) floats() []*float64 {
	return []*float64{&d.Average, nil, &d.Minimum, &d.Maximum, &d.P0, &d.P1, &d.P25, &d.P50, &d.P75, &d.P99, &d.P100}
}

// ReadAzure2019Durations reads an Azure 2019 function_durations_percentiles
// file. Columns are found by name (the original order and the invitro variant,
// which puts HashFunction first and Count before Average, both work); the
// required ones are HashOwner, HashApp, HashFunction, Average, Count, Minimum,
// Maximum and percentile_Average_{0,1,25,50,75,99,100}; others are ignored.
// Values must be numbers >= 0, Count a whole number. Malformed input gives a
// *ParseError with the line and column.
func ReadAzure2019Durations(ctx context.Context, r io.Reader) ([]DurationPercentiles, error) {
	t, err := newTable(ctx, r)
	if err != nil {
		return nil, err
	}
	idx, err := t.require(durationColumns()...)
	if err != nil {
		return nil, err
	}
	var out []DurationPercentiles
	err = t.each(func(rec []string) error {
		d := DurationPercentiles{FunctionID: FunctionID{Owner: rec[idx[0]], App: rec[idx[1]], Function: rec[idx[2]]}}
		if err := t.percentileValues(idx[3:], &d.Count, d.floats()); err != nil {
			return err
		}
		if err := d.check(); err != nil {
			return &ParseError{Line: t.line, Err: err}
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// check reports a row whose values contradict each other: Minimum above Maximum, or percentiles
// that decrease.
func (d *DurationPercentiles) check() error {
	if d.Minimum > d.Maximum {
		return fmt.Errorf("Minimum = %v > Maximum = %v, want Minimum <= Maximum", d.Minimum, d.Maximum)
	}
	return nonDecreasing("percentile_Average_", []string{"0", "1", "25", "50", "75", "99", "100"},
		[]float64{d.P0, d.P1, d.P25, d.P50, d.P75, d.P99, d.P100})
}

// nonDecreasing reports the first of the percentile values vs (named prefix+names[k]) that is
// below the one before it.
func nonDecreasing(prefix string, names []string, vs []float64) error {
	for k := 1; k < len(vs); k++ {
		if vs[k] < vs[k-1] {
			return fmt.Errorf("%s%s = %v < %s%s = %v, want percentiles non-decreasing", prefix, names[k], vs[k], prefix, names[k-1], vs[k-1])
		}
	}
	return nil
}

// WriteAzure2019Durations writes ds in the original column order
// (HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,...).
func WriteAzure2019Durations(w io.Writer, ds []DurationPercentiles) error {
	for k := range ds {
		if err := checkPercentileRow(fmt.Sprintf("durations[%d]", k), "Count", ds[k].Count, ds[k].floats()); err != nil {
			return err
		}
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		if err := cw.Write(durationColumns()); err != nil {
			return err
		}
		for k := range ds {
			d := &ds[k]
			rec := appendPercentileValues([]string{d.Owner, d.App, d.Function}, d.Count, d.floats())
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// MemoryPercentiles is one row of an Azure 2019 app_memory_percentiles file:
// an application's allocated memory, in MB, sampled over the day.
type MemoryPercentiles struct {
	Owner, App string
	// Function is set only by the per-function variant of the invitro load
	// generator (which divides an app's memory evenly among its functions);
	// the original file is per app.
	Function                              string
	SampleCount                           int64   // samples
	Average                               float64 // AverageAllocatedMb
	P1, P5, P25, P50, P75, P95, P99, P100 float64 // AverageAllocatedMb_pctNN
}

// memoryColumns returns the value columns of a memory file in the original order.
func memoryColumns() []string {
	return []string{
		"SampleCount", "AverageAllocatedMb", "AverageAllocatedMb_pct1", "AverageAllocatedMb_pct5",
		"AverageAllocatedMb_pct25", "AverageAllocatedMb_pct50", "AverageAllocatedMb_pct75",
		"AverageAllocatedMb_pct95", "AverageAllocatedMb_pct99", "AverageAllocatedMb_pct100",
	}
}

func (m *MemoryPercentiles) floats() []*float64 {
	return []*float64{nil, &m.Average, &m.P1, &m.P5, &m.P25, &m.P50, &m.P75, &m.P95, &m.P99, &m.P100}
}

// ReadAzure2019Memory reads an Azure 2019 app_memory_percentiles file.
// Columns are found by name: HashOwner, HashApp, SampleCount,
// AverageAllocatedMb and AverageAllocatedMb_pct{1,5,25,50,75,95,99,100} are
// required, HashFunction is optional (invitro's per-function variant); others
// are ignored. Malformed input gives a *ParseError with the line and column.
func ReadAzure2019Memory(ctx context.Context, r io.Reader) ([]MemoryPercentiles, error) {
	t, err := newTable(ctx, r)
	if err != nil {
		return nil, err
	}
	keys, err := t.require(az19Owner, az19App)
	if err != nil {
		return nil, err
	}
	idx, err := t.require(memoryColumns()...)
	if err != nil {
		return nil, err
	}
	fi, hasFunction := t.col[az19Function]
	var out []MemoryPercentiles
	err = t.each(func(rec []string) error {
		m := MemoryPercentiles{Owner: rec[keys[0]], App: rec[keys[1]]}
		if hasFunction {
			m.Function = rec[fi]
		}
		if err := t.percentileValues(idx, &m.SampleCount, m.floats()); err != nil {
			return err
		}
		if err := nonDecreasing("AverageAllocatedMb_pct", []string{"1", "5", "25", "50", "75", "95", "99", "100"},
			[]float64{m.P1, m.P5, m.P25, m.P50, m.P75, m.P95, m.P99, m.P100}); err != nil {
			return &ParseError{Line: t.line, Err: err}
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteAzure2019Memory writes ms in the original column order
// (HashOwner,HashApp,SampleCount,AverageAllocatedMb,...), with a HashFunction
// column after HashApp when any row has a Function.
func WriteAzure2019Memory(w io.Writer, ms []MemoryPercentiles) error {
	withFunction := slices.ContainsFunc(ms, func(m MemoryPercentiles) bool { return m.Function != "" })
	for k := range ms {
		if err := checkPercentileRow(fmt.Sprintf("memory[%d]", k), "SampleCount", ms[k].SampleCount, ms[k].floats()); err != nil {
			return err
		}
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		head := []string{az19Owner, az19App}
		if withFunction {
			head = append(head, az19Function)
		}
		if err := cw.Write(append(head, memoryColumns()...)); err != nil {
			return err
		}
		for k := range ms {
			m := &ms[k]
			rec := []string{m.Owner, m.App}
			if withFunction {
				rec = append(rec, m.Function)
			}
			rec = appendPercentileValues(rec, m.SampleCount, m.floats())
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkPercentileRow checks a durations or memory row before it is written: the count (named
// countName) and every value must be >= 0, the values finite. fields is the row's floats() (nil
// marks the count's column).
func checkPercentileRow(row, countName string, count int64, fields []*float64) error {
	if count < 0 {
		return fmt.Errorf("workload: %s.%s = %d, want >= 0", row, countName, count)
	}
	for _, p := range fields {
		if p != nil {
			if err := finiteNonNeg(row+" value", *p); err != nil {
				return err
			}
		}
	}
	return nil
}

// percentileValues reads the value columns of a durations or memory row, the
// reverse of appendPercentileValues: column idx[k] goes to fields[k], or to
// count (a whole number) where fields[k] is nil.
func (t *table) percentileValues(idx []int, count *int64, fields []*float64) error {
	for k, p := range fields {
		var err error
		if p == nil {
			*count, err = t.int64(idx[k])
		} else {
			*p, err = t.float(idx[k])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// appendPercentileValues appends the value columns of a durations or memory row to rec: the count
// where fields holds nil, each float elsewhere, in fields' order.
func appendPercentileValues(rec []string, count int64, fields []*float64) []string {
	for _, p := range fields {
		if p == nil {
			rec = append(rec, strconv.FormatInt(count, 10))
			continue
		}
		rec = append(rec, formatFloat(*p))
	}
	return rec
}

// Invocation is one row of the Azure Functions 2021 invocation trace
// (AzureFunctionsInvocationTraceForTwoWeeksJan2021): an invocation's end time
// as an offset from the start of the trace, and its duration.
type Invocation struct {
	App, Function string
	End           time.Duration // end_timestamp
	Duration      time.Duration // duration
}

// Start returns when the invocation arrived: End − Duration.
func (i Invocation) Start() time.Duration { return i.End - i.Duration }

// ReadAzure2021 reads the Azure Functions 2021 per-invocation trace: header
// app,func,end_timestamp,duration, times in seconds (decimals are read
// exactly to the nanosecond). Both times must be >= 0. Rows are returned in
// file order; GroupByFunction sorts them into per-function arrivals.
// Malformed input gives a *ParseError with the line and column.
func ReadAzure2021(ctx context.Context, r io.Reader) ([]Invocation, error) {
	t, err := newTable(ctx, r)
	if err != nil {
		return nil, err
	}
	idx, err := t.require("app", "func", "end_timestamp", "duration")
	if err != nil {
		return nil, err
	}
	var out []Invocation
	err = t.each(func(rec []string) error {
		inv := Invocation{App: rec[idx[0]], Function: rec[idx[1]]}
		var ok bool
		if inv.End, ok = parseSeconds(rec[idx[2]]); !ok {
			return t.errAt(idx[2], "value %q, want seconds >= 0", truncate(rec[idx[2]], 40))
		}
		if inv.Duration, ok = parseSeconds(rec[idx[3]]); !ok {
			return t.errAt(idx[3], "value %q, want seconds >= 0", truncate(rec[idx[3]], 40))
		}
		out = append(out, inv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteAzure2021 writes invs as app,func,end_timestamp,duration rows, times in
// decimal seconds exact to the nanosecond.
func WriteAzure2021(w io.Writer, invs []Invocation) error {
	for k, inv := range invs {
		if inv.End < 0 || inv.Duration < 0 {
			return fmt.Errorf("workload: invocations[%d] End = %v, Duration = %v, want both >= 0", k, inv.End, inv.Duration)
		}
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		if err := cw.Write([]string{"app", "func", "end_timestamp", "duration"}); err != nil {
			return err
		}
		for _, inv := range invs {
			if err := cw.Write([]string{inv.App, inv.Function, formatSeconds(inv.End), formatSeconds(inv.Duration)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// FunctionTrace is one function's invocations from a per-invocation trace,
// sorted by arrival (Start).
type FunctionTrace struct {
	App, Function string
	// Starts are the arrival offsets (End − Duration) from the start of the
	// trace, non-decreasing. An invocation that began before the trace did has
	// a negative start.
	Starts []time.Duration
	// Durations[k] is the duration of the invocation that arrived at Starts[k].
	Durations []time.Duration
}

// GroupByFunction splits invocations by (App, Function), sorted by App then
// Function, each with its invocations sorted by start (ties keep file order).
func GroupByFunction(invs []Invocation) []FunctionTrace {
	type key struct{ app, fn string }
	pos := map[key]int{}
	var out []FunctionTrace
	sorted := slices.Clone(invs)
	slices.SortStableFunc(sorted, func(a, b Invocation) int {
		return cmp.Or(cmp.Compare(a.App, b.App), cmp.Compare(a.Function, b.Function), cmp.Compare(a.Start(), b.Start()))
	})
	for _, inv := range sorted {
		k := key{inv.App, inv.Function}
		i, ok := pos[k]
		if !ok {
			i = len(out)
			pos[k] = i
			out = append(out, FunctionTrace{App: inv.App, Function: inv.Function})
		}
		out[i].Starts = append(out[i].Starts, inv.Start())
		out[i].Durations = append(out[i].Durations, inv.Duration)
	}
	return out
}

// Arrivals returns the function's exact arrival instants as a stream (see
// TimestampArrivals); it fails if an invocation began before the trace.
func (f FunctionTrace) Arrivals() (Arrivals, error) { return TimestampArrivals(f.Starts) }

// Series bins the function's arrivals into n intervals of the given step from
// the trace's start, which is placed at start. n = 0 means just enough
// intervals to hold the last arrival. An arrival outside [0, n·step) is an
// error (no arrival is silently dropped).
func (f FunctionTrace) Series(start time.Time, step time.Duration, n int) (Series, error) {
	if step <= 0 {
		return Series{}, fmt.Errorf("workload: step = %v, want > 0", step)
	}
	if n < 0 {
		return Series{}, fmt.Errorf("workload: n = %d, want >= 0 (0 = up to the last arrival)", n)
	}
	if n == 0 && len(f.Starts) > 0 {
		last := f.Starts[len(f.Starts)-1] / step
		if last >= MaxIntervals {
			return Series{}, fmt.Errorf("workload: the last arrival of %s/%s, at %v, needs %d intervals of %v, want at most %d (MaxIntervals)", f.App, f.Function, f.Starts[len(f.Starts)-1], int64(last)+1, step, MaxIntervals)
		}
		n = int(last) + 1
	}
	a, err := f.Arrivals()
	if err != nil {
		return Series{}, err
	}
	s, outside, err := Bin(a, start, step, n)
	if err != nil {
		return Series{}, err
	}
	if outside > 0 {
		return Series{}, fmt.Errorf("workload: %d arrivals of %s/%s fall after %d intervals of %v, want n larger (or 0)", outside, f.App, f.Function, n, step)
	}
	return s, nil
}

// quantile interpolates linearly between (probability, value) knots with
// increasing probabilities covering [0, 1].
func quantile(p float64, ps, vs []float64) (float64, error) {
	if !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("workload: p = %v, want a value in [0, 1]", p)
	}
	for k := 1; k < len(ps); k++ {
		if p <= ps[k] {
			f := (p - ps[k-1]) / (ps[k] - ps[k-1])
			return vs[k-1] + f*(vs[k]-vs[k-1]), nil
		}
	}
	return vs[len(vs)-1], nil
}

// Quantile returns the execution time (ms) at probability p in [0, 1],
// interpolating linearly between the trace's percentiles 0, 1, 25, 50, 75, 99
// and 100. A simulator draws execution times with Quantile(rng.Float64()).
// As the trace's percentiles are of 30-second window averages, the result
// under-represents the spread of single executions.
func (d DurationPercentiles) Quantile(p float64) (float64, error) {
	return quantile(p, []float64{0, 0.01, 0.25, 0.5, 0.75, 0.99, 1},
		[]float64{d.P0, d.P1, d.P25, d.P50, d.P75, d.P99, d.P100})
}

// Quantile returns the allocated memory (MB) at probability p in [0, 1],
// interpolating linearly between the trace's percentiles 1, 5, 25, 50, 75,
// 95, 99 and 100; below the 1st percentile it returns P1 (the trace has no
// minimum).
func (m MemoryPercentiles) Quantile(p float64) (float64, error) {
	return quantile(p, []float64{0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1},
		[]float64{m.P1, m.P1, m.P5, m.P25, m.P50, m.P75, m.P95, m.P99, m.P100})
}
