package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lambdatune/lambdatune/forecast/gbdt"
)

// Family is a kind of forecaster [Auto] may choose; families combine with |.
type Family uint8

// The families of candidates.
const (
	FamilyLastValue     Family = 1 << iota // LastValue
	FamilySeasonalNaive                    // SeasonalNaive at each detected period
	FamilyMovingAverage                    // MovingAverage over a few windows
	FamilyHoltWinters                      // HoltWinters at the strongest period
	FamilyTSB                              // TSB, for intermittent load
	FamilyGBDT                             // GBDT with the detected seasonal lags
	// AllFamilies selects every family.
	AllFamilies = FamilyLastValue | FamilySeasonalNaive | FamilyMovingAverage | FamilyHoltWinters | FamilyTSB | FamilyGBDT
)

// String returns the family's name.
func (f Family) String() string {
	names := []string{"last value", "seasonal naive", "moving average", "Holt-Winters", "TSB", "GBDT"}
	var parts []string
	for i, n := range names {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if f&^AllFamilies != 0 || len(parts) == 0 {
		return fmt.Sprintf("Family(%d)", uint8(f))
	}
	return strings.Join(parts, "|")
}

// Auto is the automatic forecaster: each Fit detects the history's seasonal
// periods (by autocorrelation, [DetectPeriods], and by exact repetition,
// [DetectExactPeriod]), backtests every candidate on the most recent part
// of the history, chooses one and refits it on the whole history.
// [Auto.Selection] reports which model it chose and why. Fitting again on a
// longer history (as the Tuner does every Refit steps) selects again.
//
// The candidates, simplest first: last value; seasonal naive at the exact
// period and at each autocorrelation period; moving averages over 4, 16
// and 64 intervals; Holt-Winters at the exact period, else the strongest
// autocorrelation period (when the backtest fit holds two seasons of it);
// TSB when at least a fifth of the values are zero (intermittent load);
// and GBDT ([DefaultFeatures] with the detected periods as seasonal lags,
// [TargetDiff]) when the backtest fit holds at least 100 values.
//
// The backtest is rolling-origin: each candidate is fitted once on the
// history before the last Window values and forecasts each of those values
// from all the values before it. The candidate with the lowest mean
// absolute error wins, unless a simpler one is within SimplerWithin
// standard errors of it. The winner's errors there, 1 to Horizons steps
// ahead, calibrate its quantiles ([Auto.PredictQuantile]).
//
// When the history Fit saw has no negative value (load never is), forecasts
// and quantiles below zero are raised to zero.
//
// An Auto is safe for concurrent use; predictions are serialised, and
// [Auto.PredictTo] and [Auto.PredictQuantileTo] do not allocate.
type Auto struct {
	// Window is the number of most recent values the candidates are
	// backtested on; 0 means half of the history, at most 720. At least 5,
	// and it must leave at least 3 values to fit on.
	Window int
	// Horizons is the number of steps ahead the quantiles are calibrated
	// for, 1 to 60; 0 means 5. Beyond it a quantile is widened as a random
	// walk's error grows (√k).
	Horizons int
	// ScaleWindow is the number of recent intervals whose mean absolute
	// change scales the quantiles' errors, 2 to 10,000; 0 means 60.
	ScaleWindow int
	// Families selects the candidates; 0 means AllFamilies.
	Families Family
	// Seasonal configures the autocorrelation periods.
	Seasonal AutoSeasonal
	// Exact configures the exact-period detection.
	Exact ExactPeriod
	// GBDT are the tree parameters of the GBDT candidate.
	GBDT gbdt.Params
	// SimplerWithin prefers simplicity: the simplest candidate whose
	// backtest errors are within SimplerWithin standard errors of the
	// best's (on the mean of their paired differences) wins, so that a more
	// complex model must earn its place by more than noise; 0 to 10.
	// NewAuto sets 1, the one-standard-error rule of model selection by
	// cross-validation; 0 keeps the lowest error.
	SimplerWithin float64

	mu  sync.Mutex
	fit *calibrated
	sel Selection
	s   scratch
}

// NewAuto returns an automatic forecaster with the default settings: a
// backtest over the last half of the history (at most 720 values),
// quantiles calibrated 5 steps ahead, up to three autocorrelation periods
// of 2 or more intervals with an autocorrelation of at least 0.1, the
// one-standard-error rule, and for the trees [DefaultGBDTParams] with 150
// trees at learning rate 0.1 and 64 bins, which fit in half the time with
// the same accuracy on the Azure traces.
func NewAuto() *Auto {
	p := DefaultGBDTParams()
	p.NEstimators, p.LearningRate, p.MaxBin = 150, 0.1, 64
	return &Auto{
		Seasonal:      AutoSeasonal{MaxPeriods: 3, MinPeriod: 2, MinACF: 0.1},
		GBDT:          p,
		SimplerWithin: 1,
	}
}

// Selection reports what [Auto.Fit] chose and why.
type Selection struct {
	// Chosen names the chosen model, such as "seasonal naive (period 15)".
	Chosen string
	// Family is the chosen model's family.
	Family Family
	// Reason says, in a sentence, why it was chosen.
	Reason string
	// Window is the number of intervals the candidates were backtested on.
	Window int
	// ACFPeriods are the periods found by autocorrelation, strongest first.
	ACFPeriods []int
	// ExactPeriod is the period at which the history repeats exactly (a
	// timer), 0 if none.
	ExactPeriod int
	// ZeroShare is the fraction of the history's values that are zero.
	ZeroShare float64
	// ExactShare is the fraction of the chosen model's one-step backtest
	// forecasts that were exactly right. Where it is high (a timer, an idle
	// function) the load is deterministic and a quantile forecast covers
	// more than its level.
	ExactShare float64
	// Candidates lists every candidate tried, simplest first, with its
	// backtest score.
	Candidates []CandidateScore
	// Calibration is the chosen model's backtest error, per horizon.
	Calibration []HorizonError
}

// CandidateScore is one candidate's backtest result.
type CandidateScore struct {
	// Name names the candidate.
	Name string
	// Family is the candidate's family.
	Family Family
	// MAE is the one-step mean absolute error over the backtest window,
	// NaN when Err is set.
	MAE float64
	// Err says why the candidate could not be scored, if it could not.
	Err error
}

// HorizonError summarises the chosen model's backtest errors k steps ahead.
type HorizonError struct {
	// Steps is k.
	Steps int
	// N is the number of errors.
	N int
	// Q10, Q50 and Q90 are quantiles of the scaled errors (y − ŷ divided by
	// the local scale at the forecast's origin).
	Q10, Q50, Q90 float64
}

// candidate is a model to backtest.
type candidate struct {
	name   string
	family Family
	// model is fitted on the backtest part; final returns the model to fit
	// on the whole history when the candidate wins.
	model Forecaster
	final func() (Forecaster, error)
}

// Selection returns what the last successful Fit chose, and false before
// one.
func (a *Auto) Selection() (Selection, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fit == nil {
		return Selection{}, false
	}
	s := a.sel
	s.ACFPeriods = slices.Clone(s.ACFPeriods)
	s.Candidates = slices.Clone(s.Candidates)
	s.Calibration = slices.Clone(s.Calibration)
	return s, true
}

// Fit chooses a model for history (see [Auto]) and fits it. times may be
// nil; with them the GBDT candidate also has calendar features once the
// history spans two days. On error a keeps its previous fit.
func (a *Auto) Fit(ctx context.Context, history []float64, times []time.Time) error {
	if err := checkFinite("Auto.Fit", history); err != nil {
		return err
	}
	if err := checkTimes(false, history, times); err != nil {
		return err
	}
	set, fam, err := a.check(len(history))
	if err != nil {
		return err
	}
	sel, err := a.describe(history, set.window)
	if err != nil {
		return err
	}
	cands, err := a.candidates(history, times, sel, fam)
	if err != nil {
		return err
	}
	bt := &backtester{y: history, times: times, start: len(history) - set.window, nonNeg: !hasNegative(history)}
	errs, err := bt.scoreAll(ctx, cands, &sel)
	if err != nil {
		return err
	}
	best := choose(errs, a.SimplerWithin)
	if best < 0 {
		return fmt.Errorf("forecast: Auto.Fit: no candidate could be backtested: %w", errors.Join(candidateErrors(sel.Candidates)...))
	}
	win := cands[best]
	cal, err := bt.calibrate(win.model, set.horizons, set.scaleWindow)
	if err != nil {
		return fmt.Errorf("forecast: Auto.Fit: calibrating %s: %w", win.name, err)
	}
	model, err := win.final()
	if err == nil {
		err = model.Fit(ctx, history, times)
	}
	if err != nil {
		return fmt.Errorf("forecast: Auto.Fit: refitting %s on the whole history: %w", win.name, err)
	}
	sel.Chosen, sel.Family = win.name, win.family
	for _, e := range errs[best] {
		if e == 0 {
			sel.ExactShare++
		}
	}
	sel.ExactShare /= float64(len(errs[best]))
	sel.Reason = reason(sel, best)
	sel.Calibration = horizonErrors(cal)
	f := &calibrated{model: model, cal: cal, nonNeg: bt.nonNeg}
	a.mu.Lock()
	a.fit, a.sel = f, sel
	a.mu.Unlock()
	return nil
}

// check reports the first setting of a out of range for a history of n
// values, and returns the settings with defaults applied.
func (a *Auto) check(n int) (calSettings, Family, error) {
	set, err := resolveCal("Auto", a.Window, a.Horizons, a.ScaleWindow, n)
	if err != nil {
		return set, 0, err
	}
	fam := a.Families
	switch {
	case fam == 0:
		fam = AllFamilies
	case fam&^AllFamilies != 0:
		return set, 0, fmt.Errorf("forecast: Auto.Families = %d has unknown bits, want a combination of the Family constants", fam)
	}
	if err := checkSeasonal(a.Seasonal); err != nil {
		return set, 0, err
	}
	if !(a.SimplerWithin >= 0 && a.SimplerWithin <= 10) {
		return set, 0, fmt.Errorf("forecast: Auto.SimplerWithin = %v, want in [0, 10]", a.SimplerWithin)
	}
	return set, fam, nil
}

// describe returns what the selection depends on: the periods and the
// share of zeros of history.
func (a *Auto) describe(history []float64, window int) (Selection, error) {
	sel := Selection{Window: window}
	var err error
	if sel.ACFPeriods, err = DetectPeriods(history, a.Seasonal); err != nil {
		return sel, err
	}
	if sel.ExactPeriod, err = DetectExactPeriod(history, a.Exact); err != nil {
		return sel, err
	}
	for _, v := range history {
		if v == 0 {
			sel.ZeroShare++
		}
	}
	sel.ZeroShare /= float64(len(history))
	return sel, nil
}

// scoreAll fits every candidate on the values before the backtest window,
// records its one-step errors over the window (nil for a candidate that
// failed) and appends its score to sel.Candidates.
func (b *backtester) scoreAll(ctx context.Context, cands []candidate, sel *Selection) ([][]float64, error) {
	var trT []time.Time
	if b.times != nil {
		trT = b.times[:b.start]
	}
	errs := make([][]float64, len(cands))
	for i, c := range cands {
		cs := CandidateScore{Name: c.name, Family: c.family, MAE: math.NaN()}
		if cs.Err = c.model.Fit(ctx, b.y[:b.start], trT); cs.Err == nil {
			if errs[i], cs.Err = b.oneStepErrors(c.model); cs.Err == nil {
				cs.MAE = mean(errs[i])
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("forecast: Auto.Fit: %w", err)
		}
		sel.Candidates = append(sel.Candidates, cs)
	}
	return errs, nil
}

func candidateErrors(cs []CandidateScore) []error {
	var errs []error
	for _, c := range cs {
		if c.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, c.Err))
		}
	}
	return errs
}

