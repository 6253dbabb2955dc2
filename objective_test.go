package lambdatune

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScoreCountsEachViolationOnce(t *testing.T) {
	ms := []Metrics{
		{Invocations: 100, Errors: 2, Throttles: 5, SLOMisses: 3, ColdStarts: 4, Cost: Cost{Requests: 1e-5, Duration: 2e-5}},
		{Invocations: 0, Cost: Cost{Provisioned: 3e-5}},
		{Invocations: 895, Throttles: 0, SLOMisses: 10, Cost: Cost{Requests: 9e-5, Duration: 1.8e-4}},
	}
	s := Measure(ms)
	want := Score{Intervals: 3, Requests: 1000, Violations: 20, SLOMisses: 13, Errors: 2, Throttles: 5, ColdStarts: 4,
		Cost: Cost{Requests: 1e-4, Duration: 2e-4, Provisioned: 3e-5}}
	if diff := cmp.Diff(want, s, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-15 })); diff != "" {
		t.Errorf("score (-want +got):\n%s", diff)
	}
	if got := s.ViolationRate(); got != 0.02 {
		t.Errorf("ViolationRate = %v, want 0.02", got)
	}
	if got := s.CostPerMillion(); math.Abs(got-0.33) > 1e-12 {
		t.Errorf("CostPerMillion = %v, want 0.33", got)
	}
	o := Objective{CostWeight: 1, SLOWeight: 10}
	if got := o.Loss(s); math.Abs(got-(0.33+20)) > 1e-12 {
		t.Errorf("Loss = %v, want 20.33", got)
	}
}

// TestRewardSumsToLoss holds the per-interval reward to the run's loss: with scale the mean requests
// per interval, T intervals' rewards add up to −T × Loss, idle intervals included.
func TestRewardSumsToLoss(t *testing.T) {
	ms := []Metrics{
		{Invocations: 120, SLOMisses: 7, Cost: Cost{Requests: 2.4e-5, Duration: 3e-4, Init: 1e-5}},
		{Invocations: 0, Cost: Cost{Provisioned: 5e-4}},
		{Invocations: 40, Errors: 1, Throttles: 9, Cost: Cost{Requests: 8e-6, Duration: 1e-4}},
		{Invocations: 310, SLOMisses: 1, Cost: Cost{Requests: 6.2e-5, Duration: 8e-4, Provisioned: 5e-4}},
	}
	for _, o := range []Objective{DefaultObjective(), {CostWeight: 1}, {SLOWeight: 3}, {CostWeight: 0.25, SLOWeight: 40}} {
		s := Measure(ms)
		scale := float64(s.Requests) / float64(len(ms))
		sum := 0.0
		for _, m := range ms {
			sum += o.Reward(m, scale)
		}
		if want := -float64(len(ms)) * o.Loss(s); math.Abs(sum-want) > 1e-9*math.Abs(want) {
			t.Errorf("%+v: rewards sum to %v, want %v", o, sum, want)
		}
	}
}

func TestScoreEmpty(t *testing.T) {
	if got := (Score{}).CostPerMillion(); got != 0 {
		t.Errorf("empty CostPerMillion = %v, want 0", got)
	}
	if got := (Score{Cost: Cost{Provisioned: 1}}).CostPerMillion(); !math.IsInf(got, 1) {
		t.Errorf("idle provisioned CostPerMillion = %v, want +Inf", got)
	}
	if got := (Score{}).ViolationRate(); got != 0 {
		t.Errorf("empty ViolationRate = %v, want 0", got)
	}
}

func TestObjectiveValidate(t *testing.T) {
	tests := []struct {
		o    Objective
		want string // substring of the error, "" for valid
	}{
		{DefaultObjective(), ""},
		{Objective{CostWeight: 1}, ""},
		{Objective{}, "both 0"},
		{Objective{CostWeight: -1, SLOWeight: 1}, "CostWeight = -1"},
		{Objective{CostWeight: 1, SLOWeight: math.NaN()}, "SLOWeight = NaN"},
		{Objective{CostWeight: math.Inf(1)}, "CostWeight = +Inf"},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: Validate() = %v, want %q", tt.o, err, tt.want)
		}
	}
}
