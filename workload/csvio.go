package workload

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// ParseError reports malformed input to one of the readers: where it is
// (file, line, column) and what is wrong with it.
type ParseError struct {
	File   string // file name, set by ReadFile; empty for a plain io.Reader
	Line   int    // 1-based line number (0 if unknown)
	Column int    // 1-based CSV column (field) number; 0 if the error concerns the whole line
	Field  string // header name of the column, if known
	Err    error  // what is wrong
}

// Error formats the error as file:line:column: field "name": message.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("workload: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, "%d:", e.Column)
		}
	}
	if b.Len() > len("workload: ") {
		b.WriteByte(' ')
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "column %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// ReadFile opens path and passes it to read (one of this package's readers,
// or a closure over one with its extra arguments); a *ParseError it returns
// gets the file name, and other errors are wrapped with it. For example:
//
//	fs, err := workload.ReadFile(ctx, "invocations.csv", func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
//		return workload.ReadAzure2019Invocations(ctx, r, day)
//	})
func ReadFile[T any](ctx context.Context, path string, read func(context.Context, io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("workload: %w", err)
	}
	defer f.Close()
	v, err := read(ctx, f)
	if pe, ok := errors.AsType[*ParseError](err); ok {
		pe.File = path
		return zero, err
	}
	if err != nil {
		return zero, fmt.Errorf("workload: reading %s: %w", path, err)
	}
	return v, nil
}

// table reads a CSV file with a header line.
type table struct {
	ctx    context.Context
	r      *csv.Reader
	header []string
	col    map[string]int // header name → index
	rec    []string
	line   int // line of the current record
	rows   int // records read
}

// MaxHeaderBytes bounds the header line of the CSV readers (1 MiB, about 10,000 columns of
// Azure's 64-character hashes or 100,000 minute columns): a longer one is refused before it is
// read whole.
const MaxHeaderBytes = 1 << 20

// errHeaderTooLong is returned by headerLimit once the header has used up MaxHeaderBytes.
var errHeaderTooLong = fmt.Errorf("header line longer than %d bytes (MaxHeaderBytes)", MaxHeaderBytes)

// headerLimit passes reads through to r, at most left bytes while on (while the header is read).
type headerLimit struct {
	r    io.Reader
	left int
	on   bool
}

func (h *headerLimit) Read(p []byte) (int, error) {
	if !h.on {
		return h.r.Read(p)
	}
	if h.left <= 0 {
		return 0, errHeaderTooLong
	}
	n, err := h.r.Read(p[:min(len(p), h.left)])
	h.left -= n
	return n, err
}

// utf8BOM is the byte-order mark some tools (Excel, PowerShell) write before a CSV header.
const utf8BOM = "\ufeff"

func newTable(ctx context.Context, r io.Reader) (*table, error) {
	if r == nil {
		return nil, errors.New("workload: the reader is nil")
	}
	if ctx == nil {
		return nil, errors.New("workload: the context is nil")
	}
	// encoding/csv buffers 4 KiB ahead: allow that past the header's limit.
	lim := &headerLimit{r: r, left: MaxHeaderBytes + 4096, on: true}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1 // checked here, with a better message
	cr.ReuseRecord = true
	t := &table{ctx: ctx, r: cr, col: map[string]int{}}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Err: errors.New("empty input, want a header line")}
	}
	if errors.Is(err, errHeaderTooLong) {
		return nil, &ParseError{Line: 1, Err: errHeaderTooLong}
	}
	if err != nil {
		return nil, csvErr(err)
	}
	lim.on = false
	t.header = append([]string(nil), rec...)
	t.header[0] = strings.TrimPrefix(t.header[0], utf8BOM)
	for i, h := range t.header {
		if _, dup := t.col[h]; dup {
			return nil, &ParseError{Line: 1, Column: i + 1, Err: fmt.Errorf("duplicate header %q", h)}
		}
		t.col[h] = i
	}
	return t, nil
}

func csvErr(err error) error {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return &ParseError{Line: pe.Line, Err: pe.Err}
	}
	return fmt.Errorf("workload: %w", err)
}

