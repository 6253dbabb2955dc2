package a2c

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune/env"
	"github.com/nlpodyssey/gopickle/pytorch"
)

const seedModel = "../../testdata/seed/a2c_serverless_model.zip"

// TestSB3OriginalModelParity checks the imported SB3 model against SB3's own outputs on
// 1,000 observations (see testdata/seed/a2c_seed_policy_outputs.README.md).
func TestSB3OriginalModelParity(t *testing.T) {
	m, err := ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.ObservationSpace().String(); got != "Box(0, 1, [3])" {
		t.Errorf("observation space %s", got)
	}
	if got := m.ActionSpace().String(); got != "Discrete(36)" {
		t.Errorf("action space %s", got)
	}
	c := m.Config()
	if c.NSteps != 64 || c.EntCoef != 0.01 || c.LearningRate != 7e-4 || c.Seed != 42 || c.Optimizer != RMSprop || c.RMSpropEps != 1e-5 {
		t.Errorf("hyperparameters not imported: %+v", c)
	}
	f, err := os.Open("../../testdata/seed/a2c_seed_policy_outputs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1001 || len(rows[0]) != 41 {
		t.Fatalf("reference has %d rows of %d columns, want 1001 × 41", len(rows), len(rows[0]))
	}
	probs := make([]float64, 36)
	var maxP, maxV float64
	for i, row := range rows[1:] {
		vals := make([]float64, len(row))
		for j, s := range row {
			if vals[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("row %d column %d: %v", i+1, j, err)
			}
		}
		obs := vals[:3]
		act, err := m.Predict(obs, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.ActionProbs(obs, probs); err != nil {
			t.Fatal(err)
		}
		if int(act[0]) != int(vals[3]) {
			// Report the logit margin: the README lists three rows with margins < 1e-4.
			out, _ := m.pi.Forward(m.piTape1, obs, 0, 1)
			t.Errorf("row %d: action %v, SB3 %v (logits %v vs %v)", i+1, act[0], vals[3], out[int(act[0])], out[int(vals[3])])
		}
		v, _ := m.Value(obs)
		if d := math.Abs(v - vals[4]); d > 1e-5 {
			t.Errorf("row %d: value %v, SB3 %v", i+1, v, vals[4])
		} else {
			maxV = max(maxV, d)
		}
		for j := range probs {
			if d := math.Abs(probs[j] - vals[5+j]); d > 1e-5 {
				t.Errorf("row %d: p%d = %v, SB3 %v", i+1, j, probs[j], vals[5+j])
			} else {
				maxP = max(maxP, d)
			}
		}
	}
	t.Logf("max |Δp| = %.3g, max |Δvalue| = %.3g over 1000 rows", maxP, maxV)
}

func TestImportSB3RejectsBadFiles(t *testing.T) {
	if _, err := ImportSB3("does-not-exist.zip"); err == nil {
		t.Error("missing file accepted")
	}
	if _, err := ImportSB3("../../testdata/seed/a2c_seed_policy_outputs.csv"); err == nil {
		t.Error("non-zip accepted")
	}
}

func TestImportedModelSavesAndTrains(t *testing.T) {
	m, err := ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/m.json"
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	l, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p1 := make([]float64, 36)
	p2 := make([]float64, 36)
	obs := []float64{0.3, 0.2, 0.1}
	m.ActionProbs(obs, p1)
	l.ActionProbs(obs, p2)
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatal("saved model predicts differently")
		}
	}
	// The imported model can be fine-tuned on an env with its spaces.
	v, err := env.NewVec(2, func(int) (env.Env, error) { return newSeedSpacesEnv(), nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Learn(t.Context(), v, 256); err != nil {
		t.Fatal(err)
	}
}

// seedSpacesEnv has the seed model's spaces: Box(0, 1, [3]) and Discrete(36).
type seedSpacesEnv struct{ obs []float64 }

func newSeedSpacesEnv() *seedSpacesEnv { return &seedSpacesEnv{obs: []float64{0.5, 0.5, 0.5}} }

func (e *seedSpacesEnv) ObservationSpace() env.Space {
	b, _ := env.NewBox([]float64{0, 0, 0}, []float64{1, 1, 1}, 3)
	return b
}
func (e *seedSpacesEnv) ActionSpace() env.Space { d, _ := env.NewDiscrete(36); return d }
func (e *seedSpacesEnv) Reset(env.Seed) ([]float64, env.Info, error) {
	return e.obs, nil, nil
}
func (e *seedSpacesEnv) Step(a []float64) (env.StepResult, error) {
	return env.StepResult{Obs: e.obs, Reward: -a[0] / 36, Truncated: a[0] == 0}, nil
}

func TestNumpyArray(t *testing.T) {
	tests := []struct {
		in   string
		want []float64
		err  bool
	}{
		{"[0. 0. 1.]", []float64{0, 0, 1}, false},
		{"[-inf  2.5 inf]", []float64{math.Inf(-1), 2.5, math.Inf(1)}, false},
		{"[[1 2]\n [3 4]]", []float64{1, 2, 3, 4}, false},
		{"[3.4028235e+38]", []float64{3.4028235e+38}, false},
		{"[0. 0. ... 0.]", nil, true},
		{"[]", nil, true},
		{"[a]", nil, true},
	}
	for _, tc := range tests {
		got, err := numpyArray(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); !tc.err && diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestNumpyInts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  bool
	}{
		{"[3 4 2]", []int{3, 4, 2}, false},
		{"[4]", []int{4}, false},
		{"[2. 3.]", []int{2, 3}, false},
		{"[2.5 3]", nil, true},
		{"[1e300]", nil, true},
		{"[]", nil, true},
	} {
		got, err := numpyInts(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func FuzzNumpyArray(f *testing.F) {
	f.Add("[0. 0. 1.]")
	f.Add("[[1 2] [3 4]]")
	f.Add("[-inf nan]")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := numpyArray(s)
		if err == nil && len(v) == 0 {
			t.Fatalf("%q parsed to an empty array without error", s)
		}
	})
}

func TestTensorData(t *testing.T) {
	f32 := &pytorch.FloatStorage{Data: []float32{1, 2, 3, 4, 5, 6, 7}}
	f64 := &pytorch.DoubleStorage{Data: []float64{1, 2, 3, 4, 5, 6, 7}}
	for _, tc := range []struct {
		name string
		t    pytorch.Tensor
		want []float64 // nil: an error is expected
	}{
		{"float32 2×3 at offset 1", pytorch.Tensor{Source: f32, StorageOffset: 1, Size: []int{2, 3}, Stride: []int{3, 1}}, []float64{2, 3, 4, 5, 6, 7}},
		{"float64 vector", pytorch.Tensor{Source: f64, Size: []int{3}, Stride: []int{1}}, []float64{1, 2, 3}},
		{"past the storage", pytorch.Tensor{Source: f32, StorageOffset: 2, Size: []int{2, 3}, Stride: []int{3, 1}}, nil},
		{"negative offset", pytorch.Tensor{Source: f64, StorageOffset: -1, Size: []int{3}, Stride: []int{1}}, nil},
		{"negative size", pytorch.Tensor{Source: f64, Size: []int{-3}, Stride: []int{1}}, nil},
		{"strides missing", pytorch.Tensor{Source: f64, Size: []int{2, 3}, Stride: []int{1}}, nil},
		{"transposed", pytorch.Tensor{Source: f64, Size: []int{2, 3}, Stride: []int{1, 2}}, nil},
		{"half precision", pytorch.Tensor{Source: &pytorch.HalfStorage{Data: []float32{1}}, Size: []int{1}, Stride: []int{1}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tensorData(&tc.t)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error, data %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
