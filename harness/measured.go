package harness

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
)

// DefaultSpread is the lognormal log-sigma of a measured profile's duration when no percentiles were
// measured (the standard profiles use 0.2–0.3).
const DefaultSpread = 0.25

// DefaultCPUFraction is the share of a measured function's duration a measured profile takes as
// CPU-bound when nothing says how the duration changes with memory: half, between a pure I/O
// handler (memory changes nothing) and pure computation (duration halves with each doubling of
// memory up to one vCPU). It decides what power-tuned, target-tracking and predictive replay at
// memory sizes never measured; measure the curve (Measurement.MemoryCurve) to replace it.
const DefaultCPUFraction = 0.5

// z99 is the standard normal quantile of 0.99: a lognormal's p99 / p50 = exp(z99 × sigma).
const z99 = 2.326347874040841

// Measurement is what was measured of a function in production — from CloudWatch and its logs
// (awsadapter.History) or a trace — and turned into a Profile by MeasuredProfile.
type Measurement struct {
	// Name labels the profile.
	Name string
	// Config is the configuration in force while the function was measured: the profile's starting
	// configuration, which the static strategy keeps ("the current configuration").
	Config lambdatune.Config
	// SLO is the latency bound each request is held to (> 0).
	SLO time.Duration
	// MeanDuration is the measured mean duration at Config (INIT excluded, as CloudWatch's Duration);
	// required.
	MeanDuration time.Duration
	// P50 and P99, when both are set, give the duration's spread: a lognormal with log-sigma
	// ln(P99/P50) / 2.326. Without them the spread is DefaultSpread.
	P50, P99 time.Duration
	// ErrorRate is the share of invocations that failed, in [0, 1]: the profile's function fails at
	// that rate under every configuration (errors count as SLO violations; timeouts the configuration
	// causes are the simulator's own and come on top).
	ErrorRate float64
	// InitP50 and InitP99 (or InitMean alone), when set, are the measured INIT durations of cold
	// starts (REPORT lines' Init Duration): a lognormal through P50 and P99, or of mean InitMean and
	// log-sigma DefaultSpread. Without them the INIT is the Runtime's preset.
	InitP50, InitP99, InitMean time.Duration
	// Runtime is the runtime family for the INIT preset; empty means python.
	Runtime lambdasim.Runtime
	// CPUFraction is the share of MeanDuration that is single-threaded CPU work at Config's memory, in
	// [0, 1] (see DefaultCPUFraction, which a zero value does NOT mean: 0 is pure I/O). It is ignored
	// when MemoryCurve is set.
	CPUFraction float64
	// MemoryCurve, when set, is a measured mean duration per memory size (a Power Tuning sweep on the
	// function): the profile follows its shape, scaled so that its mean at Config's memory is
	// MeanDuration (production payloads may differ from the sweep's).
	MemoryCurve []lambdasim.MemoryDuration
}

