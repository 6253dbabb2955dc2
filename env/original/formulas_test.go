package original_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env/original"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		a    int
		want original.Action
	}{
		{0, original.Action{MemoryMB: 128, TimeoutS: 3, Concurrency: 1}},
		{2, original.Action{MemoryMB: 128, TimeoutS: 3, Concurrency: 3}},
		{4, original.Action{MemoryMB: 128, TimeoutS: 5, Concurrency: 2}},
		{10, original.Action{MemoryMB: 256, TimeoutS: 3, Concurrency: 2}},
		{15, original.Action{MemoryMB: 256, TimeoutS: 10, Concurrency: 1}},
		{23, original.Action{MemoryMB: 512, TimeoutS: 5, Concurrency: 3}},
		{24, original.Action{MemoryMB: 512, TimeoutS: 10, Concurrency: 1}},
		{35, original.Action{MemoryMB: 1024, TimeoutS: 10, Concurrency: 3}},
	}
	for _, tc := range tests {
		got, err := original.Decode(tc.a)
		if err != nil {
			t.Fatalf("Decode(%d): %v", tc.a, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Decode(%d) (-want +got):\n%s", tc.a, diff)
		}
	}
	for a := range original.NumActions {
		act, err := original.Decode(a)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := act.Index(); err != nil || back != a {
			t.Errorf("Decode(%d) = %v, Index() = %d, %v", a, act, back, err)
		}
	}
}

func TestActionErrors(t *testing.T) {
	for _, a := range []int{-1, 36, 1 << 40} {
		if _, err := original.Decode(a); !errors.Is(err, original.ErrInvalidAction) {
			t.Errorf("Decode(%d) error %v, want ErrInvalidAction", a, err)
		}
	}
	for _, act := range []original.Action{
		{MemoryMB: 2048, TimeoutS: 3, Concurrency: 1},
		{MemoryMB: 128, TimeoutS: 4, Concurrency: 1},
		{MemoryMB: 128, TimeoutS: 3, Concurrency: 0},
		{},
	} {
		if _, err := act.Index(); !errors.Is(err, original.ErrInvalidAction) {
			t.Errorf("%+v.Index() error %v, want ErrInvalidAction", act, err)
		}
	}
}

// TestEvaluate checks each formula and each term of the reward on hand-computed cases.
func TestEvaluate(t *testing.T) {
	price := 0.00001667
	tests := []struct {
		name string
		f    float64
		a    original.Action
		want original.Outcome
	}{
		{
			"static at f = 0.5: cost weight 50",
			0.5, original.Action{MemoryMB: 128, TimeoutS: 5, Concurrency: 2},
			original.Outcome{F: 0.5, LatencyMS: 184.4, CostUSD: 128 * price * 5.0 / 60 * 2 * 200,
				Reward: -(0.922*0.922 + 128*price*5.0/60*2*200*50)},
		},
		{
			"f just under 0.5: cost weight 30",
			0.49, original.Action{MemoryMB: 128, TimeoutS: 5, Concurrency: 2},
			original.Outcome{F: 0.49, LatencyMS: 183.2, CostUSD: 128 * price * 5.0 / 60 * 2 * 200,
				Reward: -(0.916*0.916 + 128*price*5.0/60*2*200*30)},
		},
		{
			"SLA violated: latency 282.4 > 200 adds 2",
			0.9, original.Action{MemoryMB: 128, TimeoutS: 3, Concurrency: 1},
			original.Outcome{F: 0.9, LatencyMS: 282.4, CostUSD: 128 * price * 3.0 / 60 * 200, SLAViolated: true,
				Reward: -(1.412*1.412 + 128*price*3.0/60*200*50 + 2)},
		},
		{
			"latency floor 50; f < 0.3 with 1024 MB and concurrency 3: both penalties",
			0.1, original.Action{MemoryMB: 1024, TimeoutS: 10, Concurrency: 3},
			original.Outcome{F: 0.1, LatencyMS: 50, CostUSD: 1024 * price * 10.0 / 60 * 3 * 200,
				Reward: -(0.25*0.25 + 1024*price*10.0/60*3*200*30) - 0.2 - 0.2},
		},
		{
			"f < 0.3, 512 MB and concurrency 1: no penalty",
			0.2, original.Action{MemoryMB: 512, TimeoutS: 3, Concurrency: 1},
			original.Outcome{F: 0.2, LatencyMS: 121.6, CostUSD: 512 * price * 3.0 / 60 * 200,
				Reward: -(0.608*0.608 + 512*price*3.0/60*200*30)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := original.Evaluate(tc.f, tc.a)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("Evaluate(%v, %v) (-want +got):\n%s", tc.f, tc.a, diff)
			}
		})
	}
}

// The bonus needs latency < 170 ms and cost < 0.002 USD, which no action of the table
// reaches (its cheapest step costs 0.021 USD): the term never fires in the original.
func TestBonusNeverFires(t *testing.T) {
	for a := range original.NumActions {
		act, _ := original.Decode(a)
		if c := original.Evaluate(0, act).CostUSD; c < 0.002 {
			t.Errorf("action %d costs %v < 0.002", a, c)
		}
	}
}

func TestLoggedValues(t *testing.T) {
	tests := []struct {
		name                  string
		o                     original.Outcome
		latObs, costObs       float64
		loggedLat, loggedCost float64
	}{
		// Step 0 of the original's static log: latency 171.25691, cost 0.071125336.
		{"static log, step 0", original.Outcome{LatencyMS: 171.25692, CostUSD: 128 * 0.00001667 * 5.0 / 60 * 2 * 200},
			float64(float32(171.25692 / 300)), float64(float32(0.71125336)), float64(float32(171.25691)), float64(float32(0.071125336))},
		// 512 MB, 10 s, concurrency 1 costs 0.2845 USD; the log caps it at 0.1.
		{"cost over the cap", original.Outcome{LatencyMS: 144.45692, CostUSD: 0.28445},
			float64(float32(144.45692 / 300)), 1, float64(float32(144.45692)), float64(float32(0.1))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []float64{tc.o.LatencyObs(), tc.o.CostObs(), tc.o.LoggedLatency(), tc.o.LoggedCost()}
			want := []float64{tc.latObs, tc.costObs, tc.loggedLat, tc.loggedCost}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 2e-5)); diff != "" {
				t.Errorf("obs and logged values (-want +got):\n%s", diff)
			}
		})
	}
}
