package awsadapter

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lambdatune/lambdatune"
)

// changeKind says whether execute carries out a change or a rollback: it names the audit records,
// and a failed rollback is not itself rolled back.
type changeKind string

const (
	kindChange   changeKind = "change"
	kindRollback changeKind = "rollback"
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

// execute applies target over the state s, part by part (plan), and records the change. When a
// part fails it returns *ApplyError, complete with what is in force afterwards (see recoverFrom).
func (p *Platform) execute(ctx context.Context, s State, target lambdatune.Config, reason string, kind changeKind) error {
	from := s.Config
	ps := p.plan(from, target)
	p.audit(ctx, slog.LevelInfo, string(kind)+": applying", from, target, target, reason, slog.String("parts", parts(ps)))
	applied, err := p.applyParts(ctx, ps, target)
	if err == nil {
		p.recordChange(from, target)
		p.audit(ctx, slog.LevelInfo, string(kind)+": applied", from, target, target, reason, slog.String("parts", parts(applied)))
		return nil
	}
	ae := &ApplyError{Function: p.fn, From: from, To: target, Applied: applied, Failed: ps[len(applied)], Err: err}
	if rest := ps[len(applied)+1:]; len(rest) > 0 {
		ae.NotAttempted = rest
	}
	if len(applied) > 0 {
		p.recordChange(from, target) // a partial change counts toward the budgets and the dwell time
	}
	p.recoverFrom(ctx, ae, kind == kindChange && p.o.guard.RollbackOnFailure)
	p.audit(ctx, slog.LevelError, string(kind)+": failed part-way", from, target, target, reason, failureAttrs(ae)...)
	return ae
}

// recoverFrom completes ae, a change from ae.From that failed part-way: when rollback is set and
// the function is not as it was (the failed part may have taken effect too, e.g. provisioned
// concurrency set, then FAILED), it rolls back to the last known good configuration; then it reads
// back what is in force (ae.Now) or why that is unknown (ae.NowErr).
//
// It reads and rolls back even if the caller's context is what failed, so that the report is
// complete, bounding the clean-up by the longest waits instead.
func (p *Platform) recoverFrom(ctx context.Context, ae *ApplyError, rollback bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*(p.o.updateWait+p.o.provWait))
	defer cancel()
	now, nerr := p.readState(rctx)
	if rollback {
		switch {
		case nerr != nil && len(ae.Applied) > 0:
			ae.RollbackRan, ae.RollbackTarget = true, p.lastGood
			ae.RollbackErr = fmt.Errorf("not attempted: the configuration in force could not be read: %w", nerr)
		case nerr == nil && now.Config != ae.From:
			ae.RollbackRan, ae.RollbackTarget = true, p.lastGood
			ae.RolledBack, ae.RollbackErr = p.applyParts(rctx, p.plan(now.Config, ae.RollbackTarget), ae.RollbackTarget)
			now, nerr = p.readState(rctx)
		}
	}
	if nerr != nil {
		ae.NowErr = nerr
	} else {
		ae.Now, ae.NowKnown = now.Config, true
	}
}

// recordChange notes a change for the dwell time, the hourly budgets and the rollback window.
func (p *Platform) recordChange(from, to lambdatune.Config) {
	now := p.o.now()
	p.changes = append(p.changes, change{at: now, from: from, to: to})
	p.lastChange = now
	p.watch = p.o.guard.Rollback.Window
	p.before = p.last
}
