package lambdasim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

type distKind uint8

const (
	distNone distKind = iota
	distConstant
	distExponential
	distLogNormal
	distUniform
)

// Dist is a distribution of durations: INIT times, service times, keep-alive periods, allocation
// delays. Build one with Constant, Exponential, LogNormal, LogNormalMean or Uniform. The zero value
// means "not set" (a field's documented default applies). Sampling a Dist allocates nothing.
type Dist struct {
	kind distKind
	// Parameters in nanoseconds (float64): constant a; exponential mean a; lognormal mu a and sigma b
	// of the natural log of the value in ns; uniform [a, b).
	a, b float64
}

// Constant returns the distribution that is always d.
func Constant(d time.Duration) Dist { return Dist{kind: distConstant, a: float64(d)} }

// Exponential returns the exponential distribution with the given mean (the memoryless service time
// of queueing models such as SimFaaS).
func Exponential(mean time.Duration) Dist { return Dist{kind: distExponential, a: float64(mean)} }

// LogNormal returns the lognormal distribution with the given median and sigma, the standard
// deviation of the natural logarithm (0.1 ≈ ±10 % spread, 0.5 a heavy tail). Lambda durations
// and INIT times are well described by lognormals (e.g. Eismann et al., "Serverless applications:
// why, when, and how?", IEEE Software 2021; Wang et al., "Peeking behind the curtains of serverless
// platforms", ATC'18).
func LogNormal(median time.Duration, sigma float64) Dist {
	return Dist{kind: distLogNormal, a: math.Log(float64(median)), b: sigma}
}

// LogNormalMean returns the lognormal distribution with the given mean and log-sigma, so that the
// spread does not move the mean.
func LogNormalMean(mean time.Duration, sigma float64) Dist {
	return Dist{kind: distLogNormal, a: math.Log(float64(mean)) - sigma*sigma/2, b: sigma}
}

// Uniform returns the uniform distribution on [lo, hi).
func Uniform(lo, hi time.Duration) Dist {
	return Dist{kind: distUniform, a: float64(lo), b: float64(hi)}
}

// IsZero reports whether d is the zero value (not set).
func (d Dist) IsZero() bool { return d.kind == distNone }

// IsConstant reports whether d always returns the same value.
func (d Dist) IsConstant() bool {
	return d.kind == distConstant || (d.kind == distUniform && d.a == d.b) || (d.kind == distLogNormal && d.b == 0)
}

// Mean returns the distribution's mean (0 for the zero value).
func (d Dist) Mean() time.Duration {
	switch d.kind {
	case distConstant, distExponential:
		return time.Duration(d.a)
	case distLogNormal:
		return time.Duration(math.Exp(d.a + d.b*d.b/2))
	case distUniform:
		return time.Duration((d.a + d.b) / 2)
	}
	return 0
}

// Quantile returns the q-quantile (0 < q < 1) in closed form (0 for the zero value): what an
// analytical model needs for duration percentiles.
func (d Dist) Quantile(q float64) time.Duration {
	if math.IsNaN(q) {
		return 0
	}
	q = math.Min(math.Max(q, 0), 1)
	switch d.kind {
	case distConstant:
		return time.Duration(d.a)
	case distExponential:
		if q == 1 {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(-d.a * math.Log1p(-q))
	case distLogNormal:
		return time.Duration(math.Min(math.Exp(d.a+d.b*math.Sqrt2*math.Erfinv(2*q-1)), math.MaxInt64))
	case distUniform:
		return time.Duration(d.a + q*(d.b-d.a))
	}
	return 0
}

// Scale returns the distribution of f × X for X ~ d (f > 0): a faster or slower variant.
func (d Dist) Scale(f float64) Dist {
	switch d.kind {
	case distConstant, distExponential:
		d.a *= f
	case distLogNormal:
		d.a += math.Log(f)
	case distUniform:
		d.a *= f
		d.b *= f
	}
	return d
}

// Sample draws one value, in nanoseconds, from r. It returns 0 for the zero value.
func (d Dist) Sample(r *rand.Rand) time.Duration { return time.Duration(d.sample(r)) }

// sample draws one value in nanoseconds; it is the hot-path form of Sample.
func (d *Dist) sample(r *rand.Rand) int64 {
	switch d.kind {
	case distConstant:
		return int64(d.a)
	case distExponential:
		return int64(d.a * r.ExpFloat64())
	case distLogNormal:
		return int64(math.Exp(d.a + d.b*r.NormFloat64()))
	case distUniform:
		return int64(d.a + (d.b-d.a)*r.Float64())
	}
	return 0
}

// Validate reports an error naming field when d cannot be sampled: negative or non-finite
// parameters, or (with positive set) a distribution that can return 0.
func (d Dist) Validate(field string, positive bool) error {
	bad := func(want string) error {
		return fmt.Errorf("lambdasim: %s = %v, want %s", field, d, want)
	}
	finite := !math.IsNaN(d.a) && !math.IsInf(d.a, 0) && !math.IsNaN(d.b) && !math.IsInf(d.b, 0)
	if !finite {
		return bad("finite parameters")
	}
	switch d.kind {
	case distNone:
		return bad("a distribution (Constant, Exponential, LogNormal, LogNormalMean or Uniform)")
	case distConstant:
		if d.a < 0 || (positive && d.a <= 0) {
			return bad(map[bool]string{false: "a value >= 0", true: "a value > 0"}[positive])
		}
	case distExponential:
		if d.a <= 0 {
			return bad("a mean > 0")
		}
	case distLogNormal:
		if d.b < 0 {
			return bad("sigma >= 0")
		}
	case distUniform:
		if d.a < 0 || d.b < d.a || (positive && d.a <= 0) {
			return bad(map[bool]string{false: "0 <= lo <= hi", true: "0 < lo <= hi"}[positive])
		}
	}
	return nil
}

// String describes the distribution, e.g. "Exponential(mean 1.991s)".
func (d Dist) String() string {
	switch d.kind {
	case distConstant:
		return fmt.Sprintf("Constant(%v)", time.Duration(d.a))
	case distExponential:
		return fmt.Sprintf("Exponential(mean %v)", time.Duration(d.a))
	case distLogNormal:
		return fmt.Sprintf("LogNormal(median %v, sigma %g)", time.Duration(math.Exp(d.a)), d.b)
	case distUniform:
		return fmt.Sprintf("Uniform(%v, %v)", time.Duration(d.a), time.Duration(d.b))
	}
	return "unset"
}
