package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// readCSV returns the rows of a CSV file in dir, header first.
func readCSV(t *testing.T, dir, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

// TestRunWritesOutputs runs the whole example (about a second) and checks what it writes.
func TestRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	if err := run(context.Background(), dir, 1); err != nil {
		t.Fatal(err)
	}
	summary := readCSV(t, dir, "summary.csv")
	if len(summary) != 10 {
		t.Fatalf("summary.csv has %d rows, want a header and 9 configurations", len(summary))
	}
	col := map[string]int{}
	for i, name := range summary[0] {
		col[name] = i
	}
	byName := map[string][]string{}
	for _, r := range summary[1:] {
		byName[r[0]] = r
	}
	num := func(config, column string) float64 {
		t.Helper()
		r, ok := byName[config]
		if !ok {
			t.Fatalf("summary.csv has no row %q", config)
		}
		v, err := strconv.ParseFloat(r[col[column]], 64)
		if err != nil {
			t.Fatalf("%s %s: %v", config, column, err)
		}
		return v
	}
	requests := num("128 MB (AWS default memory)", "invocations")
	if requests < 200_000 || requests > 350_000 {
		t.Errorf("%v requests in the day, want about 280,000 (195 a minute)", requests)
	}
	for config := range byName {
		if got := num(config, "invocations") + num(config, "throttles"); got != requests {
			t.Errorf("%s: %v invocations + throttles, want the same traffic as every configuration (%v)", config, got, requests)
		}
		if prov := num(config, "cost_provisioned"); (prov > 0) != (config == "1024 MB, 3 provisioned") {
			t.Errorf("%s: provisioned cost %v, want > 0 only with provisioned concurrency", config, prov)
		}
	}
	if short, long := num("128 MB, 3 s timeout", "timeouts"), num("128 MB (AWS default memory)", "timeouts"); short <= long {
		t.Errorf("timeouts: %v with a 3 s timeout, %v with 10 s; want more with 3 s", short, long)
	}
	if reserved, free := num("512 MB, reserved 2", "throttles"), num("512 MB", "throttles"); reserved <= free {
		t.Errorf("throttles: %v reserved 2, %v unreserved; want more when reserved", reserved, free)
	}
	if got := len(readCSV(t, dir, "intervals.csv")); got != 1+9*24*60 {
		t.Errorf("intervals.csv has %d rows, want a header and 9 × 1440 minutes", got)
	}
	for _, name := range []string{"latency.png", "cost.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
}
