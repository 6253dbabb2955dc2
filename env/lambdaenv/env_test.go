package lambdaenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/workload"
)

func oracle(s workload.Series, _ *rand.Rand) (lambdatune.Forecaster, error) {
	return policy.Oracle(s), nil
}

var noisy = NoisyForecaster(0.1)

func TestCheck(t *testing.T) {
	for _, fc := range []func(workload.Series, *rand.Rand) (lambdatune.Forecaster, error){nil, noisy} {
		e, err := New(Config{EpisodeLen: 30, Forecaster: fc})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Check(e); err != nil {
			t.Errorf("forecast %v: %v", fc != nil, err)
		}
	}
}

// TestDeploymentSeesTrainingObservation replays an episode through a lambdatune.Tuner with the
// agent as a policy.Agent: at every decision the agent encodes exactly the observation the
// environment gave, and the same actions lead to the same metrics, whether the agent decides every
// interval or every few (Config.Every, Agent.SetEvery).
func TestDeploymentSeesTrainingObservation(t *testing.T) {
	for _, every := range []int{1, 5} {
		t.Run(fmt.Sprintf("every %d", every), func(t *testing.T) {
			e, err := New(Config{EpisodeLen: 120, Every: every, Forecaster: oracle})
			if err != nil {
				t.Fatal(err)
			}
			trainObs, actions, trainCost := runRandom(t, e)
			deployObs, deployCost := replay(t, e, actions, every)
			if diff := cmp.Diff(trainObs, deployObs[:len(trainObs)]); diff != "" {
				t.Errorf("observations (-training +deployment):\n%s", diff)
			}
			var sums []float64 // the deployment's interval costs summed per decision
			for i, c := range deployCost[1:] {
				if i%every == 0 {
					sums = append(sums, 0)
				}
				sums[len(sums)-1] += c
			}
			if diff := cmp.Diff(trainCost, sums, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
				t.Errorf("decision costs (-training +deployment):\n%s", diff)
			}
		})
	}
}

// runRandom runs an episode of random actions (seeded) and returns its observations, actions and
// per-step costs.
func runRandom(t *testing.T, e *Env) (obs, actions [][]float64, costs []float64) {
	t.Helper()
	o, _, err := e.Reset(env.NewSeed(11))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for {
		obs = append(obs, slices.Clone(o))
		a := make([]float64, 2)
		if err := e.ActionSpace().Sample(rng, a); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
		r, err := e.Step(a)
		if err != nil {
			t.Fatal(err)
		}
		costs = append(costs, r.Info[InfoCost])
		o = r.Obs
		if r.Done() {
			return obs, actions, costs
		}
	}
}

// replay runs e's last episode through a Tuner with a policy.Agent that plays actions, deciding
// every `every` intervals, and returns what the agent encoded and every interval's cost.
func replay(t *testing.T, e *Env, actions [][]float64, every int) (obs [][]float64, costs []float64) {
	t.Helper()
	ep := e.Episode()
	load, err := lambdasim.NewLoad(ep.Series, ep.Seed)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := lambdasim.NewInterval(lambdasim.Options{Start: ep.Series.Start, Interval: ep.Series.Step, Seed: ep.Seed},
		lambdasim.Deployment{Function: ep.Profile.Function, Config: ep.Start, Arrivals: load, SLO: ep.Profile.SLO})
	if err != nil {
		t.Fatal(err)
	}
	pred := policy.PredictorFunc(func(o []float64) ([]float64, error) {
		obs = append(obs, slices.Clone(o))
		return actions[min(len(obs), len(actions))-1], nil
	})
	hr, err := policy.NewHeadroom(policy.DefaultPredictive())
	if err != nil {
		t.Fatal(err)
	}
	agent, err := policy.NewAgent(pred, e.Encoder(), hr)
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.SetEvery(every); err != nil {
		t.Fatal(err)
	}
	tu, err := lambdatune.NewTuner(lambdatune.TunerConfig{Platform: sim, Policy: agent, Forecaster: policy.Oracle(ep.Series),
		Horizon: 3, HistoryLen: 60, OnStep: func(s lambdatune.StepReport) { costs = append(costs, s.Metrics.Cost.Total()) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.Run(context.Background(), len(actions)*every+1); err != nil {
		t.Fatal(err)
	}
	return obs, costs
}

func TestRandomLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var rates []float64
	for range 200 {
		s, err := RandomLoad(rng, 240)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 240 || s.Step != time.Minute {
			t.Fatalf("%d intervals of %v", s.Len(), s.Step)
		}
		if m := s.Total() / 240 / 60; m > 0 {
			rates = append(rates, m)
		}
	}
	slices.Sort(rates)
	if rates[0] > 0.3 || rates[len(rates)-1] < 300 {
		t.Errorf("mean rates span [%v, %v] req/s, want close to [%v, %v]", rates[0], rates[len(rates)-1], MinRate, MaxRate)
	}
}

func TestErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Horizon: -1}, {EpisodeLen: -5}, {HistoryLen: -1}, {WarmUp: 100, HistoryLen: 10},
		{Objective: lambdatune.Objective{CostWeight: -1}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	e, err := New(Config{EpisodeLen: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step([]float64{0, 1}); err == nil {
		t.Error("Step before Reset accepted")
	}
	if _, _, err := e.Reset(env.NewSeed(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step([]float64{9, 1}); err == nil {
		t.Error("action outside the space accepted")
	}
	for range 2 {
		if _, err := e.Step([]float64{0, 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Step([]float64{0, 1}); err == nil {
		t.Error("Step after the end accepted")
	}
}
