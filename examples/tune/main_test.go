package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambdatune/lambdatune/rl/a2c"
)

// TestRunWritesOutputs runs the program end to end with a short training and evaluation and checks
// what it writes: a model that loads, the learning curve and the evaluation's files.
func TestRunWritesOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and evaluates for several seconds")
	}
	out := t.TempDir()
	o := options{steps: 2_000, seed: 1, envs: 4, seeds: 1, days: 2.0 / 24, out: out, evalEpisodes: 1,
		workloads: "bursty,diurnal", baselines: "target-tracking,predictive,oracle"}
	if err := run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	m, err := a2c.LoadFile(filepath.Join(out, "hybrid.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.NumTimesteps() < 2_000 {
		t.Errorf("saved model trained %d steps, want >= 2000", m.NumTimesteps())
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
	if want := 1 + 2*3*4; len(recs) != want { // 2 workloads × 3 profiles × 4 strategies × 1 seed
		t.Errorf("summary.csv has %d lines, want %d", len(recs), want)
	}
	for _, name := range []string{"learning_curve.csv", "learning_curve.png", "cost_slo.png"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
