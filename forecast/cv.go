package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/lambdatune/lambdatune/forecast/gbdt"
)

// Fold is one train/test split of a series: train on
// values[TrainStart:TrainEnd], test on values[TestStart:TestEnd].
type Fold struct {
	// TrainStart and TrainEnd bound the training values (half-open).
	TrainStart, TrainEnd int
	// TestStart and TestEnd bound the test values (half-open).
	TestStart, TestEnd int
}

// SplitOptions refines [TimeSeriesSplit]; the zero value gives
// scikit-learn's defaults.
type SplitOptions struct {
	// TestSize is the length of each test period; 0 means n/(nSplits+1).
	TestSize int
	// Gap is the number of values left out between train and test.
	Gap int
	// MaxTrainSize caps the training length (a sliding window); 0 means no
	// cap (an expanding window).
	MaxTrainSize int
}

// TimeSeriesSplit returns nSplits expanding-window folds over n values,
// like scikit-learn's TimeSeriesSplit: the test periods are the last
// nSplits blocks of TestSize values, and each fold trains on everything
// before its test period (minus Gap).
func TimeSeriesSplit(n, nSplits int, opt SplitOptions) ([]Fold, error) {
	if nSplits < 2 {
		return nil, fmt.Errorf("forecast: TimeSeriesSplit nSplits = %d, want >= 2", nSplits)
	}
	if opt.TestSize < 0 || opt.Gap < 0 || opt.MaxTrainSize < 0 {
		return nil, fmt.Errorf("forecast: SplitOptions %+v: sizes must be >= 0", opt)
	}
	test := opt.TestSize
	if test == 0 {
		test = n / (nSplits + 1)
	}
	if test < 1 || n-opt.Gap-test*nSplits <= 0 {
		return nil, fmt.Errorf("forecast: TimeSeriesSplit cannot make %d folds of test size %d with gap %d from %d values", nSplits, test, opt.Gap, n)
	}
	folds := make([]Fold, 0, nSplits)
	for start := n - nSplits*test; start < n; start += test {
		end := start - opt.Gap
		f := Fold{TrainEnd: end, TestStart: start, TestEnd: start + test}
		if opt.MaxTrainSize > 0 && opt.MaxTrainSize < end {
			f.TrainStart = end - opt.MaxTrainSize
		}
		folds = append(folds, f)
	}
	return folds, nil
}

// Metric scores predictions against actual values; lower is better.
type Metric func(actual, pred []float64) (float64, error)

// CrossValidate fits a fresh forecaster from newForecaster on each fold's
// training values and scores its one-step-ahead predictions (see
// [OneStepAhead]) over the fold's test values. It returns one score per fold.
func CrossValidate(ctx context.Context, newForecaster func() Forecaster, values []float64, times []time.Time, folds []Fold, metric Metric) ([]float64, error) {
	if times != nil && len(times) != len(values) {
		return nil, fmt.Errorf("forecast: %d timestamps for %d values", len(times), len(values))
	}
	scores := make([]float64, len(folds))
	for i, fo := range folds {
		if fo.TrainStart < 0 || fo.TrainStart >= fo.TrainEnd || fo.TrainEnd > fo.TestStart || fo.TestStart >= fo.TestEnd || fo.TestEnd > len(values) {
			return nil, fmt.Errorf("forecast: fold %d %+v is invalid for %d values", i, fo, len(values))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := newForecaster()
		var trT, teT []time.Time
		if times != nil {
			trT, teT = times[fo.TrainStart:fo.TrainEnd], times[:fo.TestEnd]
		}
		if err := f.Fit(ctx, values[fo.TrainStart:fo.TrainEnd], trT); err != nil {
			return nil, fmt.Errorf("forecast: fold %d: %w", i, err)
		}
		pred, err := OneStepAhead(f, values[:fo.TestEnd], teT, fo.TestStart)
		if err != nil {
			return nil, fmt.Errorf("forecast: fold %d: %w", i, err)
		}
		if scores[i], err = metric(values[fo.TestStart:fo.TestEnd], pred); err != nil {
			return nil, fmt.Errorf("forecast: fold %d: %w", i, err)
		}
	}
	return scores, nil
}

// Result is the outcome of one grid-search candidate.
type Result[P any] struct {
	// Index is the candidate's position in the input.
	Index int
	// Params is the candidate.
	Params P
	// Score is the candidate's score (lower is better), NaN if Err is set.
	Score float64
	// Err is the candidate's error, if any.
	Err error
}

// GridSearch scores every candidate with score, using up to workers
// goroutines (workers <= 0: GOMAXPROCS). Results are in candidate order and
// best is the index of the lowest score (the earliest on ties), so the outcome
// does not depend on scheduling as long as score is deterministic. A
// candidate's error is recorded in its Result; GridSearch fails only when the
// context ends or every candidate fails.
func GridSearch[P any](ctx context.Context, candidates []P, score func(ctx context.Context, p P) (float64, error), workers int) (results []Result[P], best int, err error) {
	if len(candidates) == 0 {
		return nil, -1, errors.New("forecast: GridSearch with no candidates")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(candidates))
	results = make([]Result[P], len(candidates))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s, err := score(ctx, candidates[i])
				if err != nil {
					s = math.NaN()
				}
				results[i] = Result[P]{Index: i, Params: candidates[i], Score: s, Err: err}
			}
		}()
	}
