package awsadapter

import (
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// guard limits the change cur -> want by the guardrails at time now. It returns the configuration to
// apply, one note per limit, and whether the dwell time held the configuration entirely.
func (p *Platform) guard(now time.Time, cur, want lambdatune.Config) (lambdatune.Config, []string, bool) {
	g := p.o.guard
	if want == cur {
		return cur, nil, false
	}
	if !p.lastChange.IsZero() && g.MinDwell > 0 {
		if since := now.Sub(p.lastChange); since < g.MinDwell {
			return cur, []string{fmt.Sprintf("dwell: last change %v ago, minimum %v: configuration kept", since.Round(time.Second), g.MinDwell)}, true
		}
	}
	// Budgets used in the last hour.
	cutoff := now.Add(-time.Hour)
	keep := p.changes[:0]
	var used Delta
	for _, c := range p.changes {
		if c.at.After(cutoff) {
			keep = append(keep, c)
			d := delta(c.from, c.to)
			used.MemoryMB += d.MemoryMB
			used.Timeout += d.Timeout
			used.Reserved += d.Reserved
			used.Provisioned += d.Provisioned
		}
	}
	p.changes = keep

	var notes []string
	note := func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }
	out := want
	b := g.Bounds

	// Memory.
	out.MemoryMB = bound("MemoryMB", want.MemoryMB, b.MinMemoryMB, b.MaxMemoryMB, note)
	out.MemoryMB = step("MemoryMB", cur.MemoryMB, out.MemoryMB, g.MaxStep.MemoryMB, g.MaxPerHour.MemoryMB, used.MemoryMB, note)

	// Timeout, in whole seconds.
	ts := bound("Timeout (s)", int(want.Timeout/time.Second), int(b.MinTimeout/time.Second), int(b.MaxTimeout/time.Second), note)
	ts = step("Timeout (s)", int(cur.Timeout/time.Second), ts, int(g.MaxStep.Timeout/time.Second), int(g.MaxPerHour.Timeout/time.Second), int(used.Timeout/time.Second), note)
	out.Timeout = time.Duration(ts) * time.Second

	// Reserved concurrency.
	if want.Reserved.Set {
		n := bound("Reserved", want.Reserved.N, b.MinReserved, orNoBound(b.MaxReserved), note)
		if cur.Reserved.Set {
			n = step("Reserved", cur.Reserved.N, n, g.MaxStep.Reserved, g.MaxPerHour.Reserved, used.Reserved, note)
			out.Reserved = lambdatune.Reserve(n)
		} else if over(n, g.MaxStep.Reserved, g.MaxPerHour.Reserved, used.Reserved) {
			note("Reserved: reserving %d from the unreserved pool exceeds the step or hourly budget: kept unreserved", n)
			out.Reserved = cur.Reserved
		} else {
			out.Reserved = lambdatune.Reserve(n)
		}
	} else if cur.Reserved.Set && over(cur.Reserved.N, g.MaxStep.Reserved, g.MaxPerHour.Reserved, used.Reserved) {
		note("Reserved: releasing a reservation of %d exceeds the step or hourly budget: kept", cur.Reserved.N)
		out.Reserved = cur.Reserved
	}

	// Provisioned concurrency.
	out.Provisioned = bound("Provisioned", want.Provisioned, 0, orNoBound(b.MaxProvisioned), note)
	out.Provisioned = step("Provisioned", cur.Provisioned, out.Provisioned, g.MaxStep.Provisioned, g.MaxPerHour.Provisioned, used.Provisioned, note)
	if out.Reserved.Set && out.Provisioned > out.Reserved.N {
		note("Provisioned: %d limited to the reservation %d", out.Provisioned, out.Reserved.N)
		out.Provisioned = out.Reserved.N
	}
	return out, notes, false
}

// orNoBound returns the upper bound hi, or math.MaxInt when hi is negative (no bound).
func orNoBound(hi int) int {
	if hi < 0 {
		return math.MaxInt
	}
	return hi
}

// bound limits v to [lo, hi].
func bound(field string, v, lo, hi int, note func(string, ...any)) int {
	switch {
	case v < lo:
		note("%s: %d below the bound %d", field, v, lo)
		return lo
	case v > hi:
		note("%s: %d above the bound %d", field, v, hi)
		return hi
	}
	return v
}

// step limits the move from cur to v by the per-step limit and the hourly budget left (0 = no limit).
func step(field string, cur, v, maxStep, perHour, used int, note func(string, ...any)) int {
	d := v - cur
	if d == 0 {
		return v
	}
	abs := max(d, -d)
	allowed := abs
	if maxStep > 0 && allowed > maxStep {
		allowed = maxStep
		note("%s: change %d -> %d exceeds the step limit %d", field, cur, v, maxStep)
	}
	if perHour > 0 && allowed > perHour-used {
		allowed = max(0, perHour-used)
		note("%s: change %d -> %d exceeds the hourly budget (%d of %d used)", field, cur, v, used, perHour)
	}
	if d < 0 {
		return cur - allowed
	}
	return cur + allowed
}

// over reports whether a change of size n exceeds the step limit or the hourly budget left.
func over(n, maxStep, perHour, used int) bool {
	return (maxStep > 0 && n > maxStep) || (perHour > 0 && n > perHour-used)
}

// delta is the size of the change from a to b per dimension; setting or removing a reservation of n
// counts as n.
func delta(a, b lambdatune.Config) Delta {
	d := Delta{
		MemoryMB:    abs(b.MemoryMB - a.MemoryMB),
		Timeout:     max(b.Timeout-a.Timeout, a.Timeout-b.Timeout),
		Provisioned: abs(b.Provisioned - a.Provisioned),
	}
	switch {
	case a.Reserved.Set && b.Reserved.Set:
		d.Reserved = abs(b.Reserved.N - a.Reserved.N)
	case a.Reserved.Set:
		d.Reserved = a.Reserved.N
	case b.Reserved.Set:
		d.Reserved = b.Reserved.N
	}
	return d
}

func abs(x int) int { return max(x, -x) }
