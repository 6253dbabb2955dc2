// Command cartpole trains A2C on CartPole-v1 with rl-zoo's settings (8 envs, SB3
// defaults) for several seeds and reports the sample efficiency: the first step at
// which the mean return of the last 100 episodes reaches 475 (SB3 2.x reaches it at
// 126k–161k steps, median 152k, with the same settings).
//
// Usage:
//
//	go run ./examples/cartpole [-seeds 5] [-steps 500000] [-out out/cartpole] [-workers N]
//
// It prints progress and a summary table and writes learning_curve.csv (every
// finished episode), summary.csv and learning_curve.png into the output directory,
// plus the best model of each seed (model_seed<N>.json).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

type point struct {
	step    int64
	ret     float64
	mean100 float64
}

type result struct {
	seed      uint64
	first475  int64 // -1 if never
	final     float64
	evalMean  float64
	seconds   float64
	stepsPerS float64
	curve     []point
}

func main() {
	seeds := flag.Int("seeds", 5, "number of seeds (1..N)")
	steps := flag.Int64("steps", 500_000, "environment steps per seed")
	out := flag.String("out", "out/cartpole", "output directory")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "seeds trained in parallel")
	flag.Parse()
	if *seeds < 1 || *steps < 1 || *workers < 1 {
		log.Fatalf("seeds (%d), steps (%d) and workers (%d) must be ≥ 1", *seeds, *steps, *workers)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	fmt.Printf("A2C on CartPole-v1: %d seeds × %d steps, 8 envs, SB3 defaults, %d in parallel\n", *seeds, *steps, *workers)
	results := make([]result, *seeds)
	var wg sync.WaitGroup
	sem := make(chan struct{}, *workers)
	var mu sync.Mutex
	for i := 0; i < *seeds; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := train(ctx, uint64(i+1), *steps, *out, func(line string) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Println(line)
			})
			if err != nil {
				log.Fatalf("seed %d: %v", i+1, err)
			}
			results[i] = r
		}(i)
	}
	wg.Wait()

	fmt.Println()
	fmt.Printf("%-5s %-14s %-16s %-14s %-9s %-10s\n", "seed", "first ≥475 at", "final mean100", "eval (det.)", "seconds", "steps/s")
	var firsts []float64
	for _, r := range results {
		first := "never"
		if r.first475 >= 0 {
			first = strconv.FormatInt(r.first475, 10)
			firsts = append(firsts, float64(r.first475))
		}
		fmt.Printf("%-5d %-14s %-16.1f %-14.1f %-9.1f %-10.0f\n", r.seed, first, r.final, r.evalMean, r.seconds, r.stepsPerS)
	}
	if len(firsts) > 0 {
		slices.Sort(firsts)
		fmt.Printf("\n%d/%d seeds reached 475; first-reach steps min %.0f, median %.0f, max %.0f (SB3: 126k–161k, median 152k)\n",
			len(firsts), len(results), firsts[0], median(firsts), firsts[len(firsts)-1])
	}
	if err := writeCSVs(*out, results); err != nil {
		log.Fatal(err)
	}
	if err := plotCurves(filepath.Join(*out, "learning_curve.png"), results); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s/{learning_curve.csv,summary.csv,learning_curve.png}\n", *out)
}

