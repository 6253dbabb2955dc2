package harness

import (
	"fmt"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/lambdasim"
)

// Profile is a function under test: its code's model, its latency SLO, and the configuration every
// strategy starts from.
type Profile struct {
	// Name labels the profile in reports ("cpu", "io", "java").
	Name string
	// Function is the simulator's model of the code.
	Function lambdasim.Function
	// SLO is the latency bound each request is held to.
	SLO time.Duration
	// Config is the starting configuration, and the static strategy's.
	Config lambdatune.Config
}

// start is the configuration every profile starts from: a common hand-picked choice (1,024 MB, a
// 10 s timeout), no reserved or provisioned concurrency.
func start() lambdatune.Config {
	c := lambdatune.DefaultConfig()
	c.MemoryMB = 1024
	c.Timeout = 10 * time.Second
	return c
}

// CPUBound is a Python function doing 250 ms of single-threaded computation at one vCPU plus 50 ms
// of I/O, with a lognormal spread of 0.25, and a 700 ms INIT (heavy libraries). Its duration halves
// with every doubling of memory up to 1,769 MB (one vCPU): about 480 ms at 1,024 MB. SLO 1 s: a
// warm invocation at 1,024 MB meets it (p99 ≈ 0.85 s), a cold one (INIT + duration ≈ 1.2 s)
// misses it; below 1,024 MB warm invocations start missing it too.
func CPUBound() Profile {
	return Profile{
		Name: "cpu",
		Function: lambdasim.Function{
			Name:     "cpu",
			Duration: lambdasim.CPUModel{CPUTime: 250 * time.Millisecond, Parallelism: 1, IOTime: 50 * time.Millisecond, Spread: 0.25},
			Init:     lambdasim.LogNormal(700*time.Millisecond, 0.15),
			Runtime:  lambdasim.RuntimePython,
		},
		SLO:    time.Second,
		Config: start(),
	}
}

// IOBound is a Node.js API handler that waits 150 ms on downstream calls and computes 20 ms at one
// vCPU, spread 0.3, with a 400 ms INIT (the AWS SDK and a framework). Memory barely changes its
// duration above 512 MB (about 220 ms there, 185 ms at 1,024 MB). SLO 500 ms: warm invocations meet
// it (p99 ≈ 0.4 s at 512 MB), cold ones (≈ 0.6 s) miss it.
func IOBound() Profile {
	return Profile{
		Name: "io",
		Function: lambdasim.Function{
			Name:     "io",
			Duration: lambdasim.CPUModel{CPUTime: 20 * time.Millisecond, Parallelism: 1, IOTime: 150 * time.Millisecond, Spread: 0.3},
			Init:     lambdasim.LogNormal(400*time.Millisecond, 0.2),
			Runtime:  lambdasim.RuntimeNode,
		},
		SLO:    500 * time.Millisecond,
		Config: start(),
	}
}

// HeavyInit is a Java function with a 1.5 s INIT (a framework's dependency injection and class
// loading, the range real Java functions measure without SnapStart), 100 ms of computation at one
// vCPU and 30 ms of I/O, spread 0.2: about 200 ms at 1,024 MB. SLO 500 ms: every warm invocation
// meets it, no cold one can.
func HeavyInit() Profile {
	return Profile{
		Name: "java",
		Function: lambdasim.Function{
			Name:     "java",
			Duration: lambdasim.CPUModel{CPUTime: 100 * time.Millisecond, Parallelism: 1, IOTime: 30 * time.Millisecond, Spread: 0.2},
			Init:     lambdasim.LogNormal(1500*time.Millisecond, 0.15),
			Runtime:  lambdasim.RuntimeJava,
		},
		SLO:    500 * time.Millisecond,
		Config: start(),
	}
}

// Profiles returns the three standard profiles: CPUBound, IOBound and HeavyInit.
func Profiles() []Profile { return []Profile{CPUBound(), IOBound(), HeavyInit()} }

// ProfileByName returns the standard profile with the given name.
func ProfileByName(name string) (Profile, error) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("harness: unknown profile %q, want cpu, io or java", name)
}

// WithMeanDuration returns p with its duration model scaled so that the mean at memoryMB is mean
// (a trace's measured average at its memory size); how duration changes with memory stays the
// profile's. The SLO scales by the same factor (it was set relative to the duration), and the
// starting timeout covers four mean durations at the starting memory size (at least 10 s, at
// most Lambda's 900 s). Only CPUModel profiles can be scaled.
func (p Profile) WithMeanDuration(mean time.Duration, memoryMB int) (Profile, error) {
	m, ok := p.Function.Duration.(lambdasim.CPUModel)
	if !ok {
		return Profile{}, fmt.Errorf("harness: profile %q: cannot rescale a %T duration model", p.Name, p.Function.Duration)
	}
	if mean <= 0 || mean > lambdatune.MaxTimeout {
		return Profile{}, fmt.Errorf("harness: mean duration %v, want a duration in (0, %v]", mean, lambdatune.MaxTimeout)
	}
	if memoryMB < lambdatune.MinMemoryMB || memoryMB > lambdatune.MaxMemoryMB {
		return Profile{}, fmt.Errorf("harness: memory %d MB, want an integer in [%d, %d]", memoryMB, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
	}
	k := float64(mean) / float64(m.Mean(memoryMB, lambdatune.X86_64))
	m.CPUTime = time.Duration(float64(m.CPUTime) * k)
	m.IOTime = time.Duration(float64(m.IOTime) * k)
	p.Function.Duration = m
	p.SLO = time.Duration(float64(p.SLO) * k).Round(time.Millisecond)
	timeout := (4*m.Mean(p.Config.MemoryMB, p.Config.Arch()) + time.Second - 1).Truncate(time.Second)
	p.Config.Timeout = min(max(timeout, 10*time.Second), lambdatune.MaxTimeout)
	return p, nil
}
