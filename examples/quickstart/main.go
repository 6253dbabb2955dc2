// Command quickstart simulates one day of the original project's bursty load on AWS Lambda under a few
// static configurations and compares them: cost, latency percentiles, cold starts, throttles and
// timeouts. It is lambdatune's main job and the shortest tour of its pieces: a workload, the event-level
// simulator (lambdasim) as a Platform, and the closed loop (lambdatune.Tuner) with a fixed policy.
//
//	go run ./examples/quickstart
//
// Each configuration also runs on the interval model (lambdasim.NewInterval: same options, same
// traffic, one step per minute) and a second table shows how close it stays and how much faster it is.
//
// It prints the tables and writes, under out/quickstart/ (or -out):
//   - summary.csv: one row per configuration;
//   - intervals.csv: every configuration's per-minute metrics;
//   - latency.png: the worst one-minute p95 latency of each hour, per configuration;
//   - cost.png: the day's cost of each configuration, split as AWS bills it.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

// candidate is one static configuration to compare.
type candidate struct {
	name  string
	short string // label under a bar
	cfg   lambdatune.Config
}

// result is what one configuration did over the day.
type result struct {
	candidate
	stats     lambdasim.Stats
	latency   lambdatune.Distribution
	intervals []lambdatune.Metrics
	wall      time.Duration
}

func main() {
	out := flag.String("out", filepath.Join("out", "quickstart"), "directory for CSV files and charts")
	seed := flag.Uint64("seed", 1, "seed of the workload and the simulator")
	flag.Parse()
	if err := run(context.Background(), *out, *seed); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out string, seed uint64) error {
	// One day of the original's bursty pattern, read as invocations per minute:
	// 100 + 60·sin(i/15) + 10·(i mod 20) + N(0,10), about 195 a minute on average.
	grid := workload.Grid{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Step: time.Minute, Len: 24 * 60}
	load, err := workload.OriginalBursty(grid, seed)
	if err != nil {
		return err
	}
	st := load.Stats()
	fmt.Printf("workload: the original project's bursty pattern, %d one-minute intervals, mean %.0f/min, peak %.0f/min, CV %.2f, period %d min\n",
		load.Len(), st.Mean, st.Peak, st.CV, st.DominantPeriod)

	// A typical API function in Python: 200 ms of single-threaded CPU work at one vCPU plus 60 ms of
	// I/O, with a lognormal spread.
	fn := lambdasim.Function{
		Name:     "api",
		Duration: lambdasim.CPUModel{CPUTime: 200 * time.Millisecond, Parallelism: 1, IOTime: 60 * time.Millisecond, Spread: 0.3},
		Runtime:  lambdasim.RuntimePython,
	}
	base := lambdatune.DefaultConfig()
	base.Timeout = 10 * time.Second
	with := func(f func(*lambdatune.Config)) lambdatune.Config { c := base; f(&c); return c }
	candidates := []candidate{
		{"128 MB (AWS default memory)", "128", base},
		{"256 MB", "256", with(func(c *lambdatune.Config) { c.MemoryMB = 256 })},
		{"512 MB", "512", with(func(c *lambdatune.Config) { c.MemoryMB = 512 })},
		{"1024 MB", "1024", with(func(c *lambdatune.Config) { c.MemoryMB = 1024 })},
		{"1769 MB (1 vCPU)", "1769", with(func(c *lambdatune.Config) { c.MemoryMB = 1769 })},
		{"1024 MB arm64", "1024 arm", with(func(c *lambdatune.Config) { c.MemoryMB = 1024; c.Architecture = lambdatune.ARM64 })},
		{"1024 MB, 3 provisioned", "1024 +3 prov", with(func(c *lambdatune.Config) { c.MemoryMB = 1024; c.Provisioned = 3 })},
		{"512 MB, reserved 2", "512 res 2", with(func(c *lambdatune.Config) { c.MemoryMB = 512; c.Reserved = lambdatune.Reserve(2) })},
		{"128 MB, 3 s timeout", "128 3s", with(func(c *lambdatune.Config) { c.Timeout = 3 * time.Second })},
	}

	results := make([]result, 0, len(candidates))
	fast := make([]result, 0, len(candidates))
	for i, c := range candidates {
		fmt.Printf("[%d/%d] simulating %s ... ", i+1, len(candidates), c.name)
		r, err := simulate(ctx, load, fn, c, seed, false)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		f, err := simulate(ctx, load, fn, c, seed, true)
		if err != nil {
			return fmt.Errorf("%s (interval model): %w", c.name, err)
		}
		fmt.Printf("%d invocations in %v (interval model: %v)\n", r.stats.Invocations, r.wall.Round(time.Millisecond), f.wall.Round(time.Microsecond))
		results = append(results, r)
		fast = append(fast, f)
	}

	printTable(os.Stdout, results)
	printFidelity(os.Stdout, results, fast)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range []func(string, []result) error{writeSummary, writeIntervals, plotLatency, plotCost} {
		if err := f(out, results); err != nil {
			return err
		}
	}
	fmt.Printf("\nwrote %s\n", filepath.Join(out, "{summary.csv,intervals.csv,latency.png,cost.png}"))
	return nil
}

