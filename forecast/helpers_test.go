package forecast

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// readSeedCSV reads the original project's workload file: its header and data rows, and the
// index of each column by name.
func readSeedCSV(t testing.TB) (rows [][]string, col map[string]int) {
	t.Helper()
	f, err := os.Open("../testdata/seed/synthetic_invocations.csv")
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
	rows, col := readSeedCSV(t)
	var vals []float64
	var ts []time.Time
	for _, rec := range rows {
		tm, err := time.Parse("2006-01-02 15:04:05", rec[col["timestamp"]])
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(rec[col["invocations"]], 64)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tm)
		vals = append(vals, v)
	}
	return vals, ts
}

// loadTraces reads per-minute invocation counts from an Azure Functions 2019
// full-day trace file (HashFunction,HashApp,HashOwner,minute_1..minute_1440).
func loadTraces(t testing.TB, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, rec := range recs[1:] {
		row := make([]float64, 0, len(rec)-3)
		for _, c := range rec[3:] {
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		out = append(out, row)
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

// aggregate sums consecutive groups of k values.
func aggregate(v []float64, k int) []float64 {
	out := make([]float64, len(v)/k)
	for i := range out {
		for _, x := range v[i*k : (i+1)*k] {
			out[i] += x
		}
	}
	return out
}

type bytesBuffer = bytes.Buffer
