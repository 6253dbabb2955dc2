package nn

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUTimeKernels(t *testing.T) {
	if os.Getenv("NN_CPU") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m := newTestMLP(t, []int{4, 64, 64, 2}, Tanh, 7)
	x := make([]float64, 40*4)
	c := make([]float64, 40*2)
	tape := m.NewTape(40)
	for _, tc := range []struct {
		name string
		n    int
		f    func()
	}{
		{"fwd8", 20000, func() { m.Forward(tape, x[:32], 0, 8) }},
		{"fwd1", 100000, func() { m.Forward(tape, x[:4], 0, 1) }},
		{"bwd40", 3000, func() { m.Backward(tape, c, 40, nil) }},
	} {
		best := time.Hour
		for rep := 0; rep < 5; rep++ {
			s := threadCPU()
			for i := 0; i < tc.n; i++ {
				tc.f()
			}
			best = min(best, (threadCPU()-s)/time.Duration(tc.n))
		}
		t.Logf("%s: %v CPU per call", tc.name, best)
	}
}
