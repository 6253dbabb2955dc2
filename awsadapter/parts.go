package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
)

// applyParts applies ps in order and returns the parts that completed.
func (p *Platform) applyParts(ctx context.Context, ps []Part, c lambdatune.Config) ([]Part, error) {
	var done []Part
	var latest *lambda.GetFunctionConfigurationOutput // $LATEST after the update, for PublishVersion
	for _, part := range ps {
		var err error
		switch part {
		case PartFunctionConfig:
			latest, err = p.applyFunctionConfig(ctx, c)
		case PartAlias:
			err = p.applyAlias(ctx, c, latest)
		case PartReserved:
			err = p.applyReserved(ctx, c.Reserved)
		case PartProvisioned:
			err = p.applyProvisioned(ctx, c.Provisioned)
		}
		if err != nil {
			return done, err
		}
		done = append(done, part)
	}
	return done, nil
}

// applyFunctionConfig updates memory, timeout and storage of $LATEST and waits for the update. With
// an alias, it first makes sure that $LATEST differs from the alias's version in nothing else that
// publishing would deploy (code, runtime, handler, role, layers, environment).
func (p *Platform) applyFunctionConfig(ctx context.Context, c lambdatune.Config) (*lambda.GetFunctionConfigurationOutput, error) {
	if p.o.alias != "" {
		live, err := p.getConfig(ctx, p.qualifier())
		if err != nil {
			return nil, err
		}
		latest, err := p.getConfig(ctx, nil)
		if err != nil {
			return nil, err
		}
		if d := drift(live, latest); d != "" {
			return nil, &OpError{Function: p.fn, Op: "PublishVersion",
				Err: fmt.Errorf("$LATEST differs from the version of alias %q in %s: publishing would deploy that change too; publish or revert it first", p.o.alias, d)}
		}
	}
	mem, err := toInt32("MemoryMB", int64(c.MemoryMB))
	if err != nil {
		return nil, err
	}
	timeout, err := toInt32("Timeout (s)", int64(c.Timeout/time.Second))
	if err != nil {
		return nil, err
	}
	storage, err := toInt32("EphemeralStorageMB", int64(c.Storage()))
	if err != nil {
		return nil, err
	}
	_, err = call(ctx, p, "UpdateFunctionConfiguration", func(ctx context.Context) (*lambda.UpdateFunctionConfigurationOutput, error) {
		return p.lam.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName:     &p.fn,
			MemorySize:       aws.Int32(mem),
			Timeout:          aws.Int32(timeout),
			EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(storage)},
		})
	})
	if err != nil {
		return nil, err
	}
	return p.waitUpdated(ctx, nil, "UpdateFunctionConfiguration")
}

// drift names what differs between two function configurations besides what the adapter tunes, or
// returns "".
func drift(a, b *lambda.GetFunctionConfigurationOutput) string {
	var d []string
	if aws.ToString(a.CodeSha256) != aws.ToString(b.CodeSha256) {
		d = append(d, "code")
	}
	if a.Runtime != b.Runtime {
		d = append(d, "runtime")
	}
	if aws.ToString(a.Handler) != aws.ToString(b.Handler) {
		d = append(d, "handler")
	}
	if aws.ToString(a.Role) != aws.ToString(b.Role) {
		d = append(d, "role")
	}
	la, lb := make([]string, len(a.Layers)), make([]string, len(b.Layers))
	for i, l := range a.Layers {
		la[i] = aws.ToString(l.Arn)
	}
	for i, l := range b.Layers {
		lb[i] = aws.ToString(l.Arn)
	}
	if !slices.Equal(la, lb) {
		d = append(d, "layers")
	}
	var ea, eb map[string]string
	if a.Environment != nil {
		ea = a.Environment.Variables
	}
	if b.Environment != nil {
		eb = b.Environment.Variables
	}
	if !maps.Equal(ea, eb) {
		d = append(d, "environment")
	}
	return strings.Join(d, ", ")
}

// waitUpdated polls until the function (or version) is Active with LastUpdateStatus Successful; op
// names the operation waited for in errors.
func (p *Platform) waitUpdated(ctx context.Context, qualifier *string, op string) (*lambda.GetFunctionConfigurationOutput, error) {
	return waitActive(ctx, &p.o, p.fn, op, func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return p.getConfig(ctx, qualifier)
	})
}

// waitActive polls get every o.poll until the function (or version) it reads is Active with
// LastUpdateStatus Successful, for at most o.updateWait; fn and op name the function and the
// operation waited for in errors.
func waitActive(ctx context.Context, o *options, fn, op string, get func(context.Context) (*lambda.GetFunctionConfigurationOutput, error)) (*lambda.GetFunctionConfigurationOutput, error) {
	deadline := o.now().Add(o.updateWait)
	for {
		fc, err := get(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case fc.LastUpdateStatus == types.LastUpdateStatusFailed:
			return nil, &OpError{Function: fn, Op: op, Attempts: 1,
				Err: fmt.Errorf("LastUpdateStatus Failed: %s: %s", fc.LastUpdateStatusReasonCode, aws.ToString(fc.LastUpdateStatusReason))}
		case fc.State == types.StateFailed:
			return nil, &OpError{Function: fn, Op: op, Attempts: 1,
				Err: fmt.Errorf("State Failed: %s: %s", fc.StateReasonCode, aws.ToString(fc.StateReason))}
		case (fc.LastUpdateStatus == types.LastUpdateStatusSuccessful || fc.LastUpdateStatus == "") &&
			(fc.State == types.StateActive || fc.State == ""):
			return fc, nil
		}
		if !o.now().Before(deadline) {
			return nil, &OpError{Function: fn, Op: op, Attempts: 1,
				Err: fmt.Errorf("still State %s, LastUpdateStatus %s after %v", fc.State, fc.LastUpdateStatus, o.updateWait)}
		}
		if err := o.sleep(ctx, o.poll); err != nil {
			return nil, &OpError{Function: fn, Op: op, Attempts: 1, Err: fmt.Errorf("waiting for LastUpdateStatus Successful: %w", err)}
		}
	}
}

