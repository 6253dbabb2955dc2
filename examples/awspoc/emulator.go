package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
)

// syntheticTraffic wraps the adapter for an emulator, which runs no code and publishes no metrics:
// before each interval is read it writes that interval's AWS/Lambda metrics to CloudWatch, from a
// deterministic load (a daily-like wave with random bursts) and the function's model: CPU-bound work
// of cpuMs at one vCPU (Lambda's CPU share grows linearly with memory, 1,769 MB = 1 vCPU), plus an
// I/O wait of ioMs that memory does not shorten.
type syntheticTraffic struct {
	*awsadapter.Platform
	cw       *cloudwatch.Client
	interval time.Duration
	rng      *rand.Rand
	next     time.Time
	step     int
	// model
	baseRate, cpuMs, ioMs float64
}

// newSyntheticTraffic wraps p; cw is the adapter's CloudWatch client (speaking awsquery).
func newSyntheticTraffic(p *awsadapter.Platform, cw *cloudwatch.Client, o options) *syntheticTraffic {
	return &syntheticTraffic{Platform: p, cw: cw, interval: o.interval, rng: rand.New(rand.NewPCG(o.seed, 0x61777370)),
		baseRate: 600, cpuMs: 60, ioMs: 40}
}

// firstInterval returns the interval the adapter's first Next reads — the last one that ended —
// after keeping clear of a boundary so that both pick the same one.
func (s *syntheticTraffic) firstInterval(ctx context.Context) (time.Time, error) {
	now := time.Now()
	if left := now.Truncate(s.interval).Add(s.interval).Sub(now); left < s.interval/10 {
		select {
		case <-time.After(left + time.Millisecond):
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	return time.Now().Truncate(s.interval).Add(-s.interval), nil
}

// seedHistory writes n intervals of traffic under the configuration in force, ending where the
// adapter's first interval would start now, and returns that end: the history a strategy reads at
// start. (Intervals that pass while it runs are left without traffic.)
func (s *syntheticTraffic) seedHistory(ctx context.Context, n int) (time.Time, error) {
	end, err := s.firstInterval(ctx)
	if err != nil {
		return time.Time{}, err
	}
	c, err := s.Platform.Config(ctx)
	if err != nil {
		return time.Time{}, err
	}
	for i := n; i >= 1; i-- {
		if err := s.write(ctx, end.Add(-time.Duration(i)*s.interval), c); err != nil {
			return time.Time{}, err
		}
	}
	return end, nil
}

// Next writes the metrics of the interval about to be read, then reads it.
func (s *syntheticTraffic) Next(ctx context.Context) (lambdatune.Metrics, error) {
	if s.next.IsZero() {
		first, err := s.firstInterval(ctx)
		if err != nil {
			return lambdatune.Metrics{}, err
		}
		s.next = first
	}
	c, err := s.Platform.Config(ctx)
	if err != nil {
		return lambdatune.Metrics{}, err
	}
	if err := s.write(ctx, s.next, c); err != nil {
		return lambdatune.Metrics{}, err
	}
	m, err := s.Platform.Next(ctx)
	if err != nil {
		return m, err
	}
	if !m.Start.Equal(s.next) {
		return m, fmt.Errorf("emulator: the adapter read the interval at %v, traffic was written for %v", m.Start, s.next)
	}
	s.next = m.Start.Add(s.interval)
	return m, nil
}

// write puts one interval's metrics for configuration c.
func (s *syntheticTraffic) write(ctx context.Context, start time.Time, c lambdatune.Config) error {
	// Load per minute: a wave with a period of 12 intervals, plus a burst now and then.
	rate := s.baseRate * (1 + 0.9*math.Sin(2*math.Pi*float64(s.step)/12))
	if s.rng.Float64() < 0.15 {
		rate *= 2 + s.rng.Float64()
	}
	s.step++
	n := math.Round(rate * s.interval.Minutes() * (0.9 + 0.2*s.rng.Float64()))
	vcpu := math.Min(float64(c.MemoryMB), 1769) / 1769
	d := s.cpuMs/vcpu + s.ioMs
	timeout := float64(c.Timeout.Milliseconds())
	var errs float64
	if d > timeout {
		d, errs = timeout, n
	}
	conc := math.Ceil(n / s.interval.Seconds() * d / 1000)
	var thr float64
	if c.Reserved.Set && conc > float64(c.Reserved.N) {
		thr = math.Round(n * (1 - float64(c.Reserved.N)/conc))
		n -= thr
		errs = math.Min(errs, n)
		conc = float64(c.Reserved.N)
	}
	dims := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(s.Platform.Function())}}
	at := aws.Time(start.Add(s.interval / 2))
	datum := func(name string, v float64) cwtypes.MetricDatum {
		return cwtypes.MetricDatum{MetricName: aws.String(name), Dimensions: dims, Timestamp: at, Value: aws.Float64(v)}
	}
	data := []cwtypes.MetricDatum{datum("Invocations", n), datum("Errors", errs), datum("Throttles", thr), datum("ConcurrentExecutions", conc)}
	if n > 0 {
		data = append(data, cwtypes.MetricDatum{MetricName: aws.String("Duration"), Dimensions: dims, Timestamp: at,
			StatisticValues: &cwtypes.StatisticSet{SampleCount: aws.Float64(n), Sum: aws.Float64(n * d), Minimum: aws.Float64(d), Maximum: aws.Float64(d)}})
	}
	_, err := s.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(awsadapter.Namespace), MetricData: data})
	if err != nil {
		return fmt.Errorf("emulator: PutMetricData: %w", err)
	}
	return nil
}