feed:
	for i := range candidates {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, -1, fmt.Errorf("forecast: GridSearch: %w", err)
	}
	best = -1
	var firstErr error
	for i, r := range results {
		if r.Err != nil {
			if firstErr == nil {
				firstErr = r.Err
			}
			continue
		}
		if best < 0 || r.Score < results[best].Score {
			best = i
		}
	}
	if best < 0 {
		return results, -1, fmt.Errorf("forecast: GridSearch: every candidate failed, first: %w", firstErr)
	}
	return results, best, nil
}

// GBDTGrid lists values to try for tree parameters; an empty list keeps the
// base value.
type GBDTGrid struct {
	// MaxDepth lists values for gbdt.Params.MaxDepth.
	MaxDepth []int
	// LearningRate lists values for gbdt.Params.LearningRate.
	LearningRate []float64
	// NEstimators lists values for gbdt.Params.NEstimators.
	NEstimators []int
	// Subsample lists values for gbdt.Params.Subsample.
	Subsample []float64
	// ColsampleByTree lists values for gbdt.Params.ColsampleByTree.
	ColsampleByTree []float64
	// MinChildWeight lists values for gbdt.Params.MinChildWeight.
	MinChildWeight []float64
	// Lambda lists values for gbdt.Params.Lambda.
	Lambda []float64
	// Gamma lists values for gbdt.Params.Gamma.
	Gamma []float64
}

// Candidates returns the Cartesian product of the grid applied to base, in
// a fixed order (the last field varies fastest).
func (g GBDTGrid) Candidates(base gbdt.Params) []gbdt.Params {
	out := []gbdt.Params{base}
	out = expand(out, g.MaxDepth, func(p *gbdt.Params, v int) { p.MaxDepth = v })
	out = expand(out, g.LearningRate, func(p *gbdt.Params, v float64) { p.LearningRate = v })
	out = expand(out, g.NEstimators, func(p *gbdt.Params, v int) { p.NEstimators = v })
	out = expand(out, g.Subsample, func(p *gbdt.Params, v float64) { p.Subsample = v })
	out = expand(out, g.ColsampleByTree, func(p *gbdt.Params, v float64) { p.ColsampleByTree = v })
	out = expand(out, g.MinChildWeight, func(p *gbdt.Params, v float64) { p.MinChildWeight = v })
	out = expand(out, g.Lambda, func(p *gbdt.Params, v float64) { p.Lambda = v })
	out = expand(out, g.Gamma, func(p *gbdt.Params, v float64) { p.Gamma = v })
	return out
}

// expand returns every candidate of out combined with every value of vals (out unchanged when vals
// is empty), the values varying fastest.
func expand[T any](out []gbdt.Params, vals []T, set func(*gbdt.Params, T)) []gbdt.Params {
	if len(vals) == 0 {
		return out
	}
	next := make([]gbdt.Params, 0, len(out)*len(vals))
	for _, p := range out {
		for _, v := range vals {
			q := p
			set(&q, v)
			next = append(next, q)
		}
	}
	return next
}
