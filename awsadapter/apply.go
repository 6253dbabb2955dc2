package awsadapter

import (
	"context"
	"log/slog"

	"github.com/lambdatune/lambdatune"
)

// Platform takes whole decisions, so that lambdatune.Tuner passes their reasons.
var _ lambdatune.DecisionApplier = (*Platform)(nil)

// Outcome is what the last Apply or rollback did, for callers and the audit log.
type Outcome struct {
	// Requested is the configuration asked for, Target what the guardrails allowed.
	Requested, Target lambdatune.Config
	// From is the configuration before.
	From lambdatune.Config
	// Notes explain every guardrail limit; Held is true when the dwell time kept the configuration.
	Notes []string
	Held  bool
	// DryRun is true when nothing was applied because of dry-run mode.
	DryRun bool
	// Rollback is true for a rollback; Reason is the decision's or the rollback's reason.
	Rollback bool
	Reason   string
	// Err is the error Apply or Rollback returned, if any.
	Err error
}

// LastOutcome returns what the last Apply or rollback did.
func (p *Platform) LastOutcome() Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.outcome
	o.Notes = append([]string(nil), o.Notes...)
	return o
}

// settle records out as the last outcome and returns its error. It is the only place p.outcome
// is set: every Apply and rollback builds its Outcome and hands it here.
func (p *Platform) settle(out Outcome) error {
	p.outcome = out
	return out.Err
}

// Apply requests configuration c. It validates c (Config.Validate, the account's limits, the
// function's architecture) before any change call and returns an error wrapping
// *lambdatune.ConfigError for a bad one. It then applies the guardrails (see Guardrails), and in
// dry-run mode only logs the change. Otherwise it applies each changed part and waits for it to take
// effect; when a part fails it returns *ApplyError listing what was applied, after rolling back to
// the last known good configuration when Guardrails.RollbackOnFailure is set.
//
// Apply records no reason for the change; ApplyDecision does.
func (p *Platform) Apply(ctx context.Context, c lambdatune.Config) error {
	return p.ApplyDecision(ctx, lambdatune.Decision{Config: c})
}

// ApplyDecision is Apply of d.Config with d.Reason, the decision's reason, written to every audit
// record of the change and to Outcome.Reason. It implements lambdatune.DecisionApplier, so
// lambdatune.Tuner calls it instead of Apply.
func (p *Platform) ApplyDecision(ctx context.Context, d lambdatune.Decision) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settle(p.apply(ctx, d.Config.Normalize(), d.Reason))
}

// apply validates c, limits it by the guardrails and carries it out (or, in dry-run mode, logs it),
// and returns the outcome, whose Err is what Apply returns.
func (p *Platform) apply(ctx context.Context, c lambdatune.Config, reason string) Outcome {
	out := Outcome{Requested: c, Reason: reason}
	// What needs no I/O is checked before any call.
	if out.Err = p.checkStatic(c); out.Err != nil {
		p.auditEarly(ctx, "change rejected", reason, out.Err, configAttr("requested", c))
		return out
	}
	s, err := p.readState(ctx)
	if err != nil {
		out.Err = err
		p.auditEarly(ctx, "change not attempted: reading the configuration failed", reason, err, configAttr("requested", c))
		return out
	}
	p.noteBaseline(s.Config)
	cur := s.Config
	out.From, out.Target = cur, cur
	lim, err := p.check(ctx, cur, c, accountLimits{})
	if err != nil {
		out.Err = err
		p.audit(ctx, slog.LevelError, "change rejected", cur, c, cur, reason, slog.String("error", err.Error()))
		return out
	}
	out.Target, out.Notes, out.Held = p.guard(p.o.now(), cur, c)
	out.DryRun = p.o.dryRun
	target := out.Target
	if len(out.Notes) > 0 {
		p.audit(ctx, slog.LevelWarn, "guardrails limited the change", cur, c, target, reason, slog.Any("limits", out.Notes))
	}
	if target == cur {
		if !out.Held && len(out.Notes) == 0 {
			p.audit(ctx, slog.LevelInfo, "no change", cur, c, target, reason)
		}
		return out
	}
	// The guardrails only move toward c, but what they allow is proven valid, not assumed.
	if _, out.Err = p.check(ctx, cur, target, lim); out.Err != nil {
		return out
	}
	if p.o.dryRun {
		p.audit(ctx, slog.LevelInfo, "dry run: would change", cur, c, target, reason)
		return out
	}
	out.Err = p.execute(ctx, s, target, reason, kindChange)
	return out
}

// Rollback returns the function to the last known good configuration, bypassing the step, hourly and
// dwell limits (but not validation). It returns *ApplyError when a part fails. In dry-run mode it only
// logs.
func (p *Platform) Rollback(ctx context.Context, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settle(p.rollback(ctx, reason))
}

// rollback returns the function to the last known good configuration (or, in dry-run mode, logs
// that it would) and returns the outcome.
func (p *Platform) rollback(ctx context.Context, reason string) Outcome {
	out := Outcome{Rollback: true, Reason: reason, DryRun: p.o.dryRun}
	s, err := p.readState(ctx)
	if err != nil {
		out.Err = err
		p.auditEarly(ctx, "rollback not attempted: reading the configuration failed", reason, err)
		return out
	}
	p.noteBaseline(s.Config)
	good := p.lastGood
	out.Requested, out.Target, out.From = good, good, s.Config
	if s.Config == good {
		p.audit(ctx, slog.LevelInfo, "rollback: already at last known good", s.Config, good, good, reason)
		return out
	}
	if _, out.Err = p.check(ctx, s.Config, good, accountLimits{}); out.Err != nil {
		return out
	}
	if p.o.dryRun {
		p.audit(ctx, slog.LevelWarn, "dry run: would roll back", s.Config, good, good, reason)
		return out
	}
	out.Err = p.execute(ctx, s, good, reason, kindRollback)
	return out
}
