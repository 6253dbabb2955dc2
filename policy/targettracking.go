package policy

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// Statistic is the CloudWatch statistic of ProvisionedConcurrencyUtilization that a target tracking
// alarm reads.
type Statistic string

// The statistics target tracking can use.
const (
	// Average is what the predefined metric LambdaProvisionedConcurrencyUtilization uses.
	Average Statistic = "Average"
	// Maximum needs a customized metric specification; AWS advocates suggest it for bursty load.
	Maximum Statistic = "Maximum"
)

// TargetTracking is Application Auto Scaling's target tracking on a function's provisioned
// concurrency (scalable dimension lambda:function:ProvisionedConcurrency), as AWS runs it
// (docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html and the Application Auto
// Scaling guide): two CloudWatch alarms on the one-minute ProvisionedConcurrencyUtilization,
//
//   - scale out when ScaleOutPoints consecutive datapoints are above Target,
//   - scale in when ScaleInPoints consecutive datapoints are below ScaleInRatio × Target,
//
// each time to ceil(capacity × utilization / Target) within [MinCapacity, MaxCapacity], where
// capacity is the provisioned concurrency allocated (what the utilization is measured against, so
// capacity still being allocated is not asked for twice) and utilization the latest datapoint. As
// in Application Auto Scaling an alarm that stays in ALARM acts again every minute; a scale-out
// cooldown does not stop a larger scale-out but holds scale-in back, a scale-in cooldown holds the
// next scale-in back. Without provisioned concurrency there is no utilization datapoint and
// nothing scales, which is why MinCapacity is at least 1 by default. The platform applies its own
// allocation delay (1–2 minutes on AWS).
//
// The Average statistic is computed from the interval's metrics by Little's law — provisioned
// invocations × mean duration / (interval × allocated capacity) — so it needs nothing beyond
// lambdatune.Metrics and is the same on every platform; Maximum is Metrics.ProvisionedUtilization.
//
// Memory is set once (MemoryMB, from a Power Tuning sweep: "Power Tuning + target tracking" is
// what a careful AWS user runs today); the rest of the configuration is kept.
type TargetTracking struct {
	// Target is the utilization to hold, in (0, 1] (AWS's example 0.7).
	Target float64
	// Statistic is Average (the predefined metric) or Maximum.
	Statistic Statistic
	// MinCapacity and MaxCapacity bound the provisioned concurrency (the scalable target's bounds).
	MinCapacity, MaxCapacity int
	// ScaleOutCooldown and ScaleInCooldown are Application Auto Scaling's cooldowns (0 by default for
	// Lambda).
	ScaleOutCooldown, ScaleInCooldown time.Duration
	// ScaleOutPoints and ScaleInPoints are how many consecutive one-minute datapoints the alarms need
	// (3 and 15).
	ScaleOutPoints, ScaleInPoints int
	// ScaleInRatio places the scale-in alarm's threshold at ScaleInRatio × Target (0.9).
	ScaleInRatio float64
	// MemoryMB is the memory size to run at; 0 keeps the current one.
	MemoryMB int
}

// DefaultTargetTracking returns target tracking as AWS documents it for Lambda: target 0.7 on the
// Average statistic, 3 points above to scale out, 15 below 0.9 × target to scale in, no cooldowns,
// capacity between 1 and 100.
func DefaultTargetTracking() TargetTracking {
	return TargetTracking{Target: 0.7, Statistic: Average, MinCapacity: 1, MaxCapacity: 100,
		ScaleOutPoints: 3, ScaleInPoints: 15, ScaleInRatio: 0.9}
}