// sim is what simulate needs of either simulator: the Platform and the run's totals.
type sim interface {
	lambdatune.Platform
	Stats(i int) lambdasim.Stats
}

// simulate runs the day under one configuration through the closed loop with a fixed policy, on the
// event-level simulator or, with interval set, on the interval model (same options, same traffic).
func simulate(ctx context.Context, load workload.Series, fn lambdasim.Function, c candidate, seed uint64, interval bool) (result, error) {
	start := time.Now()
	traffic, err := lambdasim.NewLoad(load, seed)
	if err != nil {
		return result{}, err
	}
	opts := lambdasim.Options{Start: load.Start, Interval: load.Step, Seed: seed}
	dep := lambdasim.Deployment{Function: fn, Config: c.cfg, Arrivals: traffic}
	var s sim
	var latency func() lambdatune.Distribution
	if interval {
		is, err := lambdasim.NewInterval(opts, dep)
		if err != nil {
			return result{}, err
		}
		s, latency = is, func() lambdatune.Distribution { return is.RunLatency(0) }
	} else {
		es, err := lambdasim.New(opts, dep)
		if err != nil {
			return result{}, err
		}
		s, latency = es, func() lambdatune.Distribution { return es.Latency(0).Distribution() }
	}
	r := result{candidate: c, intervals: make([]lambdatune.Metrics, 0, load.Len())}
	tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{
		Platform: s,
		Policy:   lambdatune.Fixed(c.cfg),
		OnStep:   func(s lambdatune.StepReport) { r.intervals = append(r.intervals, s.Metrics) },
	})
	if err != nil {
		return result{}, err
	}
	if err := tuner.Run(ctx, load.Len()); err != nil {
		return result{}, err
	}
	r.stats = s.Stats(0)
	r.latency = latency()
	r.wall = time.Since(start)
	return r, nil
}

// printFidelity compares the interval model with the event-level simulator on every configuration.
func printFidelity(w io.Writer, event, fast []result) {
	fmt.Fprintln(w, "\nthe same day on the interval model (lambdasim.NewInterval), relative to the event-level simulator")
	fmt.Fprintln(w, "(the interval model takes each minute's expected count; the event model one Poisson draw of it):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "configuration\tcost\tp95\tcold starts\tthrottles\tevent time\tinterval time\t")
	pct := func(a, b float64) string {
		if a == 0 && b == 0 {
			return "="
		}
		if a == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%+.1f%%", 100*(b-a)/a)
	}
	for i, e := range event {
		f := fast[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d vs %d\t%s\t%v\t%v\t\n", e.name, pct(e.stats.Cost.Total(), f.stats.Cost.Total()),
			pct(e.latency.P95, f.latency.P95), e.stats.ColdStarts, f.stats.ColdStarts,
			pct(float64(e.stats.Throttles), float64(f.stats.Throttles)), e.wall.Round(time.Millisecond), f.wall.Round(time.Microsecond))
	}
	tw.Flush()
}

// printTable prints the day's summary of every configuration.
func printTable(w io.Writer, results []result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "configuration\tcost USD\tp50 ms\tp95 ms\tp99 ms\tcold starts\tthrottles\ttimeouts\tmean env\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.4f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t%.1f\t\n", r.name, r.stats.Cost.Total(),
			r.latency.P50, r.latency.P95, r.latency.P99, r.stats.ColdStarts, r.stats.Throttles, r.stats.Timeouts, r.stats.MeanInstances())
	}
	tw.Flush()
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }
func itoa(x int64) string   { return strconv.FormatInt(x, 10) }

