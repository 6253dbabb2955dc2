// Command recommend replays a Lambda function's own past under every strategy lambdatune knows and
// recommends one: what each would have cost and how many requests would have missed the SLO,
// against the configuration in force, with the spread over simulation seeds. It changes nothing.
//
//	go run ./examples/recommend                                  # demo: a function of a shipped Azure trace
//	go run ./examples/recommend -function my-fn -slo 500ms       # real AWS, read-only: the last 14 days
//	go run ./examples/recommend -function my-fn -alias live -days 7 -seeds 5
//	go run ./examples/recommend -trace invocations.csv -trace-durations durations.csv -trace-function 9f3a
//	go run ./examples/recommend -endpoint http://127.0.0.1:5000 -emulator   # against moto
//
// With no flags it runs the demo on a function of the Azure Functions 2019 trace shipped in testdata
// (run it from the module's root), because a first run should show the report, not ask for AWS
// credentials or a function name; -function NAME reads a real function instead, and -h lists the
// flags.
//
// On AWS it reads the function's configuration, its per-minute CloudWatch metrics over -days (at
// most 15: CloudWatch keeps one-minute data 15 days) and, with -logs, the INIT durations of its
// REPORT log lines; it needs only the read permissions in awsadapter/iam-recommend.json. With
// -emulator it first writes a shipped trace's day into the emulator's CloudWatch as the function's
// metrics, so the whole AWS path runs without AWS.
//
// The load (Invocations + Throttles per minute) is replayed through the event-level simulator
// (harness.Run) with a profile built from the measurements (harness.MeasuredProfile): the measured
// mean duration at the current memory, its spread, error rate and INIT. How duration changes with
// memory cannot be measured at one memory size: -cpu-fraction says how much of it is CPU-bound
// (see harness.DefaultCPUFraction), and the report says so.
//
// Output: a markdown report on stdout (paste it in a review), and under -out (out/recommend):
// report.md, summary.csv (every run), comparison.csv (every strategy against the current
// configuration), history.csv (the replayed input), history.png, change.png and cost_slo.png.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune/examples/internal/fromaws"
	"github.com/lambdatune/lambdatune/harness"
)

// options are the command's flags.
type options struct {
	// AWS
	function, alias, endpoint, region string
	emulator, logs                    bool
	days                              float64
	// trace
	trace, durations, memory, traceFn string
	runtime                           string
	timeout                           time.Duration
	// replay
	slo         time.Duration
	seeds       int
	strategies  string
	models      string
	cpuFraction float64
	out         string
}

// demoTrace is the shipped trace day the command replays when no source is given, and demoFunction
// the function of it: an HTTP-triggered function of about 200 requests a minute, 300 ms on average
// at 204 MB, whose slowest requests miss a 500 ms SLO.
const (
	demoDir      = "testdata/traces"
	demoTrace    = "az2019_top10_fullday_invocations.csv"
	demoFunction = "47658c9c"
)

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.function, "function", "", "the Lambda function (name or ARN) whose history to replay; empty: the -trace demo")
	fs.StringVar(&o.alias, "alias", "", "the alias whose metrics and configuration to read (its provisioned concurrency counts)")
	fs.StringVar(&o.endpoint, "endpoint", "", "AWS endpoint URL (an emulator)")
	fs.StringVar(&o.region, "region", "", "AWS Region; empty: from the environment (us-east-1 with -emulator)")
	fs.BoolVar(&o.emulator, "emulator", false, "the endpoint is moto: create the function and write a shipped trace day as its metrics first")
	fs.BoolVar(&o.logs, "logs", true, "read INIT durations from the function's REPORT log lines (CloudWatch Logs Insights)")
	fs.Float64Var(&o.days, "days", 14, "days of history to read from CloudWatch (at most 15, its one-minute retention: 15 reads all it keeps)")
	fs.StringVar(&o.trace, "trace", "", "an Azure Functions 2019 invocations file to replay instead of AWS (default with no -function: the shipped demo)")
	fs.StringVar(&o.durations, "trace-durations", "", "the trace's function_durations_percentiles file")
	fs.StringVar(&o.memory, "trace-memory", "", "the trace's app_memory_percentiles file (memory size; 128 MB without)")
	fs.StringVar(&o.traceFn, "trace-function", "", "the trace's function: a prefix of its hash (default: the first function)")
	fs.StringVar(&o.runtime, "runtime", "python", "trace: the runtime whose INIT preset to use (go, rust, python, nodejs, java, dotnet)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "trace: the function's timeout (the trace has none)")
	fs.DurationVar(&o.slo, "slo", 500*time.Millisecond, "the latency SLO each request is held to (INIT included)")
	fs.IntVar(&o.seeds, "seeds", 3, "simulation seeds per strategy (the spread of the estimates)")
	fs.StringVar(&o.strategies, "strategies", "", "strategies to compare with the current configuration, comma-separated, some of "+strings.Join(fromaws.StrategyNames(), ", ")+
		" (default: all of them whose model, if they need one, is in -models)")
	fs.StringVar(&o.models, "models", fromaws.DefaultModels, "directory of the trained agents' models (hybrid.json, rl-only.json): those there join the replay")
	fs.Float64Var(&o.cpuFraction, "cpu-fraction", harness.DefaultCPUFraction, "share of the measured duration that is CPU-bound (0: pure I/O, 1: pure computation)")
	fs.StringVar(&o.out, "out", filepath.Join("out", "recommend"), "output directory")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.check(fs)
}

