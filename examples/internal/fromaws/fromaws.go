// Package fromaws is the glue the AWS examples share: loading the SDK's configuration (with fake
// credentials for an emulator), turning a function's CloudWatch history (awsadapter.History) into
// the measurements a replay profile is built from (harness.Measurement), and, for an emulator, which
// runs no code and publishes no metrics, creating the function and writing a load's metrics.
package fromaws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
)

// LoadConfig loads the SDK's configuration from the environment, in region when set (us-east-1 by
// default with an emulator), with fake static credentials for an emulator when the environment has
// none. Against AWS it checks that credentials can be retrieved, so that a missing profile fails
// here with a useful message rather than at the first call.
func LoadConfig(ctx context.Context, region string, emulator bool) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	switch {
	case region != "":
		opts = append(opts, config.WithRegion(region))
	case emulator:
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	if emulator && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("emulator", "emulator", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS Region: set AWS_REGION or -region")
	}
	if !emulator {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return cfg, fmt.Errorf("no AWS credentials (configure them, or run against an emulator with -endpoint URL -emulator): %w", err)
		}
	}
	return cfg, nil
}

// Runtime returns the lambdasim runtime family whose INIT preset stands for an AWS Lambda runtime
// identifier (python3.12, nodejs22.x, java21, dotnet8, provided.al2023, ...), and a note when the
// mapping is a guess: provided runtimes run a Go or a Rust binary (the Go preset is taken), Ruby
// and container images (no identifier) have no preset of their own (Python's is taken).
func Runtime(id string) (lambdasim.Runtime, string) {
	switch {
	case strings.HasPrefix(id, "python"):
		return lambdasim.RuntimePython, ""
	case strings.HasPrefix(id, "nodejs"):
		return lambdasim.RuntimeNode, ""
	case strings.HasPrefix(id, "java"):
		return lambdasim.RuntimeJava, ""
	case strings.HasPrefix(id, "dotnet"):
		return lambdasim.RuntimeDotnet, ""
	case strings.HasPrefix(id, "provided"), id == "go1.x":
		return lambdasim.RuntimeGo, fmt.Sprintf("%s runs a compiled binary: the Go preset is assumed (Rust starts faster)", id)
	case id == "":
		return lambdasim.RuntimePython, "a container image has no runtime identifier: the Python preset is assumed"
	}
	return lambdasim.RuntimePython, fmt.Sprintf("runtime %s has no INIT preset: the Python preset is assumed", id)
}

