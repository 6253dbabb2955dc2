package workload_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

func ExampleNewSeries() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := workload.NewSeries(start, time.Minute, []float64{4, 0, 6, 2})
	if err != nil {
		log.Fatal(err)
	}
	st := s.Stats()
	fmt.Printf("%d intervals to %s, total %.0f, mean %.1f, peak %.0f, empty %.0f%%\n",
		s.Len(), s.End().Format("15:04"), st.Total, st.Mean, st.Peak, 100*st.EmptyShare)

	_, err = workload.NewSeries(start, time.Minute, []float64{1, -3})
	fmt.Println(err)
	// Output:
	// 4 intervals to 00:04, total 12, mean 3.0, peak 6, empty 25%
	// workload: Series.Counts[1] = -3, want a finite value >= 0
}

func ExampleSeries_Resample() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s, _ := workload.NewSeries(start, time.Minute, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	five, _ := s.Resample(5 * time.Minute) // sums
	half, _ := five.Resample(150 * time.Second)
	fmt.Println(five.Counts, half.Counts)
	_, err := s.Resample(3 * time.Minute)
	fmt.Println(err)
	// Output:
	// [15 40] [7.5 7.5 20 20]
	// workload: cannot resample: length 10 is not a multiple of 3 (step 1m0s to 3m0s); Slice to a multiple first
}

func ExampleOriginalTraining() {
	// The original project's training load, 30 days of 5-minute intervals.
	s, err := workload.OriginalTraining(workload.OriginalGrid(workload.OriginalTrainingLen), 1)
	if err != nil {
		log.Fatal(err)
	}
	st := s.Stats()
	fmt.Printf("mean %.0f, peak %.0f, bursts every %d intervals\n", st.Mean, st.Peak, st.DominantPeriod)
	// Output:
	// mean 111, peak 246, bursts every 50 intervals
}

func ExampleOriginalPeriodic() {
	g := workload.OriginalGrid(2000)
	for _, gen := range []func(workload.Grid, uint64) (workload.Series, error){
		workload.OriginalBursty, workload.OriginalPeriodic, workload.OriginalIrregular,
	} {
		s, err := gen(g, 7)
		if err != nil {
			log.Fatal(err)
		}
		st := s.Stats()
		fmt.Printf("mean %3.0f  CV %.2f  period %3d\n", st.Mean, st.CV, st.DominantPeriod)
	}
	// Output:
	// mean 196  CV 0.37  period  80
	// mean 101  CV 0.42  period 188
	// mean 130  CV 0.65  period   0
}

func ExamplePoissonArrivals() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s, _ := workload.NewSeries(start, time.Minute, []float64{2, 0, 3})
	rng := rand.New(rand.NewPCG(1, 2)) // same seed, same arrivals
	a, err := workload.PoissonArrivals(s, rng)
	if err != nil {
		log.Fatal(err)
	}
	for {
		at, ok := a.Next()
		if !ok {
			break
		}
		fmt.Println(at.Round(time.Millisecond))
	}
	// Output:
	// 17.794s
	// 19.834s
	// 20.929s
	// 2m31.585s
	// 2m49.884s
	// 2m58.576s
}

