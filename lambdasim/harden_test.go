package lambdasim

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/workload"
)

// flood is an Arrivals stream that never ends and never advances: every request arrives at
// the same instant, an unbounded load within one interval.
type flood struct{ at time.Duration }

func (f *flood) Next() (time.Duration, bool) { return f.at, true }

// backwards returns 10 s, then 5 s: decreasing offsets.
type backwards struct{ n int }

func (b *backwards) Next() (time.Duration, bool) {
	b.n++
	if b.n == 1 {
		return 10 * time.Second, true
	}
	return 5 * time.Second, b.n < 5
}

// TestSimsHonourTheContextInsideAnInterval checks that an unbounded load cannot hang Next:
// both models stop when the context is done, in the middle of the interval.
func TestSimsHonourTheContextInsideAnInterval(t *testing.T) {
	fn := Function{Duration: Flat{Constant(100 * time.Millisecond)}}
	for _, model := range []string{"event", "interval"} {
		t.Run(model, func(t *testing.T) {
			d := Deployment{Function: fn, Config: lambdatune.DefaultConfig(), Arrivals: &flood{}}
			var p lambdatune.Platform
			var err error
			if model == "event" {
				p, err = New(Options{}, d)
			} else {
				p, err = NewInterval(Options{}, d)
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = p.Next(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want context.DeadlineExceeded", err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("Next took %v after the deadline", el)
			}
		})
	}
}

// TestSimsRefuseWhatTheyCannotRepresent covers loads and models that once hung or gave
// silently wrong numbers.
func TestSimsRefuseWhatTheyCannotRepresent(t *testing.T) {
	s, err := workload.NewSeries(DefaultStart(), time.Minute, []float64{1e30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewLoad(s, 1); err == nil || !strings.Contains(err.Error(), "MaxRequestRate") {
		t.Errorf("NewLoad of 1e30 a minute: got %v", err)
	}
	iv, err := NewInterval(Options{}, Deployment{Function: Function{Duration: Flat{Constant(time.Second)}}, Config: lambdatune.DefaultConfig(), Arrivals: &backwards{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iv.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "non-decreasing") {
		t.Errorf("interval model with decreasing arrivals: got %v", err)
	}
	for _, m := range []DurationModel{
		CPUModel{CPUTime: time.Second, ARM64Factor: math.Inf(1)},
		CPUModel{CPUTime: time.Second, ARM64Factor: 1e300},
		Measured{Points: []MemoryDuration{{MemoryMB: 128, Mean: time.Second}}, ARM64Factor: math.Inf(1)},
		CPUModel{CPUTime: math.MaxInt64 / 2},
	} {
		if _, err := m.ServiceTime(1024, lambdatune.ARM64); err == nil {
			t.Errorf("%+v: no error", m)
		}
	}
}
