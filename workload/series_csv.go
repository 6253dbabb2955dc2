package workload

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// originalLayout is the timestamp layout of the original project's CSV (UTC).
const originalLayout = "2006-01-02 15:04:05"

// ReadOriginalCSV reads the original project's synthetic_invocations.csv: a
// header naming at least the columns "timestamp" (layout 2006-01-02 15:04:05,
// UTC, whole seconds) and "invocations" (a count >= 0); other columns are ignored (in the
// original they are random draws, not a simulation). Timestamps must be
// evenly spaced; the step is the spacing of the first two rows, so at least
// two rows are needed. Malformed input gives a *ParseError with the line and
// column.
func ReadOriginalCSV(ctx context.Context, r io.Reader) (Series, error) {
	return readTimeCounts(ctx, r, "timestamp", "invocations", func(s string) (time.Time, error) {
		t, err := time.Parse(originalLayout, s) // which also takes a fractional second: refuse it
		if err == nil && t.Nanosecond() != 0 {
			return time.Time{}, fmt.Errorf("timestamp %q has a fractional second; the original CSV's are whole seconds", s)
		}
		return t, err
	}, PlainCSVOptions{})
}

// WriteOriginalCSV writes s in the original project's format, reduced to the
// columns timestamp and invocations (ReadOriginalCSV reads both the full original
// file and this). Start (written in UTC) and Step must be whole seconds, as
// the format has no sub-second part.
func WriteOriginalCSV(w io.Writer, s Series) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.Start.Nanosecond() != 0 || s.Step%time.Second != 0 {
		return fmt.Errorf("workload: the original CSV has whole-second timestamps; Start = %v, Step = %v are not whole seconds", s.Start, s.Step)
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		if err := cw.Write([]string{"timestamp", "invocations"}); err != nil {
			return err
		}
		for i, c := range s.Counts {
			if err := cw.Write([]string{s.Time(i).UTC().Format(originalLayout), formatFloat(c)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// PlainCSVOptions controls ReadPlainCSV.
type PlainCSVOptions struct {
	// Step is the interval length. Zero means: infer it as the smallest gap
	// between consecutive timestamps (at least two rows are then needed).
	Step time.Duration
	// FillGaps fills missing intervals with 0, as monitoring systems such as
	// CloudWatch omit periods with no data. Without it a gap is an error.
	FillGaps bool
}

// ReadPlainCSV reads a user's own per-interval counts: a header with the
// columns "timestamp" and "count" (other columns are ignored), one row per
// interval. A timestamp is RFC 3339 (2024-01-01T00:05:00Z, with optional
// fractional seconds and offset) or "2006-01-02 15:04:05" taken as UTC. Counts
// are numbers >= 0 (fractions allowed). Timestamps must increase and lie on
// the grid of the first timestamp and the step; see PlainCSVOptions for
// missing intervals. Malformed input gives a *ParseError with the line and
// column.
func ReadPlainCSV(ctx context.Context, r io.Reader, opts PlainCSVOptions) (Series, error) {
	if opts.Step < 0 {
		return Series{}, fmt.Errorf("workload: PlainCSVOptions.Step = %v, want >= 0 (0 infers it)", opts.Step)
	}
	return readTimeCounts(ctx, r, "timestamp", "count", parsePlainTime, opts)
}

func parsePlainTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 (2024-01-01T00:05:00Z) or 2006-01-02 15:04:05 (UTC)")
	}
	return t, nil
}

// WritePlainCSV writes s as timestamp,count rows with RFC 3339 timestamps
// (nanosecond precision, in Start's location) and counts in their shortest
// exact form. ReadPlainCSV reads it back unchanged.
func WritePlainCSV(w io.Writer, s Series) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return writeCSV(w, func(cw *csv.Writer) error {
		if err := cw.Write([]string{"timestamp", "count"}); err != nil {
			return err
		}
		for i, c := range s.Counts {
			if err := cw.Write([]string{s.Time(i).Format(time.RFC3339Nano), formatFloat(c)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func readTimeCounts(ctx context.Context, r io.Reader, timeCol, countCol string, parse func(string) (time.Time, error), opts PlainCSVOptions) (Series, error) {
	t, err := newTable(ctx, r)
	if err != nil {
		return Series{}, err
	}
	idx, err := t.require(timeCol, countCol)
	if err != nil {
		return Series{}, err
	}
	ti, ci := idx[0], idx[1]
	type row struct {
		at    time.Time
		count float64
		line  int
	}
	var rows []row
	err = t.each(func(rec []string) error {
		at, err := parse(strings.TrimSpace(rec[ti]))
		if err != nil {
			return t.errAt(ti, "timestamp %q: %v", truncate(rec[ti], 40), err)
		}
		c, err := t.float(ci)
		if err != nil {
			return err
		}
		if len(rows) > 0 && !at.After(rows[len(rows)-1].at) {
			return t.errAt(ti, "timestamp %s is not after the previous one (%s), want increasing timestamps", at.Format(time.RFC3339Nano), rows[len(rows)-1].at.Format(time.RFC3339Nano))
		}
		rows = append(rows, row{at, c, t.line})
		return nil
	})
	if err != nil {
		return Series{}, err
	}
	if len(rows) == 0 {
		return Series{}, &ParseError{Line: 2, Err: errors.New("no data rows")}
	}
	// time.Time.Sub saturates beyond about 292 years; refuse such spans rather than compute a wrong step.
	if last := rows[len(rows)-1]; !rows[0].at.Add(last.at.Sub(rows[0].at)).Equal(last.at) {
		return Series{}, &ParseError{Line: last.line, Column: ti + 1, Field: timeCol, Err: fmt.Errorf("timestamps from %s to %s span more than a time.Duration holds (about 292 years)", rows[0].at.Format(time.RFC3339), last.at.Format(time.RFC3339))}
	}
	step := opts.Step
	if step == 0 {
		if len(rows) < 2 {
			return Series{}, &ParseError{Line: rows[0].line, Err: errors.New("one row: the interval length cannot be inferred, want at least two rows (or set the step)")}
		}
		step = time.Duration(math.MaxInt64)
		for k := 1; k < len(rows); k++ {
			step = min(step, rows[k].at.Sub(rows[k-1].at))
		}
		if !opts.FillGaps {
			step = rows[1].at.Sub(rows[0].at)
		}
	}
	start := rows[0].at
	// The span is at most about 292 years (checked above) and step >= 1 ns, so span/step fits an
	// int64; compare it with the bound before adding the first interval, which could overflow.
	n := len(rows)
	if span := rows[len(rows)-1].at.Sub(start) / step; opts.FillGaps {
		if span >= MaxIntervals {
			return Series{}, &ParseError{Line: rows[len(rows)-1].line, Err: fmt.Errorf("the data spans %d intervals of %v, want at most %d (MaxIntervals)", int64(span)+1, step, MaxIntervals)}
		}
		n = int(span) + 1
	}
	if n > MaxIntervals {
		return Series{}, &ParseError{Line: rows[len(rows)-1].line, Err: fmt.Errorf("the data spans %d intervals of %v, want at most %d (MaxIntervals)", n, step, MaxIntervals)}
	}
	counts := make([]float64, n)
	for k, rw := range rows {
		off := rw.at.Sub(start)
		if off%step != 0 {
			return Series{}, &ParseError{Line: rw.line, Column: ti + 1, Field: timeCol, Err: fmt.Errorf("timestamp %s is not on the grid of %s + k·%v", rw.at.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano), step)}
		}
		i := int(off / step)
		if !opts.FillGaps && i != k {
			return Series{}, &ParseError{Line: rw.line, Column: ti + 1, Field: timeCol, Err: fmt.Errorf("timestamp %s leaves a gap after %s (step %v), want consecutive intervals (PlainCSVOptions.FillGaps fills gaps with 0)", rw.at.Format(time.RFC3339Nano), rows[k-1].at.Format(time.RFC3339Nano), step)}
		}
		counts[i] = rw.count
	}
	return Series{Start: start, Step: step, Counts: counts}, nil
}
