package awsadapter

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
)

// LambdaAPI is the subset of *lambda.Client the adapter calls. Tests substitute their own
// implementation or point a real client at an emulator.
type LambdaAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	UpdateFunctionConfiguration(ctx context.Context, in *lambda.UpdateFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error)
	PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, optFns ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
	GetFunctionConcurrency(ctx context.Context, in *lambda.GetFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error)
	PutFunctionConcurrency(ctx context.Context, in *lambda.PutFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error)
	DeleteFunctionConcurrency(ctx context.Context, in *lambda.DeleteFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionConcurrencyOutput, error)
	GetProvisionedConcurrencyConfig(ctx context.Context, in *lambda.GetProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.GetProvisionedConcurrencyConfigOutput, error)
	PutProvisionedConcurrencyConfig(ctx context.Context, in *lambda.PutProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.PutProvisionedConcurrencyConfigOutput, error)
	DeleteProvisionedConcurrencyConfig(ctx context.Context, in *lambda.DeleteProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.DeleteProvisionedConcurrencyConfigOutput, error)
	GetAccountSettings(ctx context.Context, in *lambda.GetAccountSettingsInput, optFns ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

// AutoScalingAPI is the subset of *applicationautoscaling.Client the adapter calls (see
// WithAutoScaling).
type AutoScalingAPI interface {
	DescribeScalableTargets(ctx context.Context, in *applicationautoscaling.DescribeScalableTargetsInput, optFns ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScalableTargetsOutput, error)
}

// CloudWatchAPI is the subset of *cloudwatch.Client the adapter calls.
type CloudWatchAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// Both SDK clients satisfy the interfaces.
var (
	_ LambdaAPI      = (*lambda.Client)(nil)
	_ CloudWatchAPI  = (*cloudwatch.Client)(nil)
	_ AutoScalingAPI = (*applicationautoscaling.Client)(nil)
)

// CloudWatchQueryProtocol makes a CloudWatch client speak the awsquery protocol instead of the
// SDK's default Smithy RPCv2 CBOR. Real AWS accepts both; emulators such as moto speak only awsquery.
// Pass it to cloudwatch.NewFromConfig.
func CloudWatchQueryProtocol(o *cloudwatch.Options) {
	o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
}

// ClientOptions configures NewClients.
type ClientOptions struct {
	// Endpoint, if set, sends every call to this base URL (an emulator, a VPC endpoint).
	Endpoint string
	// QueryProtocol makes the CloudWatch client speak awsquery (see CloudWatchQueryProtocol); set it
	// for emulators.
	QueryProtocol bool
	// SDKRetries keeps the SDK's own retryer. By default it is replaced by aws.NopRetryer so that the
	// adapter's retry policy (backoff with jitter on the injectable clock) is the only one and
	// retries are not multiplied.
	SDKRetries bool
}

// NewClients returns Lambda and CloudWatch clients built from cfg for the adapter.
func NewClients(cfg aws.Config, o ClientOptions) (*lambda.Client, *cloudwatch.Client) {
	lam := lambda.NewFromConfig(cfg, func(lo *lambda.Options) {
		if o.Endpoint != "" {
			lo.BaseEndpoint = aws.String(o.Endpoint)
		}
		if !o.SDKRetries {
			lo.Retryer = aws.NopRetryer{}
		}
	})
	cw := cloudwatch.NewFromConfig(cfg, func(co *cloudwatch.Options) {
		if o.Endpoint != "" {
			co.BaseEndpoint = aws.String(o.Endpoint)
		}
		if !o.SDKRetries {
			co.Retryer = aws.NopRetryer{}
		}
		if o.QueryProtocol {
			CloudWatchQueryProtocol(co)
		}
	})
	return lam, cw
}
