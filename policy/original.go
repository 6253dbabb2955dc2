package policy

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
)

// OriginalActions is the size of the original project's action table: memory {128, 256, 512, 1024}
// MB × timeout {3, 5, 10} s × concurrency {1, 2, 3} (github.com/minkoaung89/ai-serverless-tuning).
const OriginalActions = 36

// OriginalConfig maps action a of the original project's Discrete(36) table onto a real
// configuration: memory = {128, 256, 512, 1024}[a/9] MB, timeout = {3, 5, 10}[(a/3) mod 3] s, and
// its "concurrency" {1, 2, 3}[a mod 3], which in its formulas costs money in proportion and lowers
// latency, as provisioned concurrency does. The rest of base is kept.
func OriginalConfig(a int, base lambdatune.Config) (lambdatune.Config, error) {
	if a < 0 || a >= OriginalActions {
		return lambdatune.Config{}, fmt.Errorf("policy: original action %d, want an integer in [0, %d)", a, OriginalActions)
	}
	memory := [...]int{128, 256, 512, 1024}
	timeout := [...]time.Duration{3 * time.Second, 5 * time.Second, 10 * time.Second}
	concurrency := [...]int{1, 2, 3}
	base.MemoryMB = memory[a/9]
	base.Timeout = timeout[(a/3)%3]
	base.Provisioned = concurrency[a%3]
	return base, nil
}

// OriginalRule returns the original project's threshold rule ("ML-only"): action 15 (256 MB, 10 s,
// concurrency 1) when f > 0.75, action 10 (256 MB, 3 s, 2) when f > 0.5, else action 0 (128 MB, 3 s,
// 1), with f the forecast over its largest value, mapped by OriginalConfig. The original divided by
// the largest forecast of the whole episode, which is not known online; this rule divides by the
// largest forecast seen so far (kept by the policy: one OriginalRule serves one tuner). Without a
// forecast it keeps the configuration.
func OriginalRule() lambdatune.Policy {
	var peak float64
	return lambdatune.PolicyFunc(func(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		if len(obs.Forecast) == 0 {
			return lambdatune.Decision{Config: obs.Current, Reason: "original rule: no forecast yet"}, nil
		}
		fc := max(obs.Forecast[0], 0)
		peak = max(peak, fc)
		f := 0.0
		if peak > 0 {
			f = fc / peak
		}
		a := 0
		switch {
		case f > 0.75:
			a = 15
		case f > 0.5:
			a = 10
		}
		c, err := OriginalConfig(a, obs.Current)
		return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("original rule: f = %.2f: action %d", f, a)}, err
	})
}
