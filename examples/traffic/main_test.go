package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickRun runs a reduced quick run on the shipped trace sample and checks the report and files.
func TestQuickRun(t *testing.T) {
	root := filepath.Join("..", "..")
	out := t.TempDir()
	o := options{seeds: 1, functions: 1, days: 1.0 / 24, models: filepath.Join(root, "testdata", "models"), out: out,
		trace: filepath.Join(root, "testdata", "traces", "az2019_sampled35_fullday_invocations.csv")}
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"target-tracking", "oracle", "azure-", "against target-tracking", "original project"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"summary.csv", "cost_slo.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