func writeSummary(out string, results []result) error {
	rows := [][]string{{"configuration", "memory_mb", "timeout_s", "reserved", "provisioned", "architecture",
		"invocations", "cost_usd", "cost_requests", "cost_duration", "cost_init", "cost_provisioned",
		"latency_mean_ms", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "cold_starts", "throttles", "timeouts", "mean_instances"}}
	for _, r := range results {
		c, cost, l := r.cfg, r.stats.Cost, r.latency
		rows = append(rows, []string{r.name, strconv.Itoa(c.MemoryMB), ftoa(c.Timeout.Seconds()), c.Reserved.String(), strconv.Itoa(c.Provisioned), string(c.Arch()),
			itoa(r.stats.Invocations), ftoa(cost.Total()), ftoa(cost.Requests), ftoa(cost.Duration), ftoa(cost.Init), ftoa(cost.Provisioned),
			ftoa(l.Mean), ftoa(l.P50), ftoa(l.P95), ftoa(l.P99), itoa(r.stats.ColdStarts), itoa(r.stats.Throttles), itoa(r.stats.Timeouts), ftoa(r.stats.MeanInstances())})
	}
	return harness.WriteCSV(filepath.Join(out, "summary.csv"), rows)
}

func writeIntervals(out string, results []result) error {
	rows := [][]string{{"configuration", "start", "invocations", "throttles", "cold_starts", "timeouts", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "max_concurrency", "cost_usd"}}
	for _, r := range results {
		for _, m := range r.intervals {
			rows = append(rows, []string{r.name, m.Start.Format(time.RFC3339), itoa(m.Invocations), itoa(m.Throttles), itoa(m.ColdStarts), itoa(m.Timeouts),
				ftoa(m.Latency.P50), ftoa(m.Latency.P95), ftoa(m.Latency.P99), strconv.Itoa(m.MaxConcurrency), ftoa(m.Cost.Total())})
		}
	}
	return harness.WriteCSV(filepath.Join(out, "intervals.csv"), rows)
}

// plotLatency draws, for each hour, the worst one-minute p95 latency of every x86_64 configuration.
func plotLatency(out string, results []result) error {
	p := plot.New()
	p.Title.Text = "worst one-minute p95 latency in each hour (the original's bursty load; arm64 runs as fast as 1024 MB x86_64)"
	p.X.Label.Text = "hour of day (UTC)"
	p.Y.Label.Text = "p95 latency (ms, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = harness.LogTicks{}
	p.Y.Min, p.Y.Max = 200, 20000
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	for i, r := range results {
		if r.cfg.Architecture == lambdatune.ARM64 {
			continue // same durations as its x86_64 twin in this model: only the price differs (title)
		}
		pts := make(plotter.XYs, 0, 24)
		for h := 0; h*60 < len(r.intervals); h++ {
			worst := 0.0
			for _, m := range r.intervals[h*60 : min(len(r.intervals), (h+1)*60)] {
				worst = max(worst, m.Latency.P95)
			}
			if worst > 0 {
				pts = append(pts, plotter.XY{X: float64(h), Y: worst})
			}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = harness.Color(i)
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i / len(harness.Palette))
		p.Add(l)
		p.Legend.Add(r.name, l)
	}
	return p.Save(10*vg.Inch, 6*vg.Inch, filepath.Join(out, "latency.png"))
}

// plotCost draws each configuration's cost for the day as stacked bars.
func plotCost(out string, results []result) error {
	p := plot.New()
	p.Title.Text = "cost of the day by configuration, split as AWS bills it"
	p.X.Label.Text = "configuration (memory MB, architecture, concurrency, timeout)"
	p.Y.Label.Text = "cost of the day (USD)"
	p.Add(plotter.NewGrid())
	parts := []struct {
		name string
		get  func(lambdatune.Cost) float64
	}{
		{"requests", func(c lambdatune.Cost) float64 { return c.Requests }},
		{"duration", func(c lambdatune.Cost) float64 { return c.Duration }},
		{"INIT", func(c lambdatune.Cost) float64 { return c.Init }},
		{"provisioned", func(c lambdatune.Cost) float64 { return c.Provisioned }},
	}
	var below *plotter.BarChart
	for i, part := range parts {
		vals := make(plotter.Values, len(results))
		for j, r := range results {
			vals[j] = part.get(r.stats.Cost)
		}
		b, err := plotter.NewBarChart(vals, vg.Points(28))
		if err != nil {
			return err
		}
		b.Color = harness.Color(i)
		b.LineStyle.Color = color.Black
		if below != nil {
			b.StackOn(below)
		}
		below = b
		p.Add(b)
		p.Legend.Add(part.name, b)
	}
	names := make([]string, len(results))
	for i, r := range results {
		names[i] = r.short
	}
	p.NominalX(names...)
	p.Legend.Top = true
	p.Legend.Left = false
	p.Y.Max *= 1.15 // room for the legend above the tallest bar
	p.Y.Tick.Marker = plot.DefaultTicks{}
	return p.Save(12*vg.Inch, 7*vg.Inch, filepath.Join(out, "cost.png"))
}