// require returns the indices of the named columns, or an error listing the
// first missing one and the header found.
func (t *table) require(names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for k, n := range names {
		i, ok := t.col[n]
		if !ok {
			return nil, &ParseError{Line: 1, Err: fmt.Errorf("missing column %q (header: %s)", n, truncate(strings.Join(t.header, ","), 200))}
		}
		idx[k] = i
	}
	return idx, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// next reads the next record; it returns io.EOF at the end. Every record must
// have as many fields as the header.
func (t *table) next() ([]string, error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, csvErr(err)
	}
	t.rec = rec
	t.line, _ = t.r.FieldPos(0)
	t.rows++
	if t.rows%1024 == 0 {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
	}
	if len(rec) != len(t.header) {
		return nil, &ParseError{Line: t.line, Err: fmt.Errorf("%d fields, want %d as in the header", len(rec), len(t.header))}
	}
	return rec, nil
}

// each calls fn with every remaining record, in order, until the end of the input or the first
// error, which it returns.
func (t *table) each(fn func(rec []string) error) error {
	for {
		rec, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// errAt returns a ParseError for column i of the current record.
func (t *table) errAt(i int, format string, args ...any) error {
	line, _ := t.r.FieldPos(i)
	return &ParseError{Line: line, Column: i + 1, Field: t.header[i], Err: fmt.Errorf(format, args...)}
}

// float parses column i as a finite number >= 0.
func (t *table) float(i int) (float64, error) {
	s := t.rec[i]
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, t.errAt(i, "value %q, want a finite number >= 0", truncate(s, 40))
	}
	return v, nil
}

// count parses column i as a non-negative integer (written as an integer or
// as a float with no fractional part).
func (t *table) count(i int) (float64, error) {
	v, err := t.float(i)
	if err != nil || v != math.Trunc(v) {
		return 0, t.errAt(i, "value %q, want a whole number >= 0", truncate(t.rec[i], 40))
	}
	return v, nil
}

// int64 parses column i as a whole number >= 0 that fits an int64.
func (t *table) int64(i int) (int64, error) {
	v, err := t.count(i)
	if err != nil {
		return 0, err
	}
	if v >= 1<<63 {
		return 0, t.errAt(i, "value %q, want a whole number in [0, 2^63)", truncate(t.rec[i], 40))
	}
	return int64(v), nil
}

// formatFloat writes v in the shortest form that parses back to v.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parseSeconds parses a decimal number of seconds >= 0 into a Duration,
// exactly to the nanosecond for plain decimals (digits, optionally a point and
// more digits; further digits are rounded), and through ParseFloat otherwise.
func parseSeconds(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	intPart, frac, hasDot := strings.Cut(s, ".")
	plain := intPart != "" || frac != ""
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			plain = false
			break
		}
	}
	const maxSec = math.MaxInt64 / int64(time.Second)
	if plain && (intPart != "" || hasDot) {
		var sec int64
		for _, c := range intPart {
			sec = sec*10 + int64(c-'0')
			if sec > maxSec {
				return 0, false
			}
		}
		var ns int64
		for k := range 9 {
			ns *= 10
			if k < len(frac) {
				ns += int64(frac[k] - '0')
			}
		}
		if len(frac) > 9 && frac[9] >= '5' {
			ns++
		}
		d := time.Duration(sec)*time.Second + time.Duration(ns)
		if d < 0 { // overflow
			return 0, false
		}
		return d, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0) || v >= float64(maxSec) {
		return 0, false
	}
	return time.Duration(math.Round(v * 1e9)), true
}

// formatSeconds writes d (>= 0) as decimal seconds with up to nine
// fractional digits, exactly.
func formatSeconds(d time.Duration) string {
	sec, ns := d/time.Second, d%time.Second
	if ns == 0 {
		return strconv.FormatInt(int64(sec), 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%09d", int64(ns)), "0")
	return strconv.FormatInt(int64(sec), 10) + "." + f
}

// writeCSV writes records through encoding/csv and reports the first error.
func writeCSV(w io.Writer, write func(cw *csv.Writer) error) error {
	cw := csv.NewWriter(w)
	if err := write(cw); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("workload: writing CSV: %w", err)
	}
	return nil
}
