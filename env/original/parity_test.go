package original_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/original"
)

// seedDir holds the original project's logs, gzipped (see testdata/seed/README.md).
const seedDir = "../../testdata/seed"

// readRaw returns the decompressed bytes of testdata/seed/<name>.csv.gz.
func readRaw(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(seedDir, name+".csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readLog reads testdata/seed/<name>.csv.gz.
func readLog(t testing.TB, name string) []original.Row {
	t.Helper()
	rows, err := original.ReadLog(bytes.NewReader(readRaw(t, name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

// forecastColumn returns the forecast column of a log.
func forecastColumn(rows []original.Row) []float64 {
	fc := make([]float64, len(rows))
	for i, r := range rows {
		fc[i] = r.Forecast
	}
	return fc
}

// replay returns a policy that plays the actions of rows in order.
func replay(rows []original.Row) original.Policy {
	i := 0
	return func([]float64) (int, error) {
		if i >= len(rows) {
			return 0, fmt.Errorf("replay: no row %d", i)
		}
		a, err := rows[i].Action.Index()
		i++
		return a, err
	}
}

// maxErrors returns the largest absolute differences of latency, cost and reward, and the
// largest relative differences of latency and cost.
func maxErrors(want, got []original.Row) (absLat, absCost, absRew, relLat, relCost float64, exactLat, exactCost int) {
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		if w.Latency == g.Latency {
			exactLat++
		}
		if w.Cost == g.Cost {
			exactCost++
		}
		absLat = max(absLat, math.Abs(w.Latency-g.Latency))
		absCost = max(absCost, math.Abs(w.Cost-g.Cost))
		absRew = max(absRew, math.Abs(w.Reward-g.Reward))
		relLat = max(relLat, math.Abs(w.Latency-g.Latency)/math.Abs(w.Latency))
		relCost = max(relCost, math.Abs(w.Cost-g.Cost)/math.Abs(w.Cost))
	}
	return
}

// TestOriginalEnvParity replays the forecast column of the original's logs through Env with
// the strategy that produced each log and compares every row: the action, the SLA flag and
// the step exactly, latency, cost and reward to 1e-6 (relative; the rewards also to 1e-7
// absolute). The logged latency and cost are float32 values and the logged forecast is
// rounded to float32 too, so those two match to float32 precision, not bit for bit.
func TestOriginalEnvParity(t *testing.T) {
	tests := []struct {
		name, log string
		policy    func(rows []original.Row) original.Policy
	}{
		{"static (action 4)", "baseline_static", func([]original.Row) original.Policy { return original.Static }},
		{"ML-only rule", "baseline_ml_only", func([]original.Row) original.Policy { return original.MLOnly }},
		// The Q-learning hybrid log visits all 36 actions: replaying its actions checks the
		// formulas on every entry of the table.
		{"Q-learning hybrid, logged actions", "baseline_hybrid", replay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := readLog(t, tc.log)
			if len(want) != 8604 {
				t.Fatalf("%s has %d rows, want 8604", tc.log, len(want))
			}
			e, err := original.New(original.Config{Forecast: forecastColumn(want)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := original.Run(e, tc.policy(want))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-6, 0)); diff != "" {
				t.Errorf("replay differs from %s (-log +env):\n%s", tc.log, diff)
			}
			absLat, absCost, absRew, relLat, relCost, exactLat, exactCost := maxErrors(want, got)
			if absRew > 1e-7 {
				t.Errorf("largest reward error %.3g, want ≤ 1e-7", absRew)
			}
			t.Logf("%d rows; largest errors: latency %.2g ms (relative %.2g), cost %.2g USD (relative %.2g), reward %.2g; bit-identical float32: latency %d, cost %d rows",
				len(got), absLat, relLat, absCost, relCost, absRew, exactLat, exactCost)
		})
	}
}

// seedNone is the zero env.Seed: Env ignores seeds.
var seedNone env.Seed
