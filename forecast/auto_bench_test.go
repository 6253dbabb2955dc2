package forecast

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkAutoFit times selection plus fit (period detection, the
// backtest of every candidate, calibration and the final refit) on a
// function-day of the Azure 2019 traces: the 70 % training part (1,008
// minutes) of each of the 45 functions in turn ("all", reporting the mean
// and the slowest per function-day), and of the slowest one alone
// (top10#7, which chooses GBDT with three seasonal lags). Run with -cpu 1
// for one core; cpu-ms is the process's CPU time, which a busy machine does
// not inflate as it does the wall time.
func BenchmarkAutoFit(b *testing.B) {
	days := loadTraceDays(b)
	ctx := context.Background()
	fit := func(b *testing.B, d traceDay) time.Duration {
		split := len(d.values) * 7 / 10
		start := time.Now()
		if err := NewAuto().Fit(ctx, d.values[:split], d.times[:split]); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.Run("all", func(b *testing.B) {
		var worst time.Duration
		cpu := processCPU()
		for b.Loop() {
			for _, d := range days {
				worst = max(worst, fit(b, d))
			}
		}
		n := float64(b.N * len(days))
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/n, "ms/fn-day")
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/n, "cpu-ms/fn-day")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/fn-day")
	})
	i := slices.IndexFunc(days, func(d traceDay) bool { return d.name == "top10#7" })
	b.Run("top10#7", func(b *testing.B) {
		cpu := processCPU()
		for b.Loop() {
			fit(b, days[i])
		}
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	})
}

// BenchmarkAutoPredict times a forecast and a 0.9 quantile forecast 1 and
// 5 steps ahead from a day of history, with the costliest model to predict
// (GBDT with seasonal lags, on top10#7). Both must not allocate.
func BenchmarkAutoPredict(b *testing.B) {
	days := loadTraceDays(b)
	d := days[slices.IndexFunc(days, func(d traceDay) bool { return d.name == "top10#7" })]
	split := len(d.values) * 7 / 10
	a := NewAuto()
	if err := a.Fit(context.Background(), d.values[:split], d.times[:split]); err != nil {
		b.Fatal(err)
	}
	if sel, _ := a.Selection(); sel.Family != FamilyGBDT {
		b.Fatalf("chose %s, want GBDT", sel.Chosen)
	}
	for _, h := range []int{1, 5} {
		dst := make([]float64, h)
		b.Run("point/h="+string(rune('0'+h)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := a.PredictTo(dst, d.values, d.times); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("q0.9/h="+string(rune('0'+h)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := a.PredictQuantileTo(dst, d.values, d.times, 0.9); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
