package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/examples/internal/fromaws"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/workload"
)

// strategyRun is a strategy set up to run on AWS: the harness's Setup (policy, forecaster and the
// tuner's settings), the history that warms the tuner, what to tell the user, and what to undo at
// the end.
type strategyRun struct {
	setup   harness.Setup
	warm    []lambdatune.Metrics
	notes   []string
	cleanup func(context.Context) error
}

// strategyEnv is what setting up a strategy uses.
type strategyEnv struct {
	p       *awsadapter.Platform
	lam     *lambda.Client
	as      *applicationautoscaling.Client // nil without an alias
	traffic *syntheticTraffic              // nil unless -emulator
	logger  *slog.Logger
}

// buildStrategy reads the function's history, measures it, picks the memory size with a Power
// Tuning sweep and sets the strategy up as the harness would, on the measured profile.
func buildStrategy(ctx context.Context, o options, e strategyEnv) (strategyRun, error) {
	h, err := readHistory(ctx, o, e)
	if err != nil {
		return strategyRun{}, err
	}
	m, notes, err := fromaws.Measure(h, o.slo, o.cpuFraction)
	if err != nil {
		return strategyRun{}, fmt.Errorf("%w (-policy %s sizes from the function's history: let it serve traffic first, or use -policy fixed)", err, o.policy)
	}
	prof, err := harness.MeasuredProfile(m)
	if err != nil {
		return strategyRun{}, err
	}
	sw, sweepNote, err := sweepFor(ctx, o, e, prof)
	if err != nil {
		return strategyRun{}, err
	}
	var s harness.Strategy
	if o.policy == "static" {
		ss, err := harness.Standard("static")
		if err != nil {
			return strategyRun{}, err
		}
		s = ss[0]
	} else {
		ss, err := fromaws.Select(o.models, []string{o.policy})
		if err != nil {
			return strategyRun{}, err
		}
		s = ss[0]
	}
	load, err := h.Load()
	if err != nil {
		return strategyRun{}, err
	}
	w := harness.Workload{Name: o.function, Series: func(uint64) (workload.Series, error) { return load, nil }}
	setup, err := s.New(ctx, harness.Env{Profile: prof, Workload: w, Series: load, Seed: o.seed, Sweep: sw})
	if err != nil {
		return strategyRun{}, fmt.Errorf("strategy %s: %w", o.policy, err)
	}
	run := strategyRun{setup: setup, warm: h.Intervals, cleanup: func(context.Context) error { return nil },
		notes: append([]string{fmt.Sprintf("history: %d intervals of %v from CloudWatch (%.0f requests) warm the tuner", len(h.Intervals), h.Period, load.Total())}, notes...)}
	run.notes = append(run.notes, sweepNote)
	if o.aas {
		if err := registerAAS(ctx, o, e, &run, sw.Best.MemoryMB); err != nil {
			return strategyRun{}, err
		}
	}
	if o.emulator && provisions(o.policy) {
		run.setup.Policy = withoutProvisioned(run.setup.Policy)
		run.notes = append(run.notes, "the emulator has no provisioned concurrency: the policy's provisioned concurrency is shown in each decision's reason, not applied")
	}
	return run, nil
}

// readHistory reads -history of CloudWatch metrics ending where the tuner's first interval starts
// (after writing them, in an emulator).
func readHistory(ctx context.Context, o options, e strategyEnv) (awsadapter.History, error) {
	iv := o.interval
	end := time.Now().Add(-o.delay).Truncate(iv).Add(-iv)
	if e.traffic != nil {
		var err error
		if end, err = e.traffic.seedHistory(ctx, int(o.history/iv)); err != nil {
			return awsadapter.History{}, err
		}
	}
	return e.p.History(ctx, awsadapter.HistoryOptions{Span: o.history, End: end})
}

