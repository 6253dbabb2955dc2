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

// TestQuickRun runs a reduced sweep (two grid settings and the three references, tiny budgets)
// and checks the report and the files.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains ten small agents")
	}
	out := t.TempDir()
	o := options{steps: 2000, seeds: 2, envs: 2, episodes: 1, points: 2, out: out, onlyFirst: 2}
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SB3 defaults", "lambdatune recipe", "the original's settings", "lr 0.001, γ 0.9, ent 0", "lr 0.001, γ 0.99, ent 0", "rank", "no provisioning, base memory"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"heatmap.png", "learning_curves.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	f, err := os.Open(filepath.Join(out, "hyperparams.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+5*2 {
		t.Errorf("hyperparams.csv has %d lines, want %d", len(recs), 1+5*2)
	}
}

// The grid is the original's 27 settings plus three references, each once.
func TestSettings(t *testing.T) {
	ss := settings()
	seen := map[string]bool{}
	grid := 0
	for _, s := range ss {
		if seen[s.name] {
			t.Errorf("%q twice", s.name)
		}
		seen[s.name] = true
		if s.grid {
			grid++
			if c := s.config(3); c.LearningRate != s.lr || c.Gamma != s.gamma || c.EntCoef != s.ent || c.Seed != 3 {
				t.Errorf("%s: config %+v", s.name, c)
			}
		}
	}
	if grid != 27 || len(ss) != 30 {
		t.Errorf("%d grid settings of %d, want 27 of 30", grid, len(ss))
	}
}
