package awsadapter

import (
	"math"
	"testing"
)

// TestCheckReadingRefusesImpossibleValues covers CloudWatch values that once flowed into
// decisions and could suppress automatic rollback.
func TestCheckReadingRefusesImpossibleValues(t *testing.T) {
	ok := reading{}
	ok[sInvocations], ok[sErrors], ok[sP50], ok[sP90], ok[sP95], ok[sP99] = 100, 3, 10, 20, 30, 40
	if err := checkReading(ok); err != nil {
		t.Fatalf("a valid reading: %v", err)
	}
	tests := []struct {
		name string
		slot slot
		v    float64
	}{
		{"negative Errors", sErrors, -1},
		{"Errors > Invocations", sErrors, 101},
		{"utilization 7", sProvUtil, 7},
		{"concurrency 1e300", sConcurrency, 1e300},
		{"NaN duration", sDurationAvg, math.NaN()},
		{"infinite invocations", sInvocations, math.Inf(1)},
		{"p95 below p90", sP95, 15},
	}
	for _, tc := range tests {
		r := ok
		r[tc.slot] = tc.v
		if err := checkReading(r); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	for _, v := range []int64{-1 << 40, math.MaxInt32 + 1, 1 << 32} {
		if _, err := toInt32("x", v); err == nil {
			t.Errorf("toInt32(%d): no error", v)
		}
	}
	if n, err := toInt32("x", math.MaxInt32); err != nil || n != math.MaxInt32 {
		t.Errorf("toInt32(MaxInt32) = %d, %v", n, err)
	}
}
