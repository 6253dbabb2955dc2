package awsadapter

import (
	"context"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
//
// Their HTTP client is cfg's (the SDK's default when nil) behind a guard against a race in the SDK:
// smithy-go closes a request's body as soon as the response's headers arrive, after which the body's
// WriteTo returns io.EOF; when an endpoint answers before net/http has made its last read of the body
// (an emulator on the same machine), net/http takes that io.EOF for a failed write and closes the
// connection under the response still being read ("use of closed network connection" on large
// responses). The guard hides WriteTo, so that last read goes through Read, whose io.EOF net/http
// takes as the end of the body.
func NewClients(cfg aws.Config, o ClientOptions) (*lambda.Client, *cloudwatch.Client) {
	cfg.HTTPClient = guardBodies(cfg.HTTPClient)
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

// bodyGuard is an HTTP client that hides the WriterTo of request bodies (see NewClients).
type bodyGuard struct{ inner aws.HTTPClient }

// readOnlyBody exposes only Read and Close of a request body.
type readOnlyBody struct{ io.ReadCloser }

// Do sends r with its body behind readOnlyBody.
func (g bodyGuard) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readOnlyBody{r.Body}
	}
	return g.inner.Do(r)
}

// guardBodies wraps c (the SDK's default client when nil) in a bodyGuard, once.
func guardBodies(c aws.HTTPClient) aws.HTTPClient {
	switch c.(type) {
	case nil:
		return bodyGuard{inner: awshttp.NewBuildableClient()}
	case bodyGuard:
		return c
	}
	return bodyGuard{inner: c}
}
