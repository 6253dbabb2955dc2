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
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
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
