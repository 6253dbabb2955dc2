package lambdasim

import (
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
)

// ProvisionedBillingIncrement is the granularity of provisioned-concurrency capacity billing: each
// enablement is billed from enable to disable rounded up to 5 minutes (aws.amazon.com/lambda/pricing).
const ProvisionedBillingIncrement = 5 * time.Minute

// BilledMillis returns d rounded up to a whole millisecond, as Lambda bills duration (0 for d ≤ 0).
func BilledMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return (int64(d) + int64(time.Millisecond) - 1) / int64(time.Millisecond)
}

// OnDemandUsage returns the billed quantities of one invocation on an on-demand environment: one
// request, memory × duration rounded up to 1 ms, and, for a cold start, the INIT phase. Lambda rounds
// INIT and duration together (the REPORT line's Billed Duration is ceil(init + duration)); the INIT
// share is that total minus the rounded duration, so the two add up exactly. Ephemeral storage above
// 512 MB is billed over the same time.
func OnDemandUsage(memoryMB, storageMB int, init, duration time.Duration) lambdatune.Usage {
	var u lambdatune.Usage
	addOnDemand(&u, int64(memoryMB), extraStorage(storageMB), int64(init), int64(duration))
	return u
}

// ProvisionedUsage returns the billed quantities of one invocation on a provisioned environment:
// one request and memory × duration rounded up to 1 ms at the provisioned duration rate (there is no
// INIT: provisioned environments are initialised in advance and that is covered by the capacity
// charge). Capacity itself is metered by ProvisionedMeter.
func ProvisionedUsage(memoryMB, storageMB int, duration time.Duration) lambdatune.Usage {
	var u lambdatune.Usage
	addProvisioned(&u, int64(memoryMB), extraStorage(storageMB), int64(duration))
	return u
}

func extraStorage(storageMB int) int64 {
	if storageMB <= lambdatune.MinEphemeralStorageMB {
		return 0
	}
	return int64(storageMB - lambdatune.MinEphemeralStorageMB)
}

func billedMs(ns int64) int64 {
	if ns <= 0 {
		return 0
	}
	return (ns + 999_999) / 1_000_000
}

func addOnDemand(u *lambdatune.Usage, mem, extraStorageMB, initNs, durNs int64) {
	d := billedMs(durNs)
	total := d
	if initNs > 0 {
		total = billedMs(initNs + durNs)
	}
	u.Requests++
	u.ComputeMBms += mem * d
	u.InitMBms += mem * (total - d)
	u.StorageMBms += extraStorageMB * total
}

func addProvisioned(u *lambdatune.Usage, mem, extraStorageMB, durNs int64) {
	d := billedMs(durNs)
	u.Requests++
	u.ProvisionedComputeMBms += mem * d
	u.StorageMBms += extraStorageMB * d
}

// ProvisionedMeter meters provisioned-concurrency capacity (Usage.ProvisionedMBms) as AWS bills it:
// memory × time for every enabled environment, from enable to disable, each enablement rounded up to
// ProvisionedBillingIncrement. Billing starts when the configuration is applied, not when the
// environments are ready. Times are offsets on the simulator's clock. The zero value has nothing
// enabled.
type ProvisionedMeter struct {
	level    int   // environments enabled
	memoryMB int64 // memory of the enabled environments
	last     int64 // µs of the last Advance or Set
	carry    int64 // MB·µs not yet reported as whole MB·ms
	pending  int64 // MB·ms of rounding charged by disables, not yet reported
	segs     []provSegment
}

type provSegment struct {
	n     int
	since int64 // µs
}

// Level returns the number of environments enabled.
func (m *ProvisionedMeter) Level() int { return m.level }

// Set changes the enabled level to n environments of memoryMB at time at (not before the last call).
// A memory change disables every environment and enables the new ones (a new version), so each old
// enablement is rounded up on its own.
func (m *ProvisionedMeter) Set(at time.Duration, n, memoryMB int) error {
	if n < 0 || memoryMB < 0 {
		return fmt.Errorf("lambdasim: ProvisionedMeter.Set(%d environments, %d MB), want both >= 0", n, memoryMB)
	}
	us := int64(at) / 1000
	if us < m.last {
		return fmt.Errorf("lambdasim: ProvisionedMeter.Set at %v, before the last metered time %v", at, time.Duration(m.last*1000))
	}
	m.accrue(us)
	if int64(memoryMB) != m.memoryMB && m.level > 0 {
		m.disable(us, m.level)
		m.level = 0
	}
	m.memoryMB = int64(memoryMB)
	if n > m.level {
		m.segs = append(m.segs, provSegment{n: n - m.level, since: us})
	} else if n < m.level {
		m.disable(us, m.level-n)
	}
	m.level = n
	return nil
}

// disable removes k environments, newest enablements first, charging each enablement's rounding.
func (m *ProvisionedMeter) disable(us int64, k int) {
	inc := int64(ProvisionedBillingIncrement / time.Microsecond)
	for k > 0 && len(m.segs) > 0 {
		s := &m.segs[len(m.segs)-1]
		take := min(k, s.n)
		held := us - s.since
		billed := (held + inc - 1) / inc * inc
		if held == 0 {
			billed = inc
		}
		m.carry += int64(take) * m.memoryMB * (billed - held)
		m.pending += m.carry / 1000
		m.carry %= 1000
		s.n -= take
		k -= take
		if s.n == 0 {
			m.segs = m.segs[:len(m.segs)-1]
		}
	}
}

func (m *ProvisionedMeter) accrue(us int64) {
	if us > m.last {
		m.carry += int64(m.level) * m.memoryMB * (us - m.last)
		m.pending += m.carry / 1000
		m.carry %= 1000
		m.last = us
	}
}

// Advance meters up to time at and returns the MB·ms accrued since the previous Advance (including
// the rounding of enablements disabled meanwhile).
func (m *ProvisionedMeter) Advance(at time.Duration) int64 {
	m.accrue(int64(at) / 1000)
	p := m.pending
	m.pending = 0
	return p
}
