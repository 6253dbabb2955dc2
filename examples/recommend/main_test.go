package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune/harness"
)

// demoArgs point the demo at the shipped trace from the package's directory.
func demoArgs(dir string, extra ...string) []string {
	root := filepath.Join("..", "..", demoDir)
	return append([]string{"-models", filepath.Join("..", "..", "testdata", "models"), "-trace", filepath.Join(root, demoTrace), "-trace-durations", filepath.Join(root, "az2019_top10_fullday_durations.csv"),
		"-trace-memory", filepath.Join(root, "az2019_top10_fullday_memory.csv"), "-trace-function", demoFunction, "-out", dir}, extra...)
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.trace != filepath.Join(demoDir, demoTrace) || o.traceFn != demoFunction || o.function != "" || o.seeds != 3 || o.slo != 500*time.Millisecond {
		t.Errorf("no flags: %+v, want the demo on the shipped trace", o)
	}
	o, err = parseFlags([]string{"-emulator", "-endpoint", "http://127.0.0.1:1"}, io.Discard)
	if err != nil || o.function == "" || o.days != 1 || o.trace != "" {
		t.Errorf("-emulator: %+v, %v; want a demo function, one day, no trace", o, err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-function", "f", "-trace", "x.csv"}, "two sources"},
		{[]string{"-emulator"}, "-endpoint"},
		{[]string{"-function", "f", "-days", "20"}, "15"},
		{[]string{"-seeds", "0"}, "-seeds"},
		{[]string{"-cpu-fraction", "1.5"}, "-cpu-fraction"},
		{[]string{"-slo", "0s"}, "-slo"},
		{[]string{"-timeout", "1500ms"}, "-timeout"},
		{[]string{"-strategies", "static"}, "baseline"},
		{[]string{"-strategies", "magic"}, "unknown strategy"},
		{[]string{"-strategies", ","}, "names no strategy"},
		{[]string{"extra"}, "unexpected"},
	}
	for _, tt := range tests {
		if _, err := parseFlags(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFlags(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// checkOutputs checks the report and the files a run wrote into dir.
// shippedAgents counts the trained agents' models in dir: each joins the replay as a strategy.
func shippedAgents(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	for _, f := range harness.ModelFiles {
		if _, err := os.Stat(filepath.Join(dir, f.File)); err == nil {
			n++
		}
	}
	return n
}

func checkOutputs(t *testing.T, report, dir string, strategies int) {
	t.Helper()
	for _, s := range []string{"## Recommendation", "## Every strategy", "## What was replayed, and what was assumed", "Memory scaling (assumed", "current", "± "} {
		if !strings.Contains(report, s) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}
	rows := readCSV(t, filepath.Join(dir, "comparison.csv"))
	if len(rows) != 1+strategies {
		t.Errorf("comparison.csv has %d rows, want a header and %d strategies", len(rows), strategies)
	}
	recommended := 0
	for _, r := range rows[1:] {
		if r[1] == "true" {
			recommended++
		}
	}
	if recommended != 1 {
		t.Errorf("comparison.csv recommends %d strategies, want 1", recommended)
	}
	for _, name := range []string{"history.png", "change.png", "cost_slo.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Errorf("%s is %v", name, b)
		}
	}
	saved, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || string(saved) != report {
		t.Errorf("report.md differs from stdout (%v)", err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestRunTrace runs the demo on the shipped trace: a day of an HTTP function, with no AWS.
func TestRunTrace(t *testing.T) {
	dir := t.TempDir()
	seeds := "2"
	if testing.Short() {
		seeds = "1"
	}
	o, err := parseFlags(demoArgs(dir, "-seeds", seeds), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, out.String(), dir, 4+shippedAgents(t, filepath.Join("..", "..", "testdata", "models")))
	if !strings.Contains(out.String(), "Azure Functions 2019 trace") || strings.Contains(out.String(), "Permissions used") {
		t.Errorf("a trace replay should name the trace and need no AWS permissions:\n%s", out.String())
	}
	history := readCSV(t, filepath.Join(dir, "history.csv"))
	if len(history) != 1441 || history[0][1] != "requests" {
		t.Errorf("history.csv: %d rows, header %q; want a day of minutes", len(history), history[0])
	}
}

// TestRunAgainstMoto runs the AWS path against the emulator: a day of the demo trace written into
// its CloudWatch as a new function's metrics, read back with History, replayed (see .ci/moto.sh).
func TestRunAgainstMoto(t *testing.T) {
	url := os.Getenv("LAMBDATUNE_MOTO_ENDPOINT")
	if url == "" {
		t.Skip("LAMBDATUNE_MOTO_ENDPOINT is not set: this test needs the moto AWS emulator (source .ci/moto.sh; start_moto)")
	}
	t.Chdir(filepath.Join("..", "..")) // the emulator is seeded from testdata
	dir := t.TempDir()
	o, err := parseFlags([]string{"-endpoint", url, "-emulator", "-function", fmt.Sprintf("lt-recommend-%d", time.Now().UnixNano()%1e9),
		"-days", "0.25", "-seeds", "1", "-out", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkOutputs(t, out.String(), dir, 4+shippedAgents(t, filepath.Join("testdata", "models")))
	for _, s := range []string{"CloudWatch (AWS/Lambda", "Permissions used", "Check: the replay of the current configuration", "runtime preset"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
	history := readCSV(t, filepath.Join(dir, "history.csv"))
	if len(history) != 1+360 || history[0][2] != "invocations" {
		t.Errorf("history.csv: %d rows, header %q; want 6 hours of CloudWatch minutes", len(history), history[0])
	}
}

// TestHistorySpan: -days of minutes ending at the last complete minute, cut (and said) at CloudWatch's
// 15 days of one-minute data.
func TestHistorySpan(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)
	tests := []struct {
		days     float64
		emulator bool
		span     time.Duration
		trimmed  bool
	}{
		{14, false, 14 * 24 * time.Hour, false},
		{1, true, 24 * time.Hour, false},
		{15, false, 15*24*time.Hour - 3*time.Minute, true},
	}
	for _, tt := range tests {
		span, end, trimmed := historySpan(options{days: tt.days, emulator: tt.emulator}, now)
		wantEnd := now.Add(-2 * time.Minute).Truncate(time.Minute)
		if tt.emulator {
			wantEnd = now.Truncate(time.Minute)
		}
		if span != tt.span || trimmed != tt.trimmed || !end.Equal(wantEnd) {
			t.Errorf("days %v: span %v, end %v, trimmed %v; want %v, %v, %v", tt.days, span, end, trimmed, tt.span, wantEnd, tt.trimmed)
		}
		if start := end.Add(-span); start.Before(now.Add(-15 * 24 * time.Hour)) {
			t.Errorf("days %v: the stretch starts at %v, before CloudWatch's retention", tt.days, start)
		}
	}
}
