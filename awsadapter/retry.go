package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// RetryPolicy is how the adapter retries throttled and conflicting calls: exponential backoff with
// "equal jitter" (each wait is uniform in [d/2, d], d = min(Max, Base·2^attempt)), under the caller's
// context, on the adapter's clock.
type RetryPolicy struct {
	// MaxAttempts is the most calls per operation, the first included (>= 1).
	MaxAttempts int
	// Base is the first backoff, Max the largest (0 < Base <= Max).
	Base, Max time.Duration
}

// DefaultRetryPolicy returns 8 attempts, 250 ms doubling up to 20 s: about 40 s of patience, enough for
// an in-progress function update to finish.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 8, Base: 250 * time.Millisecond, Max: 20 * time.Second}
}

func (r RetryPolicy) validate() error {
	if r.MaxAttempts < 1 {
		return fmt.Errorf("awsadapter: RetryPolicy.MaxAttempts = %d, want >= 1", r.MaxAttempts)
	}
	if r.Base <= 0 || r.Max < r.Base {
		return fmt.Errorf("awsadapter: RetryPolicy.Base = %v, Max = %v, want 0 < Base <= Max", r.Base, r.Max)
	}
	return nil
}

// retryableCode reports whether an API error code is retried: Lambda's rate limit and
// update-in-progress conflict, and the throttling codes of CloudWatch (awsquery and JSON/CBOR
// spellings) and the AWS SDKs.
func retryableCode(code string) bool {
	switch code {
	case "TooManyRequestsException", // Lambda: request rate or concurrency limit
		"ResourceConflictException", // Lambda: an update is in progress
		"Throttling",                // CloudWatch (awsquery)
		"ThrottlingException",       // CloudWatch (JSON/CBOR), generic
		"ThrottledException",
		"RequestLimitExceeded",
		"RequestThrottled",
		"RequestThrottledException":
		return true
	}
	return false
}

// Retryable reports whether the adapter retries err: the throttling and conflict errors above, and
// any HTTP 429 response. Everything else (missing functions, bad parameters, access denied, server
// faults) surfaces at once.
func Retryable(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && retryableCode(ae.ErrorCode()) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 429
}

// backoff returns the wait before retry number attempt (0-based) under policy r, with jitter from
// o.rand (the caller holds whatever lock guards it).
func (o *options) backoff(r RetryPolicy, attempt int) time.Duration {
	d := r.Max
	if attempt < 40 {
		if b := r.Base << attempt; b > 0 && b < d {
			d = b
		}
	}
	half := d / 2
	return half + time.Duration(o.rand.Int64N(int64(d-half)+1))
}

// call runs one AWS operation with retries and wraps a final error in *OpError.
func call[T any](ctx context.Context, p *Platform, op string, f func(context.Context) (T, error)) (T, error) {
	return callWith(ctx, p, op, p.o.retry, Retryable, f)
}

// callWith is call with its own retry policy and classification of retryable errors (CloudWatch
// Logs adds its concurrent-query limit to Retryable's).
func callWith[T any](ctx context.Context, p *Platform, op string, r RetryPolicy, retryable func(error) bool, f func(context.Context) (T, error)) (T, error) {
	return retryCall(ctx, &p.o, p.fn, op, r, retryable, f)
}

// retryCall runs f, retrying the errors retryable accepts with backoff under policy r on o's clock,
// and wraps a final error in *OpError naming the function fn and the operation op. It serves the
// Platform and the other clients of the package (PowerInvoker).
func retryCall[T any](ctx context.Context, o *options, fn, op string, r RetryPolicy, retryable func(error) bool, f func(context.Context) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		out, err := f(ctx)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil || !retryable(err) || attempt+1 >= r.MaxAttempts {
			return zero, &OpError{Function: fn, Op: op, Attempts: attempt + 1, Err: err}
		}
		d := o.backoff(r, attempt)
		o.log.LogAttrs(ctx, slog.LevelDebug, "retrying AWS call", slog.String("function", fn),
			slog.String("op", op), slog.Int("attempt", attempt+1), slog.Duration("backoff", d), slog.String("error", err.Error()))
		if serr := o.sleep(ctx, d); serr != nil {
			return zero, &OpError{Function: fn, Op: op, Attempts: attempt + 1, Err: errors.Join(err, serr)}
		}
	}
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
