// Command byoenv shows how to bring your own environment: implement env.Env (four
// methods), check it with env.Check, and train A2C on it.
//
// The example env is a thermostat: a room loses heat to a cold outside whose
// temperature follows a daily cycle; every 15 minutes the agent picks a heater level
// (off, low, high) and pays for discomfort (distance from 21 °C) and for energy.
//
//	go run ./examples/byoenv [-steps 150000] [-out out/byoenv]
//
// It prints progress and a table comparing the trained policy with baselines, and
// writes learning_curve.csv, policies.csv and byoenv.png into the output directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// Thermostat is the whole environment: spaces, Reset and Step.
type Thermostat struct {
	rng        *rand.Rand
	temp, hour float64
	obs        []float64 // reused: observations are valid until the next call
	obsSpace   *env.Box
	actSpace   env.Discrete
}

// NewThermostat builds the env; episodes last one day (96 steps of 15 minutes).
func NewThermostat() (env.Env, error) {
	obs, err := env.NewUniformBox(-5, 5, 3) // [temp deviation/5, sin(hour), cos(hour)]
	if err != nil {
		return nil, err
	}
	act, err := env.NewDiscrete(3) // heater off, low, high
	if err != nil {
		return nil, err
	}
	t := &Thermostat{rng: rand.New(rand.NewPCG(0, 0)), obs: make([]float64, 3), obsSpace: obs, actSpace: act}
	return env.NewTimeLimit(t, 96)
}

// ObservationSpace is a Box of the scaled temperature and the time of day as sine and cosine.
func (t *Thermostat) ObservationSpace() env.Space { return t.obsSpace }

// ActionSpace is Discrete(3): heater off, low (1 kW) or high (2 kW).
func (t *Thermostat) ActionSpace() env.Space { return t.actSpace }

// Reset starts a day at a random temperature and hour; a seed reseeds the env's generator.
func (t *Thermostat) Reset(seed env.Seed) ([]float64, env.Info, error) {
	if s, ok := seed.Value(); ok {
		t.rng = rand.New(rand.NewPCG(s, 0))
	}
	t.temp, t.hour = 18+4*t.rng.Float64(), 24*t.rng.Float64()
	return t.observe(), nil, nil
}

// Step heats for 15 minutes and rewards comfort (21 °C) minus the energy used.
func (t *Thermostat) Step(action []float64) (env.StepResult, error) {
	if !t.actSpace.Contains(action) {
		return env.StepResult{}, fmt.Errorf("thermostat: action %v, must be [0], [1] or [2]", action)
	}
	power := []float64{0, 1, 2}[int(action[0])] // kW
	outside := 5 - 5*math.Cos(2*math.Pi*(t.hour-4)/24)
	t.temp += 0.25 * (0.3*(outside-t.temp) + 4*power + 0.3*t.rng.NormFloat64())
	t.temp = min(max(t.temp, -4), 46) // physical range of the room model
	t.hour = math.Mod(t.hour+0.25, 24)
	reward := -math.Abs(t.temp-21) - 0.5*power
	return env.StepResult{Obs: t.observe(), Reward: reward}, nil
}

func (t *Thermostat) observe() []float64 {
	t.obs[0] = (t.temp - 21) / 5
	t.obs[1], t.obs[2] = math.Sin(2*math.Pi*t.hour/24), math.Cos(2*math.Pi*t.hour/24)
	return t.obs
}

func main() {
	steps := flag.Int64("steps", 150_000, "training steps")
	out := flag.String("out", "out/byoenv", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// 1. Check the env like SB3's env checker would.
	e, err := NewThermostat()
	if err != nil {
		log.Fatal(err)
	}
	if err := env.Check(e); err != nil {
		log.Fatal(err)
	}
	fmt.Println("env.Check: ok")

	// 2. Vectorize and train with SB3's defaults.
	venv, err := env.NewVec(8, func(int) (env.Env, error) { return NewThermostat() })
	if err != nil {
		log.Fatal(err)
	}
	cfg := a2c.DefaultConfig()
	cfg.Seed = 7
	model, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	var curve [][2]float64
	err = model.Learn(ctx, venv, *steps, a2c.Logger(os.Stdout, 500), a2c.CallbackFunc(func(p *a2c.Progress) error {
		if len(p.NewEpisodes) > 0 {
			curve = append(curve, [2]float64{float64(p.Timesteps), p.MeanReturn})
		}
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}

	// 3. Compare with baselines on the same evaluation days.
	policies := []struct {
		name string
		act  func(obs []float64) float64
	}{
		{"A2C (deterministic)", func(obs []float64) float64 { a, _ := model.Predict(obs, true); return a[0] }},
		{"bang-bang rule", func(obs []float64) float64 {
			if obs[0] < 0 {
				return 2
			}
			return 0
		}},
		{"always low", func([]float64) float64 { return 1 }},
		{"always off", func([]float64) float64 { return 0 }},
	}
	rows := [][]string{{"policy", "mean_return", "std"}}
	fmt.Printf("\n%-22s %12s %8s\n", "policy", "mean return", "std")
	var baselines []harness.Curve
	for _, p := range policies {
		mean, std, err := evaluate(e, p.act, 50)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-22s %12.1f %8.1f\n", p.name, mean, std)
		rows = append(rows, []string{p.name, strconv.FormatFloat(mean, 'f', 3, 64), strconv.FormatFloat(std, 'f', 3, 64)})
		if p.name != "A2C (deterministic)" {
			baselines = append(baselines, harness.Curve{Name: p.name + " (50 days)", X: []float64{0}, Mean: []float64{mean}, Flat: true})
		}
	}
	if err := harness.WriteCSV(filepath.Join(*out, "policies.csv"), rows); err != nil {
		log.Fatal(err)
	}
	lc := [][]string{{"timestep", "mean_return_last_100"}}
	learning := harness.Curve{Name: "A2C while training (mean of the last 100 days)"}
	for _, c := range curve {
		lc = append(lc, []string{strconv.FormatFloat(c[0], 'f', 0, 64), strconv.FormatFloat(c[1], 'g', -1, 64)})
		learning.X, learning.Mean = append(learning.X, c[0]/1000), append(learning.Mean, c[1])
	}
	if err := harness.WriteCSV(filepath.Join(*out, "learning_curve.csv"), lc); err != nil {
		log.Fatal(err)
	}
	err = harness.PlotCurves(filepath.Join(*out, "byoenv.png"), harness.Chart{
		Title:  "A2C on a bring-your-own thermostat env, against fixed rules",
		XLabel: "environment steps (thousands of 15-minute steps)",
		YLabel: "return per day (comfort and energy)",
	}, append([]harness.Curve{learning}, baselines...))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s/{policies.csv,learning_curve.csv,byoenv.png}\n", *out)
}

func evaluate(e env.Env, act func([]float64) float64, episodes int) (mean, std float64, err error) {
	rets := make([]float64, episodes)
	for i := range rets {
		obs, _, err := e.Reset(env.NewSeed(uint64(10_000 + i)))
		if err != nil {
			return 0, 0, err
		}
		for {
			r, err := e.Step([]float64{act(obs)})
			if err != nil {
				return 0, 0, err
			}
			rets[i] += r.Reward
			obs = r.Obs
			if r.Done() {
				break
			}
		}
		mean += rets[i] / float64(episodes)
	}
	for _, r := range rets {
		std += (r - mean) * (r - mean) / float64(episodes)
	}
	return mean, math.Sqrt(std), nil
}
