package awsadapter

import (
	"context"
	"log/slog"

	"github.com/lambdatune/lambdatune"
)

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

// Apply requests configuration c. It validates c (Config.Validate, the account's limits, the
// function's architecture) before any change call and returns an error wrapping
// *lambdatune.ConfigError for a bad one. It then applies the guardrails (see Guardrails), and in
// dry-run mode only logs the change. Otherwise it applies each changed part and waits for it to take
// effect; when a part fails it returns *ApplyError listing what was applied, after rolling back to
// the last known good configuration when Guardrails.RollbackOnFailure is set.
func (p *Platform) Apply(ctx context.Context, c lambdatune.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	reason := p.reason
	p.reason = ""
	if c.Architecture == "" {
		c.Architecture = lambdatune.X86_64
	}
	if c.EphemeralStorageMB == 0 {
		c.EphemeralStorageMB = lambdatune.MinEphemeralStorageMB
	}
	// What needs no I/O is checked before any call.
	if err := p.checkStatic(c); err != nil {
		p.outcome = Outcome{Requested: c, Reason: reason, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: change rejected", slog.String("function", p.fn),
			configAttr("requested", c), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	s, err := p.state(ctx)
	if err != nil {
		p.outcome = Outcome{Requested: c, Reason: reason, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: change not attempted: reading the configuration failed",
			slog.String("function", p.fn), configAttr("requested", c), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	cur := s.Config
	var lim *lambdatune.Limits
	if err := p.check(ctx, cur, c, &lim); err != nil {
		p.outcome = Outcome{Requested: c, From: cur, Target: cur, Reason: reason, Err: err}
		p.audit(ctx, slog.LevelError, "change rejected", cur, c, cur, reason, slog.String("error", err.Error()))
		return err
	}
	now := p.o.now()
	target, notes, held := p.guard(now, cur, c)
	out := Outcome{Requested: c, From: cur, Target: target, Notes: notes, Held: held, DryRun: p.o.dryRun, Reason: reason}
	if len(notes) > 0 {
		p.audit(ctx, slog.LevelWarn, "guardrails limited the change", cur, c, target, reason, slog.Any("limits", notes))
	}
	if target == cur {
		p.outcome = out
		if !held && len(notes) == 0 {
			p.audit(ctx, slog.LevelInfo, "no change", cur, c, target, reason)
		}
		return nil
	}
	if err := p.check(ctx, cur, target, &lim); err != nil { // guardrails only move toward c; keep the proof
		out.Err = err
		p.outcome = out
		return err
	}
	if p.o.dryRun {
		p.outcome = out
		p.audit(ctx, slog.LevelInfo, "dry run: would change", cur, c, target, reason)
		return nil
	}
	err = p.change(ctx, s, target, reason, false)
	out.Err = err
	p.outcome = out
	return err
}

// Rollback returns the function to the last known good configuration, bypassing the step, hourly and
// dwell limits (but not validation). It returns *ApplyError when a part fails. In dry-run mode it only
// logs.
func (p *Platform) Rollback(ctx context.Context, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rollback(ctx, reason)
}

func (p *Platform) rollback(ctx context.Context, reason string) error {
	s, err := p.state(ctx)
	if err != nil {
		p.outcome = Outcome{Rollback: true, Reason: reason, DryRun: p.o.dryRun, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: rollback not attempted: reading the configuration failed",
			slog.String("function", p.fn), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	good := *p.lastGood
	out := Outcome{Requested: good, Target: good, From: s.Config, Rollback: true, Reason: reason, DryRun: p.o.dryRun}
	if s.Config == good {
		p.outcome = out
		p.audit(ctx, slog.LevelInfo, "rollback: already at last known good", s.Config, good, good, reason)
		return nil
	}
	var lim *lambdatune.Limits
	if err := p.check(ctx, s.Config, good, &lim); err != nil {
		out.Err = err
		p.outcome = out
		return err
	}
	if p.o.dryRun {
		p.outcome = out
		p.audit(ctx, slog.LevelWarn, "dry run: would roll back", s.Config, good, good, reason)
		return nil
	}
	err = p.change(ctx, s, good, reason, true)
	out.Err = err
	p.outcome = out
	return err
}
