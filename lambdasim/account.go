package lambdasim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune"
)

// account is what both models take from Options and share between their functions: the clock, the
// limits, the prices, the provisioning delay and its random stream, the scaling rate and the month
// the duration tiers count in. newAccount fills in the defaults and checks every option, so the two
// models accept and refuse the same Options.
type account struct {
	start       time.Time
	now         int64 // virtual time, ns since start: the end of the last interval simulated
	interval    int64 // ns
	limits      lambdatune.Limits
	prices      lambdatune.Prices
	provDly     Dist
	rng         *rand.Rand    // provisioning delays
	scaleBurst  int           // new environments a function may start at once
	scalePeriod time.Duration // in which that burst refills

	monthStart time.Time
	monthMBms  int64 // on-demand MB·ms billed this calendar month (for tiered prices)
	nextMonth  int64 // offset of the next calendar month's start, ns

	reserved int // the reserved concurrency of the simulated functions, a running total
}

// newAccount returns the account opts describe for a model called name (for errors) running
// deployments, which must not be empty.
func newAccount(name string, opts Options, deployments []Deployment) (account, error) {
	a := account{start: opts.Start, interval: int64(opts.Interval), limits: opts.Limits, provDly: opts.ProvisioningDelay}
	if len(deployments) == 0 {
		return a, fmt.Errorf("lambdasim: %s needs at least one Deployment", name)
	}
	if a.start.IsZero() {
		a.start = DefaultStart()
	}
	if a.interval == 0 {
		a.interval = int64(DefaultInterval)
	}
	if a.interval < int64(time.Millisecond) {
		return a, fmt.Errorf("lambdasim: Options.Interval = %v, want >= 1ms (0 means %v)", opts.Interval, DefaultInterval)
	}
	if a.limits == (lambdatune.Limits{}) {
		a.limits = lambdatune.DefaultLimits()
	}
	if opts.Prices != nil {
		a.prices = *opts.Prices
	} else {
		a.prices = lambdatune.DefaultPrices()
	}
	if a.provDly.IsZero() {
		a.provDly = Uniform(time.Minute, 2*time.Minute)
	}
	if err := a.provDly.Validate("Options.ProvisioningDelay", false); err != nil {
		return a, err
	}
	a.scaleBurst, a.scalePeriod = opts.ScalingBurst, opts.ScalingPeriod
	if a.scaleBurst == 0 {
		a.scaleBurst = DefaultScalingBurst
	}
	if a.scalePeriod == 0 {
		a.scalePeriod = DefaultScalingPeriod
	}
	if a.scaleBurst < 0 || a.scalePeriod < 0 {
		return a, fmt.Errorf("lambdasim: Options.ScalingBurst = %d, ScalingPeriod = %v, want both > 0 (0 means 1000 per 10s)", opts.ScalingBurst, opts.ScalingPeriod)
	}
	a.rng = rand.New(rand.NewPCG(opts.Seed, 0x6c616d626461))
	a.monthStart = monthOf(a.start)
	a.nextMonth = int64(a.monthStart.AddDate(0, 1, 0).Sub(a.start))
	return a, nil
}

// clock returns the virtual clock: the end of the last interval simulated.
func (a *account) clock() time.Time { return a.start.Add(time.Duration(a.now)) }

// startInterval starts the duration tiers' count again when the interval beginning at offset t0
// (ns) opens a new calendar month.
func (a *account) startInterval(t0 int64) {
	if t0 < a.nextMonth {
		return
	}
	if m := monthOf(a.start.Add(time.Duration(t0))); !m.Equal(a.monthStart) {
		a.monthStart, a.monthMBms = m, 0
	}
	a.nextMonth = int64(a.monthStart.AddDate(0, 1, 0).Sub(a.start))
}

// bill prices one interval's usage u with p after the month's on-demand duration so far, and
// counts u's in.
func (a *account) bill(p *lambdatune.Pricer, u lambdatune.Usage) (lambdatune.Cost, error) {
	c, err := p.Cost(u, a.monthMBms)
	if err == nil && a.prices.Tiered {
		a.monthMBms += u.ComputeMBms + u.InitMBms
	}
	return c, err
}

// deploymentName is function i's name: its Function.Name, or fn<i>.
func deploymentName(i int, d Deployment) string {
	if d.Function.Name != "" {
		return d.Function.Name
	}
	return fmt.Sprintf("fn%d", i)
}

// checkDeployments validates every deployment's initial configuration against the account (the
// reserved concurrency of the others counted) and returns the prices of each one's architecture.
func (a *account) checkDeployments(deployments []Deployment) ([]lambdatune.Pricer, error) {
	reserved := 0
	for _, d := range deployments {
		if d.Config.Reserved.Set {
			reserved += d.Config.Reserved.N
		}
	}
	a.reserved = reserved
	pricers := make([]lambdatune.Pricer, len(deployments))
	var errs []error
	for i, d := range deployments {
		l := a.limits
		l.ReservedElsewhere += reserved
		if d.Config.Reserved.Set {
			l.ReservedElsewhere -= d.Config.Reserved.N
		}
		err := l.Validate(d.Config)
		if err == nil {
			pricers[i], err = a.prices.For(d.Config.Arch())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("lambdasim: %s: initial config: %w", deploymentName(i, d), err))
		}
	}
	return pricers, errors.Join(errs...)
}

// checkApply validates c for function i of s, priced by cur, against the account (the reserved
// concurrency of the other functions counted), before anything changes, and returns the prices of
// c's architecture (cur when it is the function's present one).
func (a *account) checkApply(s simulation, i int, c lambdatune.Config, cur lambdatune.Pricer) (lambdatune.Pricer, error) {
	l := a.limits
	l.ReservedElsewhere += a.reserved - reservation(s.functionConfig(i))
	err := l.Validate(c)
	if err == nil && c.Arch() != s.functionConfig(i).Arch() {
		cur, err = a.prices.For(c.Arch())
	}
	if err != nil {
		return cur, fmt.Errorf("lambdasim: %s: apply %v: %w", s.functionName(i), c, err)
	}
	return cur, nil
}

// reservation returns c's reserved concurrency, 0 without one.
func reservation(c lambdatune.Config) int {
	if c.Reserved.Set {
		return c.Reserved.N
	}
	return 0
}

// reservationChanged counts a function's change of configuration from old to c in the running
// total of reservations.
func (a *account) reservationChanged(old, c lambdatune.Config) {
	a.reserved += reservation(c) - reservation(old)
}

// unreservedCap returns the account concurrency left to the functions without a reservation.
func (a *account) unreservedCap() int {
	return a.limits.AccountConcurrency - a.limits.ReservedElsewhere - a.reserved
}
