// Command traffic compares every strategy across traffic patterns: the original project's bursty,
// periodic and irregular loads, a diurnal cycle, and real functions of the Azure Functions 2019
// trace at different rates. It is the original project's third scenario, with real traffic added.
//
//	go run ./examples/traffic                  # quick: a day of each, 2 seeds, 3 trace functions
//	go run ./examples/traffic -full            # 5 seeds, 6 trace functions, every profile
//	go run ./examples/traffic -trace day.csv -trace-durations durations.csv -functions 10
//
// -trace takes any Azure Functions 2019 invocations file (per minute), so a held-out trace can be
// evaluated with nothing trained or tuned on it. Trained agents (rl-only, hybrid) join when their
// models are in -models (testdata/models by default).
//
// It prints the table of mean ± standard deviation over seeds, the original project's reported
// figures beside ours, and, for each trace function, whether the learned agent (or the predictive
// strategy without one) was worse than target tracking on cost or on violations. It writes, under
// out/traffic/ (or -out), summary.csv and cost_slo.png.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
)

type options struct {
	full                         bool
	seeds, functions             int
	days                         float64
	profiles                     string
	trace, durations, memory, fn string
	models, out                  string
}

func main() {
	var o options
	flag.BoolVar(&o.full, "full", false, "the paper-grade run: 5 seeds, 6 trace functions, every profile")
	flag.IntVar(&o.seeds, "seeds", 0, "seeds per workload (default 2, 5 with -full)")
	flag.Float64Var(&o.days, "days", 1, "simulated days of each synthetic workload")
	flag.StringVar(&o.profiles, "profile", "", "function profiles, comma-separated: cpu, io, java (default cpu; all with -full)")
	flag.StringVar(&o.trace, "trace", "", "an Azure Functions 2019 invocations file (default: the shipped sample, testdata/traces)")
	flag.StringVar(&o.durations, "trace-durations", "", "the trace's function_durations_percentiles file (optional)")
	flag.StringVar(&o.memory, "trace-memory", "", "the trace's app_memory_percentiles file (optional)")
	flag.StringVar(&o.fn, "function", "", "only trace functions whose owner, app or function hash starts with this")
	flag.IntVar(&o.functions, "functions", 0, "trace functions called at least once a minute on average, spread over their rates (default 3, 6 with -full)")
	flag.StringVar(&o.models, "models", filepath.Join("testdata", "models"), "directory of trained agents (rl-only.json, hybrid.json)")
	flag.StringVar(&o.out, "out", filepath.Join("out", "traffic"), "output directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, o); err != nil {
		log.Fatal(err)
	}
}

// defaults fills what -full changes.
func (o *options) defaults() {
	pick := func(v *int, quick, full int) {
		if *v == 0 {
			*v = quick
			if o.full {
				*v = full
			}
		}
	}
	pick(&o.seeds, 2, 5)
	pick(&o.functions, 3, 6)
	if o.profiles == "" {
		o.profiles = "cpu"
		if o.full {
			o.profiles = "cpu,io,java"
		}
	}
	if o.trace == "" {
		dir := filepath.Join("testdata", "traces")
		o.trace = filepath.Join(dir, "az2019_sampled35_fullday_invocations.csv")
		o.durations = filepath.Join(dir, "az2019_sampled35_fullday_durations.csv")
		o.memory = filepath.Join(dir, "az2019_sampled35_fullday_memory.csv")
	}
}

