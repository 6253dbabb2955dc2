package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
)

// Bounds are the user's limits per dimension, inside Lambda's own. Guardrails limit every change to
// them.
type Bounds struct {
	// MinMemoryMB and MaxMemoryMB bound memory (Lambda: 128–10,240).
	MinMemoryMB, MaxMemoryMB int
	// MinTimeout and MaxTimeout bound the timeout (Lambda: 1 s–900 s).
	MinTimeout, MaxTimeout time.Duration
	// MinReserved is the smallest reservation the tuner may set (1 by default: a reservation of 0
	// switches the function off). Removing a reservation is always allowed.
	MinReserved int
	// MaxReserved is the largest reservation; negative means no bound beyond the account's
	// (which always keeps 100 unreserved).
	MaxReserved int
	// MaxProvisioned is the largest provisioned concurrency; negative means no bound beyond the
	// reservation and the account's.
	MaxProvisioned int
}

// Delta is a size of change per dimension. A zero field means "no limit" on that dimension.
type Delta struct {
	MemoryMB    int
	Timeout     time.Duration
	Reserved    int
	Provisioned int
}

// RollbackRule is when the adapter rolls a change back by itself: if, in one of the Window intervals
// after a change, the function's error rate or throttle rate exceeds its maximum and is higher than
// in the interval before the change, with at least MinRequests requests in the interval.
type RollbackRule struct {
	// Window is how many intervals after a change are watched (0 disables automatic rollback).
	// A change that stays healthy for Window intervals becomes the last known good configuration.
	Window int
	// MaxErrorRate and MaxThrottleRate are fractions in [0, 1].
	MaxErrorRate, MaxThrottleRate float64
	// MinRequests is the fewest requests (invocations + throttles) for a rate to count.
	MinRequests int64
}

// Guardrails keep the tuner's changes safe. They are on by default (DefaultGuardrails); start from
// DefaultGuardrails and change fields rather than building one from zero.
//
// A requested configuration that Lambda or the account would reject is an error (nothing is applied).
// A valid configuration that exceeds a guardrail is limited: each dimension moves toward the request
// as far as the bounds, the step and hourly budgets allow, or not at all during the dwell time. Every
// limit is written to the audit log with the requested and the applied configuration, and returned by
// Platform.LastOutcome: it is never silent.
type Guardrails struct {
	Bounds Bounds
	// MaxStep is the largest change of one Apply, per dimension.
	MaxStep Delta
	// MaxPerHour is the largest total change (sum of absolute changes) in any 60 minutes, per dimension.
	MaxPerHour Delta
	// MinDwell is the least time between two changes; requests in between keep the configuration.
	MinDwell time.Duration
	// Rollback is the automatic rollback rule.
	Rollback RollbackRule
	// RollbackOnFailure rolls back to the last known good configuration when a change fails
	// part-way, so that a half-applied change does not stay in force.
	RollbackOnFailure bool
}

// DefaultGuardrails returns conservative guardrails for one-minute intervals: memory and timeout
// anywhere Lambda allows, reservations of at least 1, provisioned concurrency up to 100; steps of at
// most 1,024 MB, 60 s, 100 reserved and 50 provisioned, with hourly budgets four times that; 5 minutes
// between changes; automatic rollback when errors or throttles exceed 5 % of at least 20 requests in
// the 3 intervals after a change; rollback when a change fails part-way.
func DefaultGuardrails() Guardrails {
	return Guardrails{
		Bounds: Bounds{
			MinMemoryMB: lambdatune.MinMemoryMB, MaxMemoryMB: lambdatune.MaxMemoryMB,
			MinTimeout: lambdatune.MinTimeout, MaxTimeout: lambdatune.MaxTimeout,
			MinReserved: 1, MaxReserved: -1, MaxProvisioned: 100,
		},
		MaxStep:           Delta{MemoryMB: 1024, Timeout: 60 * time.Second, Reserved: 100, Provisioned: 50},
		MaxPerHour:        Delta{MemoryMB: 4096, Timeout: 240 * time.Second, Reserved: 400, Provisioned: 200},
		MinDwell:          5 * time.Minute,
		Rollback:          RollbackRule{Window: 3, MaxErrorRate: 0.05, MaxThrottleRate: 0.05, MinRequests: 20},
		RollbackOnFailure: true,
	}
}

