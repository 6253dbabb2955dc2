package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/examples/internal/fromaws"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

// input is what a replay starts from: the load, the measurements, and where each came from.
type input struct {
	// name labels the function; source says where the load came from.
	name, source string
	load         workload.Series
	measurement  harness.Measurement
	// notes say where each measurement came from, and every assumption.
	notes []string
	// history is the CloudWatch history (AWS only): the measured cost and share over the SLO.
	history *awsadapter.History
}

// fromTrace reads one function of an Azure Functions 2019 trace day.
func fromTrace(ctx context.Context, o options) (input, error) {
	ws, err := harness.AzureTrace(ctx, harness.AzureFiles{Invocations: o.trace, Durations: o.durations, Memory: o.memory}, o.traceFn, 1)
	if err != nil {
		return input{}, err
	}
	w := ws[0]
	if w.MeanDuration <= 0 {
		return input{}, fmt.Errorf("%s: function %s has no duration: give the trace's durations file with -trace-durations", o.trace, w.Name)
	}
	load, err := w.Series(0)
	if err != nil {
		return input{}, err
	}
	cfg := lambdatune.DefaultConfig()
	cfg.MemoryMB, cfg.Timeout = w.MemoryMB, o.timeout
	m := harness.Measurement{Name: w.Name, Config: cfg, SLO: o.slo, MeanDuration: w.MeanDuration,
		Runtime: lambdasim.Runtime(o.runtime), CPUFraction: o.cpuFraction}
	in := input{name: w.Name, load: load, measurement: m,
		source: fmt.Sprintf("Azure Functions 2019 trace (Shahrad et al., ATC 2020; CC BY 4.0), %s, function %s", filepath.Base(o.trace), w.Name)}
	memNote := "the trace's app memory, rounded to a Lambda size"
	if o.memory == "" {
		memNote = "no memory file: Lambda's smallest size"
	}
	in.notes = append(in.notes, fmt.Sprintf("current configuration: %d MB (%s), timeout %v (-timeout), no reserved or provisioned concurrency", cfg.MemoryMB, memNote, o.timeout))
	p50, p99, err := tracePercentiles(ctx, o.durations, strings.TrimPrefix(w.Name, "azure-"))
	if err != nil {
		return input{}, err
	}
	if p50 > 0 && p99 >= p50 {
		in.measurement.P50, in.measurement.P99 = p50, p99
		in.notes = append(in.notes, fmt.Sprintf("duration: mean %v, spread from the trace's p50 %v and p99 %v (of 30-second averages, so a lower bound on the spread)",
			w.MeanDuration.Round(time.Millisecond), p50, p99))
	} else {
		in.notes = append(in.notes, fmt.Sprintf("duration: mean %v; the trace's percentiles give no spread, lognormal log-sigma %.2f assumed", w.MeanDuration.Round(time.Millisecond), harness.DefaultSpread))
	}
	d, err := lambdasim.Runtime(o.runtime).Init()
	if err != nil {
		return input{}, fmt.Errorf("-runtime: %w", err)
	}
	in.notes = append(in.notes, fmt.Sprintf("INIT: the %s runtime preset (median %v, -runtime); the trace has no cold-start data", o.runtime, d.Quantile(0.5).Round(time.Millisecond)),
		"errors: none (the trace has none)")
	return in, nil
}

// tracePercentiles returns the p50 and p99 of a function's durations in an Azure 2019 durations
// file (0 without one), the function found by its hash prefix.
func tracePercentiles(ctx context.Context, path, prefix string) (time.Duration, time.Duration, error) {
	if path == "" {
		return 0, 0, nil
	}
	ds, err := workload.ReadFile(ctx, path, workload.ReadAzure2019Durations)
	if err != nil {
		return 0, 0, err
	}
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	for _, d := range ds {
		if strings.HasPrefix(d.Function, prefix) {
			return ms(d.P50), ms(d.P99), nil
		}
	}
	return 0, 0, nil
}