// Validate reports an error naming each field that cannot make a profile, with its allowed range.
func (m Measurement) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("harness: Measurement.%s = %v, want %s", field, v, want))
	}
	if err := m.Config.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("harness: Measurement.Config: %w", err))
	}
	if m.SLO <= 0 || m.SLO > lambdatune.MaxTimeout {
		bad("SLO", m.SLO, fmt.Sprintf("a duration in (0, %v]", lambdatune.MaxTimeout))
	}
	if m.MeanDuration <= 0 || m.MeanDuration > lambdatune.MaxTimeout {
		bad("MeanDuration", m.MeanDuration, fmt.Sprintf("a duration in (0, %v]", lambdatune.MaxTimeout))
	}
	if (m.P50 == 0) != (m.P99 == 0) || m.P50 < 0 || m.P99 < m.P50 || m.P99 > lambdatune.MaxTimeout {
		bad("P50/P99", fmt.Sprintf("%v/%v", m.P50, m.P99), fmt.Sprintf("both 0, or 0 < P50 <= P99 <= %v", lambdatune.MaxTimeout))
	}
	if !(m.ErrorRate >= 0 && m.ErrorRate <= 1) {
		bad("ErrorRate", m.ErrorRate, "a share in [0, 1]")
	}
	if (m.InitP50 == 0) != (m.InitP99 == 0) || m.InitP50 < 0 || m.InitP99 < m.InitP50 || m.InitP99 > lambdatune.MaxTimeout {
		bad("InitP50/InitP99", fmt.Sprintf("%v/%v", m.InitP50, m.InitP99), fmt.Sprintf("both 0, or 0 < InitP50 <= InitP99 <= %v", lambdatune.MaxTimeout))
	}
	if m.InitMean < 0 || m.InitMean > lambdatune.MaxTimeout {
		bad("InitMean", m.InitMean, fmt.Sprintf("0 (not measured) or a duration in (0, %v]", lambdatune.MaxTimeout))
	}
	if len(m.MemoryCurve) == 0 && !(m.CPUFraction >= 0 && m.CPUFraction <= 1) {
		bad("CPUFraction", m.CPUFraction, "a share in [0, 1]")
	}
	if m.Runtime != "" {
		if _, err := m.Runtime.Init(); err != nil {
			errs = append(errs, fmt.Errorf("harness: Measurement.Runtime: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Spread returns the duration's lognormal log-sigma: from P50 and P99 when measured, else
// DefaultSpread.
func (m Measurement) Spread() float64 {
	if m.P50 > 0 && m.P99 > 0 {
		return math.Log(float64(m.P99)/float64(m.P50)) / z99
	}
	return DefaultSpread
}

// MeasuredProfile returns the profile of a measured function: a lambdasim.Function whose mean
// duration at m.Config is m.MeanDuration, with the measured spread, error rate and INIT, held to m.SLO,
// starting (and, for the static strategy, staying) at m.Config.
//
// How the duration changes with memory cannot be measured at one memory size, so it is assumed:
// with MemoryCurve, the measured curve's shape (lambdasim.Measured, interpolated in 1/memory);
// otherwise a CPUModel where CPUFraction of the duration is single-threaded computation, which
// speeds up in proportion to the CPU share up to one vCPU (1,769 MB), and the rest waiting that
// memory does not change. The assumption decides what every strategy that changes memory replays;
// reports should state it.
func MeasuredProfile(m Measurement) (Profile, error) {
	if err := m.Validate(); err != nil {
		return Profile{}, err
	}
	spread := m.Spread()
	fn := lambdasim.Function{Name: m.Name, Runtime: m.Runtime, ErrorRate: m.ErrorRate}
	if fn.Runtime == "" {
		fn.Runtime = lambdasim.RuntimePython
	}
	switch {
	case m.InitP50 > 0:
		fn.Init = lambdasim.LogNormal(m.InitP50, math.Log(float64(m.InitP99)/float64(m.InitP50))/z99)
	case m.InitMean > 0:
		fn.Init = lambdasim.LogNormalMean(m.InitMean, DefaultSpread)
	}
	if len(m.MemoryCurve) > 0 {
		curve := lambdasim.Measured{Points: m.MemoryCurve}
		at, err := curve.Mean(m.Config.MemoryMB, lambdatune.X86_64)
		if err != nil {
			return Profile{}, fmt.Errorf("harness: Measurement.MemoryCurve: %w", err)
		}
		k := float64(m.MeanDuration) / float64(at)
		pts := make([]lambdasim.MemoryDuration, len(m.MemoryCurve))
		for i, p := range m.MemoryCurve {
			pts[i] = lambdasim.MemoryDuration{MemoryMB: p.MemoryMB, Mean: time.Duration(float64(p.Mean) * k)}
		}
		fn.Duration = lambdasim.Measured{Points: pts, Spread: spread}
	} else {
		mean := float64(m.MeanDuration)
		cpuAt := min(lambdasim.VCPUs(m.Config.MemoryMB), 1)
		fn.Duration = lambdasim.CPUModel{CPUTime: time.Duration(m.CPUFraction * mean * cpuAt), Parallelism: 1,
			IOTime: time.Duration((1 - m.CPUFraction) * mean), Spread: spread}
	}
	if err := fn.Validate(); err != nil {
		return Profile{}, fmt.Errorf("harness: measured profile %q: %w", m.Name, err)
	}
	return Profile{Name: m.Name, Function: fn, SLO: m.SLO, Config: m.Config}, nil
}
