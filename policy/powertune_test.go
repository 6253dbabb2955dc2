package policy

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
)

// billed returns warm invocations billed ms each, the first one cold.
func billed(ms ...int64) []lambdatune.Invocation {
	out := make([]lambdatune.Invocation, len(ms))
	for i, b := range ms {
		out[i] = lambdatune.Invocation{BilledMs: b, Cold: i == 0}
	}
	return out
}

// x86Price is the price of ms milliseconds at mem MB on x86_64: $0.0000166667 per GB-s.
func x86Price(ms, mem int64) float64 { return float64(ms*mem) / 1024 / 1000 * 0.0000166667 }

// TestPowerTuningHandWorked follows one sweep by hand. Five invocations per size, 20 % discarded:
// one at each end.
//
//	128 MB: 1000 400 410 390 405 -> 400 405 410: mean 405,     price of 405 ms × 128 = 51,840 MB·ms
//	256 MB:  600 200 205 195 200 -> 200 200 205: mean 201.67,  price of 202 ms × 256 = 51,712 MB·ms
//	512 MB:  300 101 100  99 100 -> 100 100 101: mean 100.33,  price of 101 ms × 512 = 51,712 MB·ms
//
// cost: 256 and 512 tie on price; the faster, 512, wins. speed: 512. balanced (0.5):
// 128 → 1, 256 → 0.4988 + 0.2490 = 0.7477, 512 → 0.4988 + 0.1239 = 0.6226: 512. balanced with
// weight 1 (cost only): 256 and 512 tie and the one listed first, 256, wins.
func TestPowerTuningHandWorked(t *testing.T) {
	results := [][]lambdatune.Invocation{
		billed(1000, 400, 410, 390, 405),
		billed(600, 200, 205, 195, 200),
		billed(300, 101, 100, 99, 100),
	}
	stats := []PowerStats{
		{MemoryMB: 128, AverageDuration: 405, AveragePrice: x86Price(405, 128), TotalCost: x86Price(2605, 128)},
		{MemoryMB: 256, AverageDuration: 605.0 / 3, AveragePrice: x86Price(202, 256), TotalCost: x86Price(1400, 256)},
		{MemoryMB: 512, AverageDuration: 301.0 / 3, AveragePrice: x86Price(101, 512), TotalCost: x86Price(700, 512)},
	}
	tests := []struct {
		strategy PowerStrategy
		weight   float64
		want     int
	}{
		{PowerCost, 0.5, 512},
		{PowerSpeed, 0.5, 512},
		{PowerBalanced, 0.5, 512},
		{PowerBalanced, 1, 256},
		{PowerBalanced, 0, 512},
	}
	approx := cmpopts.EquateApprox(1e-12, 0)
	for _, tt := range tests {
		p := PowerTuning{PowerValues: []int{128, 256, 512}, Num: 5, DiscardTopBottom: 0.2, Strategy: tt.strategy, BalancedWeight: tt.weight}
		r, err := p.Analyze(results)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stats, r.Stats, approx); diff != "" {
			t.Errorf("%s: stats (-want +got):\n%s", tt.strategy, diff)
		}
		if r.Best.MemoryMB != tt.want {
			t.Errorf("%s (weight %v): picked %d MB, want %d", tt.strategy, tt.weight, r.Best.MemoryMB, tt.want)
		}
	}
}

// TestPowerTuningTies: an I/O-bound function runs as fast at every size. speed breaks the tie by
// cost (the smaller size, wherever it is listed). Cost ties broken by speed, and balanced ties by
// the order listed, are in TestPowerTuningHandWorked.
func TestPowerTuningTies(t *testing.T) {
	flat := billed(90, 50, 50, 50, 50)
	tests := []struct {
		name     string
		values   []int
		strategy PowerStrategy
		want     int
	}{
		{"speed tie goes to the cheaper", []int{1536, 1024}, PowerSpeed, 1024},
		{"cost picks the smallest", []int{1536, 1024}, PowerCost, 1024},
	}
	for _, tt := range tests {
		p := DefaultPowerTuning()
		p.PowerValues, p.Num, p.Strategy = tt.values, 5, tt.strategy
		r, err := p.Analyze([][]lambdatune.Invocation{flat, flat})
		if err != nil {
			t.Fatal(err)
		}
		if r.Best.MemoryMB != tt.want {
			t.Errorf("%s: picked %d, want %d", tt.name, r.Best.MemoryMB, tt.want)
		}
	}
}

