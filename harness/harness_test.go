package harness

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/workload"
)

// short returns a quick evaluation: two hours of two workloads, every standard strategy but the
// GBDT-forecasting ones (their forecaster needs an hour to warm up), two seeds.
func short(t *testing.T, names ...string) Config {
	t.Helper()
	var ws []Workload
	for _, n := range []string{"bursty", "diurnal"} {
		w, err := Synthetic(n, 2.0/24)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	if len(names) == 0 {
		names = []string{"static", "power-tuned", "target-tracking", "random", "oracle"}
	}
	ss, err := Standard(names...)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Workloads: ws, Profiles: []Profile{CPUBound(), HeavyInit()}, Strategies: ss, Seeds: []uint64{1, 2}}
}

// TestRunDeterministicAndCommonArrivals: the same evaluation gives the same results with one
// worker or several, and every strategy of a workload and seed sees the same requests.
func TestRunDeterministicAndCommonArrivals(t *testing.T) {
	cfg := short(t)
	cfg.Workers = 1
	one, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 3
	three, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one, three, cmpopts.IgnoreFields(Result{}, "Wall")); diff != "" {
		t.Errorf("1 worker vs 3 (-1 +3):\n%s", diff)
	}
	if want := 2 * 2 * 2 * 5; len(one) != want {
		t.Fatalf("%d results, want %d", len(one), want)
	}
	requests := map[string]int64{}
	for _, r := range one {
		k := r.Workload + "/" + string(rune('0'+r.Seed))
		if n, ok := requests[k]; ok && n != r.Score.Requests {
			t.Errorf("%s %s/%s: %d requests, another strategy saw %d", k, r.Profile, r.Strategy, r.Score.Requests, n)
		}
		requests[k] = r.Score.Requests
		if r.Score.Intervals != 120 {
			t.Errorf("%s/%s/%s: %d intervals, want 120", r.Workload, r.Profile, r.Strategy, r.Score.Intervals)
		}
	}
	if requests["bursty/1"] == requests["bursty/2"] {
		t.Error("seeds 1 and 2 drew the same load")
	}
}

// TestRunStrategiesBehave checks what each standard strategy does to the configuration over a
// run: static never changes it; power-tuned and target-tracking move to the sweep's memory;
// target-tracking keeps at least one provisioned environment; the oracle provisions some.
func TestRunStrategiesBehave(t *testing.T) {
	cfg := short(t)
	cfg.Workloads, cfg.Seeds, cfg.KeepIntervals = cfg.Workloads[:1], cfg.Seeds[:1], true
	rs, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Sweep(context.Background(), DefaultSweep(), CPUBound())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Profile != "cpu" {
			continue
		}
		last := r.Intervals[len(r.Intervals)-1].Config
		maxProv := 0
		for _, m := range r.Intervals {
			maxProv = max(maxProv, m.Config.Provisioned)
		}
		switch r.Strategy {
		case "static":
			if last != CPUBound().Config {
				t.Errorf("static ended at %v", last)
			}
		case "power-tuned", "target-tracking", "oracle":
			if last.MemoryMB != sw.Best.MemoryMB {
				t.Errorf("%s ended at %d MB, the sweep picked %d", r.Strategy, last.MemoryMB, sw.Best.MemoryMB)
			}
		}
		if r.Strategy == "target-tracking" && last.Provisioned < 1 {
			t.Errorf("target-tracking ended with %d provisioned, want >= MinCapacity 1", last.Provisioned)
		}
		if r.Strategy == "oracle" && maxProv == 0 {
			t.Error("oracle never provisioned anything")
		}
	}
}