// sweepFor runs the Power Tuning sweep that picks the memory size: on the measured profile, or on the
// function (-sweep aws -apply). Without -apply, -sweep aws only lists what it would call.
func sweepFor(ctx context.Context, o options, e strategyEnv, prof harness.Profile) (policy.PowerResult, string, error) {
	pt := harness.DefaultSweep()
	if o.sweep == "aws" {
		inv, err := awsadapter.NewPowerInvoker(e.lam, o.function, awsadapter.PowerOptions{}, awsadapter.WithDryRun(!o.apply), awsadapter.WithLogger(e.logger))
		if err != nil {
			return policy.PowerResult{}, "", err
		}
		if o.apply {
			r, err := pt.Run(ctx, inv)
			if err != nil {
				return policy.PowerResult{}, "", fmt.Errorf("Power Tuning on %s: %w", o.function, err)
			}
			return r, fmt.Sprintf("Power Tuning on the function (%d invocations at each of %v MB) picks %d MB", pt.Num, pt.PowerValues, r.Best.MemoryMB), nil
		}
		for _, step := range inv.Plan(pt.PowerValues, pt.Num) {
			e.logger.LogAttrs(ctx, slog.LevelInfo, "awspoc: Power Tuning dry run: would "+step)
		}
	}
	r, err := pt.Run(ctx, lambdasim.Invoker{Function: prof.Function, Config: prof.Config, Seed: 1})
	if err != nil {
		return policy.PowerResult{}, "", err
	}
	note := fmt.Sprintf("Power Tuning simulated on the measured profile (%.0f %% CPU-bound, -cpu-fraction) picks %d MB", 100*o.cpuFraction, r.Best.MemoryMB)
	if o.sweep == "aws" {
		note += "; -sweep aws without -apply only listed its calls in the audit log"
	}
	return r, note, nil
}

// registerAAS hands the alias's provisioned concurrency to Application Auto Scaling's target tracking
// (with -apply; a dry run only says so) and makes the tuner set the memory alone.
func registerAAS(ctx context.Context, o options, e strategyEnv, run *strategyRun, memoryMB int) error {
	tt := policy.DefaultTargetTracking()
	target := awsadapter.AutoScalingTarget{MinCapacity: tt.MinCapacity, MaxCapacity: tt.MaxCapacity, TargetUtilization: tt.Target,
		Maximum: tt.Statistic == policy.Maximum, ScaleInCooldown: tt.ScaleInCooldown, ScaleOutCooldown: tt.ScaleOutCooldown}
	if err := target.Validate(); err != nil {
		return err
	}
	run.setup = harness.Setup{Policy: memoryOnly(memoryMB)}
	if !o.apply {
		run.notes = append(run.notes, fmt.Sprintf("dry run: would register target tracking of %s:%s at utilization %.1f, capacity %d–%d (Application Auto Scaling)",
			o.function, o.alias, target.TargetUtilization, target.MinCapacity, target.MaxCapacity))
		return nil
	}
	reg, err := awsadapter.RegisterTargetTracking(ctx, e.as, o.function, o.alias, target, awsadapter.WithLogger(e.logger))
	if err != nil {
		return err
	}
	run.notes = append(run.notes, fmt.Sprintf("registered Application Auto Scaling target tracking %s on %s", reg.PolicyARN, reg.ResourceID))
	if !o.keepAAS {
		run.cleanup = func(ctx context.Context) error {
			return awsadapter.DeregisterTargetTracking(context.WithoutCancel(ctx), e.as, reg, awsadapter.WithLogger(e.logger))
		}
	}
	return nil
}

// memoryOnly sets the memory size and leaves the rest, provisioned concurrency above all, as it is.
func memoryOnly(memoryMB int) lambdatune.Policy {
	return lambdatune.PolicyFunc(func(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		c := obs.Current
		c.MemoryMB = memoryMB
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("Power Tuning's %d MB; provisioned concurrency is Application Auto Scaling's", memoryMB)}, nil
	})
}

// withoutProvisioned keeps a policy's provisioned concurrency out of its decisions, saying so in the
// reason: for an emulator without provisioned concurrency.
func withoutProvisioned(p lambdatune.Policy) lambdatune.Policy {
	return lambdatune.PolicyFunc(func(ctx context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		d, err := p.Decide(ctx, obs)
		if err != nil || d.Config.Provisioned == obs.Current.Provisioned {
			return d, err
		}
		d.Reason += fmt.Sprintf(" [provisioned %d not applied: the emulator has none]", d.Config.Provisioned)
		d.Config.Provisioned = obs.Current.Provisioned
		return d, nil
	})
}
