package awsadapter_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/policy"
)

// Tune the alias "live" of a function in dry-run mode: every decision and the change it would make are
// written to the audit log, nothing is applied.
func ExampleNew() {
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lam, cw := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{})
	p, err := awsadapter.New(lam, cw, "my-function",
		awsadapter.WithAlias("live"),
		awsadapter.WithDryRun(true),
		awsadapter.WithLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil))))
	if err != nil {
		log.Fatal(err)
	}
	policy := lambdatune.Fixed(lambdatune.Config{MemoryMB: 512, Timeout: 10 * time.Second})
	tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{Platform: p, Policy: p.AuditPolicy(policy)})
	if err != nil {
		log.Fatal(err)
	}
	if err := tuner.Run(ctx, 60); err != nil {
		log.Fatal(err)
	}
}

// A change that fails part-way reports what was applied, whether it was rolled back and what is in
// force now.
func ExampleApplyError() {
	var p *awsadapter.Platform // from awsadapter.New
	err := p.Apply(context.Background(), lambdatune.Config{MemoryMB: 1024, Timeout: 30 * time.Second, Reserved: lambdatune.Reserve(50)})
	var ae *awsadapter.ApplyError
	var ce *lambdatune.ConfigError
	switch {
	case errors.As(err, &ce):
		fmt.Println("rejected before any call:", ce.Field, ce.Allowed)
	case errors.As(err, &ae):
		fmt.Println("applied:", ae.Applied, "failed:", ae.Failed, "rolled back:", ae.RolledBack)
		if ae.NowKnown {
			fmt.Println("in force now:", ae.Now)
		}
	}
}

// Guardrails start from the defaults; here memory stays within 256–3,008 MB and changes by at most
// 512 MB every 10 minutes.
func ExampleDefaultGuardrails() {
	g := awsadapter.DefaultGuardrails()
	g.Bounds.MinMemoryMB, g.Bounds.MaxMemoryMB = 256, 3008
	g.MaxStep.MemoryMB = 512
	g.MinDwell = 10 * time.Minute
	fmt.Println(g.Validate())
	// Output: <nil>
}

// Read the last 14 days of a function's per-minute CloudWatch metrics and its INIT durations, read
// only, to replay them (examples/recommend).
func ExamplePlatform_History() {
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lam, cw := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{})
	logs := awsadapter.NewLogsClient(awsCfg, awsadapter.ClientOptions{})
	p, err := awsadapter.New(lam, cw, "my-function", awsadapter.WithDryRun(true),
		awsadapter.WithSLO(500*time.Millisecond), awsadapter.WithLogs(logs, awsadapter.DefaultLogsOptions()))
	if err != nil {
		log.Fatal(err)
	}
	h, err := p.History(ctx, awsadapter.HistoryOptions{Span: 14 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	load, err := h.Load()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.0f requests in %d minutes, mean duration %.0f ms at %d MB, %d cold starts in the logs\n",
		load.Total(), load.Len(), h.Duration.Mean, h.State.Config.MemoryMB, h.Init.ColdStarts)
}

// Run AWS Lambda Power Tuning's sweep on a real function with the analysis the simulator's sweep uses.
// Without WithDryRun(false) it only reports what it would do.
func ExampleNewPowerInvoker() {
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lam, _ := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{})
	inv, err := awsadapter.NewPowerInvoker(lam, "my-function", awsadapter.PowerOptions{Payloads: []awsadapter.Payload{
		{Body: []byte(`{"path":"/small"}`), Weight: 3},
		{Body: []byte(`{"path":"/large"}`), Weight: 1},
	}}, awsadapter.WithDryRun(false))
	if err != nil {
		log.Fatal(err)
	}
	defer inv.Cleanup(ctx) // removes anything a failed step could not
	sweep := policy.DefaultPowerTuning()
	sweep.Num = 20
	r, err := sweep.Run(ctx, inv)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Power Tuning picks %d MB: %.1f ms, %.9f USD per invocation\n", r.Best.MemoryMB, r.Best.AverageDuration, r.Best.AveragePrice)
}

// Hand an alias's provisioned concurrency to Application Auto Scaling target tracking, and take it back.
func ExampleRegisterTargetTracking() {
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	as := applicationautoscaling.NewFromConfig(awsCfg)
	reg, err := awsadapter.RegisterTargetTracking(ctx, as, "my-function", "live",
		awsadapter.AutoScalingTarget{MinCapacity: 1, MaxCapacity: 100, TargetUtilization: 0.7})
	if err != nil {
		log.Fatal(err)
	}
	defer awsadapter.DeregisterTargetTracking(ctx, as, reg)
	fmt.Println("target tracking:", reg.PolicyARN)
}
