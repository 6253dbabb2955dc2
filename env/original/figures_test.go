package original_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env/original"
	"github.com/lambdatune/lambdatune/forecast"
	"github.com/lambdatune/lambdatune/forecast/gbdt"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/workload"
)

// seedModel is the original's trained Stable-Baselines3 A2C agent.
const seedModel = seedDir + "/a2c_serverless_model.zip"

// figures is a row of the original's results table: average latency (ms), average cost (USD)
// and SLA violations (%).
type figures struct {
	latency, cost, violations float64
}

// reportedFigures returns what the original reported over its 8,604 steps (its notebook's
// results table; each also equals the averages of the named log).
func reportedFigures() map[string]figures {
	return map[string]figures{
		"static":                    {181.89, 0.071125, 11.53},
		"ML-only":                   {208.41, 0.045863, 71.70},
		"RL-only (A2C)":             {155.09, 0.100000, 6.21},
		"hybrid ML+RL (A2C)":        {118.60, 0.090639, 5.47},
		"hybrid ML+RL (Q-learning)": {159.66, 0.066531, 16.43},
	}
}

// asReported rounds a summary to the precision of the original's table.
func asReported(s original.Summary) figures {
	r := func(x float64, d int) float64 { p := math.Pow(10, float64(d)); return math.Round(x*p) / p }
	return figures{r(s.AvgLatency, 2), r(s.AvgCost, 6), r(100*s.SLAViolationRate, 2)}
}

// modelPolicy plays the imported SB3 model, deterministically (argmax) or by sampling.
func modelPolicy(m *a2c.Model, deterministic bool) original.Policy {
	return func(obs []float64) (int, error) {
		a, err := m.Predict(obs, deterministic)
		if err != nil {
			return 0, err
		}
		return int(a[0]), nil
	}
}

// fittedHybridRule is the original agent plus a rule layer FITTED TO ITS HYBRID LOG, not the
// original's code (which is not in its repository): a decision tree over the log's steps with
// the observation (f, latency, cost) and the last five costs. The agent chooses action 3
// (128 MB, 5 s, 1) or 24 (512 MB, 10 s, 1) on every step; the log shows
//   - 3 always logged as 2 (128 MB, 3 s, concurrency 3): 2,238 of 2,238 steps;
//   - 24 logged as 23 (512 MB, 5 s, 3) when at most one of the last five steps cost less than
//     the 0.1 USD cap and f < 0.85; as 25 (512 MB, 10 s, 2) when two or more did and
//     f ≥ 0.878; else as 24: 6,268 of 6,361 steps.
func fittedHybridRule(m *a2c.Model) original.Policy {
	var under [5]bool // whether each of the last five steps cost less than the cap
	calls := 0
	return func(obs []float64) (int, error) {
		if calls > 0 { // obs[2] is the cost of the step just taken (none after Reset)
			copy(under[:], under[1:])
			under[4] = obs[2] < 1
		}
		calls++
		a, err := m.Predict(obs, true)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, u := range under {
			if u {
				n++
			}
		}
		switch f := obs[0]; {
		case a[0] == 3:
			return 2, nil
		case a[0] != 24:
			return int(a[0]), nil
		case n >= 2 && f >= 0.8784:
			return 25, nil
		case n >= 2 || f >= 0.85:
			return 24, nil
		}
		return 23, nil
	}
}

