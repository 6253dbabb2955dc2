package gbdt

import (
	"errors"
	"fmt"
	"math"
)

// Objective names the learning objective of a model. It decides how
// base_score becomes a margin and how a margin becomes a prediction.
type Objective string

// Objectives understood by [Model]. The names are XGBoost's.
const (
	SquaredError    Objective = "reg:squarederror"
	LinearLegacy    Objective = "reg:linear"
	SquaredLogError Objective = "reg:squaredlogerror"
	PseudoHuber     Objective = "reg:pseudohubererror"
	AbsoluteError   Objective = "reg:absoluteerror"
	Logistic        Objective = "reg:logistic"
	BinaryLogistic  Objective = "binary:logistic"
	BinaryLogitRaw  Objective = "binary:logitraw"
	Poisson         Objective = "count:poisson"
	Gamma           Objective = "reg:gamma"
	Tweedie         Objective = "reg:tweedie"
)

type linkKind uint8

const (
	linkIdentity linkKind = iota // margin = base_score, prediction = margin
	linkLogit                    // margin = logit(base_score), prediction = sigmoid(margin)
	linkLogitRaw                 // margin = logit(base_score), prediction = margin
	linkLog                      // margin = log(base_score), prediction = exp(margin)
)

func objectiveLink(o Objective) (linkKind, bool) {
	switch o {
	case SquaredError, LinearLegacy, SquaredLogError, PseudoHuber, AbsoluteError, QuantileError:
		return linkIdentity, true
	case Logistic, BinaryLogistic:
		return linkLogit, true
	case BinaryLogitRaw:
		return linkLogitRaw, true
	case Poisson, Gamma, Tweedie:
		return linkLog, true
	}
	return 0, false
}

// defaultLeftBit marks, in node.feat, a split whose missing values go left.
const defaultLeftBit = 1 << 31

// node is one tree node. For a leaf, left is -1 and cond is the leaf value.
type node struct {
	cond  float32 // split condition, or leaf value
	feat  uint32  // feature index | defaultLeftBit
	left  int32   // index of the left child in Model.nodes, -1 for a leaf
	right int32   // index of the right child
}

// Model is an ensemble of regression trees with one output. It is safe for
// concurrent use by several goroutines once built; prediction never allocates.
type Model struct {
	nodes     []node
	roots     []int32
	base      float32 // base margin (base_score after the objective's link)
	baseScore float32 // base_score as written in the model
	objective Objective
	// quantileAlpha is the quantile a QuantileError model predicts, 0 for
	// other objectives.
	quantileAlpha float64
	link          linkKind
	numFeature    int
	featureNames  []string
	// stats holds per-node training statistics for writing; nil for models
	// that were read (they are then written with zeros).
	stats []nodeStats
	// bestIteration is the early-stopping round kept, -1 if none.
	bestIteration int
}

type nodeStats struct {
	gain    float32
	hess    float32
	weight  float32
	parent  int32
	treeIdx int32
}

// NumTrees returns the number of trees.
func (m *Model) NumTrees() int { return len(m.roots) }

// NumFeature returns the number of features a row must have.
func (m *Model) NumFeature() int { return m.numFeature }

// Objective returns the model's objective.
func (m *Model) Objective() Objective { return m.objective }

// QuantileAlpha returns the quantile a [QuantileError] model predicts, and
// 0 for other objectives.
func (m *Model) QuantileAlpha() float64 { return m.quantileAlpha }

// BaseScore returns base_score as stored in the model (before the
// objective's link function).
func (m *Model) BaseScore() float32 { return m.baseScore }

// FeatureNames returns the feature names stored in the model, or nil.
func (m *Model) FeatureNames() []string { return append([]string(nil), m.featureNames...) }

// BestIteration returns the boosting round early stopping selected, or -1 when
// the model was not trained with early stopping.
func (m *Model) BestIteration() int { return m.bestIteration }

