package lambdasim

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lambdatune/lambdatune"
)

// TestInvokerSeries runs a deterministic function: the first invocation is cold and billed INIT and
// duration rounded up together, the others warm; memory speeds up the CPU-bound part.
func TestInvokerSeries(t *testing.T) {
	fn := Function{
		Duration: CPUModel{CPUTime: 177 * time.Millisecond, Parallelism: 2, IOTime: 20*time.Millisecond + 300*time.Microsecond},
		Init:     Constant(250*time.Millisecond + 400*time.Microsecond),
	}
	v := Invoker{Function: fn, Config: lambdatune.DefaultConfig(), Seed: 1}
	tests := []struct {
		memory int
		dur    time.Duration // CPUTime × 1769/memory + IOTime
	}{
		{1769, 197300 * time.Microsecond},
		{3538, 108800 * time.Microsecond},
	}
	for _, tt := range tests {
		got, err := v.Invoke(context.Background(), tt.memory, 4)
		if err != nil {
			t.Fatal(err)
		}
		warm := int64((tt.dur + time.Millisecond - 1) / time.Millisecond)
		cold := int64((tt.dur + 250400*time.Microsecond + time.Millisecond - 1) / time.Millisecond)
		want := []lambdatune.Invocation{
			{Duration: tt.dur, Init: 250400 * time.Microsecond, BilledMs: cold, Cold: true},
			{Duration: tt.dur, BilledMs: warm}, {Duration: tt.dur, BilledMs: warm}, {Duration: tt.dur, BilledMs: warm},
		}
		approx := cmp.Comparer(func(a, b time.Duration) bool { d := a - b; return d < time.Microsecond && d > -time.Microsecond })
		if diff := cmp.Diff(want, got, approx); diff != "" {
			t.Errorf("memory %d (-want +got):\n%s", tt.memory, diff)
		}
	}
	if _, err := v.Invoke(context.Background(), 100, 3); err == nil {
		t.Error("memory 100 MB accepted")
	}
	if _, err := v.Invoke(context.Background(), 512, 0); err == nil {
		t.Error("n = 0 accepted")
	}
}

// TestInvokerTimeout reports a timeout as an error billed up to the timeout; the environment is
// reset, so the next invocation is cold again.
func TestInvokerTimeout(t *testing.T) {
	fn := Function{Duration: Flat{Dist: Constant(1500 * time.Millisecond)}, Init: Constant(100 * time.Millisecond)}
	v := Invoker{Function: fn, Config: lambdatune.DefaultConfig(), Seed: 1}
	v.Config.Timeout = time.Second
	got, err := v.Invoke(context.Background(), 128, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, inv := range got {
		if !inv.Error || !inv.Cold || inv.BilledMs != 1100 {
			t.Errorf("invocation %d: %+v, want a cold error billed 1100 ms (INIT + the timeout)", i, inv)
		}
	}
}

var _ lambdatune.Invoker = Invoker{}
