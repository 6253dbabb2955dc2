package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lambdatune/lambdatune"
)

// Platform is a lambdatune.Platform on AWS: one Lambda function (or one alias of it), configured
// through the Lambda API and observed through CloudWatch. It is safe for concurrent use.
type Platform struct {
	fn   string // as given: name or ARN
	name string // the function name, for CloudWatch dimensions
	lam  LambdaAPI
	cw   CloudWatchAPI
	o    options

	mu         sync.Mutex
	lastGood   *lambdatune.Config
	changes    []change  // changes of the last hour, oldest first
	lastChange time.Time // zero before the first change
	watch      int       // intervals of the rollback window left
	before     *lambdatune.Metrics
	last       *lambdatune.Metrics
	next       time.Time // start of the next interval to observe (zero: not started)
	reason     string    // the pending decision's reason, for the audit log
	outcome    Outcome
	queries    []metricQuery
	obs        Observation           // how the last interval was measured (slo.go)
	logsCache  map[time.Time]logsRow // REPORT-line summaries by interval start (logs.go)
	logsErrMsg string                // the last logs failure logged, to log a change once
}

type change struct {
	at       time.Time
	from, to lambdatune.Config
}

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

// Outcome is what the last Apply or rollback did, for callers and the audit log.
type Outcome struct {
	// Requested is the configuration asked for, Target what the guardrails allowed.
	Requested, Target lambdatune.Config
	// From is the configuration before.
	From lambdatune.Config
	// Notes explain every guardrail limit; Held is true when the dwell time kept the configuration.
	Notes []string
	Held  bool
	// DryRun is true when nothing was applied because of dry-run mode.
	DryRun bool
	// Rollback is true for a rollback; Reason is the decision's or the rollback's reason.
	Rollback bool
	Reason   string
	// Err is the error Apply or Rollback returned, if any.
	Err error
}

// New returns a Platform for the function (a name or an ARN) using the given clients. It does no I/O.
func New(lam LambdaAPI, cw CloudWatchAPI, function string, opts ...Option) (*Platform, error) {
	if lam == nil || cw == nil {
		return nil, errors.New("awsadapter: New: the Lambda and CloudWatch clients must be non-nil")
	}
	name, err := functionName(function)
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.finish(function); err != nil {
		return nil, err
	}
	p := &Platform{fn: function, name: name, lam: lam, cw: cw, o: o}
	p.queries = p.buildQueries()
	return p, nil
}

// functionName extracts the name from a function name or ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]).
func functionName(fn string) (string, error) {
	if fn == "" {
		return "", errors.New("awsadapter: function name is empty")
	}
	if !strings.HasPrefix(fn, "arn:") {
		if strings.Contains(fn, ":") {
			return "", fmt.Errorf("awsadapter: function %q: pass an alias with WithAlias, not in the name", fn)
		}
		return fn, nil
	}
	f := strings.Split(fn, ":")
	if len(f) != 7 || f[5] != "function" || f[6] == "" {
		return "", fmt.Errorf("awsadapter: function ARN %q, want arn:aws:lambda:REGION:ACCOUNT:function:NAME (pass an alias with WithAlias)", fn)
	}
	return f[6], nil
}

// Function returns the function name or ARN the platform tunes.
func (p *Platform) Function() string { return p.fn }

// LastOutcome returns what the last Apply or rollback did.
func (p *Platform) LastOutcome() Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.outcome
	o.Notes = append([]string(nil), o.Notes...)
	return o
}

// LastKnownGood returns the configuration a rollback returns to and whether one is known yet (it is
// the first configuration read, then every change that stayed healthy through the rollback window).
func (p *Platform) LastKnownGood() (lambdatune.Config, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lastGood == nil {
		return lambdatune.Config{}, false
	}
	return *p.lastGood, true
}

// State reads the function's configuration and status.
func (p *Platform) State(ctx context.Context) (State, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state(ctx)
}

// Config returns the configuration in force. It implements lambdatune.Platform.
func (p *Platform) Config(ctx context.Context) (lambdatune.Config, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.state(ctx)
	return s.Config, err
}