// check validates the flags and fills the demo's defaults.
func (o *options) check(fs *flag.FlagSet) error {
	aws := o.function != "" || o.emulator
	switch {
	case aws && o.trace != "":
		return errors.New("-trace and -function/-emulator are two sources: give one")
	case o.emulator && o.endpoint == "" && os.Getenv("AWS_ENDPOINT_URL") == "":
		return errors.New("-emulator needs -endpoint URL")
	case !(o.days > 0 && o.days <= 15):
		return fmt.Errorf("-days = %v, want a number in (0, 15]: CloudWatch keeps one-minute data 15 days", o.days)
	case o.seeds < 1 || o.seeds > 100:
		return fmt.Errorf("-seeds = %d, want an integer in [1, 100]", o.seeds)
	case !(o.cpuFraction >= 0 && o.cpuFraction <= 1):
		return fmt.Errorf("-cpu-fraction = %v, want a share in [0, 1]", o.cpuFraction)
	case o.slo <= 0 || o.slo > 15*time.Minute:
		return fmt.Errorf("-slo = %v, want a duration in (0, 15m]", o.slo)
	case o.timeout < time.Second || o.timeout > 15*time.Minute || o.timeout%time.Second != 0:
		return fmt.Errorf("-timeout = %v, want whole seconds in [1s, 15m]", o.timeout)
	}
	if _, err := o.strategyNames(); err != nil {
		return err
	}
	if o.emulator && o.function == "" {
		o.function = "lambdatune-recommend-demo"
	}
	if !aws && o.trace == "" {
		o.trace = filepath.Join(demoDir, demoTrace)
		if o.durations == "" && o.memory == "" && o.traceFn == "" {
			o.durations = filepath.Join(demoDir, "az2019_top10_fullday_durations.csv")
			o.memory = filepath.Join(demoDir, "az2019_top10_fullday_memory.csv")
			o.traceFn = demoFunction
		}
	}
	if o.emulator && !isSet(fs, "days") {
		o.days = 1 // the trace day written into the emulator
	}
	return nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// strategyNames returns the strategies named with -strategies (nil: all that Deployable finds),
// refusing names fromaws.StrategyNames does not know and the baseline's own.
func (o *options) strategyNames() ([]string, error) {
	if strings.TrimSpace(o.strategies) == "" {
		return nil, nil
	}
	var out []string
	for _, n := range strings.Split(o.strategies, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			continue
		case n == "static" || n == baseline:
			return nil, fmt.Errorf("-strategies: %q is the baseline, always replayed", n)
		case !slices.Contains(fromaws.StrategyNames(), n):
			return nil, fmt.Errorf("-strategies: unknown strategy %q, want some of %s", n, strings.Join(fromaws.StrategyNames(), ", "))
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("-strategies names no strategy: name at least one to compare with the current configuration, or leave it empty for all")
	}
	return out, nil
}

// selected returns the strategies to compare with the current configuration.
func (o *options) selected() ([]harness.Strategy, error) {
	names, err := o.strategyNames()
	if err != nil {
		return nil, err
	}
	if names == nil {
		return fromaws.Deployable(o.models)
	}
	return fromaws.Select(o.models, names)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		err = run(ctx, o, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "recommend:", err)
		os.Exit(1)
	}
}

// run reads the input, replays it and writes the report.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	var in input
	var err error
	if o.trace != "" {
		in, err = fromTrace(ctx, o)
	} else {
		in, err = fromAWS(ctx, o, stderr)
	}
	if err != nil {
		return err
	}
	rep, err := replay(ctx, o, in, stderr)
	if err != nil {
		return err
	}
	return rep.write(o.out, stdout)
}