// fromAWS reads the function's history from CloudWatch (and an emulator's, after writing a trace day
// into it).
func fromAWS(ctx context.Context, o options, stderr io.Writer) (input, error) {
	cfg, err := fromaws.LoadConfig(ctx, o.region, o.emulator)
	if err != nil {
		return input{}, err
	}
	copts := awsadapter.ClientOptions{Endpoint: o.endpoint, QueryProtocol: o.emulator}
	lam, cw := awsadapter.NewClients(cfg, copts)
	opts := []awsadapter.Option{awsadapter.WithDryRun(true), awsadapter.WithSLO(o.slo), awsadapter.WithPercentiles(!o.emulator)}
	if o.alias != "" {
		opts = append(opts, awsadapter.WithAlias(o.alias))
	}
	if o.logs {
		lo := awsadapter.DefaultLogsOptions()
		lo.QueryTimeout = 10 * time.Minute // one query over days of lines
		opts = append(opts, awsadapter.WithLogs(awsadapter.NewLogsClient(cfg, copts), lo))
	}
	if o.emulator {
		opts = append(opts, awsadapter.WithMetricsDelay(0)) // and historySpan ends the stretch now
		if err := seedEmulator(ctx, o, lam, cw, cfg, stderr); err != nil {
			return input{}, err
		}
	}
	p, err := awsadapter.New(lam, cw, o.function, opts...)
	if err != nil {
		return input{}, err
	}
	span, end, trimmed := historySpan(o, time.Now())
	h, err := p.History(ctx, awsadapter.HistoryOptions{Span: span, End: end, Progress: progress(stderr, "reading CloudWatch, minutes")})
	if err != nil {
		return input{}, err
	}
	m, notes, err := fromaws.Measure(h, o.slo, o.cpuFraction)
	if err != nil {
		return input{}, err
	}
	load, err := h.Load()
	if err != nil {
		return input{}, err
	}
	name := o.function
	if o.alias != "" {
		name += ":" + o.alias
	}
	in := input{name: name, load: load, measurement: m, history: &h,
		source: fmt.Sprintf("CloudWatch (AWS/Lambda, one-minute periods; %s)", plural(h.Calls, "GetMetricData call"))}
	if o.emulator {
		in.source += fmt.Sprintf(", in the emulator at %s, seeded with %s", o.endpoint, demoTrace)
	}
	in.notes = append(in.notes, fmt.Sprintf("current configuration: %v, read from the function", h.State.Config))
	in.notes = append(in.notes, notes...)
	in.notes = append(in.notes, historyNotes(h)...)
	if trimmed {
		in.notes = append(in.notes, fmt.Sprintf("-days %v reaches past CloudWatch's 15 days of one-minute data: the %s it keeps were read", o.days, span))
	}
	return in, nil
}

// historySpan returns the stretch to read at now: -days of minutes ending at the last minute whose
// metrics are complete (the metrics delay, 2 minutes, before now; none in an emulator), cut to what
// CloudWatch keeps of one-minute data, and whether it was cut.
func historySpan(o options, now time.Time) (span time.Duration, end time.Time, trimmed bool) {
	delay := 2 * time.Minute
	if o.emulator {
		delay = 0
	}
	end = now.Add(-delay).Truncate(time.Minute)
	span = time.Duration(math.Round(o.days*24*60)) * time.Minute
	oldest := now.Add(-awsadapter.Retention(time.Minute)).Truncate(time.Minute).Add(time.Minute)
	if avail := end.Sub(oldest); span > avail {
		return avail, end, true
	}
	return span, end, false
}

// historyNotes says what of the history needs saying: where its data start, partial data.
func historyNotes(h awsadapter.History) []string {
	var notes []string
	switch {
	case h.FirstData.IsZero():
		notes = append(notes, "CloudWatch holds no datapoint in the stretch")
	case h.FirstData.After(h.Start):
		notes = append(notes, fmt.Sprintf("CloudWatch's data start at %v: the function is younger than the stretch, or was idle before (replayed as idle)", h.FirstData.Format(time.RFC3339)))
	}
	if h.Partial {
		notes = append(notes, "CloudWatch answered part of the history with PartialData: "+strings.Join(h.Messages, "; "))
	}
	return notes
}

// seedEmulator creates the function in the emulator and writes the demo trace's day as its metrics,
// ending at the last complete minute, so that History has something to read.
func seedEmulator(ctx context.Context, o options, lam *lambda.Client, cw *cloudwatch.Client, cfg aws.Config, stderr io.Writer) error {
	demo := o
	demo.trace, demo.durations, demo.memory, demo.traceFn = filepath.Join(demoDir, demoTrace),
		filepath.Join(demoDir, "az2019_top10_fullday_durations.csv"), filepath.Join(demoDir, "az2019_top10_fullday_memory.csv"), demoFunction
	in, err := fromTrace(ctx, demo)
	if err != nil {
		return fmt.Errorf("emulator: the demo trace: %w", err)
	}
	fn := fromaws.Function{Name: o.function, MemoryMB: int32(in.measurement.Config.MemoryMB), Timeout: o.timeout,
		Runtime: lambdatypes.RuntimePython312, Architecture: lambdatypes.ArchitectureX8664}
	if err := fromaws.EnsureFunction(ctx, lam, cfg, o.endpoint, fn); err != nil {
		return err
	}
	n := min(in.load.Len(), int(math.Round(o.days*24*60)))
	end := time.Now().Truncate(time.Minute)
	s, err := workload.NewSeries(end.Add(-time.Duration(n)*time.Minute), time.Minute, in.load.Counts[in.load.Len()-n:])
	if err != nil {
		return err
	}
	meanMs := float64(in.measurement.MeanDuration) / float64(time.Millisecond)
	return fromaws.WriteLoad(ctx, cw, o.function, s, meanMs, progress(stderr, "seeding the emulator, minutes"))
}
