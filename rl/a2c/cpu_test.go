//go:build linux

package a2c

import (
	"context"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestCPUTimePerStep reports the thread CPU time per environment step of A2C training
// on CartPole (8 envs). Wall-clock benchmarks are unreliable on a shared machine; this
// measures only the time the training thread actually ran (Linux RUSAGE_THREAD).
// Run with A2C_CPU=1 go test ./rl/a2c -run CPUTime -v.
func TestCPUTimePerStep(t *testing.T) {
	if os.Getenv("A2C_CPU") == "" {
		t.Skip("set A2C_CPU=1")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v := cartPoleVec(t, 8)
	m := newModel(t, v, DefaultConfig())
	if err := m.Learn(context.Background(), v, 400); err != nil {
		t.Fatal(err)
	}
	var p Progress
	best := time.Hour
	for rep := 0; rep < 5; rep++ {
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(1, &ru0)
		const updates = 2000
		for i := 0; i < updates; i++ {
			if err := m.collect(); err != nil {
				t.Fatal(err)
			}
			m.train(0.5, &p)
		}
		syscall.Getrusage(1, &ru1)
		d := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano()) / (updates * 40)
		best = min(best, d)
	}
	obs := []float64{0.01, -0.02, 0.03, 0.04}
	bestP := time.Hour
	for rep := 0; rep < 5; rep++ {
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(1, &ru0)
		for i := 0; i < 20000; i++ {
			m.Predict(obs, true)
		}
		syscall.Getrusage(1, &ru1)
		bestP = min(bestP, time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano())/20000)
	}
	t.Logf("training: %v CPU per env step (%.0f steps per CPU-second); Predict: %v CPU", best, float64(time.Second)/float64(best), bestP)
}
