package lambdatune

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Architecture is a Lambda instruction set architecture.
type Architecture string

// The architectures Lambda offers. They differ in price (arm64 is about 20 % cheaper per GB-second)
// and, for some code, in speed.
const (
	X86_64 Architecture = "x86_64"
	ARM64  Architecture = "arm64"
)

// Lambda's per-function limits (us-east-1, 2025), from the AWS Lambda developer guide
// (configuration-memory.html, configuration-timeout.html, gettingstarted-limits.html).
const (
	MinMemoryMB           = 128
	MaxMemoryMB           = 10240
	MinTimeout            = 1 * time.Second
	MaxTimeout            = 900 * time.Second
	DefaultTimeout        = 3 * time.Second
	MinEphemeralStorageMB = 512
	MaxEphemeralStorageMB = 10240
	// DefaultAccountConcurrency is the default concurrency limit of an account in a Region.
	DefaultAccountConcurrency = 1000
	// MinUnreservedConcurrency is what Lambda keeps unreserved in every account: reserved
	// concurrency can never take the account's unreserved pool below it.
	MinUnreservedConcurrency = 100
)

// Reservation is a function's reserved concurrency. The zero value means "not set": the function
// shares the account's unreserved pool. A set reservation of 0 is legal and throttles every
// invocation (it is how AWS users switch a function off).
type Reservation struct {
	Set bool // whether reserved concurrency is configured
	N   int  // the reserved concurrency when Set
}

// Reserve returns a set reservation of n concurrent executions.
func Reserve(n int) Reservation { return Reservation{Set: true, N: n} }

// String formats the reservation as AWS consoles do: "unreserved" or the number.
func (r Reservation) String() string {
	if !r.Set {
		return "unreserved"
	}
	return fmt.Sprint(r.N)
}

// Config is the part of a Lambda function's configuration that lambdatune tunes.
// The zero value is not valid; start from DefaultConfig.
type Config struct {
	// MemoryMB is the memory size in MB, 128–10,240 in 1 MB steps. CPU share grows linearly with it
	// (1,769 MB = 1 vCPU).
	MemoryMB int
	// Timeout is the maximum duration of one invocation, 1–900 s in whole seconds.
	Timeout time.Duration
	// Reserved is the reserved concurrency: both a floor and a cap for the function.
	Reserved Reservation
	// Provisioned is the provisioned concurrency (pre-initialised environments) on the tuned alias
	// or version; 0 means none. It counts toward Reserved when a reservation is set.
	Provisioned int
	// Architecture is x86_64 or arm64; empty means x86_64.
	Architecture Architecture
	// EphemeralStorageMB is the size of /tmp, 512–10,240 MB; 0 means the default 512 MB.
	EphemeralStorageMB int
}

// DefaultConfig returns what AWS gives a new function: 128 MB, 3 s, unreserved, no provisioned
// concurrency, x86_64, 512 MB of /tmp.
func DefaultConfig() Config {
	return Config{MemoryMB: MinMemoryMB, Timeout: DefaultTimeout, Architecture: X86_64, EphemeralStorageMB: MinEphemeralStorageMB}
}

// Arch returns the configuration's architecture, X86_64 when it is empty.
func (c Config) Arch() Architecture {
	if c.Architecture == "" {
		return X86_64
	}
	return c.Architecture
}

// Storage returns the ephemeral storage size in MB, 512 when it is unset.
func (c Config) Storage() int {
	if c.EphemeralStorageMB == 0 {
		return MinEphemeralStorageMB
	}
	return c.EphemeralStorageMB
}

// Normalize returns c with its defaults spelled out: the architecture x86_64 when empty and the
// ephemeral storage 512 MB when 0. Two configurations that Lambda treats alike normalize to the
// same value.
func (c Config) Normalize() Config {
	c.Architecture = c.Arch()
	c.EphemeralStorageMB = c.Storage()
	return c
}

// Equal reports whether c and d are the same configuration to Lambda (compared normalized), so
// that spelling out a default is not a change.
func (c Config) Equal(d Config) bool { return c.Normalize() == d.Normalize() }

// String formats the configuration compactly, e.g. "512MB/10s/reserved=unreserved/provisioned=0/x86_64".
func (c Config) String() string {
	return fmt.Sprintf("%dMB/%s/reserved=%s/provisioned=%d/%s", c.MemoryMB, c.Timeout, c.Reserved, c.Provisioned, c.Arch())
}

// ConfigError reports one field of a Config outside what Lambda accepts.
type ConfigError struct {
	Field   string // the Config field, e.g. "MemoryMB"
	Value   any    // the rejected value
	Allowed string // the allowed values, e.g. "an integer in [128, 10240]"
}

// Error formats the field, the value and what is allowed, e.g.
// "lambdatune: invalid config: MemoryMB = 100, want an integer in [128, 10240]".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("lambdatune: invalid config: %s = %v, want %s", e.Field, e.Value, e.Allowed)
}