func TestSummaryFileAndTable(t *testing.T) {
	cfg := short(t, "static", "oracle")
	rs, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "summary.csv")
	if err := WriteSummaryFile(path, rs); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "workload,profile,strategy,seed,requests,cost_usd,slo_violation_pct,cold_starts,throttles,errors,p95_ms,p99_ms"
	if got := strings.Join(recs[0], ","); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if len(recs) != 1+len(rs) {
		t.Errorf("%d rows, want %d", len(recs)-1, len(rs))
	}
	rows := Summarize(rs, lambdatune.DefaultObjective())
	if len(rows) != 2*2*2 || rows[0].Seeds != 2 {
		t.Fatalf("%d rows (want 8), first over %d seeds (want 2)", len(rows), rows[0].Seeds)
	}
	var buf bytes.Buffer
	if err := PrintTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"oracle", "+0%", "±", "vs oracle"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, buf.String())
		}
	}
	chart := filepath.Join(dir, "cost_slo.png")
	if err := PlotCostSLO(chart, rows); err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open(chart)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("chart is %v", b)
	}
}

func TestStat(t *testing.T) {
	s := stat([]float64{1, 2, 3, 4})
	if s.Mean != 2.5 || s.SD < 1.2909 || s.SD > 1.2910 {
		t.Errorf("stat = %+v, want mean 2.5, sd 1.29099", s)
	}
	if s := stat([]float64{7}); s != (Stat{Mean: 7}) {
		t.Errorf("one value: %+v", s)
	}
}

