package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
)

func TestRulePolicy(t *testing.T) {
	r := RulePolicy{Low: 300, High: 900}
	cur := lambdatune.Config{MemoryMB: 128, Timeout: 10 * time.Second, Reserved: lambdatune.Reserve(5), Architecture: lambdatune.ARM64}
	tests := []struct {
		invocations int64
		period      time.Duration
		want        int
	}{
		{0, time.Minute, 256}, {299, time.Minute, 256}, {300, time.Minute, 384}, {899, time.Minute, 384},
		{900, time.Minute, 512}, {15, time.Second, 512}, {4, time.Second, 256},
	}
	for _, tt := range tests {
		obs := lambdatune.Observation{Current: cur, History: []lambdatune.Metrics{{Invocations: tt.invocations, Period: tt.period}}}
		d, err := r.Decide(context.Background(), obs)
		if err != nil {
			t.Fatal(err)
		}
		want := cur
		want.MemoryMB = tt.want
		if d.Config != want || d.Reason == "" {
			t.Errorf("%d invocations in %v: decided %v (%q), want %v", tt.invocations, tt.period, d.Config, d.Reason, want)
		}
	}
}

func TestOutcome(t *testing.T) {
	a, b := lambdatune.Config{MemoryMB: 256}, lambdatune.Config{MemoryMB: 512}
	applied := lambdatune.StepReport{Applied: true}
	// stale is the adapter's outcome of an earlier step: only an applied step's is its own.
	stale := awsadapter.Outcome{From: a, Target: b, Err: errors.New("earlier failure")}
	tests := []struct {
		name   string
		s      lambdatune.StepReport
		o      awsadapter.Outcome
		failed bool
		want   string
	}{
		{"kept", lambdatune.StepReport{}, stale, false, "keep"},
		{"failed, the loop went on", lambdatune.StepReport{}, stale, true, "failed"},
		{"applied", applied, awsadapter.Outcome{From: a, Target: b}, false, "applied"},
		{"dry run", applied, awsadapter.Outcome{From: a, Target: b, DryRun: true}, false, "dry-run"},
		{"held by the dwell time", applied, awsadapter.Outcome{From: a, Target: a, Held: true}, false, "held"},
		{"limited to no change", applied, awsadapter.Outcome{From: a, Target: a, Notes: []string{"n"}}, false, "limited"},
		{"limited part-way", applied, awsadapter.Outcome{From: a, Target: b, Notes: []string{"n"}}, false, "limited"},
	}
	for _, tt := range tests {
		if got := outcome(tt.s, tt.o, tt.failed); got != tt.want {
			t.Errorf("%s: outcome = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.apply || o.policy != "rule" || o.intervals != 5 || o.interval != time.Minute || o.delay != 2*time.Minute {
		t.Errorf("defaults %+v: want a dry run of 5 one-minute intervals with the rule policy", o)
	}
	o, err = parseFlags([]string{"-emulator", "-endpoint", "http://127.0.0.1:1"}, io.Discard)
	if err != nil || o.delay != 0 {
		t.Errorf("-emulator: delay %v, err %v; want 0, nil", o.delay, err)
	}
	o, err = parseFlags([]string{"-emulator", "-endpoint", "http://127.0.0.1:1", "-interval", "1s", "-policy", "predictive"}, io.Discard)
	if err != nil || o.history != 120*time.Second {
		t.Errorf("-emulator -policy predictive: history %v, err %v; want 120 intervals and no error", o.history, err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-intervals", "0"}, "-intervals"},
		{[]string{"-policy", "rl"}, "-policy"},
		{[]string{"-low", "10", "-high", "5"}, "-low"},
		{[]string{"-emulator"}, "-endpoint"},
		{[]string{"-emulator", "-endpoint", "x", "-alias", "live"}, "-alias"},
		{[]string{"-emulator", "-endpoint", "x", "-policy", "power-tuned", "-sweep", "aws"}, "REPORT"},
		{[]string{"-policy", "predictive"}, "needs an alias"},
		{[]string{"-policy", "target-tracking", "-aas"}, "-aas"},
		{[]string{"-policy", "predictive", "-alias", "live", "-aas"}, "-aas"},
		{[]string{"-keep-aas"}, "-keep-aas needs -aas"},
		{[]string{"-policy", "static", "-history", "90s"}, "-history"},
		{[]string{"-sweep", "measured"}, "-sweep"},
		{[]string{"-slo", "0s"}, "-slo"},
		{[]string{"-cpu-fraction", "-1"}, "-cpu-fraction"},
		{[]string{"extra"}, "unexpected"},
	}
	for _, tt := range tests {
		if _, err := parseFlags(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFlags(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
	for _, ok := range [][]string{{"-policy", "target-tracking", "-alias", "live", "-aas", "-keep-aas"}, {"-policy", "power-tuned", "-sweep", "aws"}, {"-policy", "static"}} {
		if _, err := parseFlags(ok, io.Discard); err != nil {
			t.Errorf("parseFlags(%q): %v", ok, err)
		}
	}
}

// TestStrategyWrappers: memoryOnly sets the memory alone; withoutProvisioned keeps provisioned
// concurrency as it is and says what it dropped.
func TestStrategyWrappers(t *testing.T) {
	cur := lambdatune.Config{MemoryMB: 128, Timeout: 10 * time.Second, Provisioned: 2, Architecture: lambdatune.ARM64}
	obs := lambdatune.Observation{Current: cur}
	d, err := memoryOnly(1024).Decide(context.Background(), obs)
	want := cur
	want.MemoryMB = 1024
	if err != nil || d.Config != want {
		t.Errorf("memoryOnly: %v, %v; want %v", d.Config, err, want)
	}
	inner := lambdatune.PolicyFunc(func(_ context.Context, o lambdatune.Observation) (lambdatune.Decision, error) {
		c := o.Current
		c.MemoryMB, c.Provisioned = 512, 7
		return lambdatune.Decision{Config: c, Reason: "wants 7"}, nil
	})
	d, err = withoutProvisioned(inner).Decide(context.Background(), obs)
	want.MemoryMB = 512
	if err != nil || d.Config != want || !strings.Contains(d.Reason, "provisioned 7 not applied") {
		t.Errorf("withoutProvisioned: %v (%q), %v; want %v and the dropped 7 said", d.Config, d.Reason, err, want)
	}
}

// TestRunAgainstMoto runs the command against the emulator (see .ci/moto.sh) with each policy: the
// rule, and the strategies, which read (and warm the tuner with) the history written before they
// start.
func TestRunAgainstMoto(t *testing.T) {
	url := os.Getenv("LAMBDATUNE_MOTO_ENDPOINT")
	if url == "" {
		t.Skip("LAMBDATUNE_MOTO_ENDPOINT is not set: this test needs the moto AWS emulator (source .ci/moto.sh; start_moto)")
	}
	for _, tt := range []struct {
		policy string
		want   []string
	}{
		{"rule", []string{"applied"}},
		{"static", []string{"history: 120 intervals", "keep"}},
		{"power-tuned", []string{"Power Tuning simulated on the measured profile", "applied"}},
		{"target-tracking", []string{"history: 120 intervals", "not applied: the emulator has none"}},
		{"predictive", []string{"peak forecast", "not applied: the emulator has none"}},
	} {
		t.Run(tt.policy, func(t *testing.T) {
			runMoto(t, url, tt.policy, tt.want)
		})
	}
}

// runMoto runs the command once against the emulator with a policy, and checks its output.
func runMoto(t *testing.T, url, policy string, want []string) {
	dir := t.TempDir()
	o, err := parseFlags([]string{"-endpoint", url, "-emulator", "-interval", "1s", "-intervals", "3", "-apply", "-min-dwell", "0", "-policy", policy,
		"-function", fmt.Sprintf("lt-awspoc-%s-%d", policy, time.Now().UnixNano()%1e9), "-models", t.TempDir(), "-out", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, s := range append([]string{"summary"}, want...) {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	f, err := os.Open(filepath.Join(dir, "intervals.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Errorf("intervals.csv has %d rows, want a header and 3 intervals", len(rows))
	}
	for _, name := range []string{"load.png", "memory.png", "audit.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
}