// TestOriginalFigures runs the original's strategies on Env over the forecast of its logs and
// compares their averages with its reported figures (go test -run TestOriginalFigures -v
// prints the table). Static, ML-only and RL-only (the imported agent, deterministic) must
// reproduce them at the precision reported; the hybrid figure comes from a rule layer the
// logs do not define, so the test only checks that replaying its logged actions reproduces
// it and reports how close the fitted rule comes.
func TestOriginalFigures(t *testing.T) {
	logs := map[string][]original.Row{
		"static":                    readLog(t, "baseline_static"),
		"ML-only":                   readLog(t, "baseline_ml_only"),
		"RL-only (A2C)":             readLog(t, "baseline_rl_only_a2c"),
		"hybrid ML+RL (A2C)":        readLog(t, "baseline_hybrid_a2c"),
		"hybrid ML+RL (Q-learning)": readLog(t, "baseline_hybrid"),
	}
	fc := forecastColumn(logs["static"])
	model, err := a2c.ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := model.Clone()
	if err != nil {
		t.Fatal(err)
	}
	sampled.SetSeed(1)
	tests := []struct {
		name, reported string
		policy         original.Policy
		mustMatch      bool
	}{
		{"static (action 4)", "static", original.Static, true},
		{"ML-only rule", "ML-only", original.MLOnly, true},
		{"RL-only: A2C, deterministic", "RL-only (A2C)", modelPolicy(model, true), true},
		{"RL-only: A2C, sampled (seed 1)", "RL-only (A2C)", modelPolicy(sampled, false), false},
		{"hybrid: A2C, no rules", "hybrid ML+RL (A2C)", modelPolicy(model, true), false},
		{"hybrid: A2C + rule fitted to its log", "hybrid ML+RL (A2C)", fittedHybridRule(model), false},
		{"hybrid: its logged actions replayed", "hybrid ML+RL (A2C)", replay(logs["hybrid ML+RL (A2C)"]), true},
		{"hybrid Q-learning: logged actions replayed", "hybrid ML+RL (Q-learning)", replay(logs["hybrid ML+RL (Q-learning)"]), true},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-44s %21s %21s %17s %12s\n", "strategy", "avg latency ms", "avg cost USD", "SLA violations %", "actions as")
	fmt.Fprintf(&table, "%-44s %10s %10s %10s %10s %8s %8s %12s\n", "", "ours", "reported", "ours", "reported", "ours", "rep.", "its log")
	for _, tc := range tests {
		e, err := original.New(original.Config{Forecast: fc})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := original.Run(e, tc.policy)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, want := asReported(original.Summarize(rows)), reportedFigures()[tc.reported]
		same := 0
		for i, r := range logs[tc.reported] {
			if r.Action == rows[i].Action {
				same++
			}
		}
		fmt.Fprintf(&table, "%-44s %10.2f %10.2f %10.6f %10.6f %8.2f %8.2f %11.1f%%\n", tc.name, got.latency, want.latency, got.cost, want.cost, got.violations, want.violations, 100*float64(same)/float64(len(rows)))
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(figures{})); tc.mustMatch && diff != "" {
			t.Errorf("%s: figures differ from the reported ones (-reported +ours):\n%s", tc.name, diff)
		}
	}
	t.Log(table.String())
}

// The deterministic agent reproduces the original's RL-only log row for row.
func TestRLOnlyLogReproduced(t *testing.T) {
	want := readLog(t, "baseline_rl_only_a2c")
	model, err := a2c.ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	e, err := original.New(original.Config{Forecast: forecastColumn(want)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := original.Run(e, modelPolicy(model, true))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-6, 0)); diff != "" {
		t.Errorf("RL-only run differs from the log (-log +env):\n%s", diff)
	}
}

