// Package harness evaluates strategies side by side: strategies × workloads × function profiles ×
// seeds on the event-level simulator (lambdasim.New, the faithful model), every strategy on the
// same arrivals (common random numbers) from the same starting configuration, in parallel across
// cores. Each run is a lambdatune.Tuner over the whole load; lambdatune.Objective judges it.
//
// The pieces: Profile (a function model with its SLO: CPUBound, IOBound, HeavyInit), Workload
// (Synthetic: the original project's bursty, periodic and irregular patterns and a diurnal cycle;
// AzureTrace: functions of an Azure Functions 2019 trace), Strategy (Standard: the strategies of
// package policy as the harness builds them), Run, and the reports: WriteSummary (summary.csv),
// Summarize and PrintTable (mean ± standard deviation over seeds, and each strategy's loss
// against the oracle's), PlotCostSLO (a cost–SLO chart in a colour-blind-safe palette).
//
// examples/strategies is a thin program over it.
package harness
