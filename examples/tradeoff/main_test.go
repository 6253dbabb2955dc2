package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdatune/lambdatune/harness"
)

// TestQuickRun trains two tiny agents and runs every baseline knob for an hour of bursty load on
// one profile, then checks the report and the files.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two agents and runs 13 strategies")
	}
	out := t.TempDir()
	o := options{weights: "1,100", steps: 2000, trainSeeds: 1, seeds: 2, envs: 2, workloads: "bursty", profiles: "io", days: 1.0 / 24, out: out}
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a2c w=1", "a2c w=100", "target-tracking 0.5", "target-tracking 0.9", "predictive 10%", "predictive 0.01%",
		"power-tuned", "front, cheapest first", "points on a front", "205.99"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	strategies := 2 + 5 + 4 + 2
	if n := len(readCSV(t, filepath.Join(out, "summary.csv"))); n != 1+strategies*2 {
		t.Errorf("summary.csv has %d lines, want %d", n, 1+strategies*2)
	}
	if n := len(readCSV(t, filepath.Join(out, "pareto.csv"))); n != 1+strategies {
		t.Errorf("pareto.csv has %d lines, want %d", n, 1+strategies)
	}
	if st, err := os.Stat(filepath.Join(out, "front.png")); err != nil || st.Size() < 1000 {
		t.Errorf("front.png: %v", err)
	}
}

func TestDominates(t *testing.T) {
	row := func(cost, viol float64) harness.Row {
		return harness.Row{Cost: harness.Stat{Mean: cost}, ViolationPct: harness.Stat{Mean: viol}}
	}
	for _, tc := range []struct {
		a, b harness.Row
		want bool
	}{
		{row(1, 1), row(2, 2), true},
		{row(1, 2), row(1, 3), true},
		{row(1, 1), row(1, 1), false},
		{row(1, 3), row(2, 2), false},
	} {
		if got := dominates(tc.a, tc.b); got != tc.want {
			t.Errorf("dominates(%v, %v) = %v", tc.a.Cost, tc.b.Cost, got)
		}
	}
}

func TestRejectsBadOptions(t *testing.T) {
	for _, o := range []options{{weights: "1,-2"}, {weights: "x"}, {weights: "1", workloads: "nope"}, {weights: "1", profiles: "go"}, {weights: "1", days: -1}} {
		if o.profiles == "" {
			o.profiles = "io"
		}
		if o.days == 0 {
			o.days = 1
		}
		if err := run(context.Background(), &bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
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
	return recs
}
