package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

// AutoScalingWriteAPI is the subset of *applicationautoscaling.Client that registers and removes
// target tracking (RegisterTargetTracking, DeregisterTargetTracking).
type AutoScalingWriteAPI interface {
	RegisterScalableTarget(ctx context.Context, in *applicationautoscaling.RegisterScalableTargetInput, optFns ...func(*applicationautoscaling.Options)) (*applicationautoscaling.RegisterScalableTargetOutput, error)
	PutScalingPolicy(ctx context.Context, in *applicationautoscaling.PutScalingPolicyInput, optFns ...func(*applicationautoscaling.Options)) (*applicationautoscaling.PutScalingPolicyOutput, error)
	DeleteScalingPolicy(ctx context.Context, in *applicationautoscaling.DeleteScalingPolicyInput, optFns ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DeleteScalingPolicyOutput, error)
	DeregisterScalableTarget(ctx context.Context, in *applicationautoscaling.DeregisterScalableTargetInput, optFns ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DeregisterScalableTargetOutput, error)
}

var _ AutoScalingWriteAPI = (*applicationautoscaling.Client)(nil)

// DefaultTargetTrackingPolicy names the scaling policy RegisterTargetTracking puts when
// AutoScalingTarget.PolicyName is empty.
const DefaultTargetTrackingPolicy = "lambdatune-target-tracking"

// AutoScalingTarget is Application Auto Scaling target tracking of an alias's provisioned
// concurrency, as AWS runs it for Lambda (policy.TargetTracking emulates the same policy on any
// platform).
type AutoScalingTarget struct {
	// MinCapacity and MaxCapacity bound the provisioned concurrency: 0 <= MinCapacity <= MaxCapacity,
	// MaxCapacity >= 1.
	MinCapacity, MaxCapacity int
	// TargetUtilization is the ProvisionedConcurrencyUtilization to hold, in [0.1, 0.9] (the range the
	// AWS CDK accepts for Lambda).
	TargetUtilization float64
	// Maximum tracks the Maximum statistic of the utilization through a customized metric instead of
	// the predefined metric's Average (what AWS suggests for bursty load).
	Maximum bool
	// ScaleInCooldown and ScaleOutCooldown are the policy's cooldowns, whole seconds >= 0 (0 is
	// Lambda's default).
	ScaleInCooldown, ScaleOutCooldown time.Duration
	// PolicyName names the scaling policy; empty means DefaultTargetTrackingPolicy.
	PolicyName string
}

// policyName is what Application Auto Scaling accepts as a policy name.
var policyName = regexp.MustCompile(`^[\p{L}\p{N}_.\-/#:]{1,256}$`)

// Validate reports each field Application Auto Scaling or Lambda would refuse, naming it and its
// allowed range.
func (t AutoScalingTarget) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("awsadapter: AutoScalingTarget.%s = %v, want %s", field, v, want))
	}
	if t.MinCapacity < 0 || t.MaxCapacity < 1 || t.MinCapacity > t.MaxCapacity || t.MaxCapacity > 1_000_000 {
		bad("MinCapacity/MaxCapacity", fmt.Sprintf("%d/%d", t.MinCapacity, t.MaxCapacity), "0 <= MinCapacity <= MaxCapacity, 1 <= MaxCapacity <= 1000000")
	}
	if !(t.TargetUtilization >= 0.1 && t.TargetUtilization <= 0.9) {
		bad("TargetUtilization", t.TargetUtilization, "a utilization in [0.1, 0.9]")
	}
	for _, c := range []struct {
		name string
		d    time.Duration
	}{{"ScaleInCooldown", t.ScaleInCooldown}, {"ScaleOutCooldown", t.ScaleOutCooldown}} {
		if c.d < 0 || c.d%time.Second != 0 || c.d > 24*time.Hour {
			bad(c.name, c.d, "whole seconds in [0s, 24h]")
		}
	}
	if t.PolicyName != "" && !policyName.MatchString(t.PolicyName) {
		bad("PolicyName", fmt.Sprintf("%q", t.PolicyName), "empty or 1-256 letters, digits and _ . - / # :")
	}
	return errors.Join(errs...)
}

// AutoScalingRegistration is target tracking RegisterTargetTracking registered: what
// DeregisterTargetTracking removes.
type AutoScalingRegistration struct {
	// ResourceID is the scalable target, "function:NAME:ALIAS".
	ResourceID string
	// PolicyName and PolicyARN identify the scaling policy.
	PolicyName, PolicyARN string
}

