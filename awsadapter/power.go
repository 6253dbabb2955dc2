package awsadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
)

// PowerAPI is the subset of *lambda.Client a Power Tuning sweep calls (see PowerInvoker).
type PowerAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	UpdateFunctionConfiguration(ctx context.Context, in *lambda.UpdateFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error)
	PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, optFns ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error)
	ListVersionsByFunction(ctx context.Context, in *lambda.ListVersionsByFunctionInput, optFns ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error)
	DeleteFunction(ctx context.Context, in *lambda.DeleteFunctionInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error)
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ PowerAPI = (*lambda.Client)(nil)

// ErrDryRun is returned (wrapped) by PowerInvoker.Invoke in dry-run mode, after it has logged what it
// would do: a dry run changes and invokes nothing, so it measures nothing.
var ErrDryRun = errors.New("awsadapter: dry run: nothing changed or invoked")

// Limits of a sweep's test invocations.
const (
	// MaxPayloadBytes is the largest payload of a synchronous invocation (6 MB).
	MaxPayloadBytes = 6 * 1024 * 1024
	// maxSweepInvocations bounds n in one Invoke call (Power Tuning's num is at most 10,000).
	maxSweepInvocations = 10_000
	// cleanupTimeout bounds the cleanup of a sweep step, which runs even after the caller's context
	// ended.
	cleanupTimeout = 5 * time.Minute
	// powerDescription starts the description of every version a sweep publishes.
	powerDescription = "lambdatune power tuning"
)

// Payload is one test event of a sweep and its weight: the share of the invocations at each memory
// size that carry it (AWS Lambda Power Tuning's weighted payloads).
type Payload struct {
	// Body is the event, JSON of at most MaxPayloadBytes; empty means {}.
	Body []byte
	// Weight is the payload's share of the invocations, relative to the others' (>= 1).
	Weight int
}

// PowerOptions configures a PowerInvoker.
type PowerOptions struct {
	// Payloads are the test events; empty means one payload, {}. With several, each gets
	// floor(Weight × n / total weight) of a size's n invocations (at least one, or Invoke fails naming
	// the payload), the remainder going to the first; they run in the order given, in blocks.
	Payloads []Payload
	// Progress, if set, is called after each invocation with the memory size, the invocations done
	// at it and n.
	Progress func(memoryMB, done, n int)
}

// Validate reports each payload that cannot be sent, naming it and what is allowed.
func (po PowerOptions) Validate() error {
	var errs []error
	for i, p := range po.Payloads {
		if p.Weight < 1 {
			errs = append(errs, fmt.Errorf("awsadapter: PowerOptions.Payloads[%d].Weight = %d, want >= 1", i, p.Weight))
		}
		if len(p.Body) > MaxPayloadBytes {
			errs = append(errs, fmt.Errorf("awsadapter: PowerOptions.Payloads[%d].Body has %d bytes, want at most %d (a synchronous invocation's limit)", i, len(p.Body), MaxPayloadBytes))
		} else if len(p.Body) > 0 && !json.Valid(p.Body) {
			errs = append(errs, fmt.Errorf("awsadapter: PowerOptions.Payloads[%d].Body is not valid JSON", i))
		}
	}
	return errors.Join(errs...)
}

// PowerInvoker runs AWS Lambda Power Tuning's test invocations on a real function: a
// lambdatune.Invoker, so policy.PowerTuning.Run sweeps AWS with the same analysis as on the simulator
// (lambdasim.Invoker). Like Power Tuning, for each memory size it sets $LATEST's memory, publishes a
// version of exactly that revision, restores $LATEST's memory at once (so $LATEST runs at another
// size for the seconds of an update, as in Power Tuning's initializer), invokes the version n times
// one after another with the payloads (RequestResponse, LogType Tail), reads each invocation's
// duration, billed duration and INIT from the REPORT line of its log tail, and deletes the version.
// It invokes the version directly rather than through an alias (Power Tuning's RAM<size> aliases):
// the same isolation with one resource fewer to clean up.
//
// Nothing is left behind, even when a step fails or the caller's context ends: each Invoke removes the
// version it published and restores $LATEST's memory before it returns, under a context of its own;
// a version that existed before the sweep (PublishVersion returns an existing version when nothing
// changed since it) is used but never deleted. Cleanup does the same for anything an earlier step
// could not remove. The code tested is $LATEST's; a sweep stops if $LATEST's code changes under it.
//
// It is a dry run by default: Invoke logs what it would call and returns ErrDryRun, having only read
// the function. Pass WithDryRun(false) to run the sweep. Of the adapter's options, WithDryRun,
// WithLogger, WithClock, WithRand, WithRetry and WithWaits (poll and update wait) apply; WithAlias is
// refused. It needs lambda:GetFunctionConfiguration, UpdateFunctionConfiguration, PublishVersion,
// ListVersionsByFunction, DeleteFunction and InvokeFunction on the function and its versions
// (awsadapter/iam-power-tuning.json). Test invocations run the function's code with the payloads:
// whatever it does, it does.
type PowerInvoker struct {
	fn, name string
	api      PowerAPI
	o        options
	po       PowerOptions

	mu sync.Mutex
	// What begin read of $LATEST: its memory, code and revision, and the versions that existed.
	started     bool
	original    int32
	code, rev   string
	preexisting map[string]bool
	// created are the versions this invoker published and has not deleted; changed says $LATEST's
	// memory is not its original.
	created []string
	changed bool
}

