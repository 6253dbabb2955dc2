package workload

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	seedCSV       = "../testdata/seed/synthetic_invocations.csv"
	top10Inv      = "../testdata/traces/az2019_top10_fullday_invocations.csv"
	top10Dur      = "../testdata/traces/az2019_top10_fullday_durations.csv"
	top10Mem      = "../testdata/traces/az2019_top10_fullday_memory.csv"
	sampledInv    = "../testdata/traces/az2019_sampled35_fullday_invocations.csv"
	sampledDur    = "../testdata/traces/az2019_sampled35_fullday_durations.csv"
	sampledMem    = "../testdata/traces/az2019_sampled35_fullday_memory.csv"
	azure2021File = "../testdata/traces/az2021_first199_invocations.csv"
)

var day = time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC) // any day: the 2019 trace has no date

func readInv(ctx context.Context, r io.Reader) ([]FunctionCounts, error) {
	return ReadAzure2019Invocations(ctx, r, day)
}

func readPlain(ctx context.Context, r io.Reader) (Series, error) {
	return ReadPlainCSV(ctx, r, PlainCSVOptions{})
}

// roundTrip writes v with write, reads it back with read and compares.
func roundTrip[T any](t *testing.T, v T, write func(io.Writer, T) error, read func(context.Context, io.Reader) (T, error)) {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, v); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := read(context.Background(), &buf)
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, truncate(buf.String(), 500))
	}
	if diff := cmp.Diff(v, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip changed the data (-written +read):\n%s", truncate(diff, 2000))
	}
}

// readSeedInvocations reads the invocations column of the original CSV with
// encoding/csv, as an independent check of ReadOriginalCSV.
func readSeedInvocations(t *testing.T) []float64 {
	t.Helper()
	f, err := os.Open(seedCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var v []float64
	for _, r := range recs[1:] {
		x, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		v = append(v, x)
	}
	return v
}

func TestReadOriginalCSV(t *testing.T) {
	s, err := ReadFile(context.Background(), seedCSV, ReadOriginalCSV)
	if err != nil {
		t.Fatal(err)
	}
	want := Series{Start: time.Date(2024, 1, 1, 0, 20, 0, 0, time.UTC), Step: 5 * time.Minute, Counts: readSeedInvocations(t)}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("(-want +got):\n%s", truncate(diff, 1000))
	}
	st := s.Stats()
	if math.Abs(st.Mean-111.49) > 0.01 || st.Peak != 247 || st.DominantPeriod != 50 {
		t.Errorf("stats %+v, want mean 111.49, peak 247, period 50", st)
	}
	roundTrip(t, s, WriteOriginalCSV, ReadOriginalCSV)
	if err := WriteOriginalCSV(io.Discard, Series{Start: t0, Step: 1500 * time.Millisecond, Counts: []float64{1}}); err == nil {
		t.Error("sub-second step: no error")
	}
}

func TestPlainCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts PlainCSVOptions
		want Series
	}{
		{"rfc3339", "timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T00:05:00Z,2.5\n2024-01-01T00:10:00Z,0\n", PlainCSVOptions{},
			Series{Start: t0, Step: 5 * time.Minute, Counts: []float64{1, 2.5, 0}}},
		{"space layout, extra column, order", "count,note,timestamp\n3,a,2024-01-01 00:00:00\n4,b,2024-01-01 01:00:00\n", PlainCSVOptions{},
			Series{Start: t0, Step: time.Hour, Counts: []float64{3, 4}}},
		{"gaps filled", "timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T00:03:00Z,2\n2024-01-01T00:04:00Z,3\n", PlainCSVOptions{FillGaps: true},
			Series{Start: t0, Step: time.Minute, Counts: []float64{1, 0, 0, 2, 3}}},
		{"explicit step, one row", "timestamp,count\n2024-01-01T00:00:00Z,7\n", PlainCSVOptions{Step: time.Minute},
			Series{Start: t0, Step: time.Minute, Counts: []float64{7}}},
		{"offset zone", "timestamp,count\n2024-01-01T02:00:00+02:00,1\n2024-01-01T02:00:30+02:00,1\n", PlainCSVOptions{},
			Series{Start: t0, Step: 30 * time.Second, Counts: []float64{1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPlainCSV(context.Background(), strings.NewReader(tt.in), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			roundTrip(t, got, WritePlainCSV, func(ctx context.Context, r io.Reader) (Series, error) {
				return ReadPlainCSV(ctx, r, PlainCSVOptions{Step: got.Step})
			})
		})
	}
}

// TestReadersRejectBadInput checks the position and message of errors.
func TestReadersRejectBadInput(t *testing.T) {
	ctx := context.Background()
	type reader func(string) error
	seed := func(s string) error { _, err := ReadOriginalCSV(ctx, strings.NewReader(s)); return err }
	plain := func(s string) error { _, err := readPlain(ctx, strings.NewReader(s)); return err }
	inv := func(s string) error { _, err := readInv(ctx, strings.NewReader(s)); return err }
	dur := func(s string) error { _, err := ReadAzure2019Durations(ctx, strings.NewReader(s)); return err }
	mem := func(s string) error { _, err := ReadAzure2019Memory(ctx, strings.NewReader(s)); return err }
	az21 := func(s string) error { _, err := ReadAzure2021(ctx, strings.NewReader(s)); return err }
	const durHead = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n"
	const memHead = "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\n"
	tests := []struct {
		name       string
		read       reader
		in         string
		line, col  int
		wantSubstr string
	}{
		{"seed empty", seed, "", 1, 0, "empty input"},
		{"seed missing column", seed, "timestamp,calls\n", 1, 0, `missing column "invocations"`},
		{"seed bad time", seed, "timestamp,invocations\n2024-01-01 00:00:00,1\n2024-13-01 00:05:00,2\n", 3, 1, `column "timestamp": timestamp "2024-13-01 00:05:00"`},
		{"seed negative", seed, "timestamp,invocations\n2024-01-01 00:00:00,-1\n", 2, 2, `column "invocations": value "-1", want a finite number >= 0`},
		{"seed irregular", seed, "timestamp,invocations\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,1\n2024-01-01 00:15:00,1\n", 4, 1, "leaves a gap"},
		{"seed one row", seed, "timestamp,invocations\n2024-01-01 00:00:00,1\n", 2, 0, "cannot be inferred"},
		{"seed no rows", seed, "timestamp,invocations\n", 2, 0, "no data rows"},
		{"plain not increasing", plain, "timestamp,count\n2024-01-01T00:05:00Z,1\n2024-01-01T00:00:00Z,1\n", 3, 1, "not after the previous one"},
		{"plain off grid", plain, "timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T00:02:00Z,1\n2024-01-01T00:05:00Z,1\n", 4, 1, "not on the grid"},
		{"plain NaN", plain, "timestamp,count\n2024-01-01T00:00:00Z,NaN\n", 2, 2, `value "NaN"`},
		{"plain field count", plain, "timestamp,count\n2024-01-01T00:00:00Z\n", 2, 0, "1 fields, want 2"},
		{"plain bad quote", plain, "timestamp,count\n\"2024,1\n", 2, 0, "quote"},
		{"inv header", inv, "a,b,c\n", 1, 0, "want HashOwner,HashApp,HashFunction,Trigger"},
		{"inv minutes not consecutive", inv, "HashOwner,HashApp,HashFunction,Trigger,1,3\n", 1, 6, `minute column "3", want 2`},
		{"inv variant label", inv, "HashFunction,HashApp,HashOwner,minute_1,min_2\n", 1, 5, `minute column "min_2"`},
		{"inv fractional", inv, "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,2.5\n", 2, 6, `column "2": value "2.5", want a whole number >= 0`},
		{"dur missing", dur, "HashOwner,HashApp,HashFunction,Average\n", 1, 0, `missing column "Count"`},
		{"dur count", dur, durHead + "o,a,f,1,x,0,1,0,0,0,0,0,0,0\n", 2, 5, `column "Count": value "x"`},
		{"dur negative percentile", dur, durHead + "o,a,f,1,2,0,1,0,0,0,0,0,-1,0\n", 2, 13, `column "percentile_Average_99": value "-1"`},
		{"mem count", mem, memHead + "o,a,1.5,128,1,1,1,1,1,1,1,1\n", 2, 3, `column "SampleCount": value "1.5"`},
		{"mem negative", mem, memHead + "o,a,10,128,1,1,1,1,1,1,1,-1\n", 2, 12, `column "AverageAllocatedMb_pct100": value "-1"`},
		{"mem duplicate header", mem, "HashOwner,HashOwner\n", 1, 2, `duplicate header "HashOwner"`},
		{"2021 bad end", az21, "app,func,end_timestamp,duration\na,f,1.5,0.5\na,f,-3,1\n", 3, 3, `column "end_timestamp": value "-3", want seconds >= 0`},
		{"2021 bad duration", az21, "app,func,end_timestamp,duration\na,f,1.5,1e999\n", 2, 4, `column "duration"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(tt.in)
			pe, ok := errors.AsType[*ParseError](err)
			if !ok {
				t.Fatalf("error %v (%T), want a *ParseError", err, err)
			}
			if pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(err.Error(), tt.wantSubstr) {
				t.Errorf("error %q at %d:%d, want %d:%d containing %q", err, pe.Line, pe.Column, tt.line, tt.col, tt.wantSubstr)
			}
		})
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, []byte("timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(context.Background(), path, readPlain)
	want := "workload: " + path + `:3:2: column "count": value "oops", want a finite number >= 0`
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if _, err := ReadFile(context.Background(), filepath.Join(t.TempDir(), "missing.csv"), readPlain); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
}

func TestReadersHonourContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, azure2021File, ReadAzure2021); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

func TestAzure2019Invocations(t *testing.T) {
	tests := []struct {
		file      string
		n         int
		peak      float64
		triggered bool
	}{
		{top10Inv, 10, 4286, true},
		{sampledInv, 35, 5235, false},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			fs, err := ReadFile(context.Background(), tt.file, readInv)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != tt.n {
				t.Fatalf("%d functions, want %d", len(fs), tt.n)
			}
			var peak float64
			for _, f := range fs {
				if f.Series.Len() != 1440 || f.Series.Step != time.Minute || !f.Series.Start.Equal(day) {
					t.Fatalf("%s: grid (%v, %v, %d), want (%v, 1m, 1440)", f.Function, f.Series.Start, f.Series.Step, f.Series.Len(), day)
				}
				if (f.Trigger != "") != tt.triggered {
					t.Errorf("%s: trigger %q", f.Function, f.Trigger)
				}
				peak = math.Max(peak, f.Series.Stats().Peak)
			}
			if peak != tt.peak {
				t.Errorf("largest per-minute count %v, want %v (testdata README)", peak, tt.peak)
			}
			roundTrip(t, fs, func(w io.Writer, fs []FunctionCounts) error { return WriteAzure2019Invocations(w, day, fs) }, readInv)
		})
	}
	// A window of minutes 480..959 starts at minute 479.
	in := "HashOwner,HashApp,HashFunction,Trigger,480,481\no,a,f,timer,0,1\n"
	fs, err := readInv(context.Background(), strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fs[0].Series.Start, day.Add(479*time.Minute); !got.Equal(want) {
		t.Errorf("Start %v, want %v", got, want)
	}
	var buf bytes.Buffer
	if err := WriteAzure2019Invocations(&buf, day, fs); err != nil || buf.String() != in {
		t.Errorf("rewrite = %q, %v; want %q", buf.String(), err, in)
	}
}

func TestAzure2019Durations(t *testing.T) {
	ds, err := ReadFile(context.Background(), top10Dur, ReadAzure2019Durations)
	if err != nil {
		t.Fatal(err)
	}
	want := DurationPercentiles{
		FunctionID: FunctionID{
			Owner:    "104f438d72947b49216b97034e44c8f80e90b58c41c08afdad10f25a6eb1af7d",
			App:      "734bb9a04a1d2e6917f75e46c093a6c95d114970e624b9975b98bad86c12f14b",
			Function: "47658c9cff05caaffd85722b6f81dd163f680f03d4026474a098f966e2f528b3",
		},
		Count: 7726495, Average: 306, Minimum: 0, Maximum: 144874,
		P0: 1, P1: 247, P25: 269, P50: 282, P75: 304, P99: 481, P100: 130686,
	}
	if len(ds) != 10 {
		t.Fatalf("%d rows, want 10", len(ds))
	}
	if diff := cmp.Diff(want, ds[0]); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	roundTrip(t, ds, WriteAzure2019Durations, ReadAzure2019Durations)
	ds2, err := ReadFile(context.Background(), sampledDur, ReadAzure2019Durations)
	if err != nil || len(ds2) != 35 {
		t.Fatalf("sampled35: %d rows, err %v; want 35", len(ds2), err)
	}
	if ds2[0].Count != 1 || ds2[0].Average != 1158 {
		t.Errorf("sampled35 first row %+v, want Count 1, Average 1158", ds2[0])
	}
	roundTrip(t, ds2, WriteAzure2019Durations, ReadAzure2019Durations)
}

func TestAzure2019Memory(t *testing.T) {
	ms, err := ReadFile(context.Background(), top10Mem, ReadAzure2019Memory)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 10 || ms[0].Function == "" || ms[0].SampleCount != 4258736 || ms[0].Average != 204 || ms[0].P100 != 398 {
		t.Errorf("top10: %d rows, first %+v; want 10, with a function, SampleCount 4258736, Average 204, P100 398", len(ms), ms[0])
	}
	roundTrip(t, ms, WriteAzure2019Memory, ReadAzure2019Memory)
	ms2, err := ReadFile(context.Background(), sampledMem, ReadAzure2019Memory)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms2) != 35 || ms2[0].Function != "" || ms2[0].SampleCount != 375675 || ms2[0].P1 != 1432 {
		t.Errorf("sampled35: %d rows, first %+v; want 35, per app, SampleCount 375675, P1 1432", len(ms2), ms2[0])
	}
	roundTrip(t, ms2, WriteAzure2019Memory, ReadAzure2019Memory)
}

func TestAzure2021(t *testing.T) {
	invs, err := ReadFile(context.Background(), azure2021File, ReadAzure2021)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 199 {
		t.Fatalf("%d invocations, want 199", len(invs))
	}
	if got, want := invs[0].End, 79490900*time.Nanosecond; got != want {
		t.Errorf("first end %v, want %v (0.07949090003967285 s)", got, want)
	}
	if got, want := invs[0].Start(), 1490900*time.Nanosecond; got != want {
		t.Errorf("first start %v, want %v", got, want)
	}
	roundTrip(t, invs, WriteAzure2021, ReadAzure2021)

	fts := GroupByFunction(invs)
	apps := map[string]bool{}
	most, total := 0, 0
	for _, f := range fts {
		apps[f.App] = true
		most = max(most, len(f.Starts))
		total += len(f.Starts)
		s, err := f.Series(t0, time.Minute, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int(s.Total()) != len(f.Starts) {
			t.Errorf("%s: binned %v of %d arrivals", f.Function, s.Total(), len(f.Starts))
		}
		a, err := f.Arrivals()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f.Starts, collect(a)); diff != "" {
			t.Errorf("arrivals differ from starts: %s", diff)
		}
	}
	if len(fts) != 31 || len(apps) != 13 || most != 32 || total != 199 {
		t.Errorf("%d functions, %d apps, at most %d invocations per function, %d in all; want 31, 13, 32, 199 (testdata README)", len(fts), len(apps), most, total)
	}
	if _, err := fts[0].Series(t0, time.Minute, 1); err == nil && fts[0].Starts[len(fts[0].Starts)-1] >= time.Minute {
		t.Error("Series with too few intervals: no error")
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{".25", 250 * time.Millisecond, true},
		{"3.", 3 * time.Second, true},
		{"0.0000000015", 2, true},
		{"0.0000000014", 1, true},
		{"1e3", 1000 * time.Second, true},
		{"", 0, false},
		{".", 0, false},
		{"-1", 0, false},
		{"abc", 0, false},
		{"99999999999999999999", 0, false},
		{"9223372036.854775807", math.MaxInt64, true},
		{"9223372036.854775808", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseSeconds(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok {
			if back, _ := parseSeconds(formatSeconds(got)); back != got {
				t.Errorf("formatSeconds(%v) = %q reads back as %v", got, formatSeconds(got), back)
			}
		}
	}
}

func TestPercentileQuantiles(t *testing.T) {
	d := DurationPercentiles{P0: 1, P1: 247, P25: 269, P50: 282, P75: 304, P99: 481, P100: 130686}
	m := MemoryPercentiles{P1: 112, P5: 122, P25: 202, P50: 208, P75: 216, P95: 232, P99: 245, P100: 398}
	tests := []struct {
		name string
		q    func(float64) (float64, error)
		p    float64
		want float64
	}{
		{"duration min", d.Quantile, 0, 1},
		{"duration p1", d.Quantile, 0.01, 247},
		{"duration median", d.Quantile, 0.5, 282},
		{"duration between", d.Quantile, 0.375, 275.5},
		{"duration max", d.Quantile, 1, 130686},
		{"memory below p1", m.Quantile, 0.001, 112},
		{"memory p95", m.Quantile, 0.95, 232},
		{"memory between", m.Quantile, 0.97, 238.5},
	}
	for _, tt := range tests {
		got, err := tt.q(tt.p)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: Quantile(%v) = %v, %v; want %v", tt.name, tt.p, got, err, tt.want)
		}
	}
	if _, err := d.Quantile(1.5); err == nil || !strings.Contains(err.Error(), "p = 1.5, want a value in [0, 1]") {
		t.Errorf("Quantile(1.5) error = %v", err)
	}
	if _, err := m.Quantile(math.NaN()); err == nil {
		t.Error("Quantile(NaN): no error")
	}
}