// Validate checks the configuration against Lambda's per-function limits, those that hold in every
// account. It returns nil or an error joining one *ConfigError per bad field (use errors.As).
// Account-dependent limits (reserved concurrency against the account's limit) are checked by
// Limits.Validate.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, v any, allowed string) {
		errs = append(errs, &ConfigError{Field: field, Value: v, Allowed: allowed})
	}
	if c.MemoryMB < MinMemoryMB || c.MemoryMB > MaxMemoryMB {
		bad("MemoryMB", c.MemoryMB, fmt.Sprintf("an integer in [%d, %d]", MinMemoryMB, MaxMemoryMB))
	}
	if c.Timeout < MinTimeout || c.Timeout > MaxTimeout || c.Timeout%time.Second != 0 {
		bad("Timeout", c.Timeout, "a whole number of seconds in [1s, 900s]")
	}
	if c.Reserved.Set && (c.Reserved.N < 0 || c.Reserved.N > MaxConcurrency) {
		bad("Reserved.N", c.Reserved.N, fmt.Sprintf("an integer in [0, %d] when Reserved.Set", MaxConcurrency))
	}
	if !c.Reserved.Set && c.Reserved.N != 0 {
		bad("Reserved.N", c.Reserved.N, "0 when Reserved.Set is false (use Reserve(n) to set a reservation)")
	}
	if c.Provisioned < 0 || c.Provisioned > MaxConcurrency {
		bad("Provisioned", c.Provisioned, fmt.Sprintf("an integer in [0, %d]", MaxConcurrency))
	}
	if c.Reserved.Set && c.Reserved.N >= 0 && c.Provisioned > c.Reserved.N {
		bad("Provisioned", c.Provisioned, fmt.Sprintf("at most the reserved concurrency (%d)", c.Reserved.N))
	}
	switch c.Architecture {
	case "", X86_64, ARM64:
	default:
		bad("Architecture", fmt.Sprintf("%q", c.Architecture), `"x86_64" or "arm64"`)
	}
	if c.EphemeralStorageMB != 0 && (c.EphemeralStorageMB < MinEphemeralStorageMB || c.EphemeralStorageMB > MaxEphemeralStorageMB) {
		bad("EphemeralStorageMB", c.EphemeralStorageMB, fmt.Sprintf("0 (default 512) or an integer in [%d, %d]", MinEphemeralStorageMB, MaxEphemeralStorageMB))
	}
	return errors.Join(errs...)
}

// Limits are the account-level limits a configuration must also respect.
type Limits struct {
	// AccountConcurrency is the account's concurrency limit in the Region (default 1,000).
	AccountConcurrency int
	// MinUnreserved is what must stay unreserved in the account (100 on AWS).
	MinUnreserved int
	// ReservedElsewhere is the concurrency other functions of the account already reserve.
	ReservedElsewhere int
}

// DefaultLimits returns a new account's limits: 1,000 concurrent executions, 100 kept unreserved,
// nothing reserved by other functions.
func DefaultLimits() Limits {
	return Limits{AccountConcurrency: DefaultAccountConcurrency, MinUnreserved: MinUnreservedConcurrency}
}

// MaxConcurrency bounds every concurrency number: Lambda's API carries them as 32-bit integers,
// so a larger value would reach AWS as a different number from the one validated.
const MaxConcurrency = math.MaxInt32

// MaxReservable is the largest reserved concurrency one function may be given. It is negative
// when the limits are invalid (a field outside [0, MaxConcurrency], or more kept unreserved and
// reserved elsewhere than the account has), never the result of an overflow.
func (l Limits) MaxReservable() int {
	for _, v := range []int{l.AccountConcurrency, l.MinUnreserved, l.ReservedElsewhere} {
		if v < 0 || v > MaxConcurrency {
			return -1
		}
	}
	return l.AccountConcurrency - l.MinUnreserved - l.ReservedElsewhere
}

// Validate checks c with Config.Validate and then against the account: a reservation may not take the
// unreserved pool below MinUnreserved, and provisioned concurrency without a reservation may not
// exceed what the unreserved pool can hold.
func (l Limits) Validate(c Config) error {
	var errs []error
	if l.AccountConcurrency <= 0 || l.AccountConcurrency > MaxConcurrency {
		errs = append(errs, fmt.Errorf("lambdatune: invalid limits: AccountConcurrency = %d, want in [1, %d]", l.AccountConcurrency, MaxConcurrency))
	}
	if l.MinUnreserved < 0 || l.ReservedElsewhere < 0 || l.MaxReservable() < 0 {
		errs = append(errs, fmt.Errorf("lambdatune: invalid limits: MinUnreserved = %d, ReservedElsewhere = %d, want both in [0, %d] and their sum <= AccountConcurrency (%d)",
			l.MinUnreserved, l.ReservedElsewhere, MaxConcurrency, l.AccountConcurrency))
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	max := l.MaxReservable()
	if c.Reserved.Set && c.Reserved.N > max {
		errs = append(errs, &ConfigError{Field: "Reserved.N", Value: c.Reserved.N,
			Allowed: fmt.Sprintf("at most %d (account limit %d - %d kept unreserved - %d reserved by other functions)", max, l.AccountConcurrency, l.MinUnreserved, l.ReservedElsewhere)})
	}
	if !c.Reserved.Set && c.Provisioned > max {
		errs = append(errs, &ConfigError{Field: "Provisioned", Value: c.Provisioned,
			Allowed: fmt.Sprintf("at most %d (account limit %d - %d kept unreserved - %d reserved by other functions)", max, l.AccountConcurrency, l.MinUnreserved, l.ReservedElsewhere)})
	}
	return errors.Join(errs...)
}
