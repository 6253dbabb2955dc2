package lambdasim

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// Invoker runs test invocations of a simulated function at a given memory size: the
// lambdatune.Invoker of the simulator, which a Power Tuning sweep (package policy) runs against.
// Each call to Invoke starts on environments that exist for it alone, so its first invocation is
// cold.
type Invoker struct {
	// Function is the function's model.
	Function Function
	// Config is the configuration the invocations run under, apart from the memory size (timeout,
	// architecture, ephemeral storage); its concurrency settings are ignored.
	Config lambdatune.Config
	// Seed seeds the draws of durations and INIT; the same seed, memory and n give the same results.
	Seed uint64
	// Prices, if set, bill the invocations (only the billed duration is reported); nil means
	// lambdatune.DefaultPrices().
	Prices *lambdatune.Prices
}

// Invoke runs n invocations at memoryMB and returns their outcomes in order. The invocations are
// spaced by the configuration's timeout plus the longest INIT (at most half the keep-alive), so
// each one starts after the previous ended and finds its environment still warm.
func (v Invoker) Invoke(ctx context.Context, memoryMB, n int) ([]lambdatune.Invocation, error) {
	if n < 1 || n > 1_000_000 {
		return nil, fmt.Errorf("lambdasim: Invoker.Invoke: n = %d, want an integer in [1, 1000000]", n)
	}
	cfg := v.Config
	cfg.MemoryMB = memoryMB
	cfg.Reserved, cfg.Provisioned = lambdatune.Reservation{}, 0
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("lambdasim: Invoker.Invoke: %w", err)
	}
	gap := min(cfg.Timeout+MaxOnDemandInit+time.Second, v.Function.keepAlive().Quantile(0.5)/2)
	gap = max(gap.Truncate(time.Millisecond), 2*time.Millisecond)
	offsets := make([]time.Duration, n)
	for i := range offsets {
		offsets[i] = time.Duration(i)*gap + time.Millisecond
	}
	arr, err := workload.TimestampArrivals(offsets)
	if err != nil {
		return nil, fmt.Errorf("lambdasim: Invoker.Invoke: %w", err)
	}
	s, err := New(Options{Interval: gap, Seed: v.Seed, Prices: v.Prices},
		Deployment{Function: v.Function, Config: cfg, Arrivals: arr})
	if err != nil {
		return nil, fmt.Errorf("lambdasim: Invoker.Invoke: %w", err)
	}
	out := make([]lambdatune.Invocation, 0, n)
	var prev lambdatune.Usage
	for range n {
		m, err := s.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("lambdasim: Invoker.Invoke: invocation %d: %w", len(out), err)
		}
		u := s.Stats(0).Usage
		billed := (u.ComputeMBms + u.InitMBms - prev.ComputeMBms - prev.InitMBms) / int64(memoryMB)
		prev = u
		if m.Invocations != 1 {
			return nil, fmt.Errorf("lambdasim: Invoker.Invoke: invocation %d did not run alone in its interval (%d ran, %d throttled)", len(out), m.Invocations, m.Throttles)
		}
		dur := msDuration(m.Duration.Max)
		inv := lambdatune.Invocation{Duration: dur, BilledMs: billed, Cold: m.ColdStarts == 1, Error: m.Errors == 1}
		if inv.Cold {
			inv.Init = max(0, msDuration(m.Latency.Max)-dur)
		}
		out = append(out, inv)
	}
	return out, nil
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