func TestPowerTuningErrors(t *testing.T) {
	ok := DefaultPowerTuning()
	tests := []struct {
		name string
		edit func(*PowerTuning)
		res  [][]lambdatune.Invocation
		want string
	}{
		{"no sizes", func(p *PowerTuning) { p.PowerValues = nil }, nil, "PowerValues is empty"},
		{"size too small", func(p *PowerTuning) { p.PowerValues = []int{64} }, nil, "PowerValues[0] = 64"},
		{"num too small", func(p *PowerTuning) { p.Num = 4 }, nil, "Num = 4"},
		{"discard too large", func(p *PowerTuning) { p.DiscardTopBottom = 0.5 }, nil, "DiscardTopBottom = 0.5"},
		{"discard NaN", func(p *PowerTuning) { p.DiscardTopBottom = math.NaN() }, nil, "DiscardTopBottom = NaN"},
		{"strategy", func(p *PowerTuning) { p.Strategy = "fast" }, nil, `Strategy = "fast"`},
		{"weight", func(p *PowerTuning) { p.BalancedWeight = 2 }, nil, "BalancedWeight = 2"},
		{"result count", func(p *PowerTuning) { p.PowerValues = []int{128} }, [][]lambdatune.Invocation{billed(1), billed(1)}, "2 result sets for 1"},
		{"failed invocation", func(p *PowerTuning) { p.PowerValues = []int{128} }, [][]lambdatune.Invocation{{{BilledMs: 3, Error: true}}}, "invocation 0 failed"},
	}
	for _, tt := range tests {
		p := ok
		tt.edit(&p)
		_, err := p.Analyze(tt.res)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestPowerTuningOnSimulator sweeps a CPU-bound function on the simulator: single-threaded, it stops
// speeding up at 1,769 MB, so speed picks 3008 MB only by a hair and cost picks where the CPU-bound
// part stops paying for itself.
func TestPowerTuningOnSimulator(t *testing.T) {
	fn := lambdasim.Function{Duration: lambdasim.CPUModel{CPUTime: 400 * time.Millisecond, Parallelism: 1, IOTime: 30 * time.Millisecond, Spread: 0.1}}
	cfg := lambdatune.DefaultConfig()
	cfg.Timeout = 30 * time.Second
	inv := lambdasim.Invoker{Function: fn, Config: cfg, Seed: 7}
	for _, tt := range []struct {
		strategy PowerStrategy
		want     []int
	}{
		{PowerCost, []int{128, 256, 512, 1024}},
		{PowerSpeed, []int{1536, 3008}},
	} {
		p := DefaultPowerTuning()
		p.Strategy = tt.strategy
		r, err := p.Run(context.Background(), inv)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Stats) != 6 {
			t.Fatalf("%d stats, want 6", len(r.Stats))
		}
		for i := 1; i < 4; i++ { // below one vCPU, doubling memory halves the CPU-bound part
			if r.Stats[i].AverageDuration >= r.Stats[i-1].AverageDuration*0.7 {
				t.Errorf("%d MB (%.1f ms) not faster than %d MB (%.1f ms)", r.Stats[i].MemoryMB, r.Stats[i].AverageDuration, r.Stats[i-1].MemoryMB, r.Stats[i-1].AverageDuration)
			}
		}
		found := false
		for _, m := range tt.want {
			found = found || r.Best.MemoryMB == m
		}
		if !found {
			t.Errorf("%s picked %d MB, want one of %v (stats %+v)", tt.strategy, r.Best.MemoryMB, tt.want, r.Stats)
		}
	}
}
