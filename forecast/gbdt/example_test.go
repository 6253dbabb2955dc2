package gbdt_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/lambdatune/lambdatune/forecast/gbdt"
)

// Load a model saved by XGBoost with booster.save_model("model.json") and
// predict one row (NaN is a missing value).
func ExampleReadXGBoostJSON() {
	f, err := os.Open("../../testdata/forecast/xgb_reg_hist.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	m, err := gbdt.ReadXGBoostJSON(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := m.Predict([]float64{-4, 7, 2.83658791, math.NaN(), -0.370148897, -1.57963288})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.NumTrees(), "trees,", m.NumFeature(), "features,", m.Objective())
	fmt.Printf("prediction %.6g\n", p)
	// Output:
	// 100 trees, 6 features, reg:squarederror
	// prediction -8.24272
}

// Train a model natively and save it in XGBoost's JSON schema, which
// XGBoost's Booster.load_model reads.
func ExampleTrain() {
	d := gbdt.Dataset{NumFeature: 2, FeatureNames: []string{"x", "y"}}
	for i := range 500 {
		x, y := float64(i%20), float64(i%7)
		d.X = append(d.X, x, y)
		d.Y = append(d.Y, 3*x-2*y)
	}
	p := gbdt.DefaultParams()
	p.Seed = 1
	m, err := gbdt.Train(context.Background(), d, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := m.Predict([]float64{10, 3})
	fmt.Printf("f(10, 3) = %.1f (true 24)\n", v)
	if err := m.WriteXGBoostJSON(io.Discard); err != nil {
		fmt.Println(err)
	}
	// Output:
	// f(10, 3) = 24.0 (true 24)
}