// NewPowerInvoker returns a PowerInvoker for the function (a name or an ARN). It does no I/O.
func NewPowerInvoker(api PowerAPI, function string, po PowerOptions, opts ...Option) (*PowerInvoker, error) {
	if api == nil {
		return nil, errors.New("awsadapter: NewPowerInvoker: the Lambda client must be non-nil")
	}
	name, err := functionName(function)
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	o.dryRun = true
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.finish(function); err != nil {
		return nil, err
	}
	if o.alias != "" {
		return nil, fmt.Errorf("awsadapter: NewPowerInvoker: WithAlias(%q) does not apply: a sweep tests $LATEST's code in versions of its own", o.alias)
	}
	if err := po.Validate(); err != nil {
		return nil, err
	}
	if len(po.Payloads) == 0 {
		po.Payloads = []Payload{{Body: []byte("{}"), Weight: 1}}
	}
	po.Payloads = append([]Payload(nil), po.Payloads...)
	return &PowerInvoker{fn: function, name: name, api: api, o: o, po: po}, nil
}

// schedule returns the payload of each of n invocations (see PowerOptions.Payloads).
func schedule(ps []Payload, n int) ([]int, error) {
	if n < len(ps) {
		return nil, fmt.Errorf("awsadapter: %d invocations for %d payloads, want at least one invocation per payload", n, len(ps))
	}
	total := 0
	for _, p := range ps {
		total += p.Weight
	}
	counts := make([]int, len(ps))
	sum := 0
	for i, p := range ps {
		counts[i] = p.Weight * n / total
		if counts[i] < 1 {
			return nil, fmt.Errorf("awsadapter: PowerOptions.Payloads[%d].Weight = %d of %d gives it no invocation out of %d; raise its weight or the invocations", i, p.Weight, total, n)
		}
		sum += counts[i]
	}
	counts[0] += n - sum
	out := make([]int, 0, n)
	for i, c := range counts {
		for range c {
			out = append(out, i)
		}
	}
	return out, nil
}