func run(ctx context.Context, w io.Writer, o options) error {
	o.defaults()
	cfg, err := config(ctx, o)
	if err != nil {
		return err
	}
	start := time.Now()
	cfg.Progress = func(done, total int, r harness.Result) {
		fmt.Fprintf(os.Stderr, "\r[%d/%d] %-60s", done, total, fmt.Sprintf("%s/%s/%s seed %d", r.Workload, r.Profile, r.Strategy, r.Seed))
	}
	rs, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\r%d runs in %v%60s\n", len(rs), time.Since(start).Round(time.Second), "")
	rows := harness.Summarize(rs, lambdatune.DefaultObjective())
	if err := harness.PrintTable(w, rows); err != nil {
		return err
	}
	original(w, rows)
	verdicts(w, rows)
	if err := harness.WriteSummaryFile(filepath.Join(o.out, "summary.csv"), rs); err != nil {
		return err
	}
	if err := harness.PlotCostSLO(filepath.Join(o.out, "cost_slo.png"), rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s and %s\n", filepath.Join(o.out, "summary.csv"), filepath.Join(o.out, "cost_slo.png"))
	return nil
}

// config builds the evaluation: the synthetic workloads and the trace's functions, every strategy.
func config(ctx context.Context, o options) (harness.Config, error) {
	var cfg harness.Config
	for i := range o.seeds {
		cfg.Seeds = append(cfg.Seeds, uint64(i+1))
	}
	for _, name := range strings.Split(o.profiles, ",") {
		p, err := harness.ProfileByName(strings.TrimSpace(name))
		if err != nil {
			return cfg, err
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	for _, name := range harness.SyntheticNames {
		w, err := harness.Synthetic(name, o.days)
		if err != nil {
			return cfg, err
		}
		cfg.Workloads = append(cfg.Workloads, w)
	}
	all, err := harness.AzureTrace(ctx, harness.AzureFiles{Invocations: o.trace, Durations: o.durations, Memory: o.memory}, o.fn, 0)
	if err != nil {
		return cfg, err
	}
	fns, err := harness.SpreadByRate(all, o.functions, 1) // at least a call a minute on average

	if err != nil {
		return cfg, err
	}
	cfg.Workloads = append(cfg.Workloads, fns...)
	if cfg.Strategies, err = harness.Standard(); err != nil {
		return cfg, err
	}
	agents, err := harness.AgentsFromDir(o.models)
	if err != nil {
		return cfg, err
	}
	if len(agents) == 0 {
		fmt.Fprintf(os.Stderr, "no trained agents in %s: running the rule-based strategies only\n", o.models)
	}
	cfg.Strategies = append(cfg.Strategies, agents...)
	return cfg, nil
}

// original prints the original project's reported figures for its three patterns (its A2C agent,
// its own three-formula simulator and SLA of 200 ms) beside our learned agent's, for reference:
// the simulators, functions and SLOs differ, so only the ranking of the patterns compares.
func original(w io.Writer, rows []harness.Row) {
	reported := map[string][2]float64{"bursty": {163.95, 6.80}, "periodic": {161.16, 5.07}, "irregular": {170.71, 27.12}}
	agent := strategyFor(rows)
	fmt.Fprintf(w, "\nthe original project's A2C agent on its patterns (its simulator, SLA 200 ms) beside %s here:\n", agent)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pattern\toriginal: avg latency ms\toriginal: SLA violations %\tprofile\tours: p95 ms\tours: SLO violations %\t")
	for _, p := range []string{"bursty", "periodic", "irregular"} {
		for _, r := range rows {
			if r.Workload == p && r.Strategy == agent {
				fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t%.0f\t%.3f\t\n", p, reported[p][0], reported[p][1], r.Profile, r.P95.Mean, r.ViolationPct.Mean)
			}
		}
	}
	tw.Flush()
}

// verdicts says, for each trace function, whether the learned agent (or predictive) was worse than
// target tracking on cost or on violations.
func verdicts(w io.Writer, rows []harness.Row) {
	agent := strategyFor(rows)
	type key struct{ w, p string }
	tt := map[key]harness.Row{}
	for _, r := range rows {
		if r.Strategy == "target-tracking" {
			tt[key{r.Workload, r.Profile}] = r
		}
	}
	fmt.Fprintf(w, "\n%s against target-tracking on each trace function (mean over seeds):\n", agent)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tprofile\tcost\tSLO violations\tnot worse on both\t")
	n, ok := 0, 0
	for _, r := range rows {
		b, found := tt[key{r.Workload, r.Profile}]
		if r.Strategy != agent || !found || !strings.HasPrefix(r.Workload, "azure-") {
			continue
		}
		good := r.Cost.Mean <= b.Cost.Mean && r.ViolationPct.Mean <= b.ViolationPct.Mean
		n++
		if good {
			ok++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t\n", r.Workload, r.Profile, change(r.Cost.Mean, b.Cost.Mean), change(r.ViolationPct.Mean, b.ViolationPct.Mean), good)
	}
	tw.Flush()
	fmt.Fprintf(w, "%s is not worse than target-tracking on both cost and violations for %d of %d trace functions\n", agent, ok, n)
}

func change(v, base float64) string {
	if base == 0 {
		if v == 0 {
			return "="
		}
		return fmt.Sprintf("%.3g vs 0", v)
	}
	return fmt.Sprintf("%+.1f%%", 100*(v-base)/base)
}

// strategyFor returns the learned agent's name when it ran, else "predictive".
func strategyFor(rows []harness.Row) string {
	for _, r := range rows {
		if r.Strategy == "hybrid" {
			return "hybrid"
		}
	}
	return "predictive"
}
