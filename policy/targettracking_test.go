package policy

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lambdatune/lambdatune"
)

// drive runs a policy over a scripted minute-by-minute load: busy[j] provisioned environments are
// busy throughout minute j (so the Average and Maximum statistics agree). Provisioned concurrency
// asked for at the end of minute j is allocated from minute j+1+delay on; less is released at once.
// It returns the provisioned concurrency asked for after each minute.
func drive(t *testing.T, p lambdatune.Policy, busy []float64, start, delay int) []int {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cur := lambdatune.DefaultConfig()
	cur.Provisioned = start
	var asked []int
	var hist []lambdatune.Metrics
	for j, b := range busy {
		alloc := cur.Provisioned // min over the requests of the last delay+1 decisions
		for k := max(0, j-1-delay); k < j; k++ {
			alloc = min(alloc, asked[k])
		}
		if j-1-delay < 0 {
			alloc = min(alloc, start)
		}
		m := lambdatune.Metrics{Start: t0.Add(time.Duration(j) * time.Minute), Period: time.Minute, Config: cur}
		m.Config.Provisioned = alloc
		if alloc > 0 {
			served := min(b, float64(alloc))
			m.ProvisionedUtilization = served / float64(alloc)
			m.ProvisionedInvocations = int64(served * 60) // 60 one-second invocations per busy environment
			m.Duration.Mean = 1000
		}
		hist = append(hist, m)
		d, err := p.Decide(context.Background(), lambdatune.Observation{Time: m.Start.Add(time.Minute), Current: cur, History: hist})
		if err != nil {
			t.Fatal(err)
		}
		cur = d.Config
		asked = append(asked, cur.Provisioned)
	}
	return asked
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func ints(runs ...[2]int) []int { // (value, count) runs
	var out []int
	for _, r := range runs {
		for range r[1] {
			out = append(out, r[0])
		}
	}
	return out
}

// TestTargetTrackingTimelines checks target tracking against timelines worked by hand.
func TestTargetTrackingTimelines(t *testing.T) {
	// A: 10 allocated; utilization 0.5, then 0.8 from minute 2: the third point above 0.7 (minute 4)
	// scales out to ceil(10 × 0.8 / 0.7) = 12. Minute 5 is still measured on 10 (allocation delay
	// 1 min) and asks for 12 again, which is no change. From minute 6, 8/12 = 0.67 sits between
	// 0.63 and 0.7. Load 4 from minute 10: 4/12 = 0.33 < 0.63; the 15th such point (minute 24)
	// scales in to ceil(12 × 0.33 / 0.7) = 6.
	a := append(append(repeat(5, 2), repeat(8, 8)...), repeat(4, 20)...)
	// B: scale-out cooldown 3 min, scale-in cooldown 5 min, 2 points to scale in, no delay.
	// Minutes 0–2 at 0.9: scale out at the end of minute 2 (t = 3 min) to ceil(10 × 0.9 / 0.7) = 13.
	// Load 2 from minute 3: 2/13 low at minutes 3, 4; the scale-in at t = 5 min is held by the
	// scale-out cooldown (until t = 6), the one at t = 6 goes to ceil(2 / 0.7) = 3. Load 1 from
	// minute 6: 1/3 low at minutes 6, 7; scale-in to ceil(1 / 0.7) = 2 held by the scale-in cooldown
	// until t = 11 (end of minute 10). Then 1/2 = 0.5 is low but ceil(1/0.7) = 2 is no change.
	b := append(append(repeat(9, 3), repeat(2, 3)...), repeat(1, 7)...)
	bCfg := DefaultTargetTracking()
	bCfg.ScaleOutCooldown, bCfg.ScaleInCooldown, bCfg.ScaleInPoints = 3*time.Minute, 5*time.Minute, 2
	// C: bounds. Saturated at 10: ceil(10 / 0.7) = 15, capped at MaxCapacity 12; then at 12 still
	// saturated: 18, capped: no change.
	cCfg := DefaultTargetTracking()
	cCfg.MaxCapacity = 12
	// D: nothing provisioned and MinCapacity 0: no datapoint, nothing scales however busy.
	dCfg := DefaultTargetTracking()
	dCfg.MinCapacity = 0
	// E: MinCapacity 2 lifts 0 to 2 at the first decision (minute 0 has no datapoint); 5 busy then
	// saturates 2 from minute 1: the third point (minute 3) scales out to ceil(2 / 0.7) = 3. The
	// alarm stays in ALARM and acts every minute: 3 saturated gives 5 (minute 4), 5 saturated 8
	// (minute 5); 5/8 = 0.625 is then below both thresholds but 15 points are needed to scale in.
	eCfg := DefaultTargetTracking()
	eCfg.MinCapacity = 2
	tests := []struct {
		name         string
		cfg          TargetTracking
		busy         []float64
		start, delay int
		want         []int
	}{
		{"scale out and in", DefaultTargetTracking(), a, 10, 1, ints([2]int{10, 4}, [2]int{12, 20}, [2]int{6, 6})},
		{"cooldowns", bCfg, b, 10, 0, ints([2]int{10, 2}, [2]int{13, 3}, [2]int{3, 5}, [2]int{2, 3})},
		{"max capacity", cCfg, repeat(30, 6), 10, 0, ints([2]int{10, 2}, [2]int{12, 4})},
		{"no datapoints", dCfg, repeat(30, 6), 0, 0, ints([2]int{0, 6})},
		{"min capacity", eCfg, repeat(5, 8), 0, 0, ints([2]int{2, 3}, [2]int{3, 1}, [2]int{5, 1}, [2]int{8, 3})},
	}
	for _, tt := range tests {
		for _, stat := range []Statistic{Average, Maximum} {
			tt.cfg.Statistic = stat
			p, err := NewTargetTracking(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := drive(t, p, tt.busy, tt.start, tt.delay)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (%s): provisioned asked for (-want +got):\n%s", tt.name, stat, diff)
			}
		}
	}
}

func TestTargetTrackingValidate(t *testing.T) {
	for _, edit := range []func(*TargetTracking){
		func(c *TargetTracking) { c.Target = 0 },
		func(c *TargetTracking) { c.Target = 1.5 },
		func(c *TargetTracking) { c.Statistic = "p99" },
		func(c *TargetTracking) { c.MinCapacity = 5; c.MaxCapacity = 4 },
		func(c *TargetTracking) { c.ScaleOutCooldown = -time.Second },
		func(c *TargetTracking) { c.ScaleOutPoints = 0 },
		func(c *TargetTracking) { c.ScaleInRatio = 0 },
		func(c *TargetTracking) { c.MemoryMB = 64 },
	} {
		c := DefaultTargetTracking()
		edit(&c)
		if _, err := NewTargetTracking(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
