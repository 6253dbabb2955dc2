package forecast

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

const seedCSV = "../testdata/seed/synthetic_invocations.csv"

// readOriginalCSV reads the original project's workload file: its header and data rows, and the
// index of each column by name (for the feature columns, which workload.ReadOriginalCSV ignores).
func readOriginalCSV(t testing.TB) (rows [][]string, col map[string]int) {
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
	col = map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	return recs[1:], col
}

// loadSeed reads the original project's workload: invocations and
// timestamps.
func loadSeed(t testing.TB) ([]float64, []time.Time) {
	t.Helper()
	s, err := workload.ReadFile(context.Background(), seedCSV, workload.ReadOriginalCSV)
	if err != nil {
		t.Fatal(err)
	}
	return s.Counts, times(s)
}

// times returns the start of each of s's intervals.
func times(s workload.Series) []time.Time {
	ts := make([]time.Time, s.Len())
	for i := range ts {
		ts[i] = s.Time(i)
	}
	return ts
}

// loadTraces reads the Azure Functions 2019 full-day trace at path, taking
// its day as 2019-07-15 UTC.
func loadTraces(t testing.TB, path string) []workload.Series {
	t.Helper()
	day := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)
	fs, err := workload.ReadFile(context.Background(), path, func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
		return workload.ReadAzure2019Invocations(ctx, r, day)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]workload.Series, len(fs))
	for i, f := range fs {
		out[i] = f.Series
	}
	return out
}

// diurnal reports whether a day of per-minute counts has a daily cycle:
// at least 5,000 invocations and a busiest hour at least twice the mean of
// the six quietest hours.
func diurnal(day []float64) bool {
	hours := make([]float64, 24)
	var total float64
	for i, v := range day {
		hours[i/60] += v
		total += v
	}
	slices.Sort(hours)
	var quiet float64
	for _, h := range hours[:6] {
		quiet += h / 6
	}
	return total >= 5000 && hours[23] >= 2*quiet
}
