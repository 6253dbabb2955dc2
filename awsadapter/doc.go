// Package awsadapter is a lambdatune.Platform on AWS: it reads and changes one Lambda function's
// configuration through the Lambda API and observes it through CloudWatch, with the guardrails a
// platform team needs before letting an automatic tuner near production.
//
// # Using it
//
//	awsCfg, err := config.LoadDefaultConfig(ctx)
//	lam, cw := awsadapter.NewClients(awsCfg, awsadapter.ClientOptions{})
//	logs := awsadapter.NewLogsClient(awsCfg, awsadapter.ClientOptions{})
//	p, err := awsadapter.New(lam, cw, "my-function", awsadapter.WithAlias("live"), awsadapter.WithDryRun(true),
//		awsadapter.WithSLO(250*time.Millisecond), awsadapter.WithLogs(logs, awsadapter.DefaultLogsOptions()))
//	tuner, err := lambdatune.NewTuner(lambdatune.TunerConfig{Platform: p, Policy: p.AuditPolicy(policy)})
//	err = tuner.Run(ctx, 0)
//
// The SDK is used through small interfaces, LambdaAPI, CloudWatchAPI and LogsAPI, which
// *lambda.Client, *cloudwatch.Client and *cloudwatchlogs.Client satisfy; tests point real clients at an emulator or an httptest server.
// Nothing needs AWS credentials to compile or test.
//
// # What it reads and changes
//
// Config and State read the function's memory, timeout, ephemeral storage, architecture, State and
// LastUpdateStatus (of the alias's version when an alias is tuned), its reserved concurrency, and the
// alias's provisioned concurrency. Apply validates the requested configuration first
// (lambdatune.Config.Validate, the account's limits from GetAccountSettings or WithLimits, and the
// function's architecture, which only new code can change): a bad one is an error wrapping
// *lambdatune.ConfigError and nothing is called. It then applies the changed parts in a safe order:
// UpdateFunctionConfiguration and a wait until LastUpdateStatus is Successful; with an alias,
// PublishVersion (of exactly the revision just updated) and UpdateAlias, since published versions are
// immutable — refused when $LATEST carries unpublished code, runtime, handler, role, layers or
// environment that publishing would deploy as well; Put/DeleteFunctionConcurrency;
// Put/DeleteProvisionedConcurrencyConfig and a wait until READY (provisioned concurrency shrinks
// before, and grows after, the reservation). When a part fails, Apply returns *ApplyError naming the
// parts applied, the part that failed and those not attempted, rolls back to the last known good
// configuration (Guardrails.RollbackOnFailure), and reports the configuration read back afterwards,
// so a change that fails half-way never leaves the function in an unreported state.
//
// Next observes one interval with a single GetMetricData call: Invocations, Errors, Throttles
// (Sum), Duration (Sum, Average, Maximum, p50, p90, p95, p99), ConcurrentExecutions (Maximum) and,
// with an alias, ProvisionedConcurrencyUtilization (Maximum), ProvisionedConcurrencyInvocations and
// ProvisionedConcurrencySpilloverInvocations (Sum), and with WithSLO the percentile rank PR(:SLO) of
// Duration. Intervals are aligned to CloudWatch periods; a metric without datapoints is zero traffic.
// The cost is estimated with the simulator's price table (lambdatune.DefaultPrices); Next documents
// the approximation.
//
// # Cold starts, INIT and SLO misses
//
// CloudWatch's Lambda metrics carry no cold starts and no INIT time, and their Duration excludes
// INIT. WithLogs reads them from the function's REPORT log lines through CloudWatch Logs Insights
// (@initDuration, @duration, @billedDuration; one aggregating query per interval, or per batch of
// intervals when several are due), waiting for the lines to arrive and re-querying while they are
// fewer than the interval's Invocations. WithSLO sets the latency bound: SLO misses are counted from
// the REPORT lines (INIT plus duration) or, where logs are off or a query fails, estimated from the
// percentile rank statistic (INIT not counted). Platform.LastObservation says which source filled
// each field (Source), and why the logs did not.
//
// # History, Power Tuning and target tracking
//
// Platform.History reads a stretch of the function's past — per-interval Invocations, Errors,
// Throttles, Duration and concurrency in chunks within GetMetricData's limits, the whole stretch's
// percentiles and, with WithLogs, its INIT durations — to replay it (examples/recommend). It only
// reads.
//
// PowerInvoker is a lambdatune.Invoker on the real function: AWS Lambda Power Tuning's test
// invocations (a version per memory size, weighted payloads, billed duration and INIT from each
// invocation's log tail), cleaned up even when a step fails, and a dry run unless WithDryRun(false).
// policy.PowerTuning.Run sweeps it with the analysis it runs on the simulator.
//
// RegisterTargetTracking and DeregisterTargetTracking hand an alias's provisioned concurrency to
// Application Auto Scaling target tracking (the policy.TargetTracking strategy, run by AWS instead
// of emulated) and take it back.
//
// # Errors and retries
//
// TooManyRequestsException, ResourceConflictException (an update in progress), throttled
// CloudWatch calls and throttled or over-limit Logs Insights calls (LogsOptions.Retry) are retried with exponential backoff and jitter (RetryPolicy) under the caller's
// context, on an injectable clock, with jitter from a *rand.Rand (WithRand, WithClock). Every other
// error surfaces at once as *OpError, naming the function and the operation and wrapping the SDK's
// typed error. NewClients turns the SDK's own retryer off so that retries are not multiplied.
//
// # Guardrails
//
// On by default (DefaultGuardrails): user bounds per dimension, a maximum change per step and per
// hour, a minimum dwell time between changes, reservations that always leave 100 unreserved in the
// account, automatic rollback when errors or throttles after a change exceed a threshold, and
// rollback of a change that fails part-way. WithDryRun logs the intended change and applies nothing.
// WithAutoScaling refuses provisioned concurrency changes on an alias that Application Auto Scaling
// manages, so that the tuner and target tracking do not fight.
// Every decision (with AuditPolicy), limit, change, rollback and failure is written to a log/slog
// audit log with the configuration before and after and the reason (lambdatune.Tuner passes a
// decision's reason with its change through ApplyDecision).
//
// # IAM
//
// The minimal IAM policy is in iam-policy.json next to this file and explained in README.md:
// lambda:GetFunctionConfiguration, UpdateFunctionConfiguration, PublishVersion, UpdateAlias,
// GetFunctionConcurrency, PutFunctionConcurrency, DeleteFunctionConcurrency,
// GetProvisionedConcurrencyConfig, PutProvisionedConcurrencyConfig,
// DeleteProvisionedConcurrencyConfig on the function and its alias, lambda:GetAccountSettings and
// cloudwatch:GetMetricData on "*" (and application-autoscaling:DescribeScalableTargets with
// WithAutoScaling; logs:StartQuery on the function's log group and logs:GetQueryResults and
// logs:StopQuery on "*" with WithLogs). A dry run needs only the Get actions and, with WithLogs, the
// logs actions, which only read. History needs only reads (iam-recommend.json), a Power Tuning sweep
// the actions in iam-power-tuning.json, target tracking those in iam-target-tracking.json; README.md
// lists the permissions of each mode.
//
// # Emulators
//
// moto speaks the Lambda REST protocol but not CloudWatch's default Smithy RPCv2 CBOR: pass
// ClientOptions{Endpoint: url, QueryProtocol: true} (or CloudWatchQueryProtocol). moto lacks
// provisioned concurrency, GetAccountSettings (use WithLimits) and percentile statistics, the
// percentile rank included (use WithPercentiles(false)). Its Logs Insights answers StartQuery and
// GetQueryResults but ignores filter and stats and knows none of Lambda's REPORT fields, and lacks
// StopQuery: the adapter then reports the logs unreadable and falls back. Its GetMetricData ignores
// MaxDatapoints and keeps datapoints of any age; its Invoke (without Docker) runs nothing and returns
// no log tail, so a Power Tuning step fails at the REPORT line (and cleans up). The package's tests
// cover all of these against httptest servers.
package awsadapter