// Measure turns a function's history into the measurements of a replay profile, held to slo, with
// cpuFraction of its duration taken as CPU-bound (harness.Measurement.CPUFraction). It also returns
// a note per measurement saying where it came from, for the report. It fails when the history has
// no invocation to measure a duration from.
func Measure(h awsadapter.History, slo time.Duration, cpuFraction float64) (harness.Measurement, []string, error) {
	var inv, errs int64
	for _, m := range h.Intervals {
		inv += m.Invocations
		errs += m.Errors
	}
	if inv == 0 || h.Duration.Mean <= 0 {
		return harness.Measurement{}, nil, fmt.Errorf("function %s: no invocations between %v and %v: nothing to replay",
			h.Function, h.Start, h.Start.Add(time.Duration(len(h.Intervals))*h.Period))
	}
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	m := harness.Measurement{Name: h.Function, Config: h.State.Config, SLO: slo, MeanDuration: ms(h.Duration.Mean),
		ErrorRate: float64(errs) / float64(inv), CPUFraction: cpuFraction}
	var notes []string
	if h.Duration.P50 > 0 && h.Duration.P99 >= h.Duration.P50 {
		m.P50, m.P99 = ms(h.Duration.P50), ms(h.Duration.P99)
		notes = append(notes, fmt.Sprintf("duration spread from CloudWatch's p50 %.0f ms and p99 %.0f ms over the whole history", h.Duration.P50, h.Duration.P99))
	} else {
		notes = append(notes, fmt.Sprintf("duration spread: no percentiles read, lognormal log-sigma %.2f assumed (harness.DefaultSpread)", harness.DefaultSpread))
	}
	rt, note := Runtime(h.Runtime)
	m.Runtime = rt
	switch in := h.Init; {
	case in.Source == awsadapter.SourceLogs && in.ColdStarts > 0 && in.P50 > 0 && in.P99 >= in.P50:
		m.InitP50, m.InitP99 = in.P50, in.P99
		notes = append(notes, fmt.Sprintf("INIT from %d cold starts in the REPORT log lines: p50 %v, p99 %v", in.ColdStarts, in.P50.Round(time.Millisecond), in.P99.Round(time.Millisecond)))
	case in.Source == awsadapter.SourceLogs && in.ColdStarts > 0 && in.Mean > 0:
		m.InitMean = in.Mean
		notes = append(notes, fmt.Sprintf("INIT from %d cold starts in the REPORT log lines: mean %v", in.ColdStarts, in.Mean.Round(time.Millisecond)))
	default:
		why := "no cold start in the REPORT log lines"
		if in.Err != nil {
			why = in.Err.Error()
		}
		d, _ := rt.Init()
		notes = append(notes, fmt.Sprintf("INIT: the %s runtime preset (median %v) of a hello-world function, since the logs gave none (%s)", rt, d.Quantile(0.5).Round(time.Millisecond), why))
	}
	if note != "" {
		notes = append(notes, note)
	}
	return m, notes, nil
}

// researchOnly reports the strategies of harness.Standard no team deploys: the original project's
// baselines and the oracle, which needs the future.
func researchOnly(name string) bool {
	return name == "original-rule" || name == "random" || name == "oracle"
}

// DefaultModels is where the trained agents' models ship (harness.AgentsFromDir), relative to the
// module's root.
const DefaultModels = "testdata/models"

// StrategyNames returns the names Deployable may return, for checking flags before the models are
// read: harness.Standard's deployable strategies (not static, which is the current configuration,
// nor the research-only ones) and the trained agents of harness.ModelFiles.
func StrategyNames() []string {
	var out []string
	for _, n := range harness.StandardNames {
		if n != "static" && !researchOnly(n) {
			out = append(out, n)
		}
	}
	for _, f := range harness.ModelFiles {
		out = append(out, f.Strategy)
	}
	return out
}

// Deployable returns the strategies a team can deploy besides its current configuration, in report
// order: harness.Standard's power-tuned, target-tracking and predictive, then the trained agents
// whose models are in modelsDir (hybrid, rl-only; harness.AgentsFromDir), so that an agent joins
// the replay and the closed loop as soon as its model ships. A missing directory has no agents.
func Deployable(modelsDir string) ([]harness.Strategy, error) {
	var names []string
	for _, n := range harness.StandardNames {
		if n != "static" && !researchOnly(n) {
			names = append(names, n)
		}
	}
	out, err := harness.Standard(names...)
	if err != nil {
		return nil, err
	}
	if modelsDir == "" {
		return out, nil
	}
	agents, err := harness.AgentsFromDir(modelsDir)
	if err != nil {
		return nil, err
	}
	return append(out, agents...), nil
}

// Select returns the named strategies of Deployable(modelsDir), in the order named; a name that
// StrategyNames knows but whose model is not in modelsDir is an error saying so.
func Select(modelsDir string, names []string) ([]harness.Strategy, error) {
	all, err := Deployable(modelsDir)
	if err != nil {
		return nil, err
	}
	var out []harness.Strategy
	for _, n := range names {
		i := slices.IndexFunc(all, func(s harness.Strategy) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("strategy %q: no trained model for it in %s (harness.ModelFiles), or not a strategy a team deploys (want some of %s)",
				n, modelsDir, strings.Join(StrategyNames(), ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