func TestAzureTrace(t *testing.T) {
	dir := filepath.Join("..", "testdata", "traces")
	ws, err := AzureTrace(context.Background(), AzureFiles{
		Invocations: filepath.Join(dir, "az2019_top10_fullday_invocations.csv"),
		Durations:   filepath.Join(dir, "az2019_top10_fullday_durations.csv"),
		Memory:      filepath.Join(dir, "az2019_top10_fullday_memory.csv"),
	}, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 {
		t.Fatalf("%d workloads, want 3", len(ws))
	}
	for _, w := range ws {
		s, err := w.Series(1)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 1440 || s.Step != time.Minute || s.Total() == 0 {
			t.Errorf("%s: %d intervals of %v, total %v", w.Name, s.Len(), s.Step, s.Total())
		}
		if w.MeanDuration <= 0 || w.MemoryMB < 128 {
			t.Errorf("%s: mean duration %v at %d MB", w.Name, w.MeanDuration, w.MemoryMB)
		}
		p, err := CPUBound().WithMeanDuration(w.MeanDuration, w.MemoryMB)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Function.Duration.(interface {
			Mean(int, lambdatune.Architecture) time.Duration
		}).Mean(w.MemoryMB, lambdatune.X86_64); got-w.MeanDuration > time.Microsecond || w.MeanDuration-got > time.Microsecond {
			t.Errorf("%s: rescaled mean %v, want %v", w.Name, got, w.MeanDuration)
		}
	}
	if _, err := AzureTrace(context.Background(), AzureFiles{Invocations: filepath.Join(dir, "az2019_top10_fullday_invocations.csv")}, "zzzz", 0); err == nil {
		t.Error("a match for nothing gave no error")
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := Run(context.Background(), Config{}); err == nil {
		t.Error("empty config accepted")
	}
	if _, err := Standard("magic"); err == nil {
		t.Error("unknown strategy accepted")
	}
	if _, err := Synthetic("flat", 1); err == nil {
		t.Error("unknown workload accepted")
	}
	if _, err := Synthetic("bursty", 0); err == nil {
		t.Error("0 days accepted")
	}
	cfg := short(t, "static")
	cfg.Strategies = append(cfg.Strategies, Strategy{Name: "broken", New: func(context.Context, Env) (Setup, error) {
		return Setup{Policy: lambdatune.Fixed(lambdatune.Config{MemoryMB: 1})}, nil
	}})
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a strategy applying an invalid config: err = %v", err)
	}
}

// TestAgentStrategy runs an agent strategy (a fixed action: the 0.1 % headroom at the sweep's
// memory) in the harness: it asks for one predictor per run and provisions like the predictive
// strategy it sits on.
func TestAgentStrategy(t *testing.T) {
	var made atomic.Int32
	newPred := func() (policy.Predictor, error) {
		made.Add(1)
		return policy.PredictorFunc(func([]float64) ([]float64, error) { return []float64{4, 1}, nil }), nil
	}
	cfg := short(t, "static")
	cfg.Strategies = append(cfg.Strategies, Agent("fixed-agent", newPred, false), Agent("fixed-hybrid", newPred, true))
	cfg.KeepIntervals = true
	rs, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := int32(2 * 2 * 2 * 2); made.Load() != want {
		t.Errorf("%d predictors made, want one per agent run (%d)", made.Load(), want)
	}
	for _, r := range rs {
		if r.Strategy == "static" {
			continue
		}
		prov := 0
		for _, m := range r.Intervals {
			prov = max(prov, m.Config.Provisioned)
		}
		if prov == 0 {
			t.Errorf("%s %s/%s: never provisioned", r.Strategy, r.Workload, r.Profile)
		}
	}
}

func TestSpreadByRate(t *testing.T) {
	var ws []Workload
	for _, rate := range []float64{50, 1, 0, 7, 1000, 3, 200} {
		s, err := workload.NewSeries(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Minute, []float64{rate, rate})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, Workload{Name: fmt.Sprint(rate), Series: func(uint64) (workload.Series, error) { return s, nil }})
	}
	got, err := SpreadByRate(ws, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range got {
		names = append(names, w.Name)
	}
	// log rates 0 … 6.9: targets 0, 3.45 (≈ 31.6/s: 50 is nearer than 7), 6.9
	if diff := cmp.Diff([]string{"1", "50", "1000"}, names); diff != "" {
		t.Errorf("picked (-want +got):\n%s", diff)
	}
	if all, _ := SpreadByRate(ws, 10, 0); len(all) != 6 {
		t.Errorf("n beyond the workloads: %d, want the 6 that are not idle", len(all))
	}
	if some, _ := SpreadByRate(ws, 10, 5); len(some) != 4 {
		t.Errorf("at least 5 per interval: %d workloads, want 4", len(some))
	}
}

func TestAgentsFromDir(t *testing.T) {
	dir := t.TempDir()
	if ss, err := AgentsFromDir(dir); err != nil || len(ss) != 0 {
		t.Errorf("empty dir: %v, %v", ss, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hybrid.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AgentsFromDir(dir); err == nil {
		t.Error("a broken model loaded")
	}
}

// countEnv is a deterministic env for Play: episodes of three steps, reward 1 and Info x = 2 a step.
type countEnv struct {
	steps int
	seeds []env.Seed
}

func (c *countEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 10, 1); return b }
func (c *countEnv) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (c *countEnv) Reset(s env.Seed) ([]float64, env.Info, error) {
	c.steps, c.seeds = 0, append(c.seeds, s)
	return []float64{0}, nil, nil
}
func (c *countEnv) Step([]float64) (env.StepResult, error) {
	c.steps++
	return env.StepResult{Obs: []float64{float64(c.steps)}, Reward: 1, Truncated: c.steps == 3, Info: env.Info{"x": 2}}, nil
}

func TestPlay(t *testing.T) {
	e := &countEnv{}
	var seen []float64
	rets, sums, err := Play(e, func(obs []float64) ([]float64, error) { seen = append(seen, obs[0]); return []float64{0}, nil }, 2, 7, "x", "missing")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{3, 3}, rets); diff != "" {
		t.Errorf("returns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]float64{{6, 0}, {6, 0}}, sums); diff != "" {
		t.Errorf("sums (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0, 1, 2, 0, 1, 2}, seen); diff != "" {
		t.Errorf("observations acted on (-want +got):\n%s", diff)
	}
	if v, ok := e.seeds[0].Value(); !ok || v != 7 || len(e.seeds) != 2 {
		t.Errorf("resets with %v, want seed 7 then the stream", e.seeds)
	} else if _, ok := e.seeds[1].Value(); ok {
		t.Errorf("second reset reseeded: %v", e.seeds[1])
	}
	if _, _, err := Play(e, nil, 0, 1); err == nil {
		t.Error("0 episodes accepted")
	}
}

func TestAgentsPicksPredictorBySeed(t *testing.T) {
	calls := make([]int, 2)
	factory := func(i int) func() (policy.Predictor, error) {
		return func() (policy.Predictor, error) {
			calls[i]++
			return policy.PredictorFunc(func([]float64) ([]float64, error) { return []float64{0, 1}, nil }), nil
		}
	}
	s := Agents("a", false, 1, factory(0), factory(1))
	e := Env{Profile: IOBound(), Sweep: policy.PowerResult{Best: policy.PowerStats{MemoryMB: 512, AverageDuration: 200}}}
	for _, seed := range []uint64{1, 2, 3} {
		e.Seed = seed
		if _, err := s.New(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if calls[0] != 1 || calls[1] != 2 {
		t.Errorf("predictor calls %v, want [1 2] (seed s uses s mod 2)", calls)
	}
	if _, err := Agents("none", false, 1).New(context.Background(), e); err == nil {
		t.Error("no predictors accepted")
	}
	if got := StatOf([]float64{1, 3}); got.Mean != 2 || math.Abs(got.SD-math.Sqrt2) > 1e-12 {
		t.Errorf("StatOf(1, 3) = %+v, want 2 ± √2", got)
	}
}

func TestParallel(t *testing.T) {
	var sum atomic.Int64
	if err := Parallel(context.Background(), 3, 100, func(_ context.Context, i int) error { sum.Add(int64(i)); return nil }); err != nil {
		t.Fatal(err)
	}
	if sum.Load() != 4950 {
		t.Errorf("sum %d, want 4950", sum.Load())
	}
	boom := fmt.Errorf("boom")
	var ran atomic.Int64
	err := Parallel(context.Background(), 2, 1000, func(ctx context.Context, i int) error {
		ran.Add(1)
		if i == 3 {
			return boom
		}
		<-time.After(time.Millisecond)
		return ctx.Err()
	})
	if err != boom {
		t.Errorf("error %v, want boom", err)
	}
	if ran.Load() > 100 {
		t.Errorf("%d calls ran after the failure", ran.Load())
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, "training", 100)
	p.Add(40)
	cb := p.A2C()
	if err := cb.OnUpdate(&a2c.Progress{Timesteps: 20}); err != nil {
		t.Fatal(err)
	}
	if err := cb.OnUpdate(&a2c.Progress{Timesteps: 60}); err != nil {
		t.Fatal(err)
	}
	p.Done()
	if !strings.Contains(buf.String(), "training: 40/100 steps") || !strings.Contains(buf.String(), "training: 100 steps in") {
		t.Errorf("progress wrote %q", buf.String())
	}
}

// TestRunStopsOnAFailingStrategy: a run that fails names its workload,
// profile, strategy and seed, and Run reports no results, whatever the
// number of workers; progress counts only the runs that ended well.
func TestRunStopsOnAFailingStrategy(t *testing.T) {
	for _, workers := range []int{1, 3} {
		cfg := short(t)
		cfg.Workers = workers
		cfg.Strategies = append(cfg.Strategies, Strategy{Name: "broken", New: func(context.Context, Env) (Setup, error) {
			return Setup{}, errors.New("no setup")
		}})
		cfg.Progress = func(done, total int, r Result) {
			if r.Strategy == "broken" {
				t.Errorf("progress reported the broken strategy's run")
			}
		}
		res, err := Run(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "/broken seed ") || !strings.Contains(err.Error(), "no setup") {
			t.Fatalf("workers %d: error %v, want one naming the broken run", workers, err)
		}
		if res != nil {
			t.Errorf("workers %d: %d results with an error", workers, len(res))
		}
	}
}
