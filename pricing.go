package lambdatune

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// Usage is what AWS bills for a function over some span, in integer units so that sums over
// millions of invocations are exact. Add usages with Add, and price them once with Prices.Cost.
//
// The unit MB·ms is one megabyte held for one millisecond: AWS's GB-second is 1,024,000 MB·ms.
// Duration is billed per invocation rounded up to 1 ms, times the configured memory.
type Usage struct {
	// Requests is the number of billed requests (invocations that ran, including errors and timeouts;
	// throttled requests are not billed).
	Requests int64
	// ComputeMBms is on-demand duration: memory × billed milliseconds of invocations that ran on
	// on-demand environments (the INIT phase excluded).
	ComputeMBms int64
	// InitMBms is the INIT phase of on-demand cold starts, billed at the on-demand duration rate since
	// 2025-08-01.
	InitMBms int64
	// ProvisionedComputeMBms is duration of invocations that ran on provisioned environments, billed at
	// the lower provisioned duration rate.
	ProvisionedComputeMBms int64
	// ProvisionedMBms is provisioned capacity: memory × milliseconds during which provisioned
	// concurrency was enabled, counted per environment (AWS rounds each enablement up to 5 minutes).
	ProvisionedMBms int64
	// StorageMBms is ephemeral storage above the free 512 MB, times billed duration.
	StorageMBms int64
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		Requests:               u.Requests + v.Requests,
		ComputeMBms:            u.ComputeMBms + v.ComputeMBms,
		InitMBms:               u.InitMBms + v.InitMBms,
		ProvisionedComputeMBms: u.ProvisionedComputeMBms + v.ProvisionedComputeMBms,
		ProvisionedMBms:        u.ProvisionedMBms + v.ProvisionedMBms,
		StorageMBms:            u.StorageMBms + v.StorageMBms,
	}
}

// Cost is a bill in US dollars, split as the AWS pricing page splits it.
type Cost struct {
	Requests    float64 // request charges
	Duration    float64 // on-demand and provisioned duration charges (INIT excluded)
	Init        float64 // INIT phase of on-demand cold starts
	Provisioned float64 // provisioned concurrency capacity
	Storage     float64 // ephemeral storage above 512 MB
}

// Total returns the whole bill.
func (c Cost) Total() float64 { return c.Requests + c.Duration + c.Init + c.Provisioned + c.Storage }

// Add returns the sum of c and d.
func (c Cost) Add(d Cost) Cost {
	return Cost{c.Requests + d.Requests, c.Duration + d.Duration, c.Init + d.Init, c.Provisioned + d.Provisioned, c.Storage + d.Storage}
}

// Rate is a price in units of 1e-10 USD (a tenth of a nano-dollar). Every Lambda list price is a
// whole number of these units, so no price is rounded.
type Rate int64

// USD returns the rate in dollars.
func (r Rate) USD() float64 { return float64(r) * 1e-10 }

// Tier is one step of a monthly tiered price: Rate applies to usage below UpToGBs GB-seconds of the
// month (0 means no upper bound).
type Tier struct {
	// UpToGBs is the month's GB-seconds at which the tier ends; 0 for the last, unbounded tier.
	UpToGBs int64
	// Rate is the price per GB-second within the tier.
	Rate Rate
}

// ArchPrices are the per-GB-second prices of one architecture.
type ArchPrices struct {
	// Duration are the on-demand duration tiers, per GB-s, lowest usage first; the last tier is unbounded.
	Duration []Tier
	// ProvisionedCapacity is per GB-s of provisioned concurrency enabled.
	ProvisionedCapacity Rate
	// ProvisionedDuration is per GB-s of invocations on provisioned environments.
	ProvisionedDuration Rate
}

// Prices is a Lambda price table. The simulator and the AWS adapter share one (DefaultPrices) so
// that simulated and measured costs are comparable.
type Prices struct {
	// Request is the price of one request.
	Request Rate
	// Storage is per GB-s of ephemeral storage above 512 MB.
	Storage Rate
	// Arch holds the per-architecture prices.
	Arch map[Architecture]ArchPrices
	// Tiered applies the monthly duration tiers (AWS applies them per account and Region); when false,
	// the first tier's rate is used for all usage, which is what a single function with less than
	// 6 billion GB-s a month pays.
	Tiered bool
}

// DefaultPrices returns the us-east-1 list prices (aws.amazon.com/lambda/pricing, 2025), without
// the free tier, without tiering.
func DefaultPrices() Prices {
	return Prices{
		Request: 2000, // $0.20 per 1M requests
		Storage: 309,  // $0.0000000309 per GB-s
		Arch: map[Architecture]ArchPrices{
			X86_64: {
				Duration:            []Tier{{6_000_000_000, 166667}, {15_000_000_000, 150000}, {0, 133334}},
				ProvisionedCapacity: 41667,
				ProvisionedDuration: 97222,
			},
			ARM64: {
				Duration:            []Tier{{7_500_000_000, 133334}, {18_750_000_000, 120001}, {0, 106667}},
				ProvisionedCapacity: 33334,
				ProvisionedDuration: 77778,
			},
		},
	}
}

