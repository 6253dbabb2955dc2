package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyHead copies the header and the first n rows of a testdata trace file
// into dir.
func copyHead(t *testing.T, dir, name string, n int) {
	t.Helper()
	in, err := os.Open(filepath.Join("..", "..", "testdata", "traces", name))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var b strings.Builder
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; i <= n && sc.Scan(); i++ {
		b.WriteString(sc.Text() + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunTraces runs the traces part on 6 functions and checks what it
// prints and writes.
func TestRunTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 6 functions a dozen times each; skipped with -short")
	}
	traces, out := t.TempDir(), t.TempDir()
	copyHead(t, traces, "az2019_top10_fullday_invocations.csv", 3)
	copyHead(t, traces, "az2019_sampled35_fullday_invocations.csv", 3)
	var stdout strings.Builder
	if err := runTraces(context.Background(), traces, out, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"per-function choice", "top10#2", "seasonal naive (period 81)", "calibration of the quantile forecasts", "0.90", "refitted every hour", "ties in part", "quantile-loss GBDT"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	f, err := os.Open(filepath.Join(out, "traces_functions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Fatalf("traces_functions.csv has %d rows, want a header and 6 functions", len(rows))
	}
	for _, name := range []string{"traces_calibration.csv", "traces_calibration.png", "traces_choice.png"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