// ErrShortRow is wrapped by the error returned when a row has fewer values
// than the model's number of features.
var ErrShortRow = errors.New("gbdt: row shorter than the model's number of features")

// PredictMarginFloat32 returns the raw margin for one row, computed exactly
// as XGBoost does in float32. NaN marks a missing value.
func (m *Model) PredictMarginFloat32(row []float32) (float32, error) { return margin(m, row) }

// margin sums the trees' leaf values for row in float32, from the base margin.
func margin[T float32 | float64](m *Model, row []T) (float32, error) {
	if len(row) < m.numFeature {
		return 0, fmt.Errorf("%w: got %d values, want %d", ErrShortRow, len(row), m.numFeature)
	}
	sum := m.base
	for _, r := range m.roots {
		sum += treeValue(m.nodes, r, row)
	}
	return sum, nil
}

// PredictFloat32 returns the prediction for one row (the margin passed
// through the objective's transform), computed in float32 like XGBoost.
func (m *Model) PredictFloat32(row []float32) (float32, error) {
	s, err := m.PredictMarginFloat32(row)
	if err != nil {
		return 0, err
	}
	return m.transform(s), nil
}

// PredictMargin returns the raw margin for one row of float64 features. Each
// value is rounded to float32 first, as XGBoost does when it builds a
// DMatrix from float64 data. It does not allocate.
func (m *Model) PredictMargin(row []float64) (float64, error) {
	s, err := margin(m, row)
	return float64(s), err
}

// Predict returns the prediction for one row of float64 features (see
// [Model.PredictMargin]). It does not allocate.
func (m *Model) Predict(row []float64) (float64, error) {
	s, err := m.PredictMargin(row)
	if err != nil {
		return 0, err
	}
	return float64(m.transform(float32(s))), nil
}

// PredictBatch predicts every row of a row-major matrix with nFeature
// columns into dst, which must hold len(x)/nFeature values.
func (m *Model) PredictBatch(x []float64, nFeature int, dst []float64) error {
	if nFeature < m.numFeature {
		return fmt.Errorf("%w: nFeature is %d, want at least %d", ErrShortRow, nFeature, m.numFeature)
	}
	if nFeature <= 0 || len(x)%nFeature != 0 {
		return fmt.Errorf("gbdt: len(x) = %d is not a multiple of nFeature = %d", len(x), nFeature)
	}
	if len(dst) != len(x)/nFeature {
		return fmt.Errorf("gbdt: len(dst) = %d, want %d rows", len(dst), len(x)/nFeature)
	}
	for i := range dst {
		v, err := m.Predict(x[i*nFeature : (i+1)*nFeature])
		if err != nil {
			return err
		}
		dst[i] = v
	}
	return nil
}

func (m *Model) transform(s float32) float32 {
	switch m.link {
	case linkLogit:
		return 1 / (1 + expf(-s))
	case linkLog:
		return expf(s)
	}
	return s
}

// expf and logf are float32 versions of exp and log; rounding the float64
// result gives the correctly rounded float32 result except in vanishingly
// rare double-rounding cases.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
func logf(x float32) float32 { return float32(math.Log(float64(x))) }

// baseMargin converts base_score to a margin as XGBoost's objectives do
// (ProbToMargin), in float32.
func baseMargin(link linkKind, baseScore float32) (float32, error) {
	switch link {
	case linkLogit, linkLogitRaw:
		if !(baseScore > 0 && baseScore < 1) {
			return 0, fmt.Errorf("gbdt: base_score %v out of range (0, 1) for a logistic objective", baseScore)
		}
		return -logf(1/baseScore - 1), nil
	case linkLog:
		if !(baseScore > 0) {
			return 0, fmt.Errorf("gbdt: base_score %v out of range (0, +Inf) for a log-link objective", baseScore)
		}
		return logf(baseScore), nil
	}
	return baseScore, nil
}