// MBmsPerGBs is the number of MB·ms in one GB-second.
const MBmsPerGBs = 1024 * 1000

// Cost prices u for a function of architecture arch. monthToDateMBms is the account's on-demand
// duration (compute and INIT) already billed this month before u; it only matters when Tiered is set.
func (p Prices) Cost(arch Architecture, u Usage, monthToDateMBms int64) (Cost, error) {
	q, err := p.pricer(arch)
	if err != nil {
		return Cost{}, err
	}
	return q.Cost(u, monthToDateMBms)
}

// Pricer prices usage on one architecture: Prices.Cost with the architecture's prices looked up
// once, for simulators that price every interval of millions.
type Pricer struct {
	request, storage Rate
	tiered           bool
	arch             ArchPrices
}

// For returns the Pricer of architecture arch ("" means x86_64), a copy of p's prices for it, or an
// error naming it when p has no duration prices for it.
func (p Prices) For(arch Architecture) (Pricer, error) {
	q, err := p.pricer(arch)
	q.arch.Duration = slices.Clone(q.arch.Duration) // later changes to p do not reach the Pricer
	return q, err
}

// pricer is For sharing p's tiers (for one use, without an allocation).
func (p Prices) pricer(arch Architecture) (Pricer, error) {
	if arch == "" {
		arch = X86_64
	}
	ap, ok := p.Arch[arch]
	if !ok || len(ap.Duration) == 0 {
		return Pricer{}, fmt.Errorf("lambdatune: no prices for architecture %q", arch)
	}
	return Pricer{request: p.Request, storage: p.Storage, tiered: p.Tiered, arch: ap}, nil
}

// Cost prices u as Prices.Cost does for the Pricer's architecture.
func (q *Pricer) Cost(u Usage, monthToDateMBms int64) (Cost, error) {
	if len(q.arch.Duration) == 0 {
		return Cost{}, errors.New("lambdatune: Pricer not made by Prices.For")
	}
	if u.Requests < 0 || u.ComputeMBms < 0 || u.InitMBms < 0 || u.ProvisionedComputeMBms < 0 || u.ProvisionedMBms < 0 || u.StorageMBms < 0 || monthToDateMBms < 0 {
		return Cost{}, fmt.Errorf("lambdatune: negative usage %+v (month to date %d MB·ms)", u, monthToDateMBms)
	}
	ap := &q.arch
	c := Cost{
		Requests:    float64(u.Requests) * q.request.USD(),
		Provisioned: gbsCost(u.ProvisionedMBms, ap.ProvisionedCapacity),
		Storage:     gbsCost(u.StorageMBms, q.storage),
	}
	c.Duration = gbsCost(u.ProvisionedComputeMBms, ap.ProvisionedDuration)
	// Compute and INIT share the duration tiers; INIT is priced after compute in the same span.
	c.Duration += tiered(q.tiered, ap.Duration, monthToDateMBms, u.ComputeMBms)
	c.Init = tiered(q.tiered, ap.Duration, monthToDateMBms+u.ComputeMBms, u.InitMBms)
	return c, nil
}

// tiered prices mbms of on-demand duration starting after `before` MB·ms of the month, by the
// first tier's rate alone unless on.
func tiered(on bool, tiers []Tier, before, mbms int64) float64 {
	if !on {
		return gbsCost(mbms, tiers[0].Rate)
	}
	var usd float64
	lo := before
	for _, t := range tiers {
		if mbms <= 0 {
			break
		}
		if t.UpToGBs > 0 {
			upper := t.UpToGBs * MBmsPerGBs
			if lo >= upper {
				continue
			}
			n := min(mbms, upper-lo)
			usd += gbsCost(n, t.Rate)
			mbms -= n
			lo += n
			continue
		}
		usd += gbsCost(mbms, t.Rate)
		mbms = 0
	}
	return usd
}

// gbsCost returns mbms × rate / MBmsPerGBs in dollars, exactly up to the final float64 rounding:
// the product is formed in 128 bits.
func gbsCost(mbms int64, r Rate) float64 {
	if mbms <= 0 || r <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(mbms), uint64(r))
	// Split the 128-bit product by the divisor: q (whole 1e-10 USD units) and rem.
	if hi >= MBmsPerGBs {
		// Beyond 1.8e19 × 1.024e6 units: fall back to float arithmetic (relative error ~1e-16).
		return float64(mbms) * float64(r) / MBmsPerGBs * 1e-10
	}
	var q, rem uint64
	if hi == 0 { // the usual case: a division by a constant, done by multiplying
		q, rem = lo/MBmsPerGBs, lo%MBmsPerGBs
	} else {
		q, rem = bits.Div64(hi, lo, MBmsPerGBs)
	}
	return (float64(q) + float64(rem)/MBmsPerGBs) * 1e-10
}
