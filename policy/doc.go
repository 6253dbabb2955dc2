// Package policy holds the strategies lambdatune compares, each a lambdatune.Policy that runs in
// the Tuner on the simulator or on AWS:
//
//   - static: a fixed configuration, lambdatune.Fixed (AWS's default, or any);
//   - power-tuned: the memory size an AWS Lambda Power Tuning sweep picks (PowerTuning, run on any
//     lambdatune.Invoker: lambdasim.Invoker on the simulator), deployed statically (PowerTuned);
//   - target-tracking: Application Auto Scaling target tracking on provisioned concurrency
//     (TargetTracking) at a Power-Tuned memory size: what a careful AWS user runs today, and the
//     baseline every other strategy is measured against;
//   - predictive: provisioned concurrency sized from the load forecast by a queueing quantile,
//     ahead of the allocation delay (Predictive, ProvisionFor);
//   - oracle: predictive fed the true future load (Oracle): the limit of any forecast-driven
//     strategy;
//   - original-rule: the original project's threshold rule over its 36-action table
//     (OriginalRule, OriginalConfig);
//   - random: a seeded random configuration every interval (Random), the floor a learned agent
//     must beat.
//
// Where each comes from: AWS Lambda's developer guide (provisioned concurrency, its allocation
// delay and 5-minute billing; reserved concurrency), Application Auto Scaling's target tracking
// (its alarms, cooldowns and capacity bounds), and AWS Lambda Power Tuning
// (github.com/alexcasalboni/aws-lambda-power-tuning: powerValues, num, discardTopBottom,
// strategies cost, speed and balanced).
//
// Every strategy is judged the same way, by lambdatune.Objective; package harness runs them side
// by side.
package policy
