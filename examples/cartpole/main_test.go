package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestTrainShortRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	r, err := train(context.Background(), 1, 4000, dir, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.curve) == 0 || r.first475 != -1 {
		t.Fatalf("4000 steps: %d episodes, first475 %d", len(r.curve), r.first475)
	}
	if err := writeCSVs(dir, []result{r}); err != nil {
		t.Fatal(err)
	}
	if err := plotCurves(filepath.Join(dir, "learning_curve.png"), []result{r}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"learning_curve.csv", "summary.csv", "learning_curve.png", "model_seed1.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