// Validate reports guardrails that make no sense, naming the field.
func (g Guardrails) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("awsadapter: Guardrails.%s = %v, want %s", field, v, want))
	}
	b := g.Bounds
	if b.MinMemoryMB < lambdatune.MinMemoryMB || b.MaxMemoryMB > lambdatune.MaxMemoryMB || b.MinMemoryMB > b.MaxMemoryMB {
		bad("Bounds.MinMemoryMB/MaxMemoryMB", fmt.Sprintf("%d/%d", b.MinMemoryMB, b.MaxMemoryMB), "128 <= min <= max <= 10240")
	}
	if b.MinTimeout < lambdatune.MinTimeout || b.MaxTimeout > lambdatune.MaxTimeout || b.MinTimeout > b.MaxTimeout ||
		b.MinTimeout%time.Second != 0 || b.MaxTimeout%time.Second != 0 {
		bad("Bounds.MinTimeout/MaxTimeout", fmt.Sprintf("%v/%v", b.MinTimeout, b.MaxTimeout), "whole seconds, 1s <= min <= max <= 900s")
	}
	if b.MinReserved < 0 || (b.MaxReserved >= 0 && b.MaxReserved < b.MinReserved) {
		bad("Bounds.MinReserved/MaxReserved", fmt.Sprintf("%d/%d", b.MinReserved, b.MaxReserved), "0 <= min <= max (max < 0: no bound)")
	}
	for _, d := range []struct {
		name string
		d    Delta
	}{{"MaxStep", g.MaxStep}, {"MaxPerHour", g.MaxPerHour}} {
		if d.d.MemoryMB < 0 || d.d.Timeout < 0 || d.d.Reserved < 0 || d.d.Provisioned < 0 || d.d.Timeout%time.Second != 0 {
			bad(d.name, fmt.Sprintf("%+v", d.d), "non-negative fields (0 = no limit), Timeout in whole seconds")
		}
	}
	if g.MinDwell < 0 {
		bad("MinDwell", g.MinDwell, ">= 0")
	}
	r := g.Rollback
	if r.Window < 0 || r.MinRequests < 0 || !(r.MaxErrorRate >= 0 && r.MaxErrorRate <= 1) || !(r.MaxThrottleRate >= 0 && r.MaxThrottleRate <= 1) {
		bad("Rollback", fmt.Sprintf("%+v", r), "Window >= 0, MinRequests >= 0, rates in [0, 1]")
	}
	return errors.Join(errs...)
}

// Option configures New.
type Option func(*options)

type options struct {
	alias       string
	interval    time.Duration
	delay       time.Duration
	percentiles bool
	dryRun      bool
	guard       Guardrails
	limits      *lambdatune.Limits
	retry       RetryPolicy
	poll        time.Duration
	updateWait  time.Duration
	provWait    time.Duration
	prices      lambdatune.Prices
	log         *slog.Logger
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	rand        *rand.Rand
	autoscaling AutoScalingAPI
	slo         time.Duration // see WithSLO (slo.go)
	logs        *logsConfig   // see WithLogs (logs.go); nil: logs not read
}

// WithAlias tunes the alias name: provisioned concurrency and metrics are the alias's, and a new
// memory, timeout or storage is published as a new version the alias then points to. Without an alias
// the unqualified function ($LATEST) is tuned and provisioned concurrency must stay 0.
func WithAlias(name string) Option { return func(o *options) { o.alias = name } }

// WithInterval sets the length of an observed interval and the CloudWatch period (default 1 minute):
// 1, 5, 10 or 30 seconds (high-resolution metrics only) or a multiple of 60 seconds.
func WithInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// WithMetricsDelay sets how long after an interval ends its metrics are read, to let CloudWatch ingest
// them (default 2 minutes; 0 for emulators).
func WithMetricsDelay(d time.Duration) Option { return func(o *options) { o.delay = d } }

// WithPercentiles requests the Duration percentiles p50, p90, p95 and p99 (default true) and, with
// WithSLO, the percentile rank PR(:SLO). Turn it off only for emulators that reject percentile
// statistics; the percentiles are then 0 and SLO misses come from the logs alone (WithLogs).
func WithPercentiles(on bool) Option { return func(o *options) { o.percentiles = on } }

