// Package lambdasim simulates AWS Lambda: an event-level discrete-event simulator (Sim, New) that
// follows every request and every execution environment, and an interval model (IntervalSim,
// NewInterval) that steps whole intervals for fast RL training, both lambdatune.Platforms on a
// virtual clock.
//
// # The event-level model
//
// An account (Options.Limits: 1,000 concurrent executions by default, 100 of them never reservable)
// runs one or more functions (Deployment: a Function model, a lambdatune.Config, an Arrivals
// stream). Every request is an event; the simulator keeps every execution environment:
//
//   - A request first takes an idle provisioned environment if there is one, otherwise the newest idle
//     on-demand environment (last in, first out, as AWS and SimFaaS do), otherwise a new environment,
//     which pays INIT first (a cold start). A function may add at most 1,000 environments per 10 s
//     (Options.ScalingBurst/ScalingPeriod; AWS scaling-behavior.html) and receive at most 10 ×
//     its concurrency limit requests per second (gettingstarted-limits.html).
//   - Concurrency: a function with reserved concurrency (lambdatune.Reservation) may run at most that
//     many invocations, and no other function can use it; unreserved functions share what the account
//     has left. Provisioned environments count toward the reservation (or the unreserved pool) whether
//     busy or not, as on AWS (configuration-concurrency.html). A request beyond the limit is
//     throttled: a synchronous one fails (Metrics.Throttles), an asynchronous event (Function.Async)
//     is retried with backoff from 1 s doubling to 5 minutes until its maximum age (6 h by default),
//     then dropped; an asynchronous invocation that fails is retried MaxRetryAttempts times (2), 1 and
//     2 minutes after the failure (invocation-async-error-handling.html).
//   - An idle environment is reclaimed after its keep-alive (Function.KeepAlive: 10 minutes, as
//     measured since 2019 by mikhail.io and Shahrad et al., ATC'20; or any distribution) and every
//     environment is recycled after its maximum lifetime (Function.MaxLifetime, about 2 hours, Ngo et
//     al., arXiv 2203.10227) once its current invocation ends.
//   - Duration: a DurationModel gives the service time under the configured memory and architecture.
//     CPUModel splits a function into CPU-bound work that speeds up with the CPU share (1,769 MB = one
//     vCPU, linear up to 10,240 MB ≈ 5.79 vCPUs, configuration-memory.html) up to the code's
//     parallelism, and I/O time that memory does not change, with a lognormal spread. Measured
//     interpolates a table of mean duration per memory (what AWS Lambda Power Tuning outputs). Flat
//     gives plain constant or exponential service times for queueing models.
//   - INIT: Function.Init, or a Runtime preset from hello-world measurements (github.com/maxday/lambda-perf);
//     an on-demand INIT longer than 10 s is cut and finished inside the invocation. Function.ColdDuration
//     instead draws a cold request's whole service time from its own distribution (SimFaaS's model).
//   - Timeouts: an invocation longer than the configured timeout stops at it, counts as an Error and a
//     Timeout, is billed up to the timeout, and its environment is reset: the next request on it pays
//     INIT again (configuration-timeout.html).
//   - Configuration changes (Apply) take effect as on AWS: a change of memory, timeout, architecture or
//     ephemeral storage sends new requests to new environments while busy old ones finish; reserved
//     concurrency changes at once; added provisioned concurrency is ready after the provisioning delay
//     (1–2 minutes) and billed from the request; removed provisioned concurrency is released at once.
//
// Billing is AWS's (aws.amazon.com/lambda/pricing), in integer units (lambdatune.Usage): one request
// per invocation that ran, memory × duration rounded up to 1 ms, the INIT phase of on-demand cold
// starts (billed since 2025-08-01), invocations on provisioned environments at the provisioned
// duration rate, provisioned capacity from enable to disable rounded up to 5 minutes
// (ProvisionedMeter), ephemeral storage above 512 MB. Each interval's usage is priced with
// lambdatune.Prices (DefaultPrices unless Options.Prices says otherwise; monthly tiers optional).
//
// Each interval yields lambdatune.Metrics as CloudWatch reports them (AWS/Lambda:
// Invocations, Errors, Throttles, Duration percentiles, ConcurrentExecutions maximum, the provisioned
// concurrency metrics), plus cold starts, timeouts and the caller's latency. Percentiles come from a
// Histogram with at most 0.79 % relative error. An invocation counts in the interval it starts in
// (its whole outcome is decided then). Options.Log writes one CSV line per request for debugging.
//
// A function's latency SLO is set on its Deployment (Deployment.SLO): Metrics.SLO reports it and
// Metrics.SLOMisses counts the invocations that ran without error but whose latency (INIT, duration
// and any asynchronous retry wait) exceeded it; the event model counts them exactly, the interval
// model in expectation from its latency distribution.
//
// The same Options.Seed, arrivals and configuration changes give identical metrics. In steady state
// the simulator allocates nothing per request, and its memory depends on the number of environments
// and pending asynchronous retries, never on the horizon.
//
// # Driving the simulator
//
// A Sim is a lambdatune.Platform for its first function: Next simulates the next interval (all
// functions of the account advance together) and returns the first function's metrics; Apply
// validates (lambdatune.Limits.Validate) and applies a configuration at the current virtual time.
// For several tuned functions sharing an account, Sim.Function(i) returns each function's Platform;
// drive them in lockstep (each Next once per interval). Step returns every function's metrics at
// once, Run simulates several intervals, and Stats, RunLatency and RunDuration give whole-run
// totals and percentiles (Sim.Latency and Sim.Duration the event model's histograms). The interval
// model has the same methods; Simulator names them.
//
// # The interval model
//
// NewInterval takes the same Options and Deployments as New and returns an IntervalSim: the same
// Platform API (Next, Apply, Step, Function, Stats), but one step per interval and no per-request
// events. Per interval and function it computes in expectation what the event model samples: the
// busy environments as the M/G/c/c occupancy, throttles by Erlang's loss formula (ErlangB) plus the
// request-rate and scaling limits, the spill-over past provisioned concurrency, cold starts from a
// warm pool that remembers each recent interval's distribution of the largest occupancy (weighted by
// the keep-alive, with lifetime recycling), duration and latency percentiles of the warm/cold
// mixture, and the same billing. IntervalSim's documentation gives the model in full and its
// accuracy against the event model.
//
// Traffic for both models is best given as a Load (NewLoad: a workload.Series of expected requests
// per interval and a seed): the event model draws Poisson arrivals from it, the interval model reads
// one count per interval, which makes a step cost about a microsecond whatever the request rate.
// Any other Arrivals stream works too, counted per interval. Use the event model to check a policy,
// the interval model to train one. PERFORMANCE.md, beside this package's source, gives the speed
// of both and the benchmark commands that measure it.
//
// # Sources
//
// AWS Lambda developer guide pages named above; AWS Lambda pricing; AWS Compute Blog, "AWS Lambda
// standardizes billing for INIT phase" (2025); Mahmoudi & Khazaei, "SimFaaS: a performance simulator
// for serverless computing platforms" (CLOSER 2021, github.com/pacslab/simfaas), whose published
// example (λ = 0.9/s, warm 1.991 s, cold 2.244 s, 600 s expiration: P(cold) ≈ 0.0014, 7.7 instances)
// this simulator reproduces (TestSimFaaSParity).
package lambdasim
