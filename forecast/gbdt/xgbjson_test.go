package gbdt

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const testdataDir = "../../testdata/forecast"

type refRows struct {
	x       [][]float32
	margin  []float32
	predict []float32
}

func loadRef(t testing.TB, name string) refRows {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var r refRows
	p32 := func(s string) float32 {
		if s == "" {
			return float32(math.NaN())
		}
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			t.Fatal(err)
		}
		return float32(v)
	}
	for _, rec := range recs[1:] {
		n := len(rec) - 2
		row := make([]float32, n)
		for j := range n {
			row[j] = p32(rec[j])
		}
		r.x = append(r.x, row)
		r.margin = append(r.margin, p32(rec[n]))
		r.predict = append(r.predict, p32(rec[n+1]))
	}
	return r
}

func loadModel(t testing.TB, name string) *Model {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadXGBoostJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

var refModels = []string{"xgb_reg_exact", "xgb_reg_hist", "xgb_reg_approx", "xgb_logistic_hist", "xgb_poisson_exact", "xgb_stumps"}

// TestXGBoostJSONParity checks that every prediction XGBoost 1.7.4 made for
// the committed models is reproduced exactly, in float32, for float32 and
// float64 inputs, missing values included.
func TestXGBoostJSONParity(t *testing.T) {
	for _, name := range refModels {
		t.Run(name, func(t *testing.T) {
			m := loadModel(t, name)
			ref := loadRef(t, name)
			if len(ref.x) < 100 {
				t.Fatalf("only %d reference rows", len(ref.x))
			}
			bad := 0
			row64 := make([]float64, m.NumFeature())
			for i, x := range ref.x {
				mg, err := m.PredictMarginFloat32(x)
				if err != nil {
					t.Fatal(err)
				}
				p, err := m.PredictFloat32(x)
				if err != nil {
					t.Fatal(err)
				}
				for j, v := range x {
					row64[j] = float64(v)
				}
				p64, err := m.Predict(row64)
				if err != nil {
					t.Fatal(err)
				}
				if mg != ref.margin[i] || p != ref.predict[i] || float32(p64) != ref.predict[i] {
					bad++
					if bad < 5 {
						t.Errorf("row %d: margin %v want %v; prediction %v (float64 path %v) want %v", i, mg, ref.margin[i], p, p64, ref.predict[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d rows differ", bad, len(ref.x))
			}
		})
	}
}

func TestXGBoostJSONBaseScoreForms(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testdataDir, "xgb_logistic_hist.json"))
	if err != nil {
		t.Fatal(err)
	}
	ref := loadRef(t, "xgb_logistic_hist")
	for _, form := range []string{`"base_score":"3E-1"`, `"base_score":"[3E-1]"`, `"base_score":"[0.3]"`} {
		data := bytes.Replace(raw, []byte(`"base_score":"3E-1"`), []byte(form), 1)
		m, err := ReadXGBoostJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		for i := range 20 {
			p, _ := m.PredictFloat32(ref.x[i])
			if p != ref.predict[i] {
				t.Errorf("%s: row %d: %v want %v", form, i, p, ref.predict[i])
			}
		}
	}
}

func TestXGBoostJSONRefusesUnsupported(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"unsupported_dart.json", "dart"},
		{"unsupported_gblinear.json", "gblinear"},
		{"unsupported_categorical.json", "categorical"},
		{"unsupported_multitarget.json", "multi-target"},
		{"unsupported_multiclass.json", "multi-class"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(testdataDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = ReadXGBoostJSON(f)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrUnsupported error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestXGBoostJSONMalformed(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(testdataDir, "xgb_stumps.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
	}{
		{"cycle", `"left_children":[1,-1,-1]`, `"left_children":[0,-1,-1]`},
		{"child out of range", `"left_children":[1,-1,-1]`, `"left_children":[7,-1,-1]`},
		{"half leaf", `"left_children":[1,-1,-1]`, `"left_children":[1,2,-1]`},
		{"feature out of range", `"split_indices":[0,0,0]`, `"split_indices":[9,0,0]`},
		{"num_nodes mismatch", `"num_nodes":"3"`, `"num_nodes":"4"`},
		{"bad float", `"split_conditions":[-0E0`, `"split_conditions":[1e99`},
		{"num_trees mismatch", `"num_trees":"5"`, `"num_trees":"6"`},
		{"bad base_score", `"base_score":"5E-1"`, `"base_score":"[0.5"`},
		{"truncated", `"version":[1,7,4]}`, `"version":[1,7`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1)
			if bytes.Equal(data, good) {
				t.Fatalf("pattern %q not found", tc.old)
			}
			if _, err := ReadXGBoostJSON(bytes.NewReader(data)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := ReadXGBoostJSON(bytes.NewReader(good), WithMaxBytes(100)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("size limit: got %v", err)
	}
	m, err := ReadXGBoostJSON(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Predict([]float64{1, 2}); !errors.Is(err, ErrShortRow) {
		t.Fatalf("short row: got %v", err)
	}
}

// TestXGBoostJSONRoundTrip writes a read model back and reads it again.
func TestXGBoostJSONRoundTrip(t *testing.T) {
	for _, name := range refModels {
		m := loadModel(t, name)
		var buf bytes.Buffer
		if err := m.WriteXGBoostJSON(&buf); err != nil {
			t.Fatal(err)
		}
		m2, err := ReadXGBoostJSON(&buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref := loadRef(t, name)
		for i, x := range ref.x {
			p, _ := m2.PredictFloat32(x)
			if p != ref.predict[i] {
				t.Fatalf("%s row %d after round trip: %v want %v", name, i, p, ref.predict[i])
			}
		}
	}
}

func FuzzReadXGBoostJSON(f *testing.F) {
	for _, name := range []string{"xgb_stumps.json", "unsupported_gblinear.json"} {
		data, err := os.ReadFile(filepath.Join(testdataDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"learner":{"gradient_booster":{"name":"gbtree","model":{"trees":[{"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],"split_conditions":[0,1,2],"default_left":[true,false,false]}]}},"learner_model_param":{"num_feature":"1"},"objective":{"name":"reg:squarederror"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadXGBoostJSON(bytes.NewReader(data), WithMaxBytes(1<<20))
		if err != nil {
			return
		}
		row := make([]float64, m.NumFeature())
		if _, err := m.Predict(row); err != nil {
			t.Fatalf("predict on a loaded model: %v", err)
		}
		for i := range row {
			row[i] = math.NaN()
		}
		if _, err := m.Predict(row); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.WriteXGBoostJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadXGBoostJSON(&buf); err != nil {
			t.Fatalf("re-reading a written model: %v", err)
		}
	})
}

func BenchmarkXGBoostJSONPredict(b *testing.B) {
	m := loadModel(b, "xgb_reg_hist")
	ref := loadRef(b, "xgb_reg_hist")
	if m.NumTrees() != 100 {
		b.Fatalf("%d trees, want 100", m.NumTrees())
	}
	row := make([]float64, m.NumFeature())
	for j, v := range ref.x[5] {
		row[j] = float64(v)
	}
	b.ReportAllocs()
	var s float64
	for b.Loop() {
		v, err := m.Predict(row)
		if err != nil {
			b.Fatal(err)
		}
		s += v
	}
	_ = s
}

// TestPredictDoesNotAllocate checks the documented promise of Model.Predict
// and Model.PredictFloat32.
func TestPredictDoesNotAllocate(t *testing.T) {
	m := loadModel(t, "xgb_reg_hist")
	ref := loadRef(t, "xgb_reg_hist")
	row := make([]float64, m.NumFeature())
	for j, v := range ref.x[5] {
		row[j] = float64(v)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.Predict(row); err != nil {
			t.Fatal(err)
		}
		if _, err := m.PredictFloat32(ref.x[5]); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per prediction, want 0", allocs)
	}
}
