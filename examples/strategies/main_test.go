package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// TestRunWritesOutputs runs a short evaluation through the example's own flags and checks the files
// it writes: summary.csv with one row per workload × profile × strategy × seed, and the chart.
func TestRunWritesOutputs(t *testing.T) {
	out := t.TempDir()
	o := options{workloads: "bursty,periodic", profiles: "io", strategies: "static,target-tracking,oracle",
		seeds: 2, days: 1.0 / 24, out: out}
	if err := run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 2*1*3*2; len(recs) != want {
		t.Errorf("summary.csv has %d lines, want %d", len(recs), want)
	}
	if st, err := os.Stat(filepath.Join(out, "cost_slo.png")); err != nil || st.Size() < 1000 {
		t.Errorf("cost_slo.png: %v, %v", st, err)
	}
	o.trace = filepath.Join("..", "..", "testdata", "traces", "az2019_top10_fullday_invocations.csv")
	o.functions, o.strategies = 1, "static"
	if err := run(context.Background(), o); err != nil {
		t.Fatalf("with -trace: %v", err)
	}
}

func TestConfigRejectsBadFlags(t *testing.T) {
	for _, o := range []options{
		{workloads: "bursty", profiles: "io", strategies: "static", seeds: 0, days: 1},
		{workloads: "nope", profiles: "io", strategies: "static", seeds: 1, days: 1},
		{workloads: "bursty", profiles: "go", strategies: "static", seeds: 1, days: 1},
		{workloads: "bursty", profiles: "io", strategies: "magic", seeds: 1, days: 1},
		{workloads: "bursty", profiles: "io", strategies: "hybrid", seeds: 1, days: 1, models: "no-such-dir"},
	} {
		if _, err := config(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
