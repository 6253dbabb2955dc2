package forecast

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
	"time"
)

// loadSeed reads the original project's workload: invocations and
// timestamps.
func loadSeed(t testing.TB) ([]float64, []time.Time) {
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
	var vals []float64
	var ts []time.Time
	for _, rec := range recs[1:] {
		tm, err := time.Parse("2006-01-02 15:04:05", rec[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(rec[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tm)
		vals = append(vals, v)
	}
	return vals, ts
}