// WithDryRun makes Apply and rollbacks log the change they would make and apply nothing.
func WithDryRun(on bool) Option { return func(o *options) { o.dryRun = on } }

// WithGuardrails replaces DefaultGuardrails.
func WithGuardrails(g Guardrails) Option { return func(o *options) { o.guard = g } }

// WithLimits sets the account limits instead of reading them with GetAccountSettings.
func WithLimits(l lambdatune.Limits) Option { return func(o *options) { o.limits = &l } }

// WithRetry replaces DefaultRetryPolicy.
func WithRetry(r RetryPolicy) Option { return func(o *options) { o.retry = r } }

// WithWaits sets the polling interval (default 2 s) and how long to wait for a function update to
// finish (default 5 min) and for provisioned concurrency to be READY (default 15 min).
func WithWaits(poll, update, provisioned time.Duration) Option {
	return func(o *options) { o.poll, o.updateWait, o.provWait = poll, update, provisioned }
}

// WithPrices sets the price table used for the cost estimate (default lambdatune.DefaultPrices, the
// simulator's).
func WithPrices(p lambdatune.Prices) Option { return func(o *options) { o.prices = p } }

// WithLogger sets the audit logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock replaces the wall clock and the context-aware sleep, for tests and replays.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return func(o *options) { o.now, o.sleep = now, sleep }
}

// WithRand sets the source of retry jitter. By default it is seeded from the function name and alias,
// so runs are reproducible and different functions back off differently.
func WithRand(r *rand.Rand) Option { return func(o *options) { o.rand = r } }

// WithAutoScaling makes the adapter refuse to change provisioned concurrency on an alias whose
// provisioned concurrency Application Auto Scaling manages (a scalable target on
// lambda:function:ProvisionedConcurrency, as target tracking uses), so that the tuner and target
// tracking do not fight. It costs one DescribeScalableTargets call per provisioned change and needs
// application-autoscaling:DescribeScalableTargets.
func WithAutoScaling(api AutoScalingAPI) Option { return func(o *options) { o.autoscaling = api } }

func defaultOptions() options {
	return options{
		interval:    time.Minute,
		delay:       2 * time.Minute,
		percentiles: true,
		guard:       DefaultGuardrails(),
		retry:       DefaultRetryPolicy(),
		poll:        2 * time.Second,
		updateWait:  5 * time.Minute,
		provWait:    15 * time.Minute,
		prices:      lambdatune.DefaultPrices(),
		now:         time.Now,
		sleep:       sleepCtx,
	}
}

func (o *options) finish(fn string) error {
	var errs []error
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.rand == nil {
		h := fnv.New64a()
		h.Write([]byte(fn + ":" + o.alias))
		o.rand = rand.New(rand.NewPCG(h.Sum64(), 0x6c616d6264617475))
	}
	if o.now == nil || o.sleep == nil {
		errs = append(errs, errors.New("awsadapter: WithClock: now and sleep must both be non-nil"))
	}
	if err := validInterval(o.interval); err != nil {
		errs = append(errs, err)
	}
	if o.delay < 0 {
		errs = append(errs, fmt.Errorf("awsadapter: WithMetricsDelay(%v), want >= 0", o.delay))
	}
	if o.poll <= 0 || o.updateWait <= 0 || o.provWait <= 0 {
		errs = append(errs, fmt.Errorf("awsadapter: WithWaits(%v, %v, %v), want all > 0", o.poll, o.updateWait, o.provWait))
	}
	if err := o.retry.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := o.guard.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.limits != nil {
		if err := o.limits.Validate(lambdatune.DefaultConfig()); err != nil {
			errs = append(errs, fmt.Errorf("awsadapter: WithLimits: %w", err))
		}
	}
	if err := validSLO(o.slo); err != nil {
		errs = append(errs, err)
	}
	if o.logs != nil {
		if err := o.logs.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validInterval checks d against CloudWatch's periods.
func validInterval(d time.Duration) error {
	switch {
	case d == time.Second, d == 5*time.Second, d == 10*time.Second, d == 30*time.Second:
		return nil
	case d >= time.Minute && d%time.Minute == 0 && d <= 24*time.Hour:
		return nil
	}
	return fmt.Errorf("awsadapter: WithInterval(%v), want 1s, 5s, 10s, 30s or a multiple of 1m up to 24h (a CloudWatch period)", d)
}