func ExampleExactCountArrivals() {
	// A trace's per-minute counts: exactly that many arrivals per minute.
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s, _ := workload.NewSeries(start, time.Minute, []float64{3, 0, 1})
	a, err := workload.ExactCountArrivals(s, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	binned, _, err := workload.Bin(a, start, time.Minute, s.Len())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(binned.Counts)
	// Output:
	// [3 0 1]
}

func ExampleRateArrivals() {
	// The rate ramps linearly between interval midpoints instead of jumping.
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s, _ := workload.NewSeries(start, time.Minute, []float64{0, 600, 0})
	n := make([]int, 6) // arrivals per 30 s
	a, err := workload.RateArrivals(s, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		log.Fatal(err)
	}
	for {
		at, ok := a.Next()
		if !ok {
			break
		}
		n[at/(30*time.Second)]++
	}
	fmt.Println(n) // expected [0 75 225 225 75 0]
	// Output:
	// [0 71 226 239 77 0]
}

func ExampleTimestampArrivals() {
	a, err := workload.TimestampArrivals([]time.Duration{0, 1500 * time.Millisecond, 4 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	for at, ok := a.Next(); ok; at, ok = a.Next() {
		fmt.Println(at)
	}
	_, err = workload.TimestampArrivals([]time.Duration{2 * time.Second, time.Second})
	fmt.Println(err)
	// Output:
	// 0s
	// 1.5s
	// 4s
	// workload: timestamps[1] = 1s is before timestamps[0] = 2s, want non-decreasing
}

func ExampleSum() {
	// Four weeks of a business web API: a daily cycle peaking at 14:00, quiet
	// weekends, a flash crowd on the second Tuesday, capped at 300 per
	// 5 minutes by a rate limit, with 10 % noise.
	g := workload.Grid{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Step: 5 * time.Minute, Len: 28 * 288}
	daily, _ := workload.Diurnal(g, workload.DiurnalConfig{Mean: 100, Amplitude: 0.7, PeakHour: 14})
	weekly, _ := workload.Weekly(g, workload.WeeklyConfig{Mean: 1, WeekendFactor: 0.3})
	crowd, _ := workload.FlashCrowd(g, workload.FlashCrowdConfig{
		At: g.Start.Add(8*24*time.Hour + 10*time.Hour), Peak: 400, Rise: 10 * time.Minute, Decay: time.Hour,
	})
	base, _ := workload.Product(daily, weekly)
	load, _ := workload.Sum(base, crowd)
	load, _ = load.Clip(0, 300)
	load, err := workload.Jitter(load, 0.1, 42)
	if err != nil {
		log.Fatal(err)
	}
	st := load.Stats()
	fmt.Printf("mean %.0f, peak %.0f, period %.1f days\n", st.Mean, st.Peak, float64(st.DominantPeriod)/288)
	// Output:
	// mean 100, peak 360, period 7.0 days
}

func ExampleTimer() {
	// A cron job every 15 minutes, seen in 5-minute intervals.
	g := workload.Grid{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Step: 5 * time.Minute, Len: 288}
	s, _ := workload.Timer(g, workload.TimerConfig{Every: 15 * time.Minute, Count: 1})
	st := s.Stats()
	fmt.Printf("%v... total %.0f, empty %.0f%%, period %d\n", s.Counts[:6], st.Total, 100*st.EmptyShare, st.DominantPeriod)
	// Output:
	// [1 0 0 1 0 0]... total 96, empty 67%, period 3
}

func ExampleReadPlainCSV() {
	in := `timestamp,count
2024-01-01T00:00:00Z,12
2024-01-01T00:05:00Z,9
2024-01-01T00:15:00Z,14
`
	_, err := workload.ReadPlainCSV(context.Background(), strings.NewReader(in), workload.PlainCSVOptions{})
	fmt.Println(err)
	s, err := workload.ReadPlainCSV(context.Background(), strings.NewReader(in), workload.PlainCSVOptions{FillGaps: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Step, s.Counts)
	// Output:
	// workload: 4:1: column "timestamp": timestamp 2024-01-01T00:15:00Z leaves a gap after 2024-01-01T00:05:00Z (step 5m0s), want consecutive intervals (PlainCSVOptions.FillGaps fills gaps with 0)
	// 5m0s [12 9 0 14]
}

func ExampleReadAzure2019Invocations() {
	day := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC) // the trace records no date
	fs, err := workload.ReadFile(context.Background(), "../testdata/traces/az2019_top10_fullday_invocations.csv",
		func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
			return workload.ReadAzure2019Invocations(ctx, r, day)
		})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fs[:3] {
		st := f.Series.Stats()
		fmt.Printf("%s… %-6s mean %6.1f/min  peak %4.0f  CV %.2f\n", f.Function[:8], f.Trigger, st.Mean, st.Peak, st.CV)
	}
	// Output:
	// 47658c9c… http   mean  195.8/min  peak  197  CV 0.04
	// 2b373145… event  mean  759.5/min  peak  760  CV 0.00
	// f8c5d1ba… queue  mean  246.9/min  peak  247  CV 0.00
}

func ExampleGroupByFunction() {
	f, err := os.Open("../testdata/traces/az2021_first199_invocations.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	invs, err := workload.ReadAzure2021(context.Background(), f)
	if err != nil {
		log.Fatal(err)
	}
	fns := workload.GroupByFunction(invs)
	busiest := fns[0]
	for _, fn := range fns {
		if len(fn.Starts) > len(busiest.Starts) {
			busiest = fn
		}
	}
	s, err := busiest.Series(time.Date(2021, 1, 31, 0, 0, 0, 0, time.UTC), time.Minute, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d functions; the busiest has %d invocations, per minute: %v\n", len(fns), len(busiest.Starts), s.Counts)
	// Output:
	// 31 functions; the busiest has 32 invocations, per minute: [16 0 0 0 0 0 0 0 0 0 16]
}
