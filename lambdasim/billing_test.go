package lambdasim

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune"
)

func TestPricingThroughSimulator(t *testing.T) {
	// AWS pricing page example: 1 M invocations of 100 ms at 512 MB on x86_64 cost $0.20 in requests
	// and 50,000 GB-s × $0.0000166667 = $0.83333 in duration.
	cases := []struct {
		name          string
		arch          lambdatune.Architecture
		wantRequests  float64
		wantDuration  float64
		wantInitPerCS float64 // INIT charge per cold start (on-demand, 250 ms at 512 MB)
	}{
		{"x86_64", lambdatune.X86_64, 0.20, 0.83333, 0.25 * 0.5 * 0.0000166667},
		{"arm64", lambdatune.ARM64, 0.20, 0.66667, 0.25 * 0.5 * 0.0000133334},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfgMem(512)
			cfg.Architecture = tc.arch
			fn := Function{Duration: Flat{Constant(100 * time.Millisecond)}, Init: Constant(250 * time.Millisecond)}
			// One request every 2 ms for 2,000 s: 1,000,000 requests.
			s := mustNew(t, Options{Interval: time.Minute}, Deployment{Function: fn, Config: cfg, Arrivals: &periodic{gap: 2 * time.Millisecond, n: 1_000_000}})
			var total lambdatune.Cost
			var u lambdatune.Usage
			for _, m := range collect(t, s, 40) {
				total = total.Add(m.Cost)
				u = u.Add(m.Usage)
			}
			if u.Requests != 1_000_000 || u.ComputeMBms != 1_000_000*512*100 {
				t.Fatalf("usage %+v, want 1e6 requests and 5.12e10 MB·ms", u)
			}
			cold := s.Stats(0).ColdStarts
			if u.InitMBms != cold*512*250 {
				t.Errorf("InitMBms = %d, want %d cold starts × 512 MB × 250 ms", u.InitMBms, cold)
			}
			t.Logf("%s: requests $%.5f, duration $%.5f, init $%.5f (%d cold starts), total $%.5f", tc.name, total.Requests, total.Duration, total.Init, cold, total.Total())
			if math.Abs(total.Requests-tc.wantRequests) > 0.005 || math.Abs(total.Duration-tc.wantDuration) > 0.005 {
				t.Errorf("cost %+v, want requests $%.2f and duration $%.5f to the cent", total, tc.wantRequests, tc.wantDuration)
			}
			if want := float64(cold) * tc.wantInitPerCS; math.Abs(total.Init-want) > 1e-9 {
				t.Errorf("init cost $%g, want $%g", total.Init, want)
			}
		})
	}
}

