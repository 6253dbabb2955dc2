package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// minGBDTHistory is the fewest values the GBDT candidate is fitted on.
const minGBDTHistory = 100

// candidates lists the models to backtest on history, simplest first.
func (a *Auto) candidates(history []float64, times []time.Time, sel Selection, fam Family) ([]candidate, error) {
	var cs []candidate
	add := func(f Family, name string, m Forecaster, final func() (Forecaster, error)) {
		if fam&f != 0 {
			cs = append(cs, candidate{name: name, family: f, model: m, final: final})
		}
	}
	add(FamilyLastValue, "last value", LastValue{}, same(LastValue{}))
	var periods []int
	if sel.ExactPeriod > 0 {
		periods = append(periods, sel.ExactPeriod)
	}
	for _, p := range sel.ACFPeriods {
		if !slices.Contains(periods, p) {
			periods = append(periods, p)
		}
	}
	for _, p := range periods {
		sn := SeasonalNaive{Period: p}
		add(FamilySeasonalNaive, fmt.Sprintf("seasonal naive (period %d)", p), sn, same(sn))
	}
	for _, w := range []int{4, 16, 64} {
		ma := MovingAverage{Window: w}
		add(FamilyMovingAverage, fmt.Sprintf("moving average (%d)", w), ma, same(ma))
	}
	fitLen := len(history) - sel.Window
	if len(periods) > 0 && periods[0] >= 2 && fitLen >= 2*periods[0] {
		p := periods[0]
		add(FamilyHoltWinters, fmt.Sprintf("Holt-Winters (period %d)", p), NewHoltWinters(p), func() (Forecaster, error) { return NewHoltWinters(p), nil })
	}
	if sel.ZeroShare >= 0.2 {
		add(FamilyTSB, "TSB (intermittent)", NewTSB(), func() (Forecaster, error) { return NewTSB(), nil })
	}
	if fam&FamilyGBDT != 0 && fitLen >= minGBDTHistory {
		if err := a.GBDT.Validate(); err != nil {
			return nil, fmt.Errorf("forecast: Auto.GBDT: %w", err)
		}
		g := a.gbdtCandidate(periods, times != nil)
		name := "GBDT"
		if len(g.Features.SeasonalPeriods) > 0 {
			name = fmt.Sprintf("GBDT (seasonal lags %s)", joinInts(g.Features.SeasonalPeriods))
		}
		add(FamilyGBDT, name, g, func() (Forecaster, error) { return refitGBDT(g) })
	}
	return cs, nil
}

// gbdtCandidate returns the GBDT candidate: the default features (without
// the calendar when there are no timestamps) with the given periods as
// seasonal lags (no detection of its own, so that the
// backtest and the final model use the same features), trained with
// early stopping and not refitted (the final model is).
func (a *Auto) gbdtCandidate(periods []int, calendar bool) *GBDT {
	spec := DefaultFeatures()
	spec.Auto = AutoSeasonal{}
	spec.Calendar = calendar
	for _, p := range periods {
		if p >= 2 && len(spec.SeasonalPeriods) < 3 {
			spec.SeasonalPeriods = append(spec.SeasonalPeriods, p)
		}
	}
	g := NewGBDT(spec, a.GBDT)
	g.Target = TargetDiff
	g.NoRefit = true
	return g
}

// refitGBDT returns the final GBDT for a backtested one: the same features
// and parameters with the number of trees early stopping chose, trained on
// the whole history without a validation split.
func refitGBDT(g *GBDT) (Forecaster, error) {
	m := g.Model()
	if m == nil {
		return nil, errors.New("forecast: the backtested GBDT has no model")
	}
	p := g.Params
	if p.EarlyStoppingRounds > 0 && m.BestIteration() >= 0 {
		p.EarlyStoppingRounds = 0
		p.NEstimators = m.BestIteration() + 1
	}
	f := NewGBDT(g.Features, p)
	f.Target = g.Target
	return f, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// reason explains why candidate best won.
func reason(sel Selection, best int) string {
	c := sel.Candidates[best]
	var b strings.Builder
	switch {
	case c.Family == FamilySeasonalNaive && sel.ExactPeriod > 0 && c.Name == fmt.Sprintf("seasonal naive (period %d)", sel.ExactPeriod):
		fmt.Fprintf(&b, "the load repeats exactly every %d intervals (a timer); ", sel.ExactPeriod)
	case c.Family == FamilyTSB:
		fmt.Fprintf(&b, "the load is intermittent (%.0f %% of intervals idle); ", 100*sel.ZeroShare)
	}
	fmt.Fprintf(&b, "lowest one-step mean absolute error over the last %d intervals: %.4g", sel.Window, c.MAE)
	runner := -1
	for i, o := range sel.Candidates {
		if i != best && o.Err == nil && (runner < 0 || o.MAE < sel.Candidates[runner].MAE) {
			runner = i
		}
	}
	if runner >= 0 {
		fmt.Fprintf(&b, ", against %.4g for the next best, %s", sel.Candidates[runner].MAE, sel.Candidates[runner].Name)
	}
	for _, o := range sel.Candidates {
		if c.Family != FamilyLastValue && o.Family == FamilyLastValue && o.Err == nil && (runner < 0 || o.Name != sel.Candidates[runner].Name) {
			fmt.Fprintf(&b, ", and %.4g for the last value", o.MAE)
		}
	}
	if runner >= 0 && sel.Candidates[runner].MAE == c.MAE {
		b.WriteString(" (a tie, won by the simpler model)")
	}
	return b.String()
}

// horizonErrors summarises a calibration per horizon.
func horizonErrors(c calibration) []HorizonError {
	out := make([]HorizonError, len(c.scores))
	for k, s := range c.scores {
		at := func(q float64) float64 {
			if len(s) == 0 {
				return math.NaN()
			}
			return s[min(len(s)-1, int(q*float64(len(s))))]
		}
		out[k] = HorizonError{Steps: k + 1, N: len(s), Q10: at(0.1), Q50: at(0.5), Q90: at(0.9)}
	}
	return out
}
