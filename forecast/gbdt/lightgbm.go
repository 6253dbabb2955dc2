package gbdt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/dmitryikh/leaves"
)

// LightGBMModel is a LightGBM model (text format) loaded through
// github.com/dmitryikh/leaves. It is safe for concurrent use.
type LightGBMModel struct {
	e          *leaves.Ensemble
	numFeature int
}

// ReadLightGBM reads a single-output LightGBM text model
// (booster.save_model("model.txt")). With transform true, predictions go
// through the objective's output transform (for example exp for Poisson and
// gamma, sigmoid for binary); with false they are raw scores. Multi-class
// models are refused. A malformed file gives an error wrapping [ErrMalformed].
func ReadLightGBM(r io.Reader, transform bool, opts ...ReadOption) (m *LightGBMModel, err error) {
	if r == nil {
		return nil, errors.New("gbdt: ReadLightGBM: the reader is nil")
	}
	data, err := readLimited(r, opts)
	if err != nil {
		return nil, err
	}
	maxSplit, err := checkLightGBMSizes(data)
	if err != nil {
		return nil, err
	}
	defer func() {
		// leaves is not hardened against corrupt input; turn its panics
		// into errors.
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("%w: LightGBM model: %v", ErrMalformed, p)
		}
	}()
	e, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(data)), transform)
	if err != nil {
		return nil, fmt.Errorf("%w: LightGBM model: %w", ErrMalformed, err)
	}
	if e.NOutputGroups() != 1 {
		return nil, fmt.Errorf("%w: LightGBM model with %d outputs (only single-output models are supported)", ErrUnsupported, e.NOutputGroups())
	}
	m = &LightGBMModel{e: e, numFeature: max(e.NFeatures(), maxSplit+1)}
	// Smoke-test the model: leaves does not check every index it reads.
	row := make([]float64, m.numFeature)
	if _, err := m.Predict(row); err != nil {
		return nil, err
	}
	for i := range row {
		row[i] = math.NaN()
	}
	if _, err := m.Predict(row); err != nil {
		return nil, err
	}
	return m, nil
}

// checkLightGBMSizes bounds the node counts leaves allocates from before it
// reads the arrays: a tree with L leaves needs at least L values in the
// file, so L may not exceed the file's length. It also checks every tree's
// child links, which leaves follows without checks: LightGBM numbers a split
// node after its parent, so an internal child must have a larger index than
// its node (else prediction could loop forever) and be one of the L−1 split
// nodes, and a leaf child ~k must have k < L.
// It returns the largest split_feature.
func checkLightGBMSizes(data []byte) (maxSplit int, err error) {
	maxSplit = -1
	numLeaves := -1 // of the tree being read
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		line := bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("Tree=")) {
			numLeaves = -1
		}
		for _, key := range []string{"left_child=", "right_child="} {
			v, ok := bytes.CutPrefix(line, []byte(key))
			if !ok {
				continue
			}
			if numLeaves < 0 {
				return 0, fmt.Errorf("%w: LightGBM model: %s before the tree's num_leaves", ErrMalformed, key)
			}
			i := 0
			for f := range bytes.FieldsSeq(v) {
				c, err := strconv.Atoi(string(f))
				switch {
				case err != nil:
					return 0, fmt.Errorf("%w: LightGBM model: %s%q: %w", ErrMalformed, key, f, err)
				case c >= 0 && (c <= i || c >= numLeaves-1):
					return 0, fmt.Errorf("%w: LightGBM model: %s node %d -> split node %d, want in (%d, %d)", ErrMalformed, key, i, c, i, numLeaves-1)
				case c < 0 && ^c >= numLeaves:
					return 0, fmt.Errorf("%w: LightGBM model: %s node %d -> leaf %d, want < num_leaves %d", ErrMalformed, key, i, ^c, numLeaves)
				}
				i++
			}
		}
		if v, ok := bytes.CutPrefix(line, []byte("max_feature_idx=")); ok {
			// The header lists a name and an info per feature, so their count is bounded by the
			// file's length; leaves allocates rows of max_feature_idx+1 values.
			n, err := strconv.Atoi(string(v))
			if err != nil || n < 0 || n > len(data) {
				return 0, fmt.Errorf("%w: LightGBM model: max_feature_idx=%s out of range [0, %d]", ErrMalformed, v, len(data))
			}
		}
		if v, ok := bytes.CutPrefix(line, []byte("leaf_value=")); ok {
			for f := range bytes.FieldsSeq(v) {
				x, err := strconv.ParseFloat(string(f), 64)
				if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
					return 0, fmt.Errorf("%w: LightGBM model: leaf_value %q, want a finite number", ErrMalformed, f)
				}
			}
		}
		if v, ok := bytes.CutPrefix(line, []byte("split_feature=")); ok {
			for f := range bytes.FieldsSeq(v) {
				n, err := strconv.Atoi(string(f))
				if err != nil || n < 0 || n > len(data) {
					return 0, fmt.Errorf("%w: LightGBM model: split_feature %q out of range [0, %d]", ErrMalformed, f, len(data))
				}
				maxSplit = max(maxSplit, n)
			}
		}
		for _, key := range []string{"num_leaves=", "num_cat="} {
			if v, ok := bytes.CutPrefix(line, []byte(key)); ok {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 0 || n > len(data) {
					return 0, fmt.Errorf("%w: LightGBM model: %s%s out of range [0, %d]", ErrMalformed, key, v, len(data))
				}
				if key == "num_leaves=" {
					numLeaves = n
				}
			}
		}
	}
	return maxSplit, nil
}

// NumFeature returns the number of features a row must have.
func (m *LightGBMModel) NumFeature() int { return m.numFeature }

// NumTrees returns the number of trees.
func (m *LightGBMModel) NumTrees() int { return m.e.NEstimators() }

// Predict returns the prediction for one row (NaN marks a missing value).
// leaves allocates a few bytes per call when an output transform is
// loaded; the native [Model] does not allocate.
func (m *LightGBMModel) Predict(row []float64) (v float64, err error) {
	if len(row) < m.numFeature {
		return 0, fmt.Errorf("%w: got %d values, want %d", ErrShortRow, len(row), m.numFeature)
	}
	defer func() {
		if p := recover(); p != nil {
			v, err = 0, fmt.Errorf("%w: LightGBM model failed to predict: %v", ErrMalformed, p)
		}
	}()
	return m.e.PredictSingle(row, 0), nil
}
