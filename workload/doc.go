// Package workload describes the load offered to a serverless function: how
// many invocations arrive in each interval (a Series), and when exactly they
// arrive inside the interval (an Arrivals stream).
//
// A Series comes from a generator (the original project's four patterns,
// diurnal and weekly cycles, spikes, steps, sparse on/off traffic, and their
// compositions), from a trace reader (Azure Functions 2019 and 2021, the
// original project's CSV, or a plain timestamp,count CSV), or from the user.
// Every random thing takes a seed or a *rand.Rand (math/rand/v2): the same seed
// gives the same series and the same arrivals.
//
// Arrival streams turn counts into instants without materialising them:
// PoissonArrivals (a homogeneous Poisson process per interval),
// ExactCountArrivals (a trace's exact per-interval counts, uniformly spread),
// RateArrivals (a non-homogeneous Poisson process whose rate interpolates the
// counts) and TimestampArrivals (exact instants from a per-invocation trace).
//
// The package depends on nothing else of lambdatune.
package workload
