package lambdasim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// ivBenchFunction is the function the interval benchmarks run: a Python API whose 455 ms mean at
// 512 MB is mostly CPU.
func ivBenchFunction() Function {
	return Function{Name: "api", Duration: CPUModel{CPUTime: 120 * time.Millisecond, IOTime: 40 * time.Millisecond, Spread: 0.4}, Runtime: RuntimePython}
}

func ivBenchConfig() lambdatune.Config {
	c := lambdatune.DefaultConfig()
	c.MemoryMB = 512
	return c
}

// ivBenchSeries is the seed's bursty pattern at ten times its rate (about 33 requests/s, 15 busy
// environments on average) over n one-minute intervals.
func ivBenchSeries(tb testing.TB, n int) workload.Series {
	s, err := workload.SeedBursty(ivGrid(n), 1)
	if err != nil {
		tb.Fatal(err)
	}
	return ivScale(s, 10)
}

func ivNewBench(tb testing.TB, s workload.Series) *IntervalSim {
	l, err := NewLoad(s, 1)
	if err != nil {
		tb.Fatal(err)
	}
	is, err := NewInterval(Options{Seed: 1}, Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l})
	if err != nil {
		tb.Fatal(err)
	}
	return is
}

// BenchmarkIntervalModel steps the interval model through a month of one-minute intervals of the
// bursty pattern (one op = one function-minute) and reports function-minutes per second.
func BenchmarkIntervalModel(b *testing.B) { benchIntervalMonth(b, nil) }

// BenchmarkIntervalModelRL is BenchmarkIntervalModel with a new configuration every interval, drawn
// from a small action set (memory × provisioned concurrency), as an RL agent drives it.
func BenchmarkIntervalModelRL(b *testing.B) {
	var actions []lambdatune.Config
	for _, mem := range []int{256, 512, 1024, 1769, 3008} {
		for _, p := range []int{0, 5, 20} {
			c := ivBenchConfig()
			c.MemoryMB, c.Provisioned = mem, p
			actions = append(actions, c)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	benchIntervalMonth(b, func(ctx context.Context, is *IntervalSim) error {
		return is.Apply(ctx, actions[r.IntN(len(actions))])
	})
}

// benchIntervalMonth steps fresh interval models through months of the bursty pattern, calling
// before (if set) ahead of every step, and reports function-minutes per second (model rebuilds
// excluded).
func benchIntervalMonth(b *testing.B, before func(context.Context, *IntervalSim) error) {
	const month = 30 * 24 * 60
	s := ivBenchSeries(b, month)
	ctx := context.Background()
	is := ivNewBench(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	paused := time.Duration(0)
	for i := 0; i < b.N; i++ {
		if i > 0 && i%month == 0 {
			b.StopTimer()
			p := time.Now()
			is = ivNewBench(b, s)
			paused += time.Since(p)
			b.StartTimer()
		}
		if before != nil {
			if err := before(ctx, is); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := is.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start) - paused
	b.ReportMetric(float64(b.N)/el.Seconds(), "fn-min/s")
}

// BenchmarkIntervalSpeedup runs one day of the seed's bursty pattern at 1, 10 and 100 times its
// rate (about 3, 33 and 330 requests/s) through both models, one op being the day in each, and
// reports each model's nanoseconds per simulated function-minute and their ratio. The event model's
// cost grows with the requests, the interval model's barely with the concurrency. On a shared machine
// timings are noisy, so each model's best day over the ops (the interval model's over five runs per
// op) is what counts.
func BenchmarkIntervalSpeedup(b *testing.B) {
	const day = 24 * 60
	for _, scale := range []float64{1, 10, 100} {
		b.Run(fmt.Sprintf("x%g", scale), func(b *testing.B) {
			s0, err := workload.SeedBursty(ivGrid(day), 1)
			if err != nil {
				b.Fatal(err)
			}
			s := ivScale(s0, scale)
			ctx := context.Background()
			evBest, ivBest := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			for range b.N {
				l, err := NewLoad(s, 1)
				if err != nil {
					b.Fatal(err)
				}
				es, err := New(Options{Seed: 1}, Deployment{Function: ivBenchFunction(), Config: ivBenchConfig(), Arrivals: l})
				if err != nil {
					b.Fatal(err)
				}
				t := time.Now()
				for range day {
					if _, err := es.Next(ctx); err != nil {
						b.Fatal(err)
					}
				}
				evBest = min(evBest, time.Since(t))
				for range 5 {
					is := ivNewBench(b, s)
					t = time.Now()
					for range day {
						if _, err := is.Next(ctx); err != nil {
							b.Fatal(err)
						}
					}
					ivBest = min(ivBest, time.Since(t))
				}
			}
			b.ReportMetric(float64(evBest)/day, "event-ns/fn-min")
			b.ReportMetric(float64(ivBest)/day, "interval-ns/fn-min")
			b.ReportMetric(float64(evBest)/float64(ivBest), "speedup")
		})
	}
}
