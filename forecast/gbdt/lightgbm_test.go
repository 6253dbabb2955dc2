package gbdt

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readTSV(t testing.TB, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row []float64
		for _, c := range strings.Split(strings.TrimSpace(sc.Text()), "\t") {
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return rows
}

// lightGBMRef is the path, without suffix, of the reference LightGBM model's
// files (see TestLightGBMReference).
const lightGBMRef = testdataDir + "/lightgbm/genlin_fmtp_gamma_AvgClaimAmount"

// loadLightGBMRef reads the reference model and its feature rows.
func loadLightGBMRef(t testing.TB) (*LightGBMModel, [][]float64) {
	t.Helper()
	f, err := os.Open(lightGBMRef + ".model")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadLightGBM(f, true)
	if err != nil {
		t.Fatal(err)
	}
	return m, readTSV(t, lightGBMRef+"_features.tsv")
}

// TestLightGBMReference checks a real LightGBM model (gamma regression with
// categorical splits, from leaves' test data) against the predictions
// LightGBM itself made.
func TestLightGBMReference(t *testing.T) {
	m, x := loadLightGBMRef(t)
	if m.NumTrees() != 100 || m.NumFeature() != 9 {
		t.Fatalf("%d trees, %d features; want 100, 9", m.NumTrees(), m.NumFeature())
	}
	want := readTSV(t, lightGBMRef+"_true_predictions.txt")
	if len(x) != len(want) || len(x) < 30 {
		t.Fatalf("%d rows, %d predictions", len(x), len(want))
	}
	for i := range x {
		got, err := m.Predict(x[i])
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want[i][0]) > 1e-9*math.Abs(want[i][0]) {
			t.Errorf("row %d: %v, LightGBM %v", i, got, want[i][0])
		}
	}
	if _, err := m.Predict(x[0][:3]); !errors.Is(err, ErrShortRow) {
		t.Errorf("short row: %v", err)
	}
}

func FuzzReadLightGBM(f *testing.F) {
	data, err := os.ReadFile(lightGBMRef + ".model")
	if err != nil {
		f.Fatal(err)
	}
	// The header and the first tree, and a one-tree cut.
	f.Add(data[:4000])
	f.Add([]byte("tree\nversion=v3\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=0\nobjective=regression\ntree_sizes=1\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nsplit_gain=1\nthreshold=0.5\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=1 2\nleaf_weight=1 1\nleaf_count=1 1\ninternal_value=0\ninternal_weight=0\ninternal_count=2\nis_linear=0\nshrinkage=1\n\n\nend of trees\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadLightGBM(bytes.NewReader(data), true, WithMaxBytes(1<<20))
		if err != nil {
			return
		}
		row := make([]float64, m.NumFeature())
		if _, err := m.Predict(row); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkLightGBMPredict(b *testing.B) {
	m, x := loadLightGBMRef(b)
	row := x[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(row); err != nil {
			b.Fatal(err)
		}
	}
}
