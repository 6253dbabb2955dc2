package original_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/original"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/rl/qlearn"
)

// shortForecast is a 100-step slice of the original's forecast pattern: a sine with a burst.
func shortForecast() []float64 {
	fc := make([]float64, 100)
	for i := range fc {
		fc[i] = 100 + 25*math.Sin(float64(i)/10)
		if i%50 < 5 {
			fc[i] = 220
		}
	}
	return fc
}

func newEnv(t testing.TB, fc []float64) *original.Env {
	t.Helper()
	e, err := original.New(original.Config{Forecast: fc})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		fc   []float64
		want string
	}{
		{"nil", nil, "Config.Forecast is empty"},
		{"NaN", []float64{1, math.NaN()}, "Config.Forecast[1] = NaN"},
		{"infinite", []float64{math.Inf(1)}, "Config.Forecast[0] = +Inf"},
		{"negative", []float64{3, -1}, "Config.Forecast[1] = -1: want a finite value ≥ 0"},
		{"all zeros", []float64{0, 0}, "all zeros"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := original.New(original.Config{Forecast: tc.fc})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestStepErrors(t *testing.T) {
	e := newEnv(t, []float64{1, 2})
	if _, err := e.Step([]float64{0}); !errors.Is(err, original.ErrNotReset) {
		t.Errorf("Step before Reset: %v, want ErrNotReset", err)
	}
	if _, _, err := e.Reset(seedNone); err != nil {
		t.Fatal(err)
	}
	for _, a := range [][]float64{nil, {}, {0, 1}, {-1}, {36}, {1.5}, {math.NaN()}, {math.Inf(1)}} {
		if _, err := e.Step(a); !errors.Is(err, original.ErrInvalidAction) || !strings.Contains(err.Error(), "[0, 36)") {
			t.Errorf("Step(%v): %v, want ErrInvalidAction naming [0, 36)", a, err)
		}
	}
	for range 2 {
		if _, err := e.Step([]float64{0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Step([]float64{0}); !errors.Is(err, original.ErrEpisodeOver) {
		t.Errorf("Step after the end: %v, want ErrEpisodeOver", err)
	}
	if _, _, err := e.Reset(seedNone); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step([]float64{0}); err != nil {
		t.Errorf("Step after a new Reset: %v", err)
	}
}

// TestEpisode walks a three-step episode: the observation after a step holds the next
// step's forecast with this step's latency and cost, and the last one repeats the last f.
func TestEpisode(t *testing.T) {
	e := newEnv(t, []float64{50, 100, 25})
	obs, _, err := e.Reset(seedNone)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{0.5, 0, 0}, obs); diff != "" {
		t.Errorf("Reset observation (-want +got):\n%s", diff)
	}
	type step struct {
		action int
		f      float64 // this step's normalized forecast
		obs    []float64
	}
	f32 := func(x float64) float64 { return float64(float32(x)) }
	steps := []step{
		{4, 0.5, []float64{1, f32(184.4 / 300), f32(0.71125333)}},
		{24, 1, []float64{0.25, f32(217.6 / 300), 1}},
		{0, 0.25, []float64{0.25, f32(204.4 / 300), f32(0.213376)}},
	}
	for i, s := range steps {
		r, err := e.Step([]float64{float64(s.action)})
		if err != nil {
			t.Fatal(err)
		}
		act, _ := original.Decode(s.action)
		want := original.Evaluate(s.f, act)
		if diff := cmp.Diff(s.obs, r.Obs, cmpopts.EquateApprox(1e-7, 0)); diff != "" {
			t.Errorf("step %d observation (-want +got):\n%s", i, diff)
		}
		if r.Reward != want.Reward || r.Truncated || r.Terminated != (i == len(steps)-1) {
			t.Errorf("step %d: reward %v, terminated %v, truncated %v; want %v, %v, false", i, r.Reward, r.Terminated, r.Truncated, want.Reward, i == len(steps)-1)
		}
		sla := 0.0
		if want.SLAViolated {
			sla = 1
		}
		wantInfo := env.Info{
			original.InfoStep: float64(i), original.InfoForecast: []float64{50, 100, 25}[i],
			original.InfoMemory: float64(act.MemoryMB), original.InfoTimeout: float64(act.TimeoutS), original.InfoConcurrency: float64(act.Concurrency),
			original.InfoLatency: want.LoggedLatency(), original.InfoCost: want.LoggedCost(), original.InfoSLAViolated: sla,
			original.InfoLatencyMS: want.LatencyMS, original.InfoCostUSD: want.CostUSD,
		}
		if diff := cmp.Diff(wantInfo, r.Info); diff != "" {
			t.Errorf("step %d Info (-want +got):\n%s", i, diff)
		}
		if last, ok := e.Last(); !ok || last != want {
			t.Errorf("step %d: Last() = %+v, %v; want %+v", i, last, ok, want)
		}
	}
}

func TestMLOnly(t *testing.T) {
	tests := []struct {
		f    float64
		want int
	}{{0, 0}, {0.5, 0}, {0.5000001, 10}, {0.75, 10}, {0.7500001, 15}, {1, 15}}
	for _, tc := range tests {
		if got, err := original.MLOnly([]float64{tc.f, 0, 0}); err != nil || got != tc.want {
			t.Errorf("MLOnly(f = %v) = %d, %v; want %d", tc.f, got, err, tc.want)
		}
	}
	if _, err := original.MLOnly([]float64{1}); err == nil {
		t.Error("MLOnly accepted an observation of length 1")
	}
}

func TestCheck(t *testing.T) {
	if err := env.Check(newEnv(t, shortForecast())); err != nil {
		t.Fatal(err)
	}
}

// Under env.Vec each copy runs its own episode and is reset when the series ends.
func TestVec(t *testing.T) {
	fc := shortForecast()
	v, err := env.NewVec(3, func(i int) (env.Env, error) {
		return original.New(original.Config{Forecast: fc[:len(fc)-10*i]}) // lengths 100, 90, 80
	}, env.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Reset(env.NewSeed(1)); err != nil {
		t.Fatal(err)
	}
	actions := []float64{4, 24, 35}
	ends := make([][]int, 3)
	for step := 1; step <= 200; step++ {
		s, err := v.Step(actions)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if s.Done(i) {
				ends[i] = append(ends[i], step)
				if s.Obs[3*i] != float64(float32(fc[0]/220)) || s.Obs[3*i+1] != 0 {
					t.Errorf("env %d: observation after auto-reset %v, want [f₀, 0, 0]", i, s.Obs[3*i:3*i+3])
				}
			}
		}
	}
	if diff := cmp.Diff([][]int{{100, 200}, {90, 180}, {80, 160}}, ends); diff != "" {
		t.Errorf("episode ends (-want +got):\n%s", diff)
	}
}

// A2C trains on a vector of Envs, and an agent this short-trained already beats the
// original's agent, whose A2C learned almost nothing (its action 24 every step).
func TestA2CLearn(t *testing.T) {
	fc := shortForecast()
	v, err := env.NewVec(4, func(int) (env.Env, error) { return original.New(original.Config{Forecast: fc}) })
	if err != nil {
		t.Fatal(err)
	}
	cfg := a2c.DefaultConfig()
	cfg.Seed = 3
	m, err := a2c.New(v.ObservationSpace(), v.ActionSpace(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Learn(context.Background(), v, 20_000); err != nil {
		t.Fatal(err)
	}
	rows, err := original.Run(newEnv(t, fc), func(obs []float64) (int, error) {
		a, err := m.Predict(obs, true)
		return int(a[0]), err
	})
	if err != nil {
		t.Fatal(err)
	}
	always24, err := original.Run(newEnv(t, fc), func([]float64) (int, error) { return 24, nil })
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(-1)
	for a := range original.NumActions {
		c, err := original.Run(newEnv(t, fc), func([]float64) (int, error) { return a, nil })
		if err != nil {
			t.Fatal(err)
		}
		best = max(best, original.Summarize(c).AvgReward)
	}
	got, base := original.Summarize(rows).AvgReward, original.Summarize(always24).AvgReward
	t.Logf("mean reward after %d steps: %.3f (the original agent's action 24: %.3f; the best constant action: %.3f)", m.NumTimesteps(), got, base, best)
	if got <= base {
		t.Errorf("trained agent's mean reward %.3f, want above %.3f", got, base)
	}
}

// Tabular Q-learning with the original's settings runs on Env.
func TestQLearn(t *testing.T) {
	e := newEnv(t, shortForecast())
	cfg := qlearn.DefaultConfig()
	cfg.Seed = 7
	agent, err := qlearn.New(e.ObservationSpace(), e.ActionSpace(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var returns []float64
	err = agent.Learn(context.Background(), e, 300, func(ep qlearn.Episode) error {
		if ep.Length != 100 {
			t.Errorf("episode %d has %d steps, want 100", ep.Index, ep.Length)
		}
		returns = append(returns, ep.Return)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mean := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	first, last := mean(returns[:30]), mean(returns[len(returns)-30:])
	t.Logf("mean return: first 30 episodes %.1f, last 30 %.1f (ε %.3f)", first, last, agent.Epsilon())
	if last <= first {
		t.Errorf("Q-learning did not improve: %.1f then %.1f", first, last)
	}
}

func TestStepAllocs(t *testing.T) {
	e := newEnv(t, shortForecast())
	if _, _, err := e.Reset(seedNone); err != nil {
		t.Fatal(err)
	}
	act := []float64{4}
	allocs := testing.AllocsPerRun(1000, func() {
		r, err := e.Step(act)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			e.Reset(seedNone)
		}
	})
	if allocs != 0 {
		t.Errorf("Step allocates %v times per call, want 0", allocs)
	}
}