// applyAlias publishes $LATEST as a version (only the revision the update produced) and points the
// alias at it, then waits for the alias's provisioned concurrency (if any) to be READY on the new
// version.
func (p *Platform) applyAlias(ctx context.Context, c lambdatune.Config, latest *lambda.GetFunctionConfigurationOutput) error {
	in := &lambda.PublishVersionInput{FunctionName: &p.fn, Description: aws.String("lambdatune: " + c.String())}
	if latest != nil {
		in.CodeSha256, in.RevisionId = latest.CodeSha256, latest.RevisionId
	}
	pv, err := call(ctx, p, "PublishVersion", func(ctx context.Context) (*lambda.PublishVersionOutput, error) {
		return p.lam.PublishVersion(ctx, in)
	})
	if err != nil {
		return err
	}
	if _, err := p.waitUpdated(ctx, pv.Version, "PublishVersion"); err != nil {
		return err
	}
	_, err = call(ctx, p, "UpdateAlias", func(ctx context.Context) (*lambda.UpdateAliasOutput, error) {
		return p.lam.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: &p.fn, Name: p.qualifier(), FunctionVersion: pv.Version})
	})
	if err != nil {
		return err
	}
	return p.waitReady(ctx, true)
}

// applyReserved sets the function's reserved concurrency, or removes it when r is unset.
func (p *Platform) applyReserved(ctx context.Context, r lambdatune.Reservation) error {
	if !r.Set {
		_, err := call(ctx, p, "DeleteFunctionConcurrency", func(ctx context.Context) (*lambda.DeleteFunctionConcurrencyOutput, error) {
			return p.lam.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: &p.fn})
		})
		return err
	}
	n, err := toInt32("Reserved.N", int64(r.N))
	if err != nil {
		return err
	}
	_, err = call(ctx, p, "PutFunctionConcurrency", func(ctx context.Context) (*lambda.PutFunctionConcurrencyOutput, error) {
		return p.lam.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: &p.fn, ReservedConcurrentExecutions: aws.Int32(n)})
	})
	return err
}

// applyProvisioned sets the alias's provisioned concurrency and waits until it is READY, or removes
// it when n is 0.
func (p *Platform) applyProvisioned(ctx context.Context, n int) error {
	if n == 0 {
		_, err := call(ctx, p, "DeleteProvisionedConcurrencyConfig", func(ctx context.Context) (*lambda.DeleteProvisionedConcurrencyConfigOutput, error) {
			return p.lam.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: &p.fn, Qualifier: p.qualifier()})
		})
		var nf *types.ProvisionedConcurrencyConfigNotFoundException
		if errors.As(err, &nf) {
			return nil
		}
		return err
	}
	n32, err := toInt32("Provisioned", int64(n))
	if err != nil {
		return err
	}
	_, err = call(ctx, p, "PutProvisionedConcurrencyConfig", func(ctx context.Context) (*lambda.PutProvisionedConcurrencyConfigOutput, error) {
		return p.lam.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: &p.fn, Qualifier: p.qualifier(),
			ProvisionedConcurrentExecutions: aws.Int32(n32)})
	})
	if err != nil {
		return err
	}
	return p.waitReady(ctx, false)
}

// waitReady polls the alias's provisioned concurrency until it is READY. When optional, a missing
// configuration (none was set) is fine.
func (p *Platform) waitReady(ctx context.Context, optional bool) error {
	const op = "PutProvisionedConcurrencyConfig"
	deadline := p.o.now().Add(p.o.provWait)
	for {
		pc, err := p.provisioned(ctx)
		if err != nil {
			return err
		}
		if pc == nil {
			if optional {
				return nil
			}
			return &OpError{Function: p.fn, Op: op, Attempts: 1, Err: errors.New("provisioned concurrency config disappeared while waiting for READY")}
		}
		switch pc.Status {
		case types.ProvisionedConcurrencyStatusEnumReady:
			return nil
		case types.ProvisionedConcurrencyStatusEnumFailed:
			return &OpError{Function: p.fn, Op: op, Attempts: 1, Err: fmt.Errorf("status FAILED: %s", aws.ToString(pc.StatusReason))}
		}
		if !p.o.now().Before(deadline) {
			return &OpError{Function: p.fn, Op: op, Attempts: 1, Err: fmt.Errorf("status %s (%d of %d allocated) after %v",
				pc.Status, aws.ToInt32(pc.AllocatedProvisionedConcurrentExecutions), aws.ToInt32(pc.RequestedProvisionedConcurrentExecutions), p.o.provWait)}
		}
		if err := p.o.sleep(ctx, p.o.poll); err != nil {
			return &OpError{Function: p.fn, Op: op, Attempts: 1, Err: fmt.Errorf("waiting for READY: %w", err)}
		}
	}
}