// Invoke runs n test invocations at memoryMB as the type's documentation describes and returns their
// outcomes in order. It validates memoryMB (128–10,240) and n (1–10,000, at least one per payload)
// before any call. An invocation that fails (a function error or a timeout) is returned with Error
// set, as Power Tuning's analysis expects; a failed AWS call is an error, after the cleanup.
func (v *PowerInvoker) Invoke(ctx context.Context, memoryMB, n int) (out []lambdatune.Invocation, err error) {
	if memoryMB < lambdatune.MinMemoryMB || memoryMB > lambdatune.MaxMemoryMB {
		return nil, fmt.Errorf("awsadapter: function %q: Power Tuning memory size %d MB, want an integer in [%d, %d]", v.fn, memoryMB, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
	}
	if n < 1 || n > maxSweepInvocations {
		return nil, fmt.Errorf("awsadapter: function %q: Power Tuning invocations n = %d, want an integer in [1, %d]", v.fn, n, maxSweepInvocations)
	}
	sched, err := schedule(v.po.Payloads, n)
	if err != nil {
		return nil, fmt.Errorf("awsadapter: function %q: %w", v.fn, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.begin(ctx); err != nil {
		return nil, err
	}
	if v.o.dryRun {
		for _, step := range v.steps(memoryMB, n) {
			v.o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: power tuning dry run: would "+step, slog.String("function", v.fn), slog.Int("memory_mb", memoryMB))
		}
		return nil, fmt.Errorf("awsadapter: function %q: %d MB: %w (WithDryRun(false) runs the sweep)", v.fn, memoryMB, ErrDryRun)
	}
	defer func() {
		if cerr := v.cleanup(ctx); cerr != nil {
			out, err = nil, errors.Join(err, cerr)
		}
	}()
	ver, err := v.publishAt(ctx, int32(memoryMB)) // memoryMB is within [128, 10240]
	if err != nil {
		return nil, err
	}
	return v.invokeAll(ctx, ver, memoryMB, sched)
}

// Plan returns the calls a sweep of the memory sizes with n invocations each would make, in order,
// without making any: what a dry run reports.
func (v *PowerInvoker) Plan(memoryMB []int, n int) []string {
	out := []string{"read $LATEST's configuration (GetFunctionConfiguration) and its versions (ListVersionsByFunction)"}
	for _, m := range memoryMB {
		out = append(out, v.steps(m, n)...)
	}
	return out
}

// steps describes the calls of one memory size.
func (v *PowerInvoker) steps(memoryMB, n int) []string {
	weights := make([]string, len(v.po.Payloads))
	for i, p := range v.po.Payloads {
		weights[i] = fmt.Sprintf("%d", p.Weight)
	}
	return []string{
		fmt.Sprintf("%d MB: UpdateFunctionConfiguration $LATEST MemorySize=%d (unless it has that size) and wait until Successful", memoryMB, memoryMB),
		fmt.Sprintf("%d MB: PublishVersion of that revision (%q)", memoryMB, fmt.Sprintf("%s %d MB", powerDescription, memoryMB)),
		fmt.Sprintf("%d MB: UpdateFunctionConfiguration $LATEST back to its own memory and wait", memoryMB),
		fmt.Sprintf("%d MB: Invoke the version %d times, one after another (RequestResponse, LogType Tail; %d payloads weighted %s)", memoryMB, n, len(v.po.Payloads), strings.Join(weights, ":")),
		fmt.Sprintf("%d MB: DeleteFunction the version (unless it existed before the sweep)", memoryMB),
	}
}

// begin reads $LATEST's memory, code and revision and the function's versions, once per sweep.
func (v *PowerInvoker) begin(ctx context.Context) error {
	if v.started {
		return nil
	}
	fc, err := waitActive(ctx, &v.o, v.fn, "GetFunctionConfiguration", v.latest)
	if err != nil {
		return err
	}
	pre := map[string]bool{}
	in := &lambda.ListVersionsByFunctionInput{FunctionName: &v.fn}
	for {
		lv, err := retryCall(ctx, &v.o, v.fn, "ListVersionsByFunction", v.o.retry, Retryable, func(ctx context.Context) (*lambda.ListVersionsByFunctionOutput, error) {
			return v.api.ListVersionsByFunction(ctx, in)
		})
		if err != nil {
			return err
		}
		for _, c := range lv.Versions {
			pre[aws.ToString(c.Version)] = true
		}
		if lv.NextMarker == nil {
			break
		}
		in.Marker = lv.NextMarker
	}
	v.original, v.code, v.rev, v.preexisting = aws.ToInt32(fc.MemorySize), aws.ToString(fc.CodeSha256), aws.ToString(fc.RevisionId), pre
	v.started = true
	return nil
}

// latest reads $LATEST's configuration.
func (v *PowerInvoker) latest(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
	return retryCall(ctx, &v.o, v.fn, "GetFunctionConfiguration", v.o.retry, Retryable, func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return v.api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &v.fn})
	})
}

// setMemory updates $LATEST's memory, only from the revision last seen, and waits for the update.
func (v *PowerInvoker) setMemory(ctx context.Context, mem int32) error {
	_, err := retryCall(ctx, &v.o, v.fn, "UpdateFunctionConfiguration", v.o.retry, Retryable, func(ctx context.Context) (*lambda.UpdateFunctionConfigurationOutput, error) {
		return v.api.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: &v.fn, MemorySize: aws.Int32(mem), RevisionId: aws.String(v.rev)})
	})
	if err != nil {
		return err
	}
	v.changed = mem != v.original
	fc, err := waitActive(ctx, &v.o, v.fn, "UpdateFunctionConfiguration", v.latest)
	if err != nil {
		return err
	}
	if got := aws.ToInt32(fc.MemorySize); got != mem {
		return &OpError{Function: v.fn, Op: "UpdateFunctionConfiguration", Attempts: 1, Err: fmt.Errorf("$LATEST has %d MB after setting %d MB: changed by someone else?", got, mem)}
	}
	v.rev = aws.ToString(fc.RevisionId)
	return nil
}

