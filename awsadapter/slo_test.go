package awsadapter

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

func TestWithSLOValidation(t *testing.T) {
	f := newFakeAWS(t, "fn", fnConfig{512, 10, 512})
	tests := []struct {
		slo time.Duration
		ok  bool
	}{
		{0, true},
		{time.Nanosecond, true},
		{250 * time.Millisecond, true},
		{lambdatune.MaxTimeout, true},
		{-time.Millisecond, false},
		{lambdatune.MaxTimeout + time.Nanosecond, false},
	}
	for _, tt := range tests {
		_, err := New(mustClients(f), mustCW(f), "fn", WithSLO(tt.slo))
		if (err == nil) != tt.ok {
			t.Errorf("New(WithSLO(%v)) = %v, want ok = %v", tt.slo, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "WithSLO") || err != nil && !strings.Contains(err.Error(), "15m0s") {
			t.Errorf("New(WithSLO(%v)) error %q does not name the option and its range", tt.slo, err)
		}
	}
}

func TestRankStat(t *testing.T) {
	tests := []struct {
		slo  time.Duration
		want string
	}{
		{250 * time.Millisecond, "PR(:250)"},
		{1500 * time.Microsecond, "PR(:1.5)"},
		{time.Nanosecond, "PR(:0.000001)"},
		{lambdatune.MaxTimeout, "PR(:900000)"},
	}
	for _, tt := range tests {
		if got := rankStat(tt.slo); got != tt.want {
			t.Errorf("rankStat(%v) = %q, want %q", tt.slo, got, tt.want)
		}
	}
}

// TestFakeSLOFromPercentileRank reads SLO misses from CloudWatch's percentile rank, in the same
// GetMetricData call as the other statistics, without logs.
func TestFakeSLOFromPercentileRank(t *testing.T) {
	const rankKey = "Duration/PR(:250)"
	tests := []struct {
		name    string
		opts    []Option
		metrics map[string]float64
		// want
		query      bool // whether the rank is requested
		slo        time.Duration
		misses     int64
		source     Source
		rankOver   int64
		errContain string
	}{
		{name: "90 % within: 100 over, 10 of them errors",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 1000, "Errors/Sum": 10, rankKey: 90},
			query:   true, slo: 250 * time.Millisecond, misses: 90, source: SourcePercentileRank, rankOver: 100},
		{name: "more errors than invocations over the SLO: none missed",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 1000, "Errors/Sum": 30, rankKey: 99},
			query:   true, slo: 250 * time.Millisecond, misses: 0, source: SourcePercentileRank, rankOver: 10},
		{name: "rank rounds to the nearest invocation",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 3, rankKey: 66.6667},
			query:   true, slo: 250 * time.Millisecond, misses: 1, source: SourcePercentileRank, rankOver: 1},
		{name: "no invocations: nothing over, no datapoint needed",
			opts:  []Option{WithSLO(250 * time.Millisecond)},
			query: true, slo: 250 * time.Millisecond, misses: 0, source: SourcePercentileRank, rankOver: 0},
		{name: "invocations but no rank datapoint: not measured",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 100},
			query:   true, slo: 250 * time.Millisecond, misses: 0, source: SourceNone, rankOver: -1},
		{name: "percentiles off: rank not requested",
			opts:    []Option{WithSLO(250 * time.Millisecond), WithPercentiles(false)},
			metrics: map[string]float64{"Invocations/Sum": 100, rankKey: 50},
			query:   false, slo: 250 * time.Millisecond, misses: 0, source: SourceNone, rankOver: -1},
		{name: "no SLO",
			metrics: map[string]float64{"Invocations/Sum": 100, rankKey: 50},
			query:   false, slo: 0, misses: 0, source: SourceNone, rankOver: -1},
		{name: "rank above 100 %",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 100, rankKey: 100.5},
			query:   true, errContain: "PR(:250) = 100.5, want a percentage in [0, 100]"},
		{name: "negative rank",
			opts:    []Option{WithSLO(250 * time.Millisecond)},
			metrics: map[string]float64{"Invocations/Sum": 100, rankKey: -1},
			// Refused as out of range, here or by a general check of CloudWatch values.
			query: true, errContain: "= -1, want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, "fn", fnConfig{1024, 10, 512})
			for k, v := range tt.metrics {
				f.metrics[k] = v
			}
			p := f.platform(t, newFakeClock(t0), tt.opts...)
			m, err := p.Next(context.Background())
			if len(f.cwQueries) != 1 {
				t.Fatalf("%d GetMetricData calls, want 1", len(f.cwQueries))
			}
			if got := slices.Contains(f.cwQueries[0], "duration_slo_rank="+rankKey); got != tt.query {
				t.Errorf("rank requested = %v, want %v (queries %v)", got, tt.query, f.cwQueries[0])
			}
			if tt.errContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContain) {
					t.Fatalf("Next = %v, want an error containing %q", err, tt.errContain)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.SLO != tt.slo || m.SLOMisses != tt.misses {
				t.Errorf("SLO, SLOMisses = %v, %d; want %v, %d", m.SLO, m.SLOMisses, tt.slo, tt.misses)
			}
			want := Observation{Start: m.Start, ColdStarts: SourceNone, Init: SourceNone, SLOMisses: tt.source, RankOver: tt.rankOver}
			if diff := cmp.Diff(want, p.LastObservation()); diff != "" {
				t.Errorf("LastObservation (-want +got):\n%s", diff)
			}
			if m.ColdStarts != 0 || m.Usage.InitMBms != 0 || m.Cost.Init != 0 {
				t.Errorf("without logs: ColdStarts %d, InitMBms %d, Cost.Init %v; want 0", m.ColdStarts, m.Usage.InitMBms, m.Cost.Init)
			}
		})
	}
}