// RegisterTargetTracking makes Application Auto Scaling manage the alias's provisioned concurrency
// with target tracking: RegisterScalableTarget (lambda:function:ProvisionedConcurrency, the
// capacity bounds) and PutScalingPolicy (TargetTrackingScaling on ProvisionedConcurrencyUtilization).
// It validates t before any call. Once registered, Platform refuses to change the alias's provisioned
// concurrency when WithAutoScaling is set, so the tuner and target tracking do not fight. It needs
// application-autoscaling:RegisterScalableTarget and PutScalingPolicy (and, the first time in an
// account, iam:CreateServiceLinkedRole for Application Auto Scaling's Lambda role). The options that
// apply are WithLogger, WithClock, WithRand and WithRetry; throttled calls are retried.
func RegisterTargetTracking(ctx context.Context, api AutoScalingWriteAPI, function, alias string, t AutoScalingTarget, opts ...Option) (AutoScalingRegistration, error) {
	o, err := autoScalingOptions(api, function, opts)
	if err != nil {
		return AutoScalingRegistration{}, err
	}
	name, err := functionName(function)
	if err != nil {
		return AutoScalingRegistration{}, err
	}
	if alias == "" {
		return AutoScalingRegistration{}, fmt.Errorf("awsadapter: RegisterTargetTracking: function %q: provisioned concurrency needs an alias", function)
	}
	if err := t.Validate(); err != nil {
		return AutoScalingRegistration{}, err
	}
	reg := AutoScalingRegistration{ResourceID: "function:" + name + ":" + alias, PolicyName: t.PolicyName}
	if reg.PolicyName == "" {
		reg.PolicyName = DefaultTargetTrackingPolicy
	}
	dim := astypes.ScalableDimensionLambdaFunctionProvisionedConcurrency
	_, err = retryCall(ctx, o, function, "RegisterScalableTarget", o.retry, Retryable, func(ctx context.Context) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
		return api.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{ServiceNamespace: astypes.ServiceNamespaceLambda,
			ResourceId: aws.String(reg.ResourceID), ScalableDimension: dim,
			MinCapacity: aws.Int32(int32(t.MinCapacity)), MaxCapacity: aws.Int32(int32(t.MaxCapacity))}) // within [0, 1e6], checked
	})
	if err != nil {
		return AutoScalingRegistration{}, err
	}
	cfg := &astypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(t.TargetUtilization),
		ScaleInCooldown: aws.Int32(int32(t.ScaleInCooldown / time.Second)), ScaleOutCooldown: aws.Int32(int32(t.ScaleOutCooldown / time.Second))}
	if t.Maximum {
		cfg.CustomizedMetricSpecification = &astypes.CustomizedMetricSpecification{MetricName: aws.String("ProvisionedConcurrencyUtilization"),
			Namespace: aws.String(Namespace), Statistic: astypes.MetricStatisticMaximum,
			Dimensions: []astypes.MetricDimension{{Name: aws.String("FunctionName"), Value: aws.String(name)}, {Name: aws.String("Resource"), Value: aws.String(name + ":" + alias)}}}
	} else {
		cfg.PredefinedMetricSpecification = &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeLambdaProvisionedConcurrencyUtilization}
	}
	out, err := retryCall(ctx, o, function, "PutScalingPolicy", o.retry, Retryable, func(ctx context.Context) (*applicationautoscaling.PutScalingPolicyOutput, error) {
		return api.PutScalingPolicy(ctx, &applicationautoscaling.PutScalingPolicyInput{PolicyName: aws.String(reg.PolicyName), ServiceNamespace: astypes.ServiceNamespaceLambda,
			ResourceId: aws.String(reg.ResourceID), ScalableDimension: dim, PolicyType: astypes.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: cfg})
	})
	if err != nil {
		return reg, fmt.Errorf("%w (the scalable target %s is registered: DeregisterTargetTracking removes it)", err, reg.ResourceID)
	}
	reg.PolicyARN = aws.ToString(out.PolicyARN)
	o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: target tracking registered", slog.String("function", function), slog.String("resource", reg.ResourceID),
		slog.String("policy", reg.PolicyName), slog.Float64("target", t.TargetUtilization), slog.Int("min", t.MinCapacity), slog.Int("max", t.MaxCapacity))
	return reg, nil
}

// DeregisterTargetTracking removes what RegisterTargetTracking registered: DeleteScalingPolicy, then
// DeregisterScalableTarget (the provisioned concurrency stays as it was last set). Either already gone
// is not an error. It needs application-autoscaling:DeleteScalingPolicy and DeregisterScalableTarget.
func DeregisterTargetTracking(ctx context.Context, api AutoScalingWriteAPI, reg AutoScalingRegistration, opts ...Option) error {
	o, err := autoScalingOptions(api, reg.ResourceID, opts)
	if err != nil {
		return err
	}
	dim := astypes.ScalableDimensionLambdaFunctionProvisionedConcurrency
	var nf *astypes.ObjectNotFoundException
	_, err = retryCall(ctx, o, reg.ResourceID, "DeleteScalingPolicy", o.retry, Retryable, func(ctx context.Context) (*applicationautoscaling.DeleteScalingPolicyOutput, error) {
		return api.DeleteScalingPolicy(ctx, &applicationautoscaling.DeleteScalingPolicyInput{PolicyName: aws.String(reg.PolicyName),
			ServiceNamespace: astypes.ServiceNamespaceLambda, ResourceId: aws.String(reg.ResourceID), ScalableDimension: dim})
	})
	if err != nil && !errors.As(err, &nf) {
		return err
	}
	_, err = retryCall(ctx, o, reg.ResourceID, "DeregisterScalableTarget", o.retry, Retryable, func(ctx context.Context) (*applicationautoscaling.DeregisterScalableTargetOutput, error) {
		return api.DeregisterScalableTarget(ctx, &applicationautoscaling.DeregisterScalableTargetInput{ServiceNamespace: astypes.ServiceNamespaceLambda,
			ResourceId: aws.String(reg.ResourceID), ScalableDimension: dim})
	})
	if err != nil && !errors.As(err, &nf) {
		return err
	}
	o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: target tracking deregistered", slog.String("resource", reg.ResourceID), slog.String("policy", reg.PolicyName))
	return nil
}

// autoScalingOptions checks the client and returns the options; seed seeds the retry jitter.
func autoScalingOptions(api AutoScalingWriteAPI, seed string, opts []Option) (*options, error) {
	if api == nil {
		return nil, errors.New("awsadapter: the Application Auto Scaling client must be non-nil")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.finish(seed); err != nil {
		return nil, err
	}
	return &o, nil
}