// same returns a final-model constructor that reuses the backtested model
// (stateless forecasters).
func same(f Forecaster) func() (Forecaster, error) {
	return func() (Forecaster, error) { return f, nil }
}

// choose returns the simplest candidate (the first) whose backtest errors
// are not significantly worse than those of the candidate with the lowest
// mean: the mean of the paired differences |e_i| − |e_best| is within z
// standard errors of zero. errs[i] is nil for a candidate that failed; it
// returns -1 when all did.
func choose(errs [][]float64, z float64) int {
	best := -1
	for i, e := range errs {
		if e != nil && (best < 0 || mean(e) < mean(errs[best])) {
			best = i
		}
	}
	if best < 0 {
		return -1
	}
	for i, e := range errs {
		if e == nil {
			continue
		}
		d, se := pairedDiff(e, errs[best])
		if d <= z*se {
			return i
		}
	}
	return best
}

// pairedDiff returns the mean of a−b and its standard error.
func pairedDiff(a, b []float64) (m, se float64) {
	n := float64(len(a))
	for i := range a {
		m += a[i] - b[i]
	}
	m /= n
	if len(a) < 2 {
		return m, 0
	}
	var ss float64
	for i := range a {
		d := a[i] - b[i] - m
		ss += d * d
	}
	return m, math.Sqrt(ss / (n - 1) / n)
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// checkSeasonal reports the first field of Auto.Seasonal out of range.
func checkSeasonal(c AutoSeasonal) error {
	switch {
	case c.MaxPeriods < 0 || c.MaxPeriods > 10:
		return fmt.Errorf("forecast: Auto.Seasonal.MaxPeriods = %d, want 0..10 (0 = no autocorrelation periods)", c.MaxPeriods)
	case c.MinPeriod < 0 || c.MaxPeriod < 0 || (c.MaxPeriod > 0 && c.MaxPeriod < max(c.MinPeriod, 2)):
		return fmt.Errorf("forecast: Auto.Seasonal period range [%d, %d] is invalid, want 0 <= MinPeriod <= MaxPeriod (MaxPeriod 0 = a third of the history)", c.MinPeriod, c.MaxPeriod)
	case !(c.MinACF >= -1 && c.MinACF <= 1):
		return fmt.Errorf("forecast: Auto.Seasonal.MinACF = %v, want in [-1, 1]", c.MinACF)
	}
	return nil
}
