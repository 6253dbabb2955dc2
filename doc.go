// Package lambdatune keeps serverless functions (AWS Lambda first) fast and cheap without a human in
// the loop.
//
// # The closed loop
//
// Every interval (a minute by default) a Platform serves the function's traffic under its current
// Config and reports Metrics in CloudWatch's terms: invocations, errors, throttles, cold starts,
// latency percentiles, concurrency and cost. A Forecaster predicts the next intervals' load from that
// history; a Policy (a fixed configuration, a rule, or a reinforcement-learning agent) turns history,
// forecast and the current configuration into a Decision: memory, timeout, reserved and provisioned
// concurrency for the next interval. The platform applies it, and the loop goes on. The Tuner runs this
// loop.
//
// The same loop runs on a simulator (package lambdasim, on a virtual clock, for training and research)
// and on AWS (package awsadapter), so a policy trained on the simulator runs unchanged in production.
//
// # Packages
//
//   - lambdatune (this package): the shared domain types (Config, Limits, Metrics, Usage, Prices),
//     the Platform, Policy and Forecaster interfaces, and the Tuner. It imports only the standard
//     library.
//   - workload: synthetic load (bursty, periodic, irregular, diurnal, spikes, compositions), real trace
//     replay (Azure Functions 2019 and 2021 formats), arrival sampling and CSV I/O.
//   - forecast: features, gradient-boosted trees (trained in Go, or XGBoost and LightGBM models
//     loaded from files), baselines, metrics and time-series cross-validation.
//   - lambdasim: a discrete-event AWS Lambda simulator and a fast interval model, both Platforms.
//   - env: a Gymnasium-like environment API (spaces, vector envs, wrappers, a checker), CartPole, and
//     the tuning environment.
//   - rl/a2c, rl/nn, rl/qlearn: advantage actor-critic with Stable-Baselines3's defaults, small neural
//     networks and optimizers, tabular Q-learning.
//   - awsadapter: a Platform on real AWS (Lambda and CloudWatch through the AWS SDK for Go v2), with
//     guardrails, dry runs and rollback.
//   - examples/...: runnable programs, starting with examples/quickstart.
//
// # Facts
//
// Limits and prices follow the AWS Lambda documentation and the us-east-1 price list: memory
// 128–10,240 MB, timeout 1–900 s, 1,000 concurrent executions per account with 100 kept unreserved,
// $0.20 per million requests and $0.0000166667 per GB-second on x86_64 (arm64 $0.0000133334).
package lambdatune
