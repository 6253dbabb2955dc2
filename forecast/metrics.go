package forecast

import (
	"fmt"
	"math"
)

func checkPair(actual, pred []float64) error {
	if len(actual) != len(pred) {
		return fmt.Errorf("forecast: %d actual values for %d predictions, want equal lengths", len(actual), len(pred))
	}
	if len(actual) == 0 {
		return fmt.Errorf("forecast: no values to score")
	}
	for i := range actual {
		if math.IsNaN(actual[i]) || math.IsNaN(pred[i]) {
			return fmt.Errorf("forecast: NaN at index %d (actual %v, predicted %v)", i, actual[i], pred[i])
		}
	}
	return nil
}

// MAE returns the mean absolute error.
func MAE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		s += math.Abs(actual[i] - pred[i])
	}
	return s / float64(len(actual)), nil
}

// RMSE returns the root mean squared error.
func RMSE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		d := actual[i] - pred[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(actual))), nil
}

// MAPE returns the mean absolute percentage error, in percent, over the
// points whose actual value is not zero (a zero has no percentage error).
// It is an error if every actual value is zero.
func MAPE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	n := 0
	for i := range actual {
		if actual[i] != 0 {
			s += math.Abs((actual[i] - pred[i]) / actual[i])
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("forecast: MAPE undefined: every actual value is zero")
	}
	return 100 * s / float64(n), nil
}

// SMAPE returns the symmetric mean absolute percentage error, in percent
// (0 to 200): mean of 2|F−A|/(|A|+|F|), where a point with A = F = 0 counts
// as 0.
func SMAPE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		d := math.Abs(actual[i]) + math.Abs(pred[i])
		if d > 0 {
			s += 2 * math.Abs(pred[i]-actual[i]) / d
		}
	}
	return 100 * s / float64(len(actual)), nil
}

// R2 returns the coefficient of determination 1 − SS_res/SS_tot (as
// scikit-learn's r2_score). It is an error if actual is constant.
func R2(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var mean float64
	for _, a := range actual {
		mean += a
	}
	mean /= float64(len(actual))
	var res, tot float64
	for i := range actual {
		res += (actual[i] - pred[i]) * (actual[i] - pred[i])
		tot += (actual[i] - mean) * (actual[i] - mean)
	}
	if tot == 0 {
		return 0, fmt.Errorf("forecast: R2 undefined: the actual values are constant")
	}
	return 1 - res/tot, nil
}

// MASE returns the mean absolute scaled error: the MAE of pred divided by
// the in-sample MAE of the seasonal naive forecast with period m on train
// (m = 1: the last-value forecast). Below 1 means better than that naive
// forecast was in sample.
func MASE(actual, pred, train []float64, m int) (float64, error) {
	if m < 1 {
		return 0, fmt.Errorf("forecast: MASE period m = %d, want >= 1", m)
	}
	if len(train) <= m {
		return 0, fmt.Errorf("forecast: MASE needs more than m = %d training values, got %d", m, len(train))
	}
	mae, err := MAE(actual, pred)
	if err != nil {
		return 0, err
	}
	var s float64
	for i := m; i < len(train); i++ {
		s += math.Abs(train[i] - train[i-m])
	}
	scale := s / float64(len(train)-m)
	if scale == 0 {
		return 0, fmt.Errorf("forecast: MASE undefined: the naive forecast is exact on the training values")
	}
	return mae / scale, nil
}

// Scores holds the usual metrics of a forecast.
type Scores struct {
	// MAE, RMSE and R2 are as computed by [MAE], [RMSE] and [R2].
	MAE, RMSE, R2 float64
	// SMAPE is in percent.
	SMAPE float64
}

// Score computes MAE, RMSE, R² and sMAPE (R² is NaN for a constant actual
// series).
func Score(actual, pred []float64) (Scores, error) {
	var s Scores
	var err error
	if s.MAE, err = MAE(actual, pred); err != nil {
		return s, err
	}
	s.RMSE, _ = RMSE(actual, pred)
	s.SMAPE, _ = SMAPE(actual, pred)
	if s.R2, err = R2(actual, pred); err != nil {
		s.R2 = math.NaN()
	}
	return s, nil
}