func train(ctx context.Context, seed uint64, steps int64, out string, logf func(string)) (result, error) {
	venv, err := env.NewVec(8, func(int) (env.Env, error) { return cartpole.New(cartpole.Config{}) })
	if err != nil {
		return result{}, err
	}
	cfg := a2c.DefaultConfig()
	cfg.Seed = seed
	m, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), cfg)
	if err != nil {
		return result{}, err
	}
	r := result{seed: seed, first475: -1}
	window := make([]float64, 0, 100)
	start := time.Now()
	best := math.Inf(-1)
	err = m.Learn(ctx, venv, steps, a2c.CallbackFunc(func(p *a2c.Progress) error {
		for _, ep := range p.NewEpisodes {
			if len(window) == 100 {
				window = window[1:]
			}
			window = append(window, ep.Return)
			mean := 0.0
			for _, x := range window {
				mean += x / float64(len(window))
			}
			r.curve = append(r.curve, point{ep.Timestep, ep.Return, mean})
			if len(window) == 100 && mean >= 475 && r.first475 < 0 {
				r.first475 = ep.Timestep
				logf(fmt.Sprintf("seed %d: mean return of the last 100 episodes reached 475 at step %d", seed, ep.Timestep))
			}
			if len(window) == 100 && mean > best {
				best = mean
			}
		}
		if p.Iteration%2500 == 0 {
			logf(fmt.Sprintf("seed %d: steps=%-7d ep_rew_mean=%-6.1f fps=%.0f value_loss=%.3g explained_var=%.3f",
				seed, p.Timesteps, p.MeanReturn, p.StepsPerSecond, p.ValueLoss, p.ExplainedVariance))
		}
		return nil
	}))
	if err != nil {
		return result{}, err
	}
	r.seconds = time.Since(start).Seconds()
	r.stepsPerS = float64(m.NumTimesteps()) / r.seconds
	if n := len(r.curve); n > 0 {
		r.final = r.curve[n-1].mean100
	}
	e, err := cartpole.New(cartpole.Config{})
	if err != nil {
		return result{}, err
	}
	rets, _, err := a2c.Evaluate(ctx, m, e, 20, true, 1000+seed)
	if err != nil {
		return result{}, err
	}
	for _, x := range rets {
		r.evalMean += x / float64(len(rets))
	}
	if err := m.SaveFile(filepath.Join(out, fmt.Sprintf("model_seed%d.json", seed))); err != nil {
		return result{}, err
	}
	return r, nil
}

func median(x []float64) float64 {
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

func writeCSVs(dir string, results []result) error {
	write := func(name string, rows [][]string) error { return harness.WriteCSV(filepath.Join(dir, name), rows) }
	curve := [][]string{{"seed", "timestep", "episode_return", "mean_return_last_100"}}
	summary := [][]string{{"seed", "first_step_mean100_ge_475", "final_mean100", "eval_mean_deterministic", "seconds", "steps_per_second"}}
	ff := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range results {
		for _, p := range r.curve {
			curve = append(curve, []string{strconv.FormatUint(r.seed, 10), strconv.FormatInt(p.step, 10), ff(p.ret), ff(p.mean100)})
		}
		summary = append(summary, []string{strconv.FormatUint(r.seed, 10), strconv.FormatInt(r.first475, 10), ff(r.final), ff(r.evalMean), ff(r.seconds), ff(r.stepsPerS)})
	}
	if err := write("learning_curve.csv", curve); err != nil {
		return err
	}
	return write("summary.csv", summary)
}

// plotCurves draws the mean over seeds of each seed's 100-episode mean return, with a band of one
// standard deviation, read at 100 steps of the run (each seed's last value at or before it).
func plotCurves(path string, results []result) error {
	var maxX int64
	for _, r := range results {
		if n := len(r.curve); n > 0 {
			maxX = max(maxX, r.curve[n-1].step)
		}
	}
	mean := harness.Curve{Name: fmt.Sprintf("A2C, mean ± sd over %d seeds", len(results))}
	for k := int64(1); k <= 100; k++ {
		x := maxX * k / 100
		var vals []float64
		for _, r := range results {
			i := sort.Search(len(r.curve), func(i int) bool { return r.curve[i].step > x }) - 1
			if i >= 0 {
				vals = append(vals, r.curve[i].mean100)
			}
		}
		if len(vals) < len(results) {
			continue // not every seed has finished 100 episodes yet
		}
		m, sd := meanSD(vals)
		mean.X, mean.Mean, mean.SD = append(mean.X, float64(x)/1000), append(mean.Mean, m), append(mean.SD, sd)
	}
	if len(mean.X) == 0 {
		return fmt.Errorf("no learning curve to draw: no seed finished an episode")
	}
	goal := harness.Curve{Name: "solved: 475", Mean: []float64{475}, X: []float64{0}, Flat: true}
	return harness.PlotCurves(path, harness.Chart{
		Title:  "A2C on CartPole-v1 (8 envs, Stable-Baselines3's defaults)",
		XLabel: "environment steps (thousands)",
		YLabel: "mean return of the last 100 episodes",
	}, []harness.Curve{mean, goal})
}

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x / float64(len(xs))
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean) / float64(len(xs))
	}
	return mean, math.Sqrt(sd)
}