func (p *Platform) qualifier() *string {
	if p.o.alias == "" {
		return nil
	}
	return aws.String(p.o.alias)
}

func (p *Platform) state(ctx context.Context) (State, error) {
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
	if p.lastGood == nil {
		good := c
		p.lastGood = &good
	}
	return s, nil
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

// check validates want for this function and account, before any change call.
//
// The account's limits are read once per change and kept in *lim.
func (p *Platform) check(ctx context.Context, cur, want lambdatune.Config, lim **lambdatune.Limits) error {
	if err := p.checkStatic(want); err != nil {
		return err
	}
	if want.Arch() != cur.Arch() {
		return fmt.Errorf("awsadapter: function %q: %w", p.fn, &lambdatune.ConfigError{Field: "Architecture", Value: want.Arch(),
			Allowed: fmt.Sprintf("the function's architecture %q (changing it needs new code: UpdateFunctionCode)", cur.Arch())})
	}
	if want.Provisioned != cur.Provisioned {
		if err := p.checkAutoScaling(ctx); err != nil {
			return err
		}
	}
	if want.Reserved == cur.Reserved && (want.Provisioned == cur.Provisioned || want.Reserved.Set) {
		return nil // the account's pool is unaffected
	}
	if *lim == nil {
		l, err := p.limits(ctx, cur)
		if err != nil {
			return err
		}
		*lim = &l
	}
	if err := (*lim).Validate(want); err != nil {
		return fmt.Errorf("awsadapter: function %q: %w", p.fn, err)
	}
	return nil
}

// Apply requests configuration c. It validates c (Config.Validate, the account's limits, the
// function's architecture) before any change call and returns an error wrapping
// *lambdatune.ConfigError for a bad one. It then applies the guardrails (see Guardrails), and in
// dry-run mode only logs the change. Otherwise it applies each changed part and waits for it to take
// effect; when a part fails it returns *ApplyError listing what was applied, after rolling back to
// the last known good configuration when Guardrails.RollbackOnFailure is set.
func (p *Platform) Apply(ctx context.Context, c lambdatune.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	reason := p.reason
	p.reason = ""
	if c.Architecture == "" {
		c.Architecture = lambdatune.X86_64
	}
	if c.EphemeralStorageMB == 0 {
		c.EphemeralStorageMB = lambdatune.MinEphemeralStorageMB
	}
	// What needs no I/O is checked before any call.
	if err := p.checkStatic(c); err != nil {
		p.outcome = Outcome{Requested: c, Reason: reason, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: change rejected", slog.String("function", p.fn),
			configAttr("requested", c), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	s, err := p.state(ctx)
	if err != nil {
		p.outcome = Outcome{Requested: c, Reason: reason, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: change not attempted: reading the configuration failed",
			slog.String("function", p.fn), configAttr("requested", c), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	cur := s.Config
	var lim *lambdatune.Limits
	if err := p.check(ctx, cur, c, &lim); err != nil {
		p.outcome = Outcome{Requested: c, From: cur, Target: cur, Reason: reason, Err: err}
		p.audit(ctx, slog.LevelError, "change rejected", cur, c, cur, reason, slog.String("error", err.Error()))
		return err
	}
	now := p.o.now()
	target, notes, held := p.guard(now, cur, c)
	out := Outcome{Requested: c, From: cur, Target: target, Notes: notes, Held: held, DryRun: p.o.dryRun, Reason: reason}
	if len(notes) > 0 {
		p.audit(ctx, slog.LevelWarn, "guardrails limited the change", cur, c, target, reason, slog.Any("limits", notes))
	}
	if target == cur {
		p.outcome = out
		if !held && len(notes) == 0 {
			p.audit(ctx, slog.LevelInfo, "no change", cur, c, target, reason)
		}
		return nil
	}
	if err := p.check(ctx, cur, target, &lim); err != nil { // guardrails only move toward c; keep the proof
		out.Err = err
		p.outcome = out
		return err
	}
	if p.o.dryRun {
		p.outcome = out
		p.audit(ctx, slog.LevelInfo, "dry run: would change", cur, c, target, reason)
		return nil
	}
	err = p.change(ctx, s, target, reason, false)
	out.Err = err
	p.outcome = out
	return err
}

// Rollback returns the function to the last known good configuration, bypassing the step, hourly and
// dwell limits (but not validation). It returns *ApplyError when a part fails. In dry-run mode it only
// logs.
func (p *Platform) Rollback(ctx context.Context, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rollback(ctx, reason)
}

func (p *Platform) rollback(ctx context.Context, reason string) error {
	s, err := p.state(ctx)
	if err != nil {
		p.outcome = Outcome{Rollback: true, Reason: reason, DryRun: p.o.dryRun, Err: err}
		p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: rollback not attempted: reading the configuration failed",
			slog.String("function", p.fn), slog.String("reason", reason), slog.String("error", err.Error()))
		return err
	}
	good := *p.lastGood
	out := Outcome{Requested: good, Target: good, From: s.Config, Rollback: true, Reason: reason, DryRun: p.o.dryRun}
	if s.Config == good {
		p.outcome = out
		p.audit(ctx, slog.LevelInfo, "rollback: already at last known good", s.Config, good, good, reason)
		return nil
	}
	var lim *lambdatune.Limits
	if err := p.check(ctx, s.Config, good, &lim); err != nil {
		out.Err = err
		p.outcome = out
		return err
	}
	if p.o.dryRun {
		p.outcome = out
		p.audit(ctx, slog.LevelWarn, "dry run: would roll back", s.Config, good, good, reason)
		return nil
	}
	err = p.change(ctx, s, good, reason, true)
	out.Err = err
	p.outcome = out
	return err
}

// plan returns the parts that differ between cur and want, in a safe order.
func (p *Platform) plan(cur, want lambdatune.Config) []Part {
	var ps []Part
	if cur.MemoryMB != want.MemoryMB || cur.Timeout != want.Timeout || cur.Storage() != want.Storage() {
		ps = append(ps, PartFunctionConfig)
		if p.o.alias != "" {
			ps = append(ps, PartAlias)
		}
	}
	res, prov := cur.Reserved != want.Reserved, cur.Provisioned != want.Provisioned
	switch {
	case prov && want.Provisioned < cur.Provisioned:
		ps = append(ps, PartProvisioned)
		if res {
			ps = append(ps, PartReserved)
		}
	default:
		if res {
			ps = append(ps, PartReserved)
		}
		if prov {
			ps = append(ps, PartProvisioned)
		}
	}
	return ps
}

// change applies target over the state s, reporting and (if configured) rolling back a failure.
func (p *Platform) change(ctx context.Context, s State, target lambdatune.Config, reason string, isRollback bool) error {
	from := s.Config
	ps := p.plan(from, target)
	kind := "change"
	if isRollback {
		kind = "rollback"
	}
	p.audit(ctx, slog.LevelInfo, kind+": applying", from, target, target, reason, slog.String("parts", parts(ps)))
	applied, err := p.applyParts(ctx, ps, target)
	if err == nil {
		p.recordChange(from, target)
		p.audit(ctx, slog.LevelInfo, kind+": applied", from, target, target, reason, slog.String("parts", parts(applied)))
		return nil
	}
	ae := &ApplyError{Function: p.fn, From: from, To: target, Applied: applied, Failed: ps[len(applied)], Err: err}
	if rest := ps[len(applied)+1:]; len(rest) > 0 {
		ae.NotAttempted = rest
	}
	if len(applied) > 0 {
		p.recordChange(from, target) // a partial change counts toward the budgets and the dwell time
	}
	// Read back what is in force now (and roll back) even if the caller's context is what failed,
	// so that the report is complete; bound the clean-up by the longest waits instead.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*(p.o.updateWait+p.o.provWait))
	defer cancel()
	now, nerr := p.state(rctx)
	if !isRollback && p.o.guard.RollbackOnFailure {
		// The failed part may have taken effect too (e.g. provisioned concurrency set, then FAILED):
		// roll back whenever the function is not as it was.
		switch {
		case nerr != nil && len(applied) > 0:
			ae.RollbackRan, ae.RollbackTarget = true, *p.lastGood
			ae.RollbackErr = fmt.Errorf("not attempted: the configuration in force could not be read: %w", nerr)
		case nerr == nil && now.Config != from:
			ae.RollbackRan, ae.RollbackTarget = true, *p.lastGood
			ae.RolledBack, ae.RollbackErr = p.applyParts(rctx, p.plan(now.Config, ae.RollbackTarget), ae.RollbackTarget)
			now, nerr = p.state(rctx)
		}
	}
	if nerr != nil {
		ae.NowErr = nerr
	} else {
		ae.Now, ae.NowKnown = now.Config, true
	}
	attrs := []slog.Attr{slog.String("applied", parts(ae.Applied)), slog.String("failed", string(ae.Failed)),
		slog.String("not_attempted", parts(ae.NotAttempted)), slog.String("error", err.Error()),
		slog.Bool("rollback_ran", ae.RollbackRan), slog.String("rolled_back", parts(ae.RolledBack)), slog.Bool("now_known", ae.NowKnown)}
	if ae.RollbackErr != nil {
		attrs = append(attrs, slog.String("rollback_error", ae.RollbackErr.Error()))
	}
	if ae.NowKnown {
		attrs = append(attrs, configAttr("now", ae.Now))
	}
	p.audit(ctx, slog.LevelError, kind+": failed part-way", from, target, target, reason, attrs...)
	return ae
}

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

// getConfig reads the configuration of the function's version qualifier (nil: $LATEST).
func (p *Platform) getConfig(ctx context.Context, qualifier *string) (*lambda.GetFunctionConfigurationOutput, error) {
	return call(ctx, p, "GetFunctionConfiguration", func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return p.lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &p.fn, Qualifier: qualifier})
	})
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

// recordChange notes a change for the dwell time, the hourly budgets and the rollback window.
func (p *Platform) recordChange(from, to lambdatune.Config) {
	now := p.o.now()
	p.changes = append(p.changes, change{at: now, from: from, to: to})
	p.lastChange = now
	p.watch = p.o.guard.Rollback.Window
	p.before = p.last
}

// audit writes one audit record.
func (p *Platform) audit(ctx context.Context, level slog.Level, msg string, before, requested, after lambdatune.Config, reason string, extra ...slog.Attr) {
	attrs := append([]slog.Attr{
		slog.String("function", p.fn), slog.String("alias", p.o.alias), slog.Bool("dry_run", p.o.dryRun),
		configAttr("before", before), configAttr("requested", requested), configAttr("after", after),
		slog.String("reason", reason),
	}, extra...)
	p.o.log.LogAttrs(ctx, level, "awsadapter: "+msg, attrs...)
}

func configAttr(key string, c lambdatune.Config) slog.Attr {
	return slog.Group(key,
		slog.Int("memory_mb", c.MemoryMB), slog.Float64("timeout_s", c.Timeout.Seconds()),
		slog.String("reserved", c.Reserved.String()), slog.Int("provisioned", c.Provisioned),
		slog.String("arch", string(c.Arch())), slog.Int("storage_mb", c.Storage()))
}

// AuditPolicy wraps a policy so that each decision is written to the audit log (the configuration in
// force, the one decided, and the reason), and the reason accompanies the change Apply then makes.
// Wrap the policy given to lambdatune.Tuner with it.
func (p *Platform) AuditPolicy(pol lambdatune.Policy) lambdatune.Policy {
	return lambdatune.PolicyFunc(func(ctx context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
		d, err := pol.Decide(ctx, obs)
		if err != nil {
			p.o.log.LogAttrs(ctx, slog.LevelError, "awsadapter: decision failed", slog.String("function", p.fn), slog.String("error", err.Error()))
			return d, err
		}
		p.mu.Lock()
		p.reason = d.Reason
		p.mu.Unlock()
		p.audit(ctx, slog.LevelInfo, "decision", obs.Current, d.Config, d.Config, d.Reason, slog.Time("for", obs.Time))
		return d, nil
	})
}

// toInt32 converts a validated number to the int32 Lambda's API carries, refusing one that
// would not survive the conversion: the number sent must be the one validated and audited.
func toInt32(field string, v int64) (int32, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("awsadapter: %s = %d does not fit the API's 32-bit integer", field, v)
	}
	return int32(v), nil
}
