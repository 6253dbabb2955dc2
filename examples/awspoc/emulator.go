package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
)

// ensureFunction creates the function in the emulator if it does not exist: an IAM role and a
// provided.al2023 function with a placeholder package (the emulator never runs it). lam is the
// client the adapter uses; cfg and endpoint build the IAM client.
func ensureFunction(ctx context.Context, lam *lambda.Client, cfg aws.Config, endpoint, name string) error {
	_, err := lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &nf) {
		return err
	}
	im := iam.NewFromConfig(cfg, func(o *iam.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	role := name + "-role"
	var arn *string
	out, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	var exists *iamtypes.EntityAlreadyExistsException
	switch {
	case err == nil:
		arn = out.Role.Arn
	case errors.As(err, &exists):
		got, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
		if err != nil {
			return fmt.Errorf("emulator: GetRole: %w", err)
		}
		arn = got.Role.Arn
	default:
		return fmt.Errorf("emulator: CreateRole: %w", err)
	}
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("bootstrap")
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte("placeholder: build ./function for a real deployment\n")); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	_, err = lam.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: arn, Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Architectures: []types.Architecture{types.ArchitectureArm64},
		Code:          &types.FunctionCode{ZipFile: b.Bytes()}, MemorySize: aws.Int32(128), Timeout: aws.Int32(10),
	})
	if err != nil {
		return fmt.Errorf("emulator: CreateFunction: %w", err)
	}
	return nil
}

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

// Next writes the metrics of the interval about to be read, then reads it.
func (s *syntheticTraffic) Next(ctx context.Context) (lambdatune.Metrics, error) {
	if s.next.IsZero() {
		// The adapter's first interval is the last one that ended; keep clear of a boundary so that
		// both pick the same one.
		now := time.Now()
		if left := now.Truncate(s.interval).Add(s.interval).Sub(now); left < s.interval/10 {
			select {
			case <-time.After(left + time.Millisecond):
			case <-ctx.Done():
				return lambdatune.Metrics{}, ctx.Err()
			}
		}
		s.next = time.Now().Truncate(s.interval).Add(-s.interval)
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
