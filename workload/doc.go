// Package workload describes the load offered to a serverless function: how
// many invocations arrive in each interval (a Series), and when exactly they
// arrive inside the interval (an Arrivals stream).
//
// # Series
//
// A Series is a start time, an interval length and non-negative counts per
// interval. It can be sliced, resampled (1 min ↔ 5 min, totals kept) and
// summarised (Stats: mean, peak, coefficient of variation, dominant period by
// autocorrelation, share of empty intervals).
//
// # Generators
//
// Every generator fills a Grid (start, step, length) and is deterministic:
// the random ones take a seed, and the same seed gives the same series.
//
//   - The original project's patterns: OriginalTraining (its training load,
//     synthetic_invocations.csv) and OriginalBursty, OriginalPeriodic, OriginalIrregular
//     (its evaluation loads), on OriginalGrid.
//   - Shapes: Constant, Diurnal, Weekly, FlashCrowd, StepChange, Timer.
//   - Random traffic: Spikes, OnOff, RareEvents, and Jitter (noise).
//   - Composition: Sum, Product, Series.Scale, Series.Clip.
//
// # Arrivals
//
// Arrival streams turn counts into instants without materialising them, in
// O(1) memory and with no allocation per arrival: PoissonArrivals (a
// homogeneous Poisson process per interval), ExactCountArrivals (a trace's
// exact per-interval counts, spread uniformly), RateArrivals (a
// non-homogeneous Poisson process whose rate interpolates the counts) and
// TimestampArrivals (exact instants from a per-invocation trace). Each
// constructor validates its input and returns an error naming the bad field.
// Each random stream takes a *rand.Rand (math/rand/v2); the same generator
// state gives the same arrivals. Bin counts a stream back into a Series.
//
// # Traces and files
//
// Readers return a *ParseError naming the line and column (and, through
// ReadFile, the file) of malformed input; each has a writer that it reads back
// unchanged:
//
//   - ReadOriginalCSV / WriteOriginalCSV: the original project's CSV;
//   - ReadPlainCSV / WritePlainCSV: timestamp,count rows for users' own data;
//   - ReadAzure2019Invocations, ReadAzure2019Durations, ReadAzure2019Memory
//     (and writers): the Azure Functions 2019 trace, per minute;
//   - ReadAzure2021 / WriteAzure2021 and GroupByFunction: the Azure Functions
//     2021 trace, per invocation.
//
// The Azure traces are Microsoft's Azure Public Dataset, licensed CC BY 4.0
// (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020; Zhang et al.,
// "Faster and Cheaper Serverless Computing on Harvested Resources", SOSP 2021).
//
// The package depends on nothing else of lambdatune.
package workload
