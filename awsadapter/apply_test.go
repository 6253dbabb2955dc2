package awsadapter

import (
	"context"
	"testing"

	"github.com/lambdatune/lambdatune"
)

// TestFakeDecisionReason follows a decision's reason to the audit record of the change and to
// LastOutcome: ApplyDecision carries it, Apply has none, and a decision that went through
// AuditPolicy without reaching the platform leaves nothing behind for a later Apply.
func TestFakeDecisionReason(t *testing.T) {
	want := cfg(512, 10, unreserved, 0)
	for _, tt := range []struct {
		name       string
		run        func(ctx context.Context, p *Platform) error
		wantReason string
	}{
		{"ApplyDecision", func(ctx context.Context, p *Platform) error {
			return p.ApplyDecision(ctx, lambdatune.Decision{Config: want, Reason: "forecast 840/min"})
		}, "forecast 840/min"},
		{"Apply", func(ctx context.Context, p *Platform) error {
			return p.Apply(ctx, want)
		}, ""},
		{"a kept decision's reason does not reach a later Apply", func(ctx context.Context, p *Platform) error {
			keep := lambdatune.Fixed(cfg(256, 10, unreserved, 0)) // its reason: "fixed configuration"
			if _, err := p.AuditPolicy(keep).Decide(ctx, lambdatune.Observation{Current: cfg(256, 10, unreserved, 0)}); err != nil {
				return err
			}
			return p.Apply(ctx, want)
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{256, 10, 512})
			log := &auditLog{}
			p := f.platform(t, newFakeClock(t0), WithGuardrails(noLimits()), WithLogger(log.logger()))
			if err := tt.run(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			applied := log.records(t, "change: applied")
			if len(applied) != 1 || applied[0]["reason"] != tt.wantReason {
				t.Errorf("change records %v, want one with reason %q", applied, tt.wantReason)
			}
			if o := p.LastOutcome(); o.Reason != tt.wantReason || o.Target != want {
				t.Errorf("LastOutcome = %+v, want reason %q and target %v", o, tt.wantReason, want)
			}
		})
	}
}
