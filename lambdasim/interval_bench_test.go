package lambdasim

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
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
	s, err := workload.OriginalBursty(ivGrid(n), 1)
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

// BenchmarkIntervalStepFloor steps the interval model where its queueing work is least: 60
// requests a minute of a 20 ms function (about 0.02 busy environments, a level or two), so that
// what it measures is the part of a step every interval pays (pricing, percentiles, rounding, the
// Metrics).
func BenchmarkIntervalStepFloor(b *testing.B) {
	s := ivConst(max(b.N, 1)+1, 60)
	l, err := NewLoad(s, 1)
	if err != nil {
		b.Fatal(err)
	}
	fn := Function{Name: "tiny", Duration: CPUModel{CPUTime: 5 * time.Millisecond, IOTime: 15 * time.Millisecond, Spread: 0.3}, Runtime: RuntimeGo}
	is, err := NewInterval(Options{Seed: 1}, Deployment{Function: fn, Config: ivBenchConfig(), Arrivals: l})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if _, err := is.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpuTime()-cpu0, b.N)
}

// reportCPU reports n function-minutes over CPU time cpu as fn-min/cpu-s: on a shared machine,
// less sensitive to other processes than the wall-clock figures.
func reportCPU(b *testing.B, cpu time.Duration, n int) {
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "fn-min/cpu-s")
	}
}

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
	start, cpu0 := time.Now(), cpuTime()
	paused, cpuPaused := time.Duration(0), time.Duration(0)
	for i := 0; i < b.N; i++ {
		if i > 0 && i%month == 0 {
			b.StopTimer()
			p, pc := time.Now(), cpuTime()
			is = ivNewBench(b, s)
			paused += time.Since(p)
			cpuPaused += cpuTime() - pc
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
	reportCPU(b, cpuTime()-cpu0-cpuPaused, b.N)
}

// BenchmarkIntervalSpeedup runs one day of a workload through both models, one op being the day in
// each, and reports the request rate, each model's nanoseconds per simulated function-minute and
// their ratio. The workloads are TestIntervalParity's: the seed's three patterns at their own rates
// (1.7-3.3 requests/s) and at ten times them, the real Azure trace (10 requests/s, unreserved and
// with a reserved concurrency of 8), provisioned concurrency, a keep-alive drawn from an exponential
// law, and the bursty pattern at a hundred times its rate. The event model's cost grows with the requests, the interval model's with the
// concurrency, so their ratio grows with the load. On a shared machine timings are noisy, so each
// model's best day over the ops (the interval model's over five runs per op) is what counts.
func BenchmarkIntervalSpeedup(b *testing.B) {
	const day = 24 * 60
	byName := map[string]ivScenario{}
	for _, sc := range ivParityScenarios() {
		byName[sc.name] = sc
	}
	for _, w := range []struct {
		name, scenario string
		scale          float64
	}{
		{"seed-bursty", "bursty", 0.1},
		{"seed-periodic", "periodic", 0.1},
		{"seed-irregular", "irregular", 0.1},
		{"seed-bursty-x10", "bursty", 1},
		{"seed-periodic-x10", "periodic", 1},
		{"seed-irregular-x10", "irregular", 1},
		{"azure-top10", "trace top10#9", 1},
		{"azure-top10-reserved-8", "trace top10#9 reserved 8", 1},
		{"seed-periodic-x10-provisioned-25", "periodic provisioned 25", 1},
		{"seed-irregular-x3-exponential-keep-alive", "irregular random keep-alive", 1},
		{"seed-bursty-x100", "bursty", 10},
	} {
		b.Run(w.name, func(b *testing.B) {
			sc, ok := byName[w.scenario]
			if !ok {
				b.Fatalf("no parity scenario %q", w.scenario)
			}
			s := ivScale(sc.series(b), w.scale)
			ctx := context.Background()
			mk := func() Deployment {
				l, err := NewLoad(s, 1)
				if err != nil {
					b.Fatal(err)
				}
				return Deployment{Function: sc.fn, Config: sc.cfg, Arrivals: l}
			}
			evBest, ivBest := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			for range b.N {
				es, err := New(Options{Seed: 1}, mk())
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
					is, err := NewInterval(Options{Seed: 1}, mk())
					if err != nil {
						b.Fatal(err)
					}
					t = time.Now()
					for range day {
						if _, err := is.Next(ctx); err != nil {
							b.Fatal(err)
						}
					}
					ivBest = min(ivBest, time.Since(t))
				}
			}
			var n float64
			for _, c := range s.Counts[:day] {
				n += c
			}
			b.ReportMetric(n/(day*60), "req/s")
			b.ReportMetric(float64(evBest)/day, "event-ns/fn-min")
			b.ReportMetric(float64(ivBest)/day, "interval-ns/fn-min")
			b.ReportMetric(float64(evBest)/float64(ivBest), "speedup")
		})
	}
}

// BenchmarkIntervalDay runs one day of parity scenarios on the interval model (one op = one
// function-minute) and reports fn-min/cpu-s per scenario: the seed's bursty pattern at its own rate
// and at ten times it, the Azure trace with a reserved concurrency that binds, 25 provisioned
// environments, a keep-alive drawn from an exponential law (the warm pool's geometric tail) and
// the sparse Java function (expected sample percentiles).
func BenchmarkIntervalDay(b *testing.B) {
	byName := map[string]ivScenario{}
	for _, sc := range ivParityScenarios() {
		byName[sc.name] = sc
	}
	for _, name := range []string{"bursty at the seed's rate", "bursty", "trace top10#9 reserved 8", "periodic provisioned 25", "irregular random keep-alive", "trace sparse java"} {
		sc := byName[name]
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			s := sc.series(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			var cpu time.Duration
			for done := 0; done < b.N; {
				b.StopTimer()
				l, err := NewLoad(s, 1)
				if err != nil {
					b.Fatal(err)
				}
				is, err := NewInterval(Options{Seed: 1}, Deployment{Function: sc.fn, Config: sc.cfg, Arrivals: l, SLO: sc.slo})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				for range min(s.Len(), b.N-done) {
					if _, err := is.Next(ctx); err != nil {
						b.Fatal(err)
					}
					done++
				}
				cpu += cpuTime() - c0
			}
			reportCPU(b, cpu, b.N)
		})
	}
}
