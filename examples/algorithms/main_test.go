package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickRun runs the program with tiny budgets in both environments and checks its report and
// files: every learner in the tables, learning curves for each, the event-level summary.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and evaluates for several seconds")
	}
	out := t.TempDir()
	o := options{steps: 6000, originalSteps: 14000, seeds: 2, bins: 4, episodes: 1, points: 2, days: 1.0 / 24,
		seedDir: filepath.Join("..", "..", "testdata", "seed"), out: out, trainingEnvs: 4}
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Q-learning", "A2C", "compact: 4 features", "random", "predictive", "q-learning", "a2c-compact",
		"its trained A2C, imported (parity)", "155.09", "159.66", "best action of each step"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"learning_tuning.png", "learning_original.png", "cost_slo.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	curves := readCSV(t, filepath.Join(out, "learning_curves.csv"))
	learners := map[string]bool{}
	for _, r := range curves[1:] {
		learners[r[0]+"/"+r[1]] = true
	}
	if len(learners) != 5 { // three on the tuning env, two on the original's
		t.Errorf("learning curves of %v, want 5 learners", learners)
	}
	if n := len(readCSV(t, filepath.Join(out, "summary.csv"))); n != 1+3*5*2 { // 3 profiles × 5 strategies × 2 seeds
		t.Errorf("summary.csv has %d lines, want %d", n, 1+3*5*2)
	}
	if n := len(readCSV(t, filepath.Join(out, "heldout.csv"))); n != 1+6*2 {
		t.Errorf("heldout.csv has %d lines, want %d", n, 1+6*2)
	}
}

func TestRejectsBadOptions(t *testing.T) {
	for _, o := range []options{{seeds: -1}, {bins: 1}, {points: -1}} {
		if o.bins == 0 {
			o.bins = 6
		}
		if o.points == 0 {
			o.points = 10
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
