package lambdaenv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lambdatune/lambdatune/workload"
)

// Patterns are the shapes RandomLoad draws from.
var Patterns = []string{"bursty", "periodic", "irregular", "diurnal", "spikes", "onoff"}

// MinRate and MaxRate bound RandomLoad's mean request rate, per second.
const (
	MinRate = 0.1
	MaxRate = 1000
)

// RandomLoad draws a per-minute load of n intervals starting at a random minute of a random day in
// 2026: one of Patterns (the original project's bursty, periodic and irregular patterns, a diurnal
// cycle with noise, random spikes on a base, on/off traffic), scaled to a mean rate drawn
// log-uniformly between MinRate and MaxRate requests per second. It is the training distribution of
// the tuning environment: load shapes and rates an agent must handle on any function.
func RandomLoad(rng *rand.Rand, n int) (workload.Series, error) {
	if n < 1 || n > 1<<24 {
		return workload.Series{}, fmt.Errorf("lambdaenv: RandomLoad: n = %d, want an integer in [1, %d]", n, 1<<24)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
	g := workload.Grid{Start: start, Step: time.Minute, Len: n}
	seed := rng.Uint64()
	var s workload.Series
	var err error
	switch p := Patterns[rng.IntN(len(Patterns))]; p {
	case "bursty":
		s, err = workload.OriginalBursty(g, seed)
	case "periodic":
		s, err = workload.OriginalPeriodic(g, seed)
	case "irregular":
		s, err = workload.OriginalIrregular(g, seed)
	case "diurnal":
		if s, err = workload.Diurnal(g, workload.DiurnalConfig{Mean: 100, Amplitude: 0.3 + 0.6*rng.Float64(), PeakHour: 24 * rng.Float64()}); err == nil {
			s, err = workload.Jitter(s, 0.05+0.15*rng.Float64(), seed)
		}
	case "spikes":
		var base, spikes workload.Series
		if base, err = workload.Constant(g, 100); err == nil {
			if spikes, err = workload.Spikes(g, workload.SpikesConfig{MeanGap: time.Duration(20+rng.IntN(100)) * time.Minute,
				Height: 100 + 400*rng.Float64(), Width: 1 + rng.IntN(10)}, seed); err == nil {
				if s, err = workload.Sum(base, spikes); err == nil {
					s, err = workload.Jitter(s, 0.1, seed+1)
				}
			}
		}
	case "onoff":
		s, err = workload.OnOff(g, workload.OnOffConfig{MeanOn: time.Duration(5+rng.IntN(60)) * time.Minute,
			MeanOff: time.Duration(5+rng.IntN(120)) * time.Minute, Level: 100}, seed)
	}
	if err != nil {
		return workload.Series{}, fmt.Errorf("lambdaenv: RandomLoad: %w", err)
	}
	mean := s.Total() / float64(s.Len())
	if mean <= 0 {
		return s, nil // an idle stretch of on/off traffic: keep it idle
	}
	rate := MinRate * math.Pow(MaxRate/MinRate, rng.Float64()) // per second
	return s.Scale(rate * 60 / mean)
}
