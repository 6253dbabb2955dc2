package lambdasim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lambdatune/lambdatune"
)

// MBPerVCPU is the memory that buys one full vCPU: Lambda allocates CPU in proportion to memory, and a
// function with 1,769 MB has the equivalent of one vCPU (AWS Lambda developer guide,
// configuration-memory.html).
const MBPerVCPU = 1769

// VCPUs returns the CPU share of a function with memoryMB of memory: memoryMB / 1,769 vCPUs, linear
// over the whole range (10,240 MB ≈ 5.79 vCPUs).
func VCPUs(memoryMB int) float64 { return float64(memoryMB) / MBPerVCPU }

// VisibleCores returns the number of cores the function's code sees (what runtime.NumCPU reports):
// 2 up to 3,008 MB, 3 up to 5,307 MB, 4 up to 7,076 MB, 5 up to 8,845 MB, 6 above (measured by
// github.com/rwnx/lambda-cpuinfo; the AWS News Blog of Dec 2020 announced 6 vCPUs at 10 GB).
func VisibleCores(memoryMB int) int {
	switch {
	case memoryMB <= 3008:
		return 2
	case memoryMB <= 5307:
		return 3
	case memoryMB <= 7076:
		return 4
	case memoryMB <= 8845:
		return 5
	}
	return 6
}

// A DurationModel gives a function's service time (the Duration CloudWatch reports, INIT excluded)
// under a memory size and architecture. The simulator asks once per configuration, never per
// invocation, so implementations may be slow. Implementations in this package: Flat, CPUModel and
// Measured.
type DurationModel interface {
	// ServiceTime returns the distribution of one invocation's duration, or an error naming what is
	// wrong with the model.
	ServiceTime(memoryMB int, arch lambdatune.Architecture) (Dist, error)
}

// Flat is a service time that does not depend on the configuration (flat across memory sizes and
// architectures): plain constant or exponential service times, as in queueing models and SimFaaS
// (Mahmoudi & Khazaei, "SimFaaS: a performance simulator for serverless computing platforms",
// CLOSER 2021).
type Flat struct {
	// Dist is the service time at every memory size and architecture.
	Dist Dist
}

// Fixed is the former name of Flat.
//
// Deprecated: use Flat; Fixed read like lambdatune.Fixed, the fixed-configuration policy.
type Fixed = Flat

// ServiceTime returns f.Dist whatever the configuration.
func (f Flat) ServiceTime(int, lambdatune.Architecture) (Dist, error) {
	if err := f.Dist.Validate("Flat.Dist", true); err != nil {
		return Dist{}, err
	}
	return f.Dist, nil
}

// CPUModel describes a function by what it does: CPUTime of computation measured at one full vCPU,
// which speeds up in proportion to the CPU share (VCPUs) up to the Parallelism the code can use,
// plus IOTime of waiting (network, storage) that memory does not change. The mean duration at
// memory m is
//
//	IOTime + CPUTime / min(VCPUs(m), Parallelism)
//
// and each invocation is drawn from a lognormal with that mean and log-sigma Spread. A
// single-threaded function (Parallelism 1) stops speeding up at 1,769 MB; below it, halving the
// memory doubles the CPU part: the shape of the curves AWS Lambda Power Tuning typically measures
// (github.com/alexcasalboni/aws-lambda-power-tuning).
type CPUModel struct {
	// CPUTime is the CPU-bound work at one vCPU.
	CPUTime time.Duration
	// Parallelism is how many vCPUs the code can keep busy (threads, goroutines); 0 means 1.
	Parallelism float64
	// IOTime is the part that does not depend on CPU.
	IOTime time.Duration
	// Spread is the log-sigma of the lognormal spread around the mean; 0 means deterministic.
	Spread float64
	// ARM64Factor multiplies the duration on arm64 (e.g. 0.9 for code 10 % faster on Graviton);
	// 0 means 1.
	ARM64Factor float64
}

