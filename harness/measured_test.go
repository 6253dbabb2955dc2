package harness

import (
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/workload"
)

func measured512() Measurement {
	c := lambdatune.DefaultConfig()
	c.MemoryMB, c.Timeout = 512, 10*time.Second
	return Measurement{Name: "fn", Config: c, SLO: time.Second, MeanDuration: 300 * time.Millisecond, CPUFraction: DefaultCPUFraction}
}

func TestMeasurementValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *Measurement)
		field string // "" : valid
	}{
		{"valid", func(*Measurement) {}, ""},
		{"pure I/O is a valid fraction", func(m *Measurement) { m.CPUFraction = 0 }, ""},
		{"no SLO", func(m *Measurement) { m.SLO = 0 }, "SLO"},
		{"no mean", func(m *Measurement) { m.MeanDuration = 0 }, "MeanDuration"},
		{"mean past Lambda's timeout", func(m *Measurement) { m.MeanDuration = 16 * time.Minute }, "MeanDuration"},
		{"p99 without p50", func(m *Measurement) { m.P99 = time.Second }, "P50/P99"},
		{"p99 below p50", func(m *Measurement) { m.P50, m.P99 = time.Second, time.Millisecond }, "P50/P99"},
		{"error rate above 1", func(m *Measurement) { m.ErrorRate = 1.5 }, "ErrorRate"},
		{"error rate NaN", func(m *Measurement) { m.ErrorRate = math.NaN() }, "ErrorRate"},
		{"init p50 alone", func(m *Measurement) { m.InitP50 = time.Second }, "InitP50/InitP99"},
		{"negative init mean", func(m *Measurement) { m.InitMean = -time.Second }, "InitMean"},
		{"CPU fraction above 1", func(m *Measurement) { m.CPUFraction = 2 }, "CPUFraction"},
		{"unknown runtime", func(m *Measurement) { m.Runtime = "cobol" }, "Runtime"},
		{"bad config", func(m *Measurement) { m.Config.MemoryMB = 64 }, "Config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := measured512()
			tt.edit(&m)
			_, err := MeasuredProfile(m)
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("MeasuredProfile: %v", err)
			case tt.field != "" && (err == nil || !strings.Contains(err.Error(), "Measurement."+tt.field)):
				t.Fatalf("MeasuredProfile: %v, want an error naming Measurement.%s", err, tt.field)
			}
		})
	}
}

// scaled returns d × k.
func scaled(d time.Duration, k float64) time.Duration { return time.Duration(float64(d) * k) }

// meanOf returns the mean duration of a profile's model at memoryMB.
func meanOf(t *testing.T, p Profile, memoryMB int) time.Duration {
	t.Helper()
	d, err := p.Function.Duration.ServiceTime(memoryMB, lambdatune.X86_64)
	if err != nil {
		t.Fatal(err)
	}
	return d.Mean()
}

// TestMeasuredProfile: the profile reproduces the measured mean at the measured memory; memory
// changes it as the CPU fraction or the measured curve says; spread, errors and INIT are measured.
func TestMeasuredProfile(t *testing.T) {
	near := func(a, b time.Duration) bool { return math.Abs(float64(a-b)) <= float64(time.Microsecond) }
	tests := []struct {
		name string
		edit func(m *Measurement)
		// want: the mean at 512 MB (measured), 1024 MB and 3008 MB.
		want [3]time.Duration
	}{
		{"half CPU", func(*Measurement) {}, [3]time.Duration{300 * time.Millisecond, 225 * time.Millisecond, 150*time.Millisecond + scaled(150*time.Millisecond, 512.0/1769)}},
		{"pure I/O", func(m *Measurement) { m.CPUFraction = 0 }, [3]time.Duration{300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}},
		{"pure CPU", func(m *Measurement) { m.CPUFraction = 1 }, [3]time.Duration{300 * time.Millisecond, 150 * time.Millisecond, scaled(300*time.Millisecond, 512.0/1769)}},
		{"measured curve, scaled to production", func(m *Measurement) {
			m.MemoryCurve = []lambdasim.MemoryDuration{{MemoryMB: 512, Mean: 200 * time.Millisecond}, {MemoryMB: 1024, Mean: 100 * time.Millisecond}, {MemoryMB: 3008, Mean: 80 * time.Millisecond}}
		}, [3]time.Duration{300 * time.Millisecond, 150 * time.Millisecond, 120 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := measured512()
			tt.edit(&m)
			p, err := MeasuredProfile(m)
			if err != nil {
				t.Fatal(err)
			}
			for i, mem := range []int{512, 1024, 3008} {
				if got := meanOf(t, p, mem); !near(got, tt.want[i]) {
					t.Errorf("mean at %d MB = %v, want %v", mem, got, tt.want[i])
				}
			}
			if p.Config != m.Config || p.SLO != m.SLO || p.Name != "fn" {
				t.Errorf("profile %+v does not start at the measured configuration and SLO", p)
			}
		})
	}
	m := measured512()
	m.P50, m.P99 = 250*time.Millisecond, 500*time.Millisecond
	m.ErrorRate = 0.01
	m.InitP50, m.InitP99 = 400*time.Millisecond, 800*time.Millisecond
	p, err := MeasuredProfile(m)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Spread(), math.Ln2/z99; math.Abs(got-want) > 1e-12 {
		t.Errorf("spread %v, want ln 2 / z99 = %v", got, want)
	}
	if got := p.Function.Init.Quantile(0.5); !near(got, 400*time.Millisecond) {
		t.Errorf("INIT median %v, want 400ms", got)
	}
	if got := p.Function.Init.Quantile(0.99); math.Abs(float64(got-800*time.Millisecond)) > float64(time.Millisecond) {
		t.Errorf("INIT p99 %v, want 800ms", got)
	}
	if p.Function.ErrorRate != 0.01 || p.Function.Runtime != lambdasim.RuntimePython {
		t.Errorf("error rate %v, runtime %q", p.Function.ErrorRate, p.Function.Runtime)
	}
	if got := (Measurement{}).Spread(); got != DefaultSpread {
		t.Errorf("spread without percentiles %v, want %v", got, DefaultSpread)
	}
}

