package awsadapter

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/lambdatune/lambdatune"
)

// accountLimits carries the account's limits from one check of a change to the next (the request,
// then what the guardrails allowed), so that GetAccountSettings is called at most once per change.
// The zero value holds none yet.
type accountLimits struct {
	limits lambdatune.Limits
	read   bool // limits holds the account's limits
}

// check validates want for this function and account, before any change call: checkStatic, the
// function's architecture, Application Auto Scaling (checkAutoScaling) and, when want changes the
// account's unreserved pool, the account's limits. It returns lim, with the limits filled in when
// it had to read them.
func (p *Platform) check(ctx context.Context, cur, want lambdatune.Config, lim accountLimits) (accountLimits, error) {
	if err := p.checkStatic(want); err != nil {
		return lim, err
	}
	if want.Arch() != cur.Arch() {
		return lim, fmt.Errorf("awsadapter: function %q: %w", p.fn, &lambdatune.ConfigError{Field: "Architecture", Value: want.Arch(),
			Allowed: fmt.Sprintf("the function's architecture %q (changing it needs new code: UpdateFunctionCode)", cur.Arch())})
	}
	if want.Provisioned != cur.Provisioned {
		if err := p.checkAutoScaling(ctx); err != nil {
			return lim, err
		}
	}
	if want.Reserved == cur.Reserved && (want.Provisioned == cur.Provisioned || want.Reserved.Set) {
		return lim, nil // the account's pool is unaffected
	}
	if !lim.read {
		l, err := p.limits(ctx, cur)
		if err != nil {
			return lim, err
		}
		lim = accountLimits{limits: l, read: true}
	}
	if err := lim.limits.Validate(want); err != nil {
		return lim, fmt.Errorf("awsadapter: function %q: %w", p.fn, err)
	}
	return lim, nil
}

// checkStatic validates want with what needs no I/O: Lambda's limits and the alias rule.
func (p *Platform) checkStatic(want lambdatune.Config) error {
	errs := []error{want.Validate()}
	if p.o.alias == "" && want.Provisioned != 0 {
		errs = append(errs, &lambdatune.ConfigError{Field: "Provisioned", Value: want.Provisioned,
			Allowed: "0 (provisioned concurrency needs an alias: use WithAlias)"})
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("awsadapter: function %q: %w", p.fn, err)
	}
	return nil
}

// checkAutoScaling returns an error wrapping ErrManagedByAutoScaling when Application Auto Scaling
// manages the alias's provisioned concurrency (only with WithAutoScaling).
func (p *Platform) checkAutoScaling(ctx context.Context) error {
	if p.o.autoscaling == nil || p.o.alias == "" {
		return nil
	}
	id := "function:" + p.name + ":" + p.o.alias
	out, err := call(ctx, p, "DescribeScalableTargets", func(ctx context.Context) (*applicationautoscaling.DescribeScalableTargetsOutput, error) {
		return p.o.autoscaling.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
			ServiceNamespace:  astypes.ServiceNamespaceLambda,
			ResourceIds:       []string{id},
			ScalableDimension: astypes.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		})
	})
	if err != nil {
		return err
	}
	if len(out.ScalableTargets) > 0 {
		t := out.ScalableTargets[0]
		return fmt.Errorf("awsadapter: function %q: %w (scalable target %s, capacity %d..%d): deregister it or leave Provisioned unchanged",
			p.fn, ErrManagedByAutoScaling, id, aws.ToInt32(t.MinCapacity), aws.ToInt32(t.MaxCapacity))
	}
	return nil
}

// limits returns the account limits for the function whose current reservation is cur.
func (p *Platform) limits(ctx context.Context, cur lambdatune.Config) (lambdatune.Limits, error) {
	if p.o.limits != nil {
		return *p.o.limits, nil
	}
	as, err := call(ctx, p, "GetAccountSettings", func(ctx context.Context) (*lambda.GetAccountSettingsOutput, error) {
		return p.lam.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	})
	if err != nil {
		return lambdatune.Limits{}, fmt.Errorf("%w (pass the account's limits with WithLimits where GetAccountSettings is unavailable)", err)
	}
	if as.AccountLimit == nil || as.AccountLimit.UnreservedConcurrentExecutions == nil {
		return lambdatune.Limits{}, &OpError{Function: p.fn, Op: "GetAccountSettings", Attempts: 1, Err: errors.New("response has no AccountLimit.UnreservedConcurrentExecutions")}
	}
	total := int(as.AccountLimit.ConcurrentExecutions)
	unreserved := int(*as.AccountLimit.UnreservedConcurrentExecutions)
	mine := 0
	if cur.Reserved.Set {
		mine = cur.Reserved.N
	}
	return lambdatune.Limits{
		AccountConcurrency: total,
		MinUnreserved:      lambdatune.MinUnreservedConcurrency,
		ReservedElsewhere:  max(0, total-unreserved-mine),
	}, nil
}