// Mean returns the model's mean duration at memoryMB on arch.
func (m CPUModel) Mean(memoryMB int, arch lambdatune.Architecture) time.Duration {
	p := m.Parallelism
	if p == 0 {
		p = 1
	}
	d := float64(m.IOTime) + float64(m.CPUTime)/math.Min(VCPUs(memoryMB), p)
	if arch == lambdatune.ARM64 && m.ARM64Factor != 0 {
		d *= m.ARM64Factor
	}
	return time.Duration(d)
}

// ServiceTime implements DurationModel.
func (m CPUModel) ServiceTime(memoryMB int, arch lambdatune.Architecture) (Dist, error) {
	switch {
	case m.CPUTime < 0 || m.IOTime < 0 || m.CPUTime+m.IOTime <= 0:
		return Dist{}, fmt.Errorf("lambdasim: CPUModel CPUTime = %v, IOTime = %v, want both >= 0 and a positive sum", m.CPUTime, m.IOTime)
	case m.Parallelism < 0 || math.IsNaN(m.Parallelism):
		return Dist{}, fmt.Errorf("lambdasim: CPUModel.Parallelism = %g, want >= 0 (0 means 1)", m.Parallelism)
	case m.Spread < 0 || m.Spread > 3 || math.IsNaN(m.Spread):
		return Dist{}, fmt.Errorf("lambdasim: CPUModel.Spread = %g, want a log-sigma in [0, 3]", m.Spread)
	case !(m.ARM64Factor >= 0 && m.ARM64Factor <= maxFactor):
		return Dist{}, fmt.Errorf("lambdasim: CPUModel.ARM64Factor = %g, want in (0, %g] (0 means 1)", m.ARM64Factor, float64(maxFactor))
	case memoryMB <= 0:
		return Dist{}, fmt.Errorf("lambdasim: memory %d MB, want > 0", memoryMB)
	}
	mean := m.Mean(memoryMB, arch)
	if err := checkMean("CPUModel", mean); err != nil {
		return Dist{}, err
	}
	return LogNormalMean(mean, m.Spread), nil
}

// maxFactor bounds ARM64Factor, and maxMean the mean duration a model may give (a day: far past
// Lambda's 15-minute timeout, far below where time.Duration overflows).
const (
	maxFactor = 100
	maxMean   = 24 * time.Hour
)

// checkMean refuses a mean duration the model computed out of range (a huge CPUTime divided by
// a tiny share, a factor that overflows).
func checkMean(model string, mean time.Duration) error {
	if mean <= 0 || mean > maxMean {
		return fmt.Errorf("lambdasim: %s gives a mean duration of %v, want in (0, %v]", model, mean, maxMean)
	}
	return nil
}

// MemoryDuration is one measurement: the mean duration of a function at a memory size, as AWS Lambda
// Power Tuning reports it (its "duration" per "power" value).
type MemoryDuration struct {
	// MemoryMB is the memory size measured ("power").
	MemoryMB int
	// Mean is the mean duration measured at it ("duration").
	Mean time.Duration
}

// Measured describes a function by measured mean durations per memory size. Between two measured
// sizes the mean is interpolated linearly in 1/memory, which is exact for a CPU-bound part that
// scales with the CPU share (CPUModel); outside the measured range the nearest measurement is used
// unchanged (no extrapolation). Each invocation is drawn from a lognormal with that mean and log-sigma
// Spread.
type Measured struct {
	// Points are the measurements, in any order, at distinct memory sizes.
	Points []MemoryDuration
	// Spread is the log-sigma of the lognormal spread; 0 means deterministic.
	Spread float64
	// ARM64Factor multiplies the duration on arm64 (the table is taken as x86_64); 0 means 1.
	ARM64Factor float64
}

