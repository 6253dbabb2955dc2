package awsadapter

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lambdatune/lambdatune"
)

// plan returns the parts that differ between cur and want, in a safe order.
func (p *Platform) plan(cur, want lambdatune.Config) []Part {
	var ps []Part
	if cur.MemoryMB != want.MemoryMB || cur.Timeout != want.Timeout || cur.Storage() != want.Storage() {
		ps = append(ps, PartFunctionConfig)
		if p.o.alias != "" {
			ps = append(ps, PartAlias)
		}
	}
	res, prov := cur.Reserved != want.Reserved, cur.Provisioned != want.Provisioned
	switch {
	case prov && want.Provisioned < cur.Provisioned:
		ps = append(ps, PartProvisioned)
		if res {
			ps = append(ps, PartReserved)
		}
	default:
		if res {
			ps = append(ps, PartReserved)
		}
		if prov {
			ps = append(ps, PartProvisioned)
		}
	}
	return ps
}

// change applies target over the state s, reporting and (if configured) rolling back a failure.
func (p *Platform) change(ctx context.Context, s State, target lambdatune.Config, reason string, isRollback bool) error {
	from := s.Config
	ps := p.plan(from, target)
	kind := "change"
	if isRollback {
		kind = "rollback"
	}
	p.audit(ctx, slog.LevelInfo, kind+": applying", from, target, target, reason, slog.String("parts", parts(ps)))
	applied, err := p.applyParts(ctx, ps, target)
	if err == nil {
		p.recordChange(from, target)
		p.audit(ctx, slog.LevelInfo, kind+": applied", from, target, target, reason, slog.String("parts", parts(applied)))
		return nil
	}
	ae := &ApplyError{Function: p.fn, From: from, To: target, Applied: applied, Failed: ps[len(applied)], Err: err}
	if rest := ps[len(applied)+1:]; len(rest) > 0 {
		ae.NotAttempted = rest
	}
	if len(applied) > 0 {
		p.recordChange(from, target) // a partial change counts toward the budgets and the dwell time
	}
	// Read back what is in force now (and roll back) even if the caller's context is what failed,
	// so that the report is complete; bound the clean-up by the longest waits instead.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*(p.o.updateWait+p.o.provWait))
	defer cancel()
	now, nerr := p.state(rctx)
	if !isRollback && p.o.guard.RollbackOnFailure {
		// The failed part may have taken effect too (e.g. provisioned concurrency set, then FAILED):
		// roll back whenever the function is not as it was.
		switch {
		case nerr != nil && len(applied) > 0:
			ae.RollbackRan, ae.RollbackTarget = true, *p.lastGood
			ae.RollbackErr = fmt.Errorf("not attempted: the configuration in force could not be read: %w", nerr)
		case nerr == nil && now.Config != from:
			ae.RollbackRan, ae.RollbackTarget = true, *p.lastGood
			ae.RolledBack, ae.RollbackErr = p.applyParts(rctx, p.plan(now.Config, ae.RollbackTarget), ae.RollbackTarget)
			now, nerr = p.state(rctx)
		}
	}
	if nerr != nil {
		ae.NowErr = nerr
	} else {
		ae.Now, ae.NowKnown = now.Config, true
	}
	attrs := []slog.Attr{slog.String("applied", parts(ae.Applied)), slog.String("failed", string(ae.Failed)),
		slog.String("not_attempted", parts(ae.NotAttempted)), slog.String("error", err.Error()),
		slog.Bool("rollback_ran", ae.RollbackRan), slog.String("rolled_back", parts(ae.RolledBack)), slog.Bool("now_known", ae.NowKnown)}
	if ae.RollbackErr != nil {
		attrs = append(attrs, slog.String("rollback_error", ae.RollbackErr.Error()))
	}
	if ae.NowKnown {
		attrs = append(attrs, configAttr("now", ae.Now))
	}
	p.audit(ctx, slog.LevelError, kind+": failed part-way", from, target, target, reason, attrs...)
	return ae
}

// recordChange notes a change for the dwell time, the hourly budgets and the rollback window.
func (p *Platform) recordChange(from, to lambdatune.Config) {
	now := p.o.now()
	p.changes = append(p.changes, change{at: now, from: from, to: to})
	p.lastChange = now
	p.watch = p.o.guard.Rollback.Window
	p.before = p.last
}
