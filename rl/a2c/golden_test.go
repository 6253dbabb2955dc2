package a2c

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"

	"github.com/lambdatune/lambdatune/env"
)

var update = flag.Bool("update", false, "rewrite testdata/rl golden files")

const goldenV1 = "../../testdata/rl/a2c_v1_multidiscrete.json"

// TestFormatV1Golden guards the version-1 file format: a model saved by an earlier
// build must load, predict and re-save byte for byte. Regenerate (only when the
// format version changes) with: go test ./rl/a2c -run FormatV1Golden -update
func TestFormatV1Golden(t *testing.T) {
	if *update {
		v := newVec(t, 2, newMatchEnv)
		vn, err := env.NewVecNormalize(v, env.VecNormalizeConfig{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.PolicyNet, cfg.ValueNet = []int{8}, []int{8}
		cfg.Seed = 9
		m := newModel(t, vn, cfg)
		if err := m.Learn(context.Background(), vn, 2000); err != nil {
			t.Fatal(err)
		}
		if err := m.SaveFile(goldenV1); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenV1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := m.Save(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Error("re-saving the v1 golden model changed its bytes")
	}
	if m.ObsNormalizer() == nil || m.NumTimesteps() != 2000 || m.ActionSpace().String() != "MultiDiscrete([3 3])" {
		t.Errorf("golden model: normalizer %v, timesteps %d, action space %v", m.ObsNormalizer() != nil, m.NumTimesteps(), m.ActionSpace())
	}
	if _, err := m.Predict([]float64{0, 1, 0}, true); err != nil {
		t.Error(err)
	}
}

// FuzzLoad feeds mutated model files to Load: it must return an error or a model that
// saves and loads back to the same parameters, never panic.
func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile(goldenV1); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"format":"lambdatune/a2c","version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			return // e.g. NaN parameters cannot be saved
		}
		m2, err := Load(&buf)
		if err != nil {
			t.Fatalf("re-loading a saved model: %v", err)
		}
		if len(m2.params) != len(m.params) {
			t.Fatal("round trip changed the parameter count")
		}
	})
}
