// Command awspoc runs lambdatune's closed loop against a deployed AWS Lambda function: every interval
// it reads the function's CloudWatch metrics, lets a policy decide the configuration, and applies it
// through awsadapter's guardrails. It is a dry run unless -apply is given: decisions and the changes
// they would make are printed and written to the audit log, nothing is changed.
//
// The policy is one of the strategies lambdatune compares (-policy static, power-tuned,
// target-tracking, predictive, and the trained agents such as hybrid whose models are in -models),
// or the original proof of concept's threshold rule (rule) or a fixed configuration (fixed). For the
// strategies, the command first reads -history of the function's CloudWatch metrics: they measure
// the function (harness.MeasuredProfile) for the Power Tuning sweep that picks the memory size —
// simulated on that profile (-sweep simulated, read-only) or run on the function itself (-sweep aws,
// awsadapter.PowerInvoker, a dry run without -apply) — and they warm the forecaster
// (lambdatune.Tuner.Warm), so that the first decision already forecasts. With -aas, target-tracking
// registers Application Auto Scaling's real target tracking on the alias instead of emulating it
// (and removes it at the end unless -keep-aas).
//
// The function to tune is in ./function; README.md says how to build and deploy it.
//
//	go run ./examples/awspoc -function lambdatune-awspoc -intervals 10            # dry run on AWS
//	go run ./examples/awspoc -function lambdatune-awspoc -alias live -policy predictive -apply
//	go run ./examples/awspoc -function lambdatune-awspoc -alias live -policy target-tracking -aas -apply
//	go run ./examples/awspoc -function lambdatune-awspoc -apply -policy fixed -memory 512
//
// Against an emulator (moto), -emulator creates the function if needed and, since an emulator runs no
// code and publishes no metrics, writes synthetic CloudWatch traffic for each interval (and for the
// history read at start) from a deterministic model (CPU-bound work that speeds up with memory, plus
// an I/O wait). moto has no provisioned concurrency: the policies' provisioned concurrency is shown in
// their decisions and not applied.
//
//	go run ./examples/awspoc -endpoint http://127.0.0.1:5000 -emulator -interval 1s -intervals 5 -apply
//
// Output: one line per interval on stdout, a summary table, out/awspoc/intervals.csv,
// out/awspoc/load.png and out/awspoc/memory.png, and the JSON audit log in out/awspoc/audit.jsonl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/examples/internal/fromaws"
	"github.com/lambdatune/lambdatune/harness"
)

// options are the command's flags.
type options struct {
	function, alias, endpoint, region string
	emulator, apply                   bool
	policy                            string
	memory, reserved, provisioned     int
	timeout                           time.Duration
	low, high                         float64
	intervals                         int
	interval, delay, dwell            time.Duration
	out                               string
	seed                              uint64
	verbose                           bool
	// the strategies
	history      time.Duration
	slo          time.Duration
	cpuFraction  float64
	sweep        string
	models       string
	aas, keepAAS bool
}