// Validate reports an error naming the field when the policy cannot run.
func (tt TargetTracking) Validate() error {
	switch {
	case !(tt.Target > 0 && tt.Target <= 1):
		return fmt.Errorf("policy: TargetTracking.Target = %v, want a number in (0, 1]", tt.Target)
	case tt.Statistic != Average && tt.Statistic != Maximum:
		return fmt.Errorf("policy: TargetTracking.Statistic = %q, want %q or %q", tt.Statistic, Average, Maximum)
	case tt.MinCapacity < 0 || tt.MaxCapacity < tt.MinCapacity || tt.MaxCapacity > lambdatune.DefaultAccountConcurrency*1000:
		return fmt.Errorf("policy: TargetTracking.MinCapacity, MaxCapacity = %d, %d, want 0 <= min <= max <= %d", tt.MinCapacity, tt.MaxCapacity, lambdatune.DefaultAccountConcurrency*1000)
	case tt.ScaleOutCooldown < 0 || tt.ScaleInCooldown < 0:
		return fmt.Errorf("policy: TargetTracking cooldowns = %v, %v, want >= 0", tt.ScaleOutCooldown, tt.ScaleInCooldown)
	case tt.ScaleOutPoints < 1 || tt.ScaleInPoints < 1 || tt.ScaleOutPoints > 1440 || tt.ScaleInPoints > 1440:
		return fmt.Errorf("policy: TargetTracking.ScaleOutPoints, ScaleInPoints = %d, %d, want integers in [1, 1440]", tt.ScaleOutPoints, tt.ScaleInPoints)
	case !(tt.ScaleInRatio > 0 && tt.ScaleInRatio <= 1):
		return fmt.Errorf("policy: TargetTracking.ScaleInRatio = %v, want a number in (0, 1]", tt.ScaleInRatio)
	case tt.MemoryMB != 0 && (tt.MemoryMB < lambdatune.MinMemoryMB || tt.MemoryMB > lambdatune.MaxMemoryMB):
		return fmt.Errorf("policy: TargetTracking.MemoryMB = %d, want 0 or an integer in [%d, %d]", tt.MemoryMB, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
	}
	return nil
}

// NewTargetTracking returns the policy. It keeps the alarms' cooldown state, so one policy serves
// one function in one tuner.
func NewTargetTracking(tt TargetTracking) (lambdatune.Policy, error) {
	if err := tt.Validate(); err != nil {
		return nil, err
	}
	return &targetTracker{TargetTracking: tt}, nil
}

type targetTracker struct {
	TargetTracking
	lastOut, lastIn time.Time // when the last scale-out and scale-in happened
	outSeen, inSeen bool
}

// Decide evaluates the two alarms on the history and scales the provisioned concurrency.
func (p *targetTracker) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	c := obs.Current
	if p.MemoryMB != 0 {
		c.MemoryMB = p.MemoryMB
	}
	cur := c.Provisioned
	c.Provisioned = min(max(cur, p.MinCapacity), p.MaxCapacity) // the scalable target's bounds
	reason := "target tracking: no alarm"
	h := obs.History
	if len(h) == 0 {
		return lambdatune.Decision{Config: c, Reason: reason}, nil
	}
	last := &h[len(h)-1]
	util, ok := p.utilization(last)
	high := ok && p.breached(h, p.ScaleOutPoints, func(u float64) bool { return u > p.Target })
	low := ok && p.breached(h, p.ScaleInPoints, func(u float64) bool { return u < p.ScaleInRatio*p.Target })
	if !high && !low {
		return lambdatune.Decision{Config: c, Reason: reason}, nil
	}
	desired := int(math.Ceil(float64(last.Config.Provisioned)*util/p.Target - 1e-9))
	desired = min(max(desired, p.MinCapacity), p.MaxCapacity)
	now := obs.Time
	inCooldown := func(seen bool, at time.Time, d time.Duration) bool { return seen && now.Before(at.Add(d)) }
	switch {
	case high && desired > c.Provisioned:
		c.Provisioned = desired
		p.lastOut, p.outSeen = now, true
		reason = fmt.Sprintf("target tracking: utilization %.2f > %.2f for %d min: scale out to %d", util, p.Target, p.ScaleOutPoints, desired)
	case low && desired < c.Provisioned:
		if inCooldown(p.outSeen, p.lastOut, p.ScaleOutCooldown) || inCooldown(p.inSeen, p.lastIn, p.ScaleInCooldown) {
			reason = "target tracking: scale-in held by a cooldown"
			break
		}
		c.Provisioned = desired
		p.lastIn, p.inSeen = now, true
		reason = fmt.Sprintf("target tracking: utilization %.2f < %.2f for %d min: scale in to %d", util, p.ScaleInRatio*p.Target, p.ScaleInPoints, desired)
	}
	return lambdatune.Decision{Config: c, Reason: reason}, nil
}

// breached reports whether the last n intervals all have a datapoint satisfying cond.
func (p *targetTracker) breached(h []lambdatune.Metrics, n int, cond func(float64) bool) bool {
	if len(h) < n {
		return false
	}
	for i := len(h) - n; i < len(h); i++ {
		u, ok := p.utilization(&h[i])
		if !ok || !cond(u) {
			return false
		}
	}
	return true
}

// utilization returns the interval's ProvisionedConcurrencyUtilization datapoint under the
// statistic, or false when no provisioned concurrency was allocated (no datapoint).
func (p *targetTracker) utilization(m *lambdatune.Metrics) (float64, bool) {
	alloc := m.Config.Provisioned
	if alloc <= 0 || m.Period <= 0 {
		return 0, false
	}
	if p.Statistic == Maximum {
		return m.ProvisionedUtilization, true
	}
	busy := float64(m.ProvisionedInvocations) * m.Duration.Mean / float64(m.Period.Milliseconds())
	return min(busy/float64(alloc), 1), true
}
