package lambdatune

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand"
	"strings"
	"testing"
	"testing/quick"
)

// invoke returns the usage of n invocations of ms billed milliseconds at memMB.
func invoke(n, memMB, ms int64) Usage {
	return Usage{Requests: n, ComputeMBms: n * memMB * ms}
}

func TestPricesWorkedExamples(t *testing.T) {
	p := DefaultPrices()
	tests := []struct {
		name                      string
		arch                      Architecture
		u                         Usage
		requests, duration, total float64
	}{
		// AWS pricing page style: 1M invocations of 100 ms at 512 MB on x86 = 50,000 GB-s.
		{"1M x 512MB x 100ms x86", X86_64, invoke(1_000_000, 512, 100), 0.20, 0.833335, 1.033335},
		{"same on arm64", ARM64, invoke(1_000_000, 512, 100), 0.20, 0.66667, 0.86667},
		// 3M invocations of 120 ms at 1,536 MB: 540,000 GB-s.
		{"3M x 1536MB x 120ms", X86_64, invoke(3_000_000, 1536, 120), 0.60, 9.000018, 9.600018},
		{"nothing", X86_64, Usage{}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := p.Cost(tt.arch, tt.u, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				what      string
				got, want float64
			}{{"requests", c.Requests, tt.requests}, {"duration", c.Duration, tt.duration}, {"total", c.Total(), tt.total}} {
				if math.Abs(x.got-x.want) > 1e-9 {
					t.Errorf("%s = %.9f, want %.9f", x.what, x.got, x.want)
				}
			}
		})
	}
}

func TestPricesProvisionedAndInit(t *testing.T) {
	p := DefaultPrices()
	// 10 provisioned environments of 1 GB for one hour: 36,000 GB-s of capacity.
	u := Usage{ProvisionedMBms: 10 * 1024 * 3600 * 1000, ProvisionedComputeMBms: 1024 * 1000 * 1000, InitMBms: 1024 * 1000}
	c, err := p.Cost(X86_64, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 36000 * 0.0000041667; math.Abs(c.Provisioned-want) > 1e-12 {
		t.Errorf("provisioned capacity = %v, want %v", c.Provisioned, want)
	}
	if want := 1000 * 0.0000097222; math.Abs(c.Duration-want) > 1e-12 {
		t.Errorf("provisioned duration = %v, want %v", c.Duration, want)
	}
	if want := 0.0000166667; math.Abs(c.Init-want) > 1e-15 {
		t.Errorf("init = %v, want %v", c.Init, want)
	}
}

func TestPricesTiers(t *testing.T) {
	p := DefaultPrices()
	p.Tiered = true
	const gbs = MBmsPerGBs
	// 1 GB-s straddling the 6 B GB-s boundary: half at the first rate, half at the second.
	u := Usage{ComputeMBms: gbs}
	c, err := p.Cost(X86_64, u, 6_000_000_000*gbs-gbs/2)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.5*0.0000166667 + 0.5*0.000015; math.Abs(c.Duration-want) > 1e-15 {
		t.Errorf("straddling duration = %v, want %v", c.Duration, want)
	}
	c, _ = p.Cost(X86_64, u, 20_000_000_000*gbs)
	if want := 0.0000133334; math.Abs(c.Duration-want) > 1e-15 {
		t.Errorf("top tier duration = %v, want %v", c.Duration, want)
	}
	p.Tiered = false
	c, _ = p.Cost(X86_64, u, 20_000_000_000*gbs)
	if want := 0.0000166667; math.Abs(c.Duration-want) > 1e-15 {
		t.Errorf("untiered duration = %v, want %v", c.Duration, want)
	}
}

// A million single-invocation usages summed and priced once equal the bulk price exactly.
func TestPricesNoDrift(t *testing.T) {
	p := DefaultPrices()
	var sum Usage
	for i := 0; i < 1_000_000; i++ {
		sum = sum.Add(invoke(1, 128, 1+int64(i%7)))
	}
	c, _ := p.Cost(X86_64, sum, 0)
	bulk := Usage{Requests: 1_000_000}
	for i := int64(0); i < 7; i++ {
		n := int64(1_000_000 / 7)
		if i < 1_000_000%7 {
			n++
		}
		bulk.ComputeMBms += n * 128 * (1 + i)
	}
	cb, _ := p.Cost(X86_64, bulk, 0)
	if c != cb {
		t.Errorf("summed %+v != bulk %+v", c, cb)
	}
}

func TestPricesErrors(t *testing.T) {
	p := DefaultPrices()
	if _, err := p.Cost("sparc", Usage{}, 0); err == nil {
		t.Error("unknown architecture accepted")
	}
	if _, err := p.Cost(X86_64, Usage{Requests: -1}, 0); err == nil {
		t.Error("negative usage accepted")
	}
}

func TestGBsCostLarge(t *testing.T) {
	// Products beyond 64 bits stay exact to float64 precision.
	mbms := int64(math.MaxInt64 / 2)
	got := gbsCost(mbms, 166667)
	want := float64(mbms) / MBmsPerGBs * 0.0000166667
	if math.Abs(got-want)/want > 1e-12 {
		t.Errorf("gbsCost = %g, want %g", got, want)
	}
}

// TestGBsCostExact holds gbsCost's 64-bit shortcut to the 128-bit division it stands for, and to
// exact rational arithmetic, on random usages and rates.
func TestGBsCostExact(t *testing.T) {
	f := func(mbms int64, r uint32) bool {
		mbms &= math.MaxInt64 >> 20 // up to ~8.8e12 MB·ms: products below and beyond 2^64
		rate := Rate(r)
		got := gbsCost(mbms, rate)
		if mbms <= 0 || rate <= 0 {
			return got == 0
		}
		hi, lo := bits.Mul64(uint64(mbms), uint64(rate))
		q, rem := bits.Div64(hi, lo, MBmsPerGBs)
		want := (float64(q) + float64(rem)/MBmsPerGBs) * 1e-10
		exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(mbms), big.NewInt(int64(rate))), big.NewInt(MBmsPerGBs*1e10))
		ef, _ := exact.Float64()
		return got == want && math.Abs(got-ef) <= 4e-16*ef // a few roundings: q beyond 2^53, the sum, the scaling
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20000, Rand: rand.New(rand.NewSource(1))}); err != nil {
		t.Error(err)
	}
}