// legacyPolicies returns the policies that need no history: the proof of concept's rule and a
// fixed configuration.
func legacyPolicies() []string { return []string{"rule", "fixed"} }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("awspoc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.function, "function", "lambdatune-awspoc", "function name or ARN to tune")
	fs.StringVar(&o.alias, "alias", "", "alias to tune (needed for provisioned concurrency); empty: the unqualified function")
	fs.StringVar(&o.endpoint, "endpoint", "", "AWS endpoint URL (an emulator); empty: AWS (AWS_ENDPOINT_URL is also honoured)")
	fs.StringVar(&o.region, "region", "", "AWS Region; empty: from the environment, us-east-1 with -emulator")
	fs.BoolVar(&o.emulator, "emulator", false, "the endpoint is an emulator (moto): create the function, write synthetic metrics, no percentiles, fake credentials")
	fs.BoolVar(&o.apply, "apply", false, "apply changes (default: dry run, nothing is changed)")
	fs.StringVar(&o.policy, "policy", "rule", "the policy: "+strings.Join(policyNames(), ", ")+
		` ("rule": 256/384/512 MB by load thresholds, the original proof of concept; "fixed": always -memory/-timeout/-reserved/-provisioned; "static": keep the current configuration)`)
	fs.IntVar(&o.memory, "memory", 512, "fixed policy: memory in MB")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "fixed policy: timeout")
	fs.IntVar(&o.reserved, "reserved", -1, "fixed policy: reserved concurrency (-1: unreserved)")
	fs.IntVar(&o.provisioned, "provisioned", 0, "fixed policy: provisioned concurrency (needs -alias)")
	fs.Float64Var(&o.low, "low", 300, "rule policy: below this many invocations per minute, 256 MB")
	fs.Float64Var(&o.high, "high", 900, "rule policy: from this many invocations per minute, 512 MB (384 MB in between)")
	fs.IntVar(&o.intervals, "intervals", 5, "number of intervals to run (the first reads the latest complete interval at once)")
	fs.DurationVar(&o.interval, "interval", time.Minute, "interval length: 1s, 5s, 10s, 30s or a multiple of 1m")
	fs.DurationVar(&o.delay, "metrics-delay", 2*time.Minute, "wait after an interval ends before reading its metrics (0 with -emulator)")
	fs.DurationVar(&o.dwell, "min-dwell", 5*time.Minute, "guardrail: minimum time between two changes")
	fs.StringVar(&o.out, "out", "out/awspoc", "output directory")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the synthetic traffic (-emulator) and of the strategies")
	fs.BoolVar(&o.verbose, "v", false, "also print the audit log on stderr")
	fs.DurationVar(&o.history, "history", 24*time.Hour, "strategies: CloudWatch history read at start (measures the function, warms the forecaster; 120 intervals with -emulator)")
	fs.DurationVar(&o.slo, "slo", 500*time.Millisecond, "the latency SLO each request is held to (reported per interval; the strategies size for it)")
	fs.Float64Var(&o.cpuFraction, "cpu-fraction", harness.DefaultCPUFraction, "strategies: share of the measured duration taken as CPU-bound, for the simulated sweep")
	fs.StringVar(&o.sweep, "sweep", "simulated", `strategies: the Power Tuning sweep that picks the memory size: "simulated" (on the profile measured from the history; read-only) or "aws" (on the function: versions, test invocations; a dry run without -apply)`)
	fs.StringVar(&o.models, "models", fromaws.DefaultModels, "directory of the trained agents' models (hybrid.json, rl-only.json)")
	fs.BoolVar(&o.aas, "aas", false, "target-tracking: register Application Auto Scaling's target tracking on the alias instead of emulating it (needs -alias)")
	fs.BoolVar(&o.keepAAS, "keep-aas", false, "with -aas: leave the target tracking registered at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.check(fs)
}

// policyNames are the -policy values.
func policyNames() []string {
	return append(append(legacyPolicies(), "static"), fromaws.StrategyNames()...)
}

// strategy reports whether the policy is one of the strategies (which read the history at start).
func (o *options) strategy() bool { return !slices.Contains(legacyPolicies(), o.policy) }

// check validates the flags together and fills the emulator's defaults.
func (o *options) check(fs *flag.FlagSet) error {
	if o.emulator {
		if o.endpoint == "" && os.Getenv("AWS_ENDPOINT_URL") == "" {
			return errors.New("-emulator needs -endpoint URL")
		}
		if !isSet(fs, "metrics-delay") {
			o.delay = 0
		}
		if !isSet(fs, "history") {
			o.history = 120 * o.interval
		}
		switch {
		case o.alias != "":
			return errors.New("-emulator does not support -alias: moto has no provisioned concurrency API")
		case o.sweep == "aws":
			return errors.New(`-emulator does not support -sweep aws: moto runs no code, so its invocations have no REPORT lines to measure`)
		}
	}
	switch {
	case o.intervals < 1:
		return fmt.Errorf("-intervals = %d, want >= 1", o.intervals)
	case !slices.Contains(policyNames(), o.policy):
		return fmt.Errorf("-policy = %q, want one of %s", o.policy, strings.Join(policyNames(), ", "))
	case o.low < 0 || o.high < o.low:
		return fmt.Errorf("-low = %v, -high = %v, want 0 <= low <= high", o.low, o.high)
	case o.dwell < 0:
		return fmt.Errorf("-min-dwell = %v, want >= 0", o.dwell)
	case o.sweep != "simulated" && o.sweep != "aws":
		return fmt.Errorf(`-sweep = %q, want "simulated" or "aws"`, o.sweep)
	case o.strategy() && (o.history < o.interval || o.history%o.interval != 0):
		return fmt.Errorf("-history = %v, want a whole number of -interval (%v), at least one", o.history, o.interval)
	case o.slo <= 0 || o.slo > 15*time.Minute:
		return fmt.Errorf("-slo = %v, want a duration in (0, 15m]", o.slo)
	case !(o.cpuFraction >= 0 && o.cpuFraction <= 1):
		return fmt.Errorf("-cpu-fraction = %v, want a share in [0, 1]", o.cpuFraction)
	case o.aas && (o.policy != "target-tracking" || o.alias == ""):
		return errors.New("-aas registers target tracking of an alias's provisioned concurrency: it needs -policy target-tracking and -alias")
	case o.keepAAS && !o.aas:
		return errors.New("-keep-aas needs -aas")
	case provisions(o.policy) && o.alias == "" && !o.emulator:
		return fmt.Errorf("-policy %s sets provisioned concurrency, which needs an alias: give -alias", o.policy)
	}
	return nil
}

