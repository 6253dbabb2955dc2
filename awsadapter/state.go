package awsadapter

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
)

// State is what the adapter reads about the tuned function.
type State struct {
	// Config is the configuration in force: memory, timeout, storage and architecture of the tuned
	// alias's version (or $LATEST), the function's reserved concurrency, and the alias's requested
	// provisioned concurrency.
	Config lambdatune.Config
	// Version is the version the alias points to ("$LATEST" without an alias).
	Version string
	// State and LastUpdateStatus are the function's (Active, Pending, ...; Successful, InProgress,
	// Failed), with LastUpdateStatusReason when it failed.
	State                  string
	LastUpdateStatus       string
	LastUpdateStatusReason string
	// ProvisionedAllocated is how many provisioned environments are allocated, ProvisionedStatus
	// their status (IN_PROGRESS, READY, FAILED; empty when none is configured).
	ProvisionedAllocated    int
	ProvisionedStatus       string
	ProvisionedStatusReason string
}

// State reads the function's configuration and status.
func (p *Platform) State(ctx context.Context) (State, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.readState(ctx)
}

// Config returns the configuration in force. It implements lambdatune.Platform.
func (p *Platform) Config(ctx context.Context) (lambdatune.Config, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.readState(ctx)
	return s.Config, err
}

// readState reads the function's configuration and status; it changes nothing in p.
func (p *Platform) readState(ctx context.Context) (State, error) {
	fc, err := p.getConfig(ctx, p.qualifier())
	if err != nil {
		return State{}, err
	}
	s := State{
		Version:                aws.ToString(fc.Version),
		State:                  string(fc.State),
		LastUpdateStatus:       string(fc.LastUpdateStatus),
		LastUpdateStatusReason: aws.ToString(fc.LastUpdateStatusReason),
	}
	c := lambdatune.Config{
		MemoryMB:           int(aws.ToInt32(fc.MemorySize)),
		Timeout:            time.Duration(aws.ToInt32(fc.Timeout)) * time.Second,
		Architecture:       lambdatune.X86_64,
		EphemeralStorageMB: lambdatune.MinEphemeralStorageMB,
	}
	if len(fc.Architectures) > 0 {
		c.Architecture = lambdatune.Architecture(fc.Architectures[0])
	}
	if fc.EphemeralStorage != nil && fc.EphemeralStorage.Size != nil {
		c.EphemeralStorageMB = int(*fc.EphemeralStorage.Size)
	}
	rc, err := call(ctx, p, "GetFunctionConcurrency", func(ctx context.Context) (*lambda.GetFunctionConcurrencyOutput, error) {
		return p.lam.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: &p.fn})
	})
	if err != nil {
		return State{}, err
	}
	if rc.ReservedConcurrentExecutions != nil {
		c.Reserved = lambdatune.Reserve(int(*rc.ReservedConcurrentExecutions))
	}
	if p.o.alias != "" {
		pc, err := p.provisioned(ctx)
		if err != nil {
			return State{}, err
		}
		if pc != nil {
			c.Provisioned = int(aws.ToInt32(pc.RequestedProvisionedConcurrentExecutions))
			s.ProvisionedAllocated = int(aws.ToInt32(pc.AllocatedProvisionedConcurrentExecutions))
			s.ProvisionedStatus = string(pc.Status)
			s.ProvisionedStatusReason = aws.ToString(pc.StatusReason)
		}
	}
	s.Config = c
	return s, nil
}

// getConfig reads the configuration of the function's version qualifier (nil: $LATEST).
func (p *Platform) getConfig(ctx context.Context, qualifier *string) (*lambda.GetFunctionConfigurationOutput, error) {
	return call(ctx, p, "GetFunctionConfiguration", func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return p.lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &p.fn, Qualifier: qualifier})
	})
}

// provisioned reads the alias's provisioned concurrency config, nil when there is none.
func (p *Platform) provisioned(ctx context.Context) (*lambda.GetProvisionedConcurrencyConfigOutput, error) {
	pc, err := call(ctx, p, "GetProvisionedConcurrencyConfig", func(ctx context.Context) (*lambda.GetProvisionedConcurrencyConfigOutput, error) {
		return p.lam.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: &p.fn, Qualifier: p.qualifier()})
	})
	var nf *types.ProvisionedConcurrencyConfigNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	return pc, err
}