// publishAt publishes $LATEST at mem as a version, restores $LATEST's memory, and returns the version
// once it is Active.
func (v *PowerInvoker) publishAt(ctx context.Context, mem int32) (string, error) {
	fc, err := v.latest(ctx)
	if err != nil {
		return "", err
	}
	if code := aws.ToString(fc.CodeSha256); code != v.code {
		return "", &OpError{Function: v.fn, Op: "PublishVersion", Attempts: 1, Err: fmt.Errorf("$LATEST's code changed during the sweep (CodeSha256 %s, was %s): the sizes would test different code", code, v.code)}
	}
	v.rev = aws.ToString(fc.RevisionId)
	if aws.ToInt32(fc.MemorySize) != mem {
		if err := v.setMemory(ctx, mem); err != nil {
			return "", err
		}
	}
	pv, err := retryCall(ctx, &v.o, v.fn, "PublishVersion", v.o.retry, Retryable, func(ctx context.Context) (*lambda.PublishVersionOutput, error) {
		return v.api.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: &v.fn, CodeSha256: aws.String(v.code), RevisionId: aws.String(v.rev),
			Description: aws.String(fmt.Sprintf("%s %d MB", powerDescription, mem))})
	})
	if err != nil {
		return "", err
	}
	ver := aws.ToString(pv.Version)
	if !v.preexisting[ver] {
		v.created = append(v.created, ver)
	}
	v.o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: power tuning: version published", slog.String("function", v.fn),
		slog.String("version", ver), slog.Int("memory_mb", int(mem)), slog.Bool("existed_before", v.preexisting[ver]))
	if got := aws.ToInt32(pv.MemorySize); got != mem {
		return "", &OpError{Function: v.fn, Op: "PublishVersion", Attempts: 1, Err: fmt.Errorf("version %s has %d MB, want %d", ver, got, mem)}
	}
	if v.changed {
		if err := v.setMemory(ctx, v.original); err != nil {
			return "", err
		}
	}
	_, err = waitActive(ctx, &v.o, v.fn, "PublishVersion", func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return retryCall(ctx, &v.o, v.fn, "GetFunctionConfiguration", v.o.retry, Retryable, func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
			return v.api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &v.fn, Qualifier: aws.String(ver)})
		})
	})
	return ver, err
}

// invokeAll invokes the version once per scheduled payload, one after another.
func (v *PowerInvoker) invokeAll(ctx context.Context, ver string, mem int, sched []int) ([]lambdatune.Invocation, error) {
	out := make([]lambdatune.Invocation, 0, len(sched))
	for i, k := range sched {
		body := v.po.Payloads[k].Body
		res, err := retryCall(ctx, &v.o, v.fn, "Invoke", v.o.retry, Retryable, func(ctx context.Context) (*lambda.InvokeOutput, error) {
			return v.api.Invoke(ctx, &lambda.InvokeInput{FunctionName: &v.fn, Qualifier: aws.String(ver), Payload: body,
				InvocationType: types.InvocationTypeRequestResponse, LogType: types.LogTypeTail})
		})
		if err != nil {
			return nil, fmt.Errorf("awsadapter: function %q: invocation %d of %d at %d MB (version %s): %w", v.fn, i+1, len(sched), mem, ver, err)
		}
		inv, err := parseInvocation(res, mem)
		if err != nil {
			return nil, &OpError{Function: v.fn, Op: "Invoke", Attempts: 1, Err: fmt.Errorf("invocation %d of %d at %d MB (version %s): %w", i+1, len(sched), mem, ver, err)}
		}
		out = append(out, inv)
		if v.po.Progress != nil {
			v.po.Progress(mem, i+1, len(sched))
		}
	}
	return out, nil
}

// cleanup restores $LATEST's memory if a step left it changed and deletes the versions the sweep
// published, under a context that outlives the caller's. It returns what it could not undo.
func (v *PowerInvoker) cleanup(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	if v.changed {
		if fc, err := v.latest(cctx); err != nil {
			errs = append(errs, err)
		} else if v.rev = aws.ToString(fc.RevisionId); aws.ToInt32(fc.MemorySize) == v.original {
			v.changed = false
		} else if err := v.setMemory(cctx, v.original); err != nil {
			errs = append(errs, fmt.Errorf("restoring $LATEST's memory to %d MB: %w", v.original, err))
		}
	}
	left := v.created[:0]
	for _, ver := range v.created {
		_, err := retryCall(cctx, &v.o, v.fn, "DeleteFunction", v.o.retry, Retryable, func(ctx context.Context) (*lambda.DeleteFunctionOutput, error) {
			return v.api.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &v.fn, Qualifier: aws.String(ver)})
		})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			errs = append(errs, fmt.Errorf("deleting version %s: %w", ver, err))
			left = append(left, ver)
			continue
		}
		v.o.log.LogAttrs(ctx, slog.LevelInfo, "awsadapter: power tuning: version deleted", slog.String("function", v.fn), slog.String("version", ver))
	}
	v.created = left
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("awsadapter: function %q: power tuning cleanup: %w", v.fn, err)
	}
	return nil
}

// Cleanup removes whatever earlier steps could not (versions they published, a changed $LATEST
// memory), even after the caller's context ended. Invoke cleans up after itself; call Cleanup when
// an Invoke reported a cleanup error, or defer it after a sweep.
func (v *PowerInvoker) Cleanup(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cleanup(ctx)
}

// Leftovers returns the versions the sweep published and could not delete yet, and whether $LATEST's
// memory is still changed: what Cleanup would undo.
func (v *PowerInvoker) Leftovers() (versions []string, memoryChanged bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.created...), v.changed
}