// fakeResults builds results of two strategies over three seeds with given costs and violations.
func fakeResults(cost map[string][]float64, viol map[string][]int64) []Result {
	var rs []Result
	for _, s := range []string{"current", "better"} {
		for i := range cost[s] {
			sc := lambdatune.Score{Requests: 100000, Violations: viol[s][i], Cost: lambdatune.Cost{Duration: cost[s][i]}}
			rs = append(rs, Result{Workload: "w", Profile: "p", Strategy: s, Seed: uint64(i + 1), Score: sc,
				Deployed: Deployed{Final: lambdatune.Config{MemoryMB: 128 * (i + 1)}}})
		}
	}
	return rs
}

func TestCompareAndRecommend(t *testing.T) {
	o := lambdatune.DefaultObjective()
	tests := []struct {
		name       string
		cost       map[string][]float64
		viol       map[string][]int64
		want       string
		wantChange bool
	}{
		{"clearly better", map[string][]float64{"current": {1, 1.1, 0.9}, "better": {0.8, 0.9, 0.7}},
			map[string][]int64{"current": {100, 110, 90}, "better": {10, 12, 9}}, "better", true},
		{"better on average, not beyond the noise", map[string][]float64{"current": {1, 1, 1}, "better": {0.5, 1.6, 0.8}},
			map[string][]int64{"current": {100, 100, 100}, "better": {100, 100, 100}}, "current", false},
		{"worse", map[string][]float64{"current": {1, 1, 1}, "better": {2, 2, 2}},
			map[string][]int64{"current": {100, 100, 100}, "better": {100, 100, 100}}, "current", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := Compare(fakeResults(tt.cost, tt.viol), "current", o)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 2 || cs[0].Strategy != "current" || cs[0].DeltaCost != (Stat{}) {
				t.Fatalf("comparisons %+v: want the baseline first, with no difference from itself", cs)
			}
			b := cs[1]
			wantD := stat([]float64{tt.cost["better"][0] - tt.cost["current"][0], tt.cost["better"][1] - tt.cost["current"][1], tt.cost["better"][2] - tt.cost["current"][2]})
			if math.Abs(b.DeltaCost.Mean-wantD.Mean) > 1e-12 || math.Abs(b.DeltaCost.SD-wantD.SD) > 1e-12 {
				t.Errorf("DeltaCost %+v, want %+v", b.DeltaCost, wantD)
			}
			if got := b.DeltaViolationPP.Mean; math.Abs(got-100*float64(tt.viol["better"][0]+tt.viol["better"][1]+tt.viol["better"][2]-tt.viol["current"][0]-tt.viol["current"][1]-tt.viol["current"][2])/3/100000) > 1e-12 {
				t.Errorf("DeltaViolationPP %v", got)
			}
			if b.Deployed.Final.MemoryMB != 128 {
				t.Errorf("Deployed %+v, want the first seed's", b.Deployed)
			}
			rec, err := Recommend(cs)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Strategy != tt.want || rec.Change != tt.wantChange || rec.Reason == "" {
				t.Errorf("Recommend = %+v, want %s (change %v)", rec, tt.want, tt.wantChange)
			}
		})
	}
	rs := fakeResults(map[string][]float64{"current": {1}, "better": {1}}, map[string][]int64{"current": {1}, "better": {1}})
	if _, err := Compare(rs, "absent", o); err == nil {
		t.Error("Compare against a missing baseline succeeded")
	}
	if _, err := Recommend(nil); err == nil {
		t.Error("Recommend(nil) succeeded")
	}
}

// TestMeasuredReplay runs a measured profile on a short real trace and checks what the harness
// reports of it: the static strategy stays at the measured configuration, the deployed summary, the
// comparison against it and the change chart.
func TestMeasuredReplay(t *testing.T) {
	p, err := MeasuredProfile(measured512())
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]float64, 90)
	for i := range counts {
		counts[i] = float64(60 + 40*(i%15))
	}
	s, err := workload.NewSeries(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Minute, counts)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := Standard("static", "power-tuned", "target-tracking")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Run(context.Background(), Config{Workloads: []Workload{{Name: "fn", Series: func(uint64) (workload.Series, error) { return s, nil }}},
		Profiles: []Profile{p}, Strategies: ss, Seeds: []uint64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		d := r.Deployed
		switch r.Strategy {
		case "static":
			if diff := cmp.Diff(Deployed{Final: p.Config, MinMemoryMB: 512, MaxMemoryMB: 512}, d); diff != "" {
				t.Errorf("static deployed (-want +got):\n%s", diff)
			}
		case "target-tracking":
			if d.MaxProvisioned < 1 || d.MeanProvisioned <= 0 || d.Changes == 0 {
				t.Errorf("target-tracking deployed %+v: want provisioned concurrency and changes", d)
			}
		}
	}
	cs, err := Compare(rs, "static", lambdatune.DefaultObjective())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 {
		t.Fatalf("%d comparisons, want 3", len(cs))
	}
	path := filepath.Join(t.TempDir(), "change.png")
	if err := PlotChange(path, "fn", cs); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Errorf("chart is %v", b)
	}
	if err := PlotChange(path, "fn", cs[:1]); err == nil {
		t.Error("PlotChange with the baseline alone succeeded")
	}
}