// TestPricer holds Prices.For's Pricer to Prices.Cost, tiers included, and checks its errors.
func TestPricer(t *testing.T) {
	u := Usage{Requests: 1_000_000, ComputeMBms: 512 * 100 * 1_000_000, InitMBms: 7_000_000, ProvisionedComputeMBms: 3_000_000, ProvisionedMBms: 9_000_000, StorageMBms: 11_000_000}
	for _, tiered := range []bool{false, true} {
		p := DefaultPrices()
		p.Tiered = tiered
		for _, arch := range []Architecture{"", X86_64, ARM64} {
			q, err := p.For(arch)
			if err != nil {
				t.Fatal(err)
			}
			for _, month := range []int64{0, 6_000_000_000*MBmsPerGBs - 1000} {
				want, err1 := p.Cost(arch, u, month)
				got, err2 := q.Cost(u, month)
				if err1 != nil || err2 != nil || got != want {
					t.Errorf("tiered %v, %q, month %d: Pricer %+v (%v), Prices.Cost %+v (%v)", tiered, arch, month, got, err2, want, err1)
				}
			}
		}
	}
	if _, err := DefaultPrices().For("sparc"); err == nil || !strings.Contains(err.Error(), "sparc") {
		t.Errorf("For(sparc) = %v, want an error naming it", err)
	}
	p := DefaultPrices()
	q, _ := p.For(X86_64)
	before, _ := q.Cost(u, 0)
	p.Arch[X86_64].Duration[0].Rate *= 2 // the Pricer keeps its own copy
	if after, _ := q.Cost(u, 0); after != before {
		t.Errorf("Pricer changed with the Prices it came from: %+v, was %+v", after, before)
	}
	var zero Pricer
	if _, err := zero.Cost(u, 0); err == nil {
		t.Error("zero Pricer priced usage")
	}
	if _, err := q.Cost(Usage{Requests: -1}, 0); err == nil {
		t.Error("negative usage accepted")
	}
}