// Mean returns the interpolated mean duration at memoryMB on arch.
func (m Measured) Mean(memoryMB int, arch lambdatune.Architecture) (time.Duration, error) {
	if len(m.Points) == 0 {
		return 0, fmt.Errorf("lambdasim: Measured.Points is empty, want at least one measurement")
	}
	pts := slices.Clone(m.Points)
	slices.SortFunc(pts, func(a, b MemoryDuration) int { return a.MemoryMB - b.MemoryMB })
	for i, p := range pts {
		if p.MemoryMB <= 0 || p.Mean <= 0 {
			return 0, fmt.Errorf("lambdasim: Measured.Points has %d MB → %v, want memory > 0 and mean > 0", p.MemoryMB, p.Mean)
		}
		if i > 0 && pts[i-1].MemoryMB == p.MemoryMB {
			return 0, fmt.Errorf("lambdasim: Measured.Points has %d MB twice, want distinct memory sizes", p.MemoryMB)
		}
	}
	var d float64
	switch {
	case memoryMB <= pts[0].MemoryMB:
		d = float64(pts[0].Mean)
	case memoryMB >= pts[len(pts)-1].MemoryMB:
		d = float64(pts[len(pts)-1].Mean)
	default:
		i, _ := slices.BinarySearchFunc(pts, memoryMB, func(p MemoryDuration, m int) int { return p.MemoryMB - m })
		lo, hi := pts[i-1], pts[i]
		x, x0, x1 := 1/float64(memoryMB), 1/float64(lo.MemoryMB), 1/float64(hi.MemoryMB)
		w := (x - x0) / (x1 - x0)
		d = float64(lo.Mean) + w*(float64(hi.Mean)-float64(lo.Mean))
	}
	if arch == lambdatune.ARM64 && m.ARM64Factor != 0 {
		d *= m.ARM64Factor
	}
	return time.Duration(d), nil
}

// ServiceTime implements DurationModel.
func (m Measured) ServiceTime(memoryMB int, arch lambdatune.Architecture) (Dist, error) {
	if m.Spread < 0 || m.Spread > 3 || math.IsNaN(m.Spread) {
		return Dist{}, fmt.Errorf("lambdasim: Measured.Spread = %g, want a log-sigma in [0, 3]", m.Spread)
	}
	if !(m.ARM64Factor >= 0 && m.ARM64Factor <= maxFactor) {
		return Dist{}, fmt.Errorf("lambdasim: Measured.ARM64Factor = %g, want in (0, %g] (0 means 1)", m.ARM64Factor, float64(maxFactor))
	}
	mean, err := m.Mean(memoryMB, arch)
	if err != nil {
		return Dist{}, err
	}
	if err := checkMean("Measured", mean); err != nil {
		return Dist{}, err
	}
	return LogNormalMean(mean, m.Spread), nil
}

// Runtime names a Lambda runtime family, for its typical INIT duration.
type Runtime string

// Runtimes with INIT presets.
const (
	RuntimeGo     Runtime = "go"     // provided.al2023 with a Go binary
	RuntimeRust   Runtime = "rust"   // provided.al2023 with a Rust binary
	RuntimePython Runtime = "python" // python3.12
	RuntimeNode   Runtime = "nodejs" // nodejs20.x / 22.x
	RuntimeJava   Runtime = "java"   // java21 without SnapStart
	RuntimeDotnet Runtime = "dotnet" // dotnet8
)

// Init returns the INIT duration of a hello-world function on the runtime: a lognormal whose ±1σ
// range is the range measured by github.com/maxday/lambda-perf (Dec 2025): go 40–55 ms,
// rust 11–16 ms, python3.12 71–102 ms, nodejs 118–142 ms, java21 and dotnet8 about 262 ms.
// Real applications load more code and take hundreds of milliseconds to seconds: scale the preset
// (Dist.Scale) or give your own distribution.
func (r Runtime) Init() (Dist, error) {
	lo, hi := 0.0, 0.0
	switch r {
	case RuntimeGo:
		lo, hi = 40, 55
	case RuntimeRust:
		lo, hi = 11, 16
	case RuntimePython:
		lo, hi = 71, 102
	case RuntimeNode:
		lo, hi = 118, 142
	case RuntimeJava, RuntimeDotnet:
		lo, hi = 240, 285
	default:
		return Dist{}, fmt.Errorf("lambdasim: unknown runtime %q, want one of go, rust, python, nodejs, java, dotnet", r)
	}
	median := math.Sqrt(lo * hi)
	return LogNormal(time.Duration(median*float64(time.Millisecond)), math.Log(hi/lo)/2), nil
}
