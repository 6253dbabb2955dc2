// Command awspoc runs lambdatune's closed loop against a deployed AWS Lambda function: every interval
// it reads the function's CloudWatch metrics, lets a policy (a fixed configuration, or the original
// proof of concept's threshold rule) decide the configuration, and applies it through
// awsadapter's guardrails. It is a dry run unless -apply is given: decisions and the changes they
// would make are printed and written to the audit log, nothing is changed.
//
// The function to tune is in ./function; README.md says how to build and deploy it.
//
//	go run ./examples/awspoc -function lambdatune-awspoc -intervals 10            # dry run on AWS
//	go run ./examples/awspoc -function lambdatune-awspoc -apply -policy fixed -memory 512
//
// Against an emulator (moto), -emulator creates the function if needed and, since an emulator runs no
// code and publishes no metrics, writes synthetic CloudWatch traffic for each interval from a
// deterministic model (CPU-bound work that speeds up with memory, plus an I/O wait):
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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
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
}

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
	fs.StringVar(&o.policy, "policy", "rule", `"rule": 256/384/512 MB by load thresholds (the original proof of concept); "fixed": always -memory/-timeout/-reserved/-provisioned`)
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
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the synthetic traffic (-emulator)")
	fs.BoolVar(&o.verbose, "v", false, "also print the audit log on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.emulator {
		if o.endpoint == "" && os.Getenv("AWS_ENDPOINT_URL") == "" {
			return o, errors.New("-emulator needs -endpoint URL")
		}
		if !isSet(fs, "metrics-delay") {
			o.delay = 0
		}
		if o.alias != "" {
			return o, errors.New("-emulator does not support -alias: moto has no provisioned concurrency API")
		}
	}
	switch {
	case o.intervals < 1:
		return o, fmt.Errorf("-intervals = %d, want >= 1", o.intervals)
	case o.policy != "rule" && o.policy != "fixed":
		return o, fmt.Errorf(`-policy = %q, want "rule" or "fixed"`, o.policy)
	case o.low < 0 || o.high < o.low:
		return o, fmt.Errorf("-low = %v, -high = %v, want 0 <= low <= high", o.low, o.high)
	case o.dwell < 0:
		return o, fmt.Errorf("-min-dwell = %v, want >= 0", o.dwell)
	}
	return o, nil
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

// policy returns the policy the flags ask for.
func policy(o options) (lambdatune.Policy, error) {
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

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	pol, err := policy(o)
	if err != nil {
		return err
	}
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

	var loadOpts []func(*config.LoadOptions) error
	if o.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.region))
	} else if o.emulator {
		loadOpts = append(loadOpts, config.WithRegion("us-east-1"))
	}
	if o.emulator && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("emulator", "emulator", "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return errors.New("no AWS Region: set AWS_REGION or -region")
	}
	if !o.emulator {
		if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
			return fmt.Errorf("no AWS credentials (deploy the function as README.md describes and configure credentials, or run against an emulator with -endpoint URL -emulator): %w", err)
		}
	}
	lam, cw := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{Endpoint: o.endpoint, QueryProtocol: o.emulator})

	g := awsadapter.DefaultGuardrails()
	g.MinDwell = o.dwell
	adapterOpts := []awsadapter.Option{
		awsadapter.WithInterval(o.interval), awsadapter.WithMetricsDelay(o.delay), awsadapter.WithDryRun(!o.apply),
		awsadapter.WithGuardrails(g), awsadapter.WithLogger(logger),
	}
	if o.alias != "" {
		// Never fight target tracking over the alias's provisioned concurrency.
		as := applicationautoscaling.NewFromConfig(awsCfg, func(ao *applicationautoscaling.Options) {
			if o.endpoint != "" {
				ao.BaseEndpoint = aws.String(o.endpoint)
			}
		})
		adapterOpts = append(adapterOpts, awsadapter.WithAlias(o.alias), awsadapter.WithAutoScaling(as))
	}
	if o.emulator {
		adapterOpts = append(adapterOpts, awsadapter.WithPercentiles(false), awsadapter.WithLimits(lambdatune.DefaultLimits()),
			awsadapter.WithWaits(100*time.Millisecond, time.Minute, time.Minute))
		if err := ensureFunction(ctx, lam, awsCfg, o.endpoint, o.function); err != nil {
			return err
		}
	}
	p, err := awsadapter.New(lam, cw, o.function, adapterOpts...)
	if err != nil {
		return err
	}
	var platform lambdatune.Platform = p
	if o.emulator {
		platform = newSyntheticTraffic(p, cw, o)
	}

	mode := "DRY RUN (nothing is changed; -apply to change the function)"
	if o.apply {
		mode = "APPLYING changes"
	}
	fmt.Fprintf(stdout, "awspoc: tuning %s with the %s policy, %d intervals of %v: %s\n", target(o), o.policy, o.intervals, o.interval, mode)
	rep := newReport(stdout, !o.emulator)
	failed := false // the step's change failed and the loop went on (OnApplyError runs before OnStep)
	tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{
		Platform: platform,
		Policy:   p.AuditPolicy(pol),
		OnStep: func(s lambdatune.Step) {
			rep.step(s, p.LastOutcome(), failed)
			failed = false
		},
		// A change that failed but whose outcome is known (applied parts rolled back, or the
		// configuration read back) is logged and the loop goes on from what is in force; anything
		// else stops it.
		OnApplyError: func(step int, d lambdatune.Decision, err error) error {
			var ae *awsadapter.ApplyError
			if errors.As(err, &ae) && ae.NowKnown {
				fmt.Fprintf(stdout, "interval %d: change to %v failed, now %v: %v\n", step, d.Config, ae.Now, err)
				failed = true
				return nil
			}
			return err
		},
	})
	if err != nil {
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