func TestProvisionedBilling(t *testing.T) {
	// 10 environments of 1,024 MB provisioned for an hour: 36,000 GB-s × $0.0000041667 = $0.15.
	cfg := cfgMem(1024)
	cfg.Provisioned = 10
	s := mustNew(t, Options{}, Deployment{Function: Function{Duration: Flat{Constant(time.Second)}}, Config: cfg})
	var c lambdatune.Cost
	for _, m := range collect(t, s, 60) {
		c = c.Add(m.Cost)
		if m.Config.Provisioned != 10 {
			t.Fatalf("provisioned in force %d, want 10", m.Config.Provisioned)
		}
	}
	if math.Abs(c.Provisioned-0.150001) > 1e-6 || c.Total() != c.Provisioned {
		t.Errorf("cost %+v, want $0.150001 of provisioned capacity only", c)
	}
	// Disabling after 61 minutes bills 65 (rounded up to 5 minutes).
	s.Next(context.Background())
	cfg.Provisioned = 0
	if err := s.Apply(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	m, _ := s.Next(context.Background())
	got := s.Stats(0).Usage.ProvisionedMBms
	if want := int64(10 * 1024 * 65 * 60 * 1000); got != want {
		t.Errorf("provisioned MB·ms = %d, want %d (65 minutes)", got, want)
	}
	if m.Config.Provisioned != 0 {
		t.Errorf("provisioned in force %d, want 0", m.Config.Provisioned)
	}
}

func TestProvisionedMeter(t *testing.T) {
	var m ProvisionedMeter
	steps := []struct {
		at       time.Duration
		n, mem   int
		advance  bool
		wantMBms int64
	}{
		{0, 2, 1000, false, 0},
		{time.Minute, 0, 0, true, 2 * 1000 * 60_000},            // the first minute
		{2 * time.Minute, 0, 1000, true, 2 * 1000 * 4 * 60_000}, // disabled at 1 min: rounded to 5
		{3 * time.Minute, 1, 500, false, 0},
		{4 * time.Minute, 1, 700, true, 500*60_000 + 500*4*60_000 + 0}, // memory change: new version
		{10 * time.Minute, 0, 700, true, 700*6*60_000 + 700*4*60_000},
	}
	for i, st := range steps {
		if !st.advance {
			if err := m.Set(st.at, st.n, st.mem); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if st.mem != 0 || st.n != 0 {
			if err := m.Set(st.at, st.n, st.mem); err != nil {
				t.Fatal(err)
			}
		}
		if got := m.Advance(st.at); got != st.wantMBms {
			t.Errorf("step %d: Advance(%v) = %d MB·ms, want %d", i, st.at, got, st.wantMBms)
		}
	}
	if err := m.Set(time.Second, 1, 128); err == nil {
		t.Error("Set in the past: want an error")
	}
}

func TestOnDemandUsageRounding(t *testing.T) {
	cases := []struct {
		init, dur time.Duration
		want      lambdatune.Usage
	}{
		{0, 100 * time.Millisecond, lambdatune.Usage{Requests: 1, ComputeMBms: 100 * 128}},
		{0, 100*time.Millisecond + 1, lambdatune.Usage{Requests: 1, ComputeMBms: 101 * 128}},
		{0, time.Microsecond, lambdatune.Usage{Requests: 1, ComputeMBms: 128}},
		// INIT and duration are rounded together: 150.4 + 100.4 = 250.8 → 251 ms, 101 of them duration.
		{150400 * time.Microsecond, 100400 * time.Microsecond, lambdatune.Usage{Requests: 1, ComputeMBms: 101 * 128, InitMBms: 150 * 128}},
	}
	for _, tc := range cases {
		if got := OnDemandUsage(128, 512, tc.init, tc.dur); !cmp.Equal(got, tc.want) {
			t.Errorf("OnDemandUsage(128, %v, %v) = %+v, want %+v", tc.init, tc.dur, got, tc.want)
		}
	}
	got := ProvisionedUsage(1024, 1024, 10*time.Millisecond)
	want := lambdatune.Usage{Requests: 1, ProvisionedComputeMBms: 10240, StorageMBms: 5120}
	if !cmp.Equal(got, want) {
		t.Errorf("ProvisionedUsage = %+v, want %+v", got, want)
	}
}

func TestTieredPricesThroughSimulator(t *testing.T) {
	// A price table whose first tier ends after 1 GB-s: 10 invocations of 1 s at 512 MB (5 GB-s,
	// INIT free here) cost 1 GB-s at the first rate and 4 at the second; a new month starts over.
	p := lambdatune.DefaultPrices()
	p.Tiered = true
	p.Arch = map[lambdatune.Architecture]lambdatune.ArchPrices{lambdatune.X86_64: {
		Duration: []lambdatune.Tier{{UpToGBs: 1, Rate: 100000}, {Rate: 50000}},
	}}
	fn := Function{Duration: Flat{Constant(time.Second)}, Init: Constant(0)}
	start := time.Date(2025, 1, 31, 23, 55, 0, 0, time.UTC)
	ts := make([]time.Duration, 20) // 10 in January, 10 in February
	for i := range ts {
		ts[i] = time.Duration(i/10)*5*time.Minute + time.Duration(i%10)*2*time.Second
	}
	// With 10 s intervals each month's invocations span two intervals: the second one's price
	// depends on what the first billed this month.
	opts := Options{Start: start, Interval: 10 * time.Second, Prices: &p}
	dep := func() Deployment {
		return Deployment{Function: fn, Config: cfgMem(512), Arrivals: &fixedTimes{ts: slices.Clone(ts)}}
	}
	es, err := New(opts, dep())
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewInterval(opts, dep())
	if err != nil {
		t.Fatal(err)
	}
	for model, pl := range map[string]lambdatune.Platform{"event": es, "interval": is} {
		var month [2]float64 // January's intervals, then February's
		for i := range 32 {
			m, err := pl.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			month[i/30] += m.Cost.Duration
		}
		want := 1*100000e-10 + 4*50000e-10
		for i, got := range month {
			if math.Abs(got-want) > 1e-12 {
				t.Errorf("%s model, month %d: duration cost $%g, want $%g", model, i+1, got, want)
			}
		}
	}
}
