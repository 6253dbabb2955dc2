package gbdt

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// tinyLightGBM is a one-tree LightGBM model; tests replace one of its lines.
const tinyLightGBM = "tree\nversion=v3\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=0\nobjective=regression\ntree_sizes=1\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nsplit_gain=1\nthreshold=0.5\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=1 2\nleaf_weight=1 1\nleaf_count=1 1\ninternal_value=0\ninternal_weight=0\ninternal_count=2\nis_linear=0\nshrinkage=1\n\n\nend of trees\n"

// TestReadersRefuseHostileModels covers small files that once made the readers allocate
// gigabytes or believe non-finite values.
func TestReadersRefuseHostileModels(t *testing.T) {
	if _, err := ReadLightGBM(strings.NewReader(tinyLightGBM), false); err != nil {
		t.Fatalf("the unchanged model: %v", err)
	}
	tests := []struct {
		name     string
		old, new string
	}{
		{"max_feature_idx 1e12", "max_feature_idx=0", "max_feature_idx=1000000000000"},
		{"NaN leaf", "leaf_value=1 2", "leaf_value=nan 2"},
		{"infinite leaf", "leaf_value=1 2", "leaf_value=1 inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLightGBM(strings.NewReader(strings.Replace(tinyLightGBM, tc.old, tc.new, 1)), false)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := ReadLightGBM(nil, false); err == nil {
		t.Error("ReadLightGBM(nil): no error")
	}
	if _, err := ReadXGBoostJSON(nil); err == nil {
		t.Error("ReadXGBoostJSON(nil): no error")
	}
}

// TestXGBoostArraysStaySmall checks that a long array of one-character tokens costs memory in
// proportion to the file, not a slice header per token.
func TestXGBoostArraysStaySmall(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MB")
	}
	arr := "[" + strings.Repeat("0,", 5_000_000) + "0]"
	file := `{"learner":{"gradient_booster":{"name":"gbtree","model":{"trees":[{"default_left":` + arr + `,"split_conditions":` + arr + `}]}},"objective":{"name":"reg:squarederror"}}}`
	allocs := testing.AllocsPerRun(1, func() {
		if _, err := ReadXGBoostJSON(bytes.NewReader([]byte(file))); !errors.Is(err, ErrMalformed) {
			t.Fatalf("got %v, want ErrMalformed", err)
		}
	})
	if allocs > 1000 {
		t.Errorf("%v allocations for two arrays of 5 million tokens, want a few", allocs)
	}
}