// provisions reports whether a policy sets provisioned concurrency.
func provisions(policy string) bool {
	return policy != "static" && policy != "power-tuned" && !slices.Contains(legacyPolicies(), policy)
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
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
		fmt.Fprintln(os.Stderr, "awspoc:", err)
		os.Exit(1)
	}
}

// legacyPolicy returns the rule or fixed policy the flags ask for.
func legacyPolicy(o options) (lambdatune.Policy, error) {
	if o.policy == "fixed" {
		c := lambdatune.Config{MemoryMB: o.memory, Timeout: o.timeout, Provisioned: o.provisioned}
		if o.reserved >= 0 {
			c.Reserved = lambdatune.Reserve(o.reserved)
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("fixed policy: %w", err)
		}
		return lambdatune.PolicyFunc(func(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
			d := c
			d.Architecture, d.EphemeralStorageMB = obs.Current.Architecture, obs.Current.EphemeralStorageMB
			return lambdatune.Decision{Config: d, Reason: "fixed configuration"}, nil
		}), nil
	}
	return RulePolicy{Low: o.low, High: o.high}, nil
}

// RulePolicy is the original proof of concept's rule: memory 256, 384 or 512 MB by the invocation
// rate of the last interval, everything else kept.
type RulePolicy struct {
	Low, High float64 // invocations per minute
}

// Decide implements lambdatune.Policy.
func (r RulePolicy) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	c := obs.Current
	if len(obs.History) == 0 {
		return lambdatune.Decision{Config: c, Reason: "no metrics yet"}, nil
	}
	m := obs.History[len(obs.History)-1]
	rate := float64(m.Invocations+m.Throttles) / m.Period.Minutes()
	switch {
	case rate < r.Low:
		c.MemoryMB = 256
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("load %.0f/min below %.0f: 256 MB", rate, r.Low)}, nil
	case rate < r.High:
		c.MemoryMB = 384
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("load %.0f/min in [%.0f, %.0f): 384 MB", rate, r.Low, r.High)}, nil
	default:
		c.MemoryMB = 512
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("load %.0f/min from %.0f: 512 MB", rate, r.High)}, nil
	}
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	auditFile, err := os.Create(o.out + "/audit.jsonl")
	if err != nil {
		return err
	}
	defer auditFile.Close()
	var auditW io.Writer = auditFile
	if o.verbose {
		auditW = io.MultiWriter(auditFile, stderr)
	}
	logger := slog.New(slog.NewJSONHandler(auditW, &slog.HandlerOptions{Level: slog.LevelInfo}))
	awsCfg, err := fromaws.LoadConfig(ctx, o.region, o.emulator)
	if err != nil {
		return err
	}
	e, err := newEnv(ctx, o, awsCfg, logger)
	if err != nil {
		return err
	}
	tc := lambdatune.TunerConfig{Platform: e.p}
	if e.traffic != nil {
		tc.Platform = e.traffic
	}
	var warm []lambdatune.Metrics
	if o.strategy() {
		st, err := buildStrategy(ctx, o, e)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, st.cleanup(ctx)) }()
		tc.Policy, tc.Forecaster, tc.Horizon, tc.Refit, tc.WarmUp = st.setup.Policy, st.setup.Forecaster, st.setup.Horizon, st.setup.Refit, st.setup.WarmUp
		warm = st.warm
		for _, n := range st.notes {
			fmt.Fprintf(stdout, "awspoc: %s\n", n)
		}
	} else if tc.Policy, err = legacyPolicy(o); err != nil {
		return err
	}
	return loop(ctx, o, e.p, tc, warm, stdout)
}

