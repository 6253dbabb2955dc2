package gbdt

import (
	"fmt"
	"math"
	"slices"
)

// QuantileError is XGBoost's quantile (pinball) loss objective, added in
// XGBoost 2.0: the model predicts the QuantileAlpha-quantile of the target.
const QuantileError Objective = "reg:quantileerror"

// lossKind is the training loss of a [Params.Objective].
type lossKind uint8

const (
	lossSquared  lossKind = iota // reg:squarederror
	lossAbsolute                 // reg:absoluteerror, the median
	lossQuantile                 // reg:quantileerror
)

// trainLoss returns the loss Train fits for objective o, and whether Train
// supports it.
func trainLoss(o Objective) (lossKind, bool) {
	switch o {
	case "", SquaredError:
		return lossSquared, true
	case AbsoluteError:
		return lossAbsolute, true
	case QuantileError:
		return lossQuantile, true
	}
	return 0, false
}

// checkObjective reports an objective Train cannot fit or a QuantileAlpha
// that does not go with it.
func (p Params) checkObjective() error {
	l, ok := trainLoss(p.Objective)
	switch {
	case !ok:
		return fmt.Errorf("gbdt: Params.Objective = %q, want %q, %q or %q", p.Objective, SquaredError, AbsoluteError, QuantileError)
	case l == lossQuantile && !(p.QuantileAlpha > 0 && p.QuantileAlpha < 1):
		return fmt.Errorf("gbdt: Params.QuantileAlpha = %v, want in (0, 1) for %s", p.QuantileAlpha, QuantileError)
	case l != lossQuantile && p.QuantileAlpha != 0:
		return fmt.Errorf("gbdt: Params.QuantileAlpha = %v with Objective %q, want 0 (it is used only with %s)", p.QuantileAlpha, p.Objective, QuantileError)
	}
	return nil
}

// alpha returns the quantile the loss fits: 0.5 for absolute error.
func (p Params) alpha() float64 {
	if l, _ := trainLoss(p.Objective); l == lossAbsolute {
		return 0.5
	}
	return p.QuantileAlpha
}

// gradients sets t.grad from the current margins, as XGBoost's objectives
// do: pred − y for squared error; sign(pred − y) for absolute error; 1 − α
// where pred >= y and −α below for the quantile loss. Every hessian is 1.
func (t *trainer) gradients() {
	switch t.loss {
	case lossSquared:
		for i := range t.grad {
			t.grad[i] = float64(t.pred[i]) - t.y[i]
		}
	case lossAbsolute:
		for i := range t.grad {
			d := float64(t.pred[i]) - t.y[i]
			switch {
			case d > 0:
				t.grad[i] = 1
			case d < 0:
				t.grad[i] = -1
			default:
				t.grad[i] = 0
			}
		}
	case lossQuantile:
		a := t.p.QuantileAlpha
		for i := range t.grad {
			if float64(t.pred[i]) >= t.y[i] {
				t.grad[i] = 1 - a
			} else {
				t.grad[i] = -a
			}
		}
	}
}

// baseScore is the initial prediction when Params.BaseScore is NaN: the
// targets' mean for squared error, their alpha-quantile for the absolute
// and quantile losses (XGBoost's InitEstimation).
func baseScore(y []float64, p Params, loss lossKind) float64 {
	if loss == lossSquared {
		var s float64
		for _, v := range y {
			s += v
		}
		return s / float64(len(y))
	}
	v := make([]float64, len(y))
	copy(v, y)
	slices.Sort(v)
	return sortedQuantile(p.alpha(), v)
}

// sortedQuantile returns the alpha-quantile of sorted values by XGBoost's
// rule (common::Quantile, NIST's linear interpolation at rank α(n+1)): the
// smallest value for α <= 1/(n+1), the largest for α >= n/(n+1), else
// interpolated between the two values around rank α(n+1). NaN when empty.
func sortedQuantile[T float32 | float64](alpha float64, v []T) float64 {
	n := float64(len(v))
	switch {
	case len(v) == 0:
		return math.NaN()
	case alpha <= 1/(n+1):
		return float64(v[0])
	case alpha >= n/(n+1):
		return float64(v[len(v)-1])
	}
	x := alpha * (n + 1)
	k := math.Floor(x) - 1
	d := (x - 1) - k
	v0, v1 := float64(v[int(k)]), float64(v[int(k)+1])
	return v0 + d*(v1-v0)
}

// refreshLeaves sets each leaf of a tree grown on the absolute or quantile
// loss to the alpha-quantile of its rows' residuals y − pred, as XGBoost's
// adaptive trees do (UpdateTreeLeaf): the gradients of these losses only
// say on which side of the target a row lies, so the split finding uses
// them but the leaf value comes from the residuals themselves. A leaf
// without rows keeps its Newton weight.
func (t *trainer) refreshLeaves(tree []tnode) {
	a := t.p.alpha()
	for i := range tree {
		nd := &tree[i]
		if nd.left >= 0 || nd.hi == nd.lo {
			continue
		}
		res := t.res[:0]
		for _, r := range t.rows[nd.lo:nd.hi] {
			res = append(res, float32(t.y[r])-t.pred[r]) // in float32, as XGBoost
		}
		slices.Sort(res)
		nd.weight = float64(float32(sortedQuantile(a, res)))
		t.res = res
	}
}

// validLoss is the early-stopping metric of the loss: RMSE for squared
// error, the mean absolute error for absolute error, the mean pinball loss
// for the quantile loss (XGBoost's default metrics for them).
func validLoss(loss lossKind, alpha float64, pred []float32, y []float64) float64 {
	var s float64
	for i, p := range pred {
		d := y[i] - float64(p)
		switch loss {
		case lossSquared:
			s += d * d
		case lossAbsolute:
			s += math.Abs(d)
		case lossQuantile:
			s += max(alpha*d, (alpha-1)*d)
		}
	}
	s /= float64(len(pred))
	if loss == lossSquared {
		return math.Sqrt(s)
	}
	return s
}
