package fromaws

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/workload"
)

// Function is the function EnsureFunction creates in an emulator.
type Function struct {
	Name         string
	MemoryMB     int32
	Timeout      time.Duration
	Runtime      types.Runtime
	Architecture types.Architecture
}

// EnsureFunction creates fn in the emulator if it does not exist: an IAM role and a function with a
// placeholder package (the emulator never runs it). lam is the Lambda client; cfg and endpoint build
// the IAM client.
func EnsureFunction(ctx context.Context, lam *lambda.Client, cfg aws.Config, endpoint string, fn Function) error {
	_, err := lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn.Name)})
	var nf *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &nf) {
		return err
	}
	if fn.MemoryMB < 128 || fn.MemoryMB > 10240 || fn.Timeout < time.Second || fn.Timeout > 15*time.Minute {
		return fmt.Errorf("emulator: function %s: memory %d MB, timeout %v; want 128–10240 MB and 1s–15m", fn.Name, fn.MemoryMB, fn.Timeout)
	}
	im := iam.NewFromConfig(cfg, func(o *iam.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	role := fn.Name + "-role"
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
	if _, err := w.Write([]byte("placeholder: the emulator runs no code\n")); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	_, err = lam.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn.Name), Role: arn, Runtime: fn.Runtime, Handler: aws.String("bootstrap"),
		Architectures: []types.Architecture{fn.Architecture},
		Code:          &types.FunctionCode{ZipFile: b.Bytes()}, MemorySize: aws.Int32(fn.MemoryMB), Timeout: aws.Int32(int32(fn.Timeout / time.Second)),
	})
	if err != nil {
		return fmt.Errorf("emulator: CreateFunction: %w", err)
	}
	return nil
}

// putBatch is how many datums one PutMetricData call to the emulator carries.
const putBatch = 20

// WriteLoad writes a load's AWS/Lambda metrics for function into the emulator's CloudWatch, one
// datapoint set per interval of s (its Start and Step as given): Invocations, Duration (a statistic
// set of mean meanMs) and ConcurrentExecutions (by Little's law, rounded up). progress, if set, is
// called after each call with the intervals written and the total.
func WriteLoad(ctx context.Context, cw *cloudwatch.Client, function string, s workload.Series, meanMs float64, progress func(done, total int)) error {
	if !(meanMs > 0) || math.IsInf(meanMs, 0) {
		return fmt.Errorf("emulator: mean duration %v ms, want a finite number > 0", meanMs)
	}
	dims := []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(function)}}
	var batch []cwtypes.MetricDatum
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(awsadapter.Namespace), MetricData: batch})
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("emulator: PutMetricData: %w", err)
		}
		return nil
	}
	for i, n := range s.Counts {
		n = math.Round(n)
		if n > 0 {
			at := aws.Time(s.Time(i))
			conc := math.Ceil(n / s.Step.Seconds() * meanMs / 1000)
			batch = append(batch,
				cwtypes.MetricDatum{MetricName: aws.String("Invocations"), Dimensions: dims, Timestamp: at, Value: aws.Float64(n)},
				cwtypes.MetricDatum{MetricName: aws.String("Duration"), Dimensions: dims, Timestamp: at, StatisticValues: &cwtypes.StatisticSet{
					SampleCount: aws.Float64(n), Sum: aws.Float64(n * meanMs), Minimum: aws.Float64(meanMs), Maximum: aws.Float64(meanMs)}},
				cwtypes.MetricDatum{MetricName: aws.String("ConcurrentExecutions"), Dimensions: dims, Timestamp: at, Value: aws.Float64(conc)})
		}
		if len(batch) >= putBatch-2 || i == len(s.Counts)-1 {
			if err := flush(); err != nil {
				return err
			}
			if progress != nil {
				progress(i+1, len(s.Counts))
			}
		}
	}
	return nil
}
