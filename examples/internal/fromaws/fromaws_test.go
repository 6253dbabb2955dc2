package fromaws

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/lambdasim"
)

func TestRuntime(t *testing.T) {
	tests := []struct {
		id       string
		want     lambdasim.Runtime
		wantNote bool
	}{
		{"python3.12", lambdasim.RuntimePython, false},
		{"nodejs22.x", lambdasim.RuntimeNode, false},
		{"java21", lambdasim.RuntimeJava, false},
		{"dotnet8", lambdasim.RuntimeDotnet, false},
		{"provided.al2023", lambdasim.RuntimeGo, true},
		{"go1.x", lambdasim.RuntimeGo, true},
		{"ruby3.3", lambdasim.RuntimePython, true},
		{"", lambdasim.RuntimePython, true},
	}
	for _, tt := range tests {
		got, note := Runtime(tt.id)
		if got != tt.want || (note != "") != tt.wantNote {
			t.Errorf("Runtime(%q) = %q, %q; want %q with a note %v", tt.id, got, note, tt.want, tt.wantNote)
		}
	}
}

// history returns a history of two intervals of 100 invocations (2 errors) under 512 MB.
func history(d lambdatune.Distribution, in awsadapter.InitStats) awsadapter.History {
	c := lambdatune.DefaultConfig()
	c.MemoryMB = 512
	iv := lambdatune.Metrics{Invocations: 100, Errors: 1}
	return awsadapter.History{Function: "fn", Runtime: "nodejs22.x", State: awsadapter.State{Config: c},
		Intervals: []lambdatune.Metrics{iv, iv}, Duration: d, Init: in, Period: time.Minute}
}

func TestMeasure(t *testing.T) {
	c := lambdatune.DefaultConfig()
	c.MemoryMB = 512
	base := harness.Measurement{Name: "fn", Config: c, SLO: time.Second, MeanDuration: 120 * time.Millisecond, ErrorRate: 0.01,
		Runtime: lambdasim.RuntimeNode, CPUFraction: 0.3}
	tests := []struct {
		name     string
		h        awsadapter.History
		want     func(m *harness.Measurement)
		wantNote string
	}{
		{"percentiles and INIT percentiles from the logs",
			history(lambdatune.Distribution{Mean: 120, P50: 100, P99: 400}, awsadapter.InitStats{Source: awsadapter.SourceLogs, ColdStarts: 5, Mean: 300 * time.Millisecond, P50: 280 * time.Millisecond, P99: 500 * time.Millisecond}),
			func(m *harness.Measurement) {
				m.P50, m.P99, m.InitP50, m.InitP99 = 100*time.Millisecond, 400*time.Millisecond, 280*time.Millisecond, 500*time.Millisecond
			}, "INIT from 5 cold starts"},
		{"INIT mean only",
			history(lambdatune.Distribution{Mean: 120}, awsadapter.InitStats{Source: awsadapter.SourceLogs, ColdStarts: 1, Mean: 300 * time.Millisecond}),
			func(m *harness.Measurement) { m.InitMean = 300 * time.Millisecond }, "mean 300ms"},
		{"logs unavailable: the runtime preset",
			history(lambdatune.Distribution{Mean: 120}, awsadapter.InitStats{Source: awsadapter.SourceNone, Err: errors.New("log group not found")}),
			func(*harness.Measurement) {}, "log group not found"},
		{"no cold start in the logs",
			history(lambdatune.Distribution{Mean: 120}, awsadapter.InitStats{Source: awsadapter.SourceLogs, Reports: 200}),
			func(*harness.Measurement) {}, "no cold start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes, err := Measure(tt.h, time.Second, 0.3)
			if err != nil {
				t.Fatal(err)
			}
			want := base
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Measure (-want +got):\n%s", diff)
			}
			if !strings.Contains(strings.Join(notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q lack %q", notes, tt.wantNote)
			}
			if _, err := harness.MeasuredProfile(got); err != nil {
				t.Errorf("the measurement makes no profile: %v", err)
			}
		})
	}
	empty := history(lambdatune.Distribution{}, awsadapter.InitStats{})
	empty.Intervals = nil
	if _, _, err := Measure(empty, time.Second, 0.5); err == nil || !strings.Contains(err.Error(), "nothing to replay") {
		t.Errorf("Measure without invocations: %v, want an error", err)
	}
}

// TestDeployable: without models, the deployable strategies are harness.Standard's power-tuned,
// target-tracking and predictive; an agent named without its model is refused, naming where it was
// looked for.
func TestDeployable(t *testing.T) {
	dir := t.TempDir()
	ss, err := Deployable(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ss {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"power-tuned", "target-tracking", "predictive"}, names); diff != "" {
		t.Errorf("Deployable (-want +got):\n%s", diff)
	}
	for _, n := range []string{"hybrid", "rl-only", "power-tuned"} {
		if !slices.Contains(StrategyNames(), n) {
			t.Errorf("StrategyNames lacks %q", n)
		}
	}
	if slices.Contains(StrategyNames(), "oracle") || slices.Contains(StrategyNames(), "random") {
		t.Errorf("StrategyNames %v holds a research-only strategy", StrategyNames())
	}
	if _, err := Select(dir, []string{"predictive", "hybrid"}); err == nil || !strings.Contains(err.Error(), "no trained model") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Select(hybrid) without its model: %v", err)
	}
	got, err := Select(dir, []string{"predictive"})
	if err != nil || len(got) != 1 || got[0].Name != "predictive" {
		t.Errorf("Select(predictive) = %v, %v", got, err)
	}
}
