package awsadapter

import (
	"context"
	"log/slog"

	"github.com/lambdatune/lambdatune"
)

// audit writes one audit record.
func (p *Platform) audit(ctx context.Context, level slog.Level, msg string, before, requested, after lambdatune.Config, reason string, extra ...slog.Attr) {
	attrs := append([]slog.Attr{
		slog.String("function", p.fn), slog.String("alias", p.o.alias), slog.Bool("dry_run", p.o.dryRun),
		configAttr("before", before), configAttr("requested", requested), configAttr("after", after),
		slog.String("reason", reason),
	}, extra...)
	p.o.log.LogAttrs(ctx, level, "awsadapter: "+msg, attrs...)
}

// auditEarly writes the error record of a request that ended before the configuration in force was
// known; what names what was requested, if anything.
func (p *Platform) auditEarly(ctx context.Context, msg, reason string, err error, what ...slog.Attr) {
	attrs := append([]slog.Attr{slog.String("function", p.fn)}, what...)
	attrs = append(attrs, slog.String("reason", reason), slog.String("error", err.Error()))
	p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: "+msg, attrs...)
}

// failureAttrs describes a change that failed part-way for its audit record.
func failureAttrs(ae *ApplyError) []slog.Attr {
	attrs := []slog.Attr{slog.String("applied", parts(ae.Applied)), slog.String("failed", string(ae.Failed)),
		slog.String("not_attempted", parts(ae.NotAttempted)), slog.String("error", ae.Err.Error()),
		slog.Bool("rollback_ran", ae.RollbackRan), slog.String("rolled_back", parts(ae.RolledBack)), slog.Bool("now_known", ae.NowKnown)}
	if ae.RollbackErr != nil {
		attrs = append(attrs, slog.String("rollback_error", ae.RollbackErr.Error()))
	}
	if ae.NowKnown {
		attrs = append(attrs, configAttr("now", ae.Now))
	}
	return attrs
}

func configAttr(key string, c lambdatune.Config) slog.Attr {
	return slog.Group(key,
		slog.Int("memory_mb", c.MemoryMB), slog.Float64("timeout_s", c.Timeout.Seconds()),
		slog.String("reserved", c.Reserved.String()), slog.Int("provisioned", c.Provisioned),
		slog.String("arch", string(c.Arch())), slog.Int("storage_mb", c.Storage()))
}

// AuditPolicy wraps a policy so that each decision is written to the audit log: the configuration
// in force, the one decided, and the reason. It logs every decision, those that keep the
// configuration too, which never reach Apply. Wrap the policy given to lambdatune.Tuner with it.
//
// The reason also accompanies the change the decision leads to: lambdatune.Tuner hands the whole
// Decision to ApplyDecision, with or without AuditPolicy. A loop of your own should call
// ApplyDecision too; Apply records no reason.
func (p *Platform) AuditPolicy(pol lambdatune.Policy) lambdatune.Policy {
	return lambdatune.PolicyFunc(func(ctx context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		d, err := pol.Decide(ctx, obs)
		if err != nil {
			p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: decision failed", slog.String("function", p.fn), slog.String("error", err.Error()))
			return d, err
		}
		p.audit(ctx, slog.LevelInfo, "decision", obs.Current, d.Config, d.Config, d.Reason, slog.Time("for", obs.Time))
		return d, nil
	})
}
