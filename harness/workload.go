package harness

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

// Workload is a named load: invocations per interval. Random workloads draw a new series from each
// seed; a trace gives the same series for every seed (only the arrivals inside each interval and
// the platform's draws change).
type Workload struct {
	// Name labels the workload in reports.
	Name string
	// Series returns the load for a seed.
	Series func(seed uint64) (workload.Series, error)
	// MeanDuration and MemoryMB, when set, are the function's measured average duration and memory
	// size (from a trace): the profile's duration model is scaled to that mean at that size.
	MeanDuration time.Duration
	MemoryMB     int
}

// SyntheticNames are the names Synthetic knows.
var SyntheticNames = []string{"bursty", "periodic", "irregular", "diurnal"}

// Synthetic returns one of the standard synthetic workloads on a grid of days one-minute intervals
// starting at midnight UTC on 2026-01-05 (a Monday):
//
//   - bursty, periodic, irregular: the original project's evaluation patterns (workload.OriginalBursty,
//     OriginalPeriodic, OriginalIrregular), read as invocations per minute (about 3.3, 1.7 and 2.2
//     requests per second);
//   - diurnal: a daily cycle of mean 150 a minute swinging ±80 % with its peak at 14:00, with 10 %
//     multiplicative noise (workload.Diurnal, workload.Jitter).
func Synthetic(name string, days float64) (Workload, error) {
	n := int(days * 24 * 60)
	if n < 1 || days > 366 {
		return Workload{}, fmt.Errorf("harness: days = %v, want a number in [1/1440, 366]", days)
	}
	g := workload.Grid{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Step: time.Minute, Len: n}
	var gen func(seed uint64) (workload.Series, error)
	switch name {
	case "bursty":
		gen = func(seed uint64) (workload.Series, error) { return workload.OriginalBursty(g, seed) }
	case "periodic":
		gen = func(seed uint64) (workload.Series, error) { return workload.OriginalPeriodic(g, seed) }
	case "irregular":
		gen = func(seed uint64) (workload.Series, error) { return workload.OriginalIrregular(g, seed) }
	case "diurnal":
		gen = func(seed uint64) (workload.Series, error) {
			s, err := workload.Diurnal(g, workload.DiurnalConfig{Mean: 150, Amplitude: 0.8, PeakHour: 14})
			if err != nil {
				return workload.Series{}, err
			}
			return workload.Jitter(s, 0.1, seed)
		}
	default:
		return Workload{}, fmt.Errorf("harness: unknown workload %q, want one of %s", name, strings.Join(SyntheticNames, ", "))
	}
	return Workload{Name: name, Series: gen}, nil
}

// AzureFiles names the files of one day of the Azure Functions 2019 trace (Shahrad et al., ATC
// 2020; CC BY 4.0): the per-minute invocations and, optionally, the durations and memory files.
type AzureFiles struct {
	Invocations, Durations, Memory string
}

// AzureTrace reads the functions of an Azure 2019 trace day whose hash (owner, app or function)
// starts with match ("" matches all), at most limit of them (0: all), each as a workload named
// "azure-<function hash prefix>". With a durations file each workload carries the function's
// average duration; with a memory file, its app's average allocated memory (rounded to a Lambda
// size; 128 MB without one).
func AzureTrace(ctx context.Context, f AzureFiles, match string, limit int) ([]Workload, error) {
	day := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)
	counts, err := workload.ReadFile(ctx, f.Invocations, func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
		return workload.ReadAzure2019Invocations(ctx, r, day)
	})
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	durations := map[workload.FunctionID]workload.DurationPercentiles{}
	if f.Durations != "" {
		ds, err := workload.ReadFile(ctx, f.Durations, workload.ReadAzure2019Durations)
		if err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
		for _, d := range ds {
			durations[d.FunctionID] = d
		}
	}
	memory := map[[2]string]float64{}
	if f.Memory != "" {
		ms, err := workload.ReadFile(ctx, f.Memory, workload.ReadAzure2019Memory)
		if err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
		for _, m := range ms {
			memory[[2]string{m.Owner, m.App}] = m.Average
		}
	}
	var out []Workload
	for _, fc := range counts {
		id := fc.FunctionID
		if match != "" && !strings.HasPrefix(id.Function, match) && !strings.HasPrefix(id.App, match) && !strings.HasPrefix(id.Owner, match) {
			continue
		}
		s := fc.Series
		w := Workload{Name: "azure-" + prefix(id.Function, 8), Series: func(uint64) (workload.Series, error) { return s, nil }, MemoryMB: 128}
		if mb, ok := memory[[2]string{id.Owner, id.App}]; ok && mb > 0 {
			w.MemoryMB = min(max(int(mb+0.5), 128), 10240)
		}
		if d, ok := durations[id]; ok && d.Average > 0 {
			w.MeanDuration = time.Duration(d.Average * float64(time.Millisecond))
		}
		out = append(out, w)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("harness: no function in %s matches %q", f.Invocations, match)
	}
	return out, nil
}

func prefix(s string, n int) string { return s[:min(n, len(s))] }

// SpreadByRate returns n of ws spread evenly over their mean request rate on a log scale (the
// slowest, the fastest and those between), in order of rate, so that a few functions stand for
// the whole range. Workloads whose mean count per interval is below minMean are left out (a
// function called a few times a day has no load to tune).
func SpreadByRate(ws []Workload, n int, minMean float64) ([]Workload, error) {
	type rated struct {
		w    Workload
		rate float64
	}
	var rs []rated
	for _, w := range ws {
		s, err := w.Series(1)
		if err != nil {
			return nil, err
		}
		if r := s.Total() / float64(max(s.Len(), 1)); r > 0 && r >= minMean {
			rs = append(rs, rated{w, r})
		}
	}
	slices.SortFunc(rs, func(a, b rated) int { return cmp.Compare(a.rate, b.rate) })
	if n >= len(rs) || n < 1 {
		out := make([]Workload, len(rs))
		for i, r := range rs {
			out[i] = r.w
		}
		return out, nil
	}
	lo, hi := math.Log(rs[0].rate), math.Log(rs[len(rs)-1].rate)
	var picked []int
	for k := range n {
		target := lo + (hi-lo)*float64(k)/float64(max(n-1, 1))
		best := -1
		for i, r := range rs {
			if !slices.Contains(picked, i) && (best < 0 || math.Abs(math.Log(r.rate)-target) < math.Abs(math.Log(rs[best].rate)-target)) {
				best = i
			}
		}
		picked = append(picked, best)
	}
	slices.Sort(picked)
	out := make([]Workload, len(picked))
	for k, i := range picked {
		out[k] = rs[i].w
	}
	return out, nil
}