// newEnv builds the adapter (and, for an emulator, the function and its synthetic traffic).
func newEnv(ctx context.Context, o options, awsCfg aws.Config, logger *slog.Logger) (strategyEnv, error) {
	lam, cw := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{Endpoint: o.endpoint, QueryProtocol: o.emulator})
	g := awsadapter.DefaultGuardrails()
	g.MinDwell = o.dwell
	adapterOpts := []awsadapter.Option{
		awsadapter.WithInterval(o.interval), awsadapter.WithMetricsDelay(o.delay), awsadapter.WithDryRun(!o.apply),
		awsadapter.WithGuardrails(g), awsadapter.WithLogger(logger), awsadapter.WithSLO(o.slo),
	}
	e := strategyEnv{lam: lam, logger: logger}
	if o.alias != "" {
		// Never fight target tracking over the alias's provisioned concurrency.
		e.as = applicationautoscaling.NewFromConfig(awsCfg, func(ao *applicationautoscaling.Options) {
			if o.endpoint != "" {
				ao.BaseEndpoint = aws.String(o.endpoint)
			}
		})
		adapterOpts = append(adapterOpts, awsadapter.WithAlias(o.alias), awsadapter.WithAutoScaling(e.as))
	}
	if o.emulator {
		adapterOpts = append(adapterOpts, awsadapter.WithPercentiles(false), awsadapter.WithLimits(lambdatune.DefaultLimits()),
			awsadapter.WithWaits(100*time.Millisecond, time.Minute, time.Minute))
		fn := fromaws.Function{Name: o.function, MemoryMB: 128, Timeout: 10 * time.Second, Runtime: lambdatypes.RuntimeProvidedal2023, Architecture: lambdatypes.ArchitectureArm64}
		if err := fromaws.EnsureFunction(ctx, lam, awsCfg, o.endpoint, fn); err != nil {
			return e, err
		}
	}
	p, err := awsadapter.New(lam, cw, o.function, adapterOpts...)
	if err != nil {
		return e, err
	}
	e.p = p
	if o.emulator {
		e.traffic = newSyntheticTraffic(p, cw, o)
	}
	return e, nil
}

// loop runs the closed loop for -intervals and writes the report.
func loop(ctx context.Context, o options, p *awsadapter.Platform, tc lambdatune.TunerConfig, warm []lambdatune.Metrics, stdout io.Writer) error {
	mode := "DRY RUN (nothing is changed; -apply to change the function)"
	if o.apply {
		mode = "APPLYING changes"
	}
	fmt.Fprintf(stdout, "awspoc: tuning %s with the %s policy, %d intervals of %v: %s\n", target(o), o.policy, o.intervals, o.interval, mode)
	rep := newReport(stdout, !o.emulator)
	failed := false // the step's change failed and the loop went on (OnApplyError runs before OnStep)
	tc.Policy = p.AuditPolicy(tc.Policy)
	tc.OnStep = func(s lambdatune.StepReport) {
		rep.step(s, p.LastOutcome(), failed)
		failed = false
	}
	// A change that failed but whose outcome is known (applied parts rolled back, or the
	// configuration read back) is logged and the loop goes on from what is in force; anything else
	// stops it.
	tc.OnApplyError = func(step int, d lambdatune.Decision, err error) error {
		var ae *awsadapter.ApplyError
		if errors.As(err, &ae) && ae.NowKnown {
			fmt.Fprintf(stdout, "interval %d: change to %v failed, now %v: %v\n", step, d.Config, ae.Now, err)
			failed = true
			return nil
		}
		return err
	}
	tuner, err := lambdatune.NewTuner(tc)
	if err != nil {
		return err
	}
	if err := tuner.Warm(ctx, warm); err != nil {
		return err
	}
	runErr := tuner.Run(ctx, o.intervals)
	if err := rep.finish(o.out); err != nil && runErr == nil {
		runErr = err
	}
	fmt.Fprintf(stdout, "audit log: %s/audit.jsonl\n", o.out)
	return runErr
}

func target(o options) string {
	if o.alias != "" {
		return o.function + ":" + o.alias
	}
	return o.function
}