// TestHybridLogPolicy replays the hybrid log's actions and asks the agent, at every step,
// what it would choose from the env's observation: the memory size agrees with the next
// logged action on every transition (the forecast slot of the observation holds the next
// step's forecast; with this step's it agrees on 97.3 %), the whole action on 42 %.
func TestHybridLogPolicy(t *testing.T) {
	rows := readLog(t, "baseline_hybrid_a2c")
	model, err := a2c.ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	e, err := original.New(original.Config{Forecast: forecastColumn(rows)})
	if err != nil {
		t.Fatal(err)
	}
	obs, _, err := e.Reset(seedNone)
	if err != nil {
		t.Fatal(err)
	}
	var sameMemory, sameAction int
	for i, row := range rows {
		a, err := model.Predict(obs, true)
		if err != nil {
			t.Fatal(err)
		}
		p, err := original.Decode(int(a[0]))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 { // the first action follows the reset observation
			if p.MemoryMB == row.Action.MemoryMB {
				sameMemory++
			}
			if p == row.Action {
				sameAction++
			}
		}
		idx, err := row.Action.Index()
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Step([]float64{float64(idx)})
		if err != nil {
			t.Fatal(err)
		}
		obs = r.Obs
	}
	n := len(rows) - 1
	t.Logf("agent vs hybrid log over %d transitions: memory %d (%.1f %%), whole action %d (%.1f %%)",
		n, sameMemory, 100*float64(sameMemory)/float64(n), sameAction, 100*float64(sameAction)/float64(n))
	if sameMemory != n {
		t.Errorf("memory agrees on %d of %d transitions, want all", sameMemory, n)
	}
	if sameAction != 3617 {
		t.Errorf("whole action agrees on %d transitions, want 3,617 (42.0 %%)", sameAction)
	}
}

// TestForecastFromWorkload produces the episode's forecast the way the original did, with a
// forecaster over its workload: lambdatune's GBDT with the original's XGBoost parameters and
// (leaky) features, fitted on the first 80 % of synthetic_invocations.csv, forecasting every
// row from row 32 on, the rows its logs cover (that alignment gives the smallest error
// against their forecast column). The strategies' figures land close to the reported ones.
func TestForecastFromWorkload(t *testing.T) {
	f, err := os.Open(filepath.Join(seedDir, "synthetic_invocations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := workload.ReadOriginalCSV(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	v := s.Counts
	ts := make([]time.Time, len(v))
	for i := range ts {
		ts[i] = s.Start.Add(time.Duration(i) * s.Step)
	}
	p := gbdt.DefaultParams()
	p.MaxDepth, p.LearningRate, p.NEstimators = 6, 0.05, 100
	p.Subsample, p.ColsampleByTree, p.MinChildWeight = 0.8, 1, 5
	p.BaseScore = 0.5
	g := forecast.NewGBDT(forecast.OriginalFeatures(), p)
	split := len(v) * 8 / 10
	if err := g.Fit(context.Background(), v[:split], ts[:split]); err != nil {
		t.Fatal(err)
	}
	fc, err := forecast.OneStepAhead(g, v, ts, 32)
	if err != nil {
		t.Fatal(err)
	}
	logged := forecastColumn(readLog(t, "baseline_static"))
	if len(fc) != len(logged) {
		t.Fatalf("%d forecasts, the logs have %d rows", len(fc), len(logged))
	}
	mae, err := forecast.MAE(logged, fc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MAE against the logs' forecast column: %.2f invocations", mae)
	if mae > 2 {
		t.Errorf("MAE against the logs' forecast column %.2f, want ≤ 2", mae)
	}
	model, err := a2c.ImportSB3(seedModel)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, reported string
		policy         original.Policy
	}{
		{"static", "static", original.Static},
		{"ML-only", "ML-only", original.MLOnly},
		{"RL-only (A2C, deterministic)", "RL-only (A2C)", modelPolicy(model, true)},
	}
	for _, tc := range tests {
		e, err := original.New(original.Config{Forecast: fc})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := original.Run(e, tc.policy)
		if err != nil {
			t.Fatal(err)
		}
		got, want := asReported(original.Summarize(rows)), reportedFigures()[tc.reported]
		t.Logf("%-30s latency %.2f ms (reported %.2f), cost %.6f USD (%.6f), SLA violations %.2f %% (%.2f)",
			tc.name, got.latency, want.latency, got.cost, want.cost, got.violations, want.violations)
		if math.Abs(got.latency-want.latency) > 0.02*want.latency || math.Abs(got.violations-want.violations) > 5 {
			t.Errorf("%s: %+v too far from the reported %+v", tc.name, got, want)
		}
	}
}
