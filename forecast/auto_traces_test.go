package forecast

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// traceDay is one function's day of per-minute invocations from the Azure
// Functions 2019 traces in testdata.
type traceDay struct {
	name   string
	values []float64
	times  []time.Time
}

// loadTraceDays reads every function of the two full-day 2019 files.
func loadTraceDays(t testing.TB) []traceDay {
	t.Helper()
	var out []traceDay
	for _, f := range []string{"az2019_top10_fullday_invocations.csv", "az2019_sampled35_fullday_invocations.csv"} {
		for i, s := range loadTraces(t, "../testdata/traces/"+f) {
			name := strings.TrimSuffix(strings.TrimPrefix(f, "az2019_"), "_fullday_invocations.csv")
			out = append(out, traceDay{fmt.Sprintf("%s#%d", name, i), s.Counts, times(s)})
		}
	}
	return out
}

// traceResult is one function's test-period scores.
type traceResult struct {
	name, chosen              string
	auto, last, seasonal, def float64 // test MAE of Auto, last value, seasonal naive, NewDefault
	scale                     float64 // in-sample last-value MAE, MASE's denominator (0: MASE undefined)
	coverage                  float64 // share of test values at or below Auto's 0.9 quantile
	pit                       float64 // the same, ties counted in part (PITCoverage)
	exactShare                float64 // Selection.ExactShare
}

// within10 reports whether Auto is no more than 10 % behind the better of
// last value and seasonal naive (on MAE, which ranks as MASE does).
func (r traceResult) within10() bool { return r.auto <= 1.1*min(r.last, r.seasonal) }

// measureTrace splits a day 70/30, fits Auto, last value, seasonal naive
// (at the training part's strongest autocorrelation period, 60 if none, as
// TestDiurnalTracesMASE) and the default GBDT on the first part, and scores
// their one-step forecasts of the second.
func measureTrace(t testing.TB, d traceDay) traceResult {
	t.Helper()
	ctx := context.Background()
	split := len(d.values) * 7 / 10
	train, test := d.values[:split], d.values[split:]
	score := func(f Forecaster) float64 {
		t.Helper()
		if err := f.Fit(ctx, train, d.times[:split]); err != nil {
			t.Fatalf("%s: %T.Fit: %v", d.name, f, err)
		}
		p, err := OneStepAhead(f, d.values, d.times, split)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		m, err := MAE(test, p)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		return m
	}
	period := 60
	if ps, _ := DetectPeriods(train, AutoSeasonal{MaxPeriods: 1, MinPeriod: 2, MinACF: 0.1}); len(ps) > 0 {
		period = ps[0]
	}
	a := NewAuto()
	r := traceResult{name: d.name, auto: score(a), last: score(LastValue{}), seasonal: score(SeasonalNaive{Period: period}), def: score(NewDefault())}
	r.scale, _ = MAE(train[1:], train[:split-1])
	q, err := OneStepAheadQuantile(a, d.values, d.times, split, 0.9)
	if err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	if r.coverage, err = Coverage(test, q); err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	below, atMost, err := OneStepAheadCDF(a, d.values, d.times, split)
	if err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	if r.pit, err = PITCoverage(below, atMost, 0.9); err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	sel, _ := a.Selection()
	r.chosen, r.exactShare = sel.Chosen, sel.ExactShare
	return r
}

// TestAutoTracesAcceptance measures issue 16's acceptance criteria on every
// function of the 2019 full-day traces in testdata (45 functions, each day
// split 70/30, one step ahead). The bounds are the measured values (the
// computation is deterministic) with a little room:
//   - Auto within 10 % of the better of last value and seasonal naive in
//     MASE, as the issue states it, on at least 90 % of the functions where
//     MASE is defined (measured: 39 of 43; two functions have a training
//     part without a single change, an in-sample scale of 0), and in MAE on
//     40 of all 45 (measured: 40). MASE divides each model's MAE by the
//     same scale, so the two rank alike wherever MASE is defined. The
//     misses change regime between the backtest window and the test period,
//     or are one or two calls in a day;
//   - Auto's mean MASE no worse than the default GBDT's;
//   - the 0.9 quantile's coverage, pooled: 87-93 % counting ties in part
//     (PITCoverage, the 90 ± 3 %; measured 90.9 %), and 93-96 %
//     counting every value at or below the quantile (Coverage; measured
//     94.5 %: about 40 % of the test intervals are exactly predictable, a
//     timer, an idle minute, a constant rate, and a quantile of a value known
//     for certain covers it at every level), and 90-96 % on the 14 functions
//     whose load is never exactly predicted (ExactShare below 5 %; measured
//     93.5 % both ways).
func TestAutoTracesAcceptance(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 45 functions three ways; skipped with -short")
	}
	var rs []traceResult
	for _, d := range loadTraceDays(t) {
		rs = append(rs, measureTrace(t, d))
	}
	pass, nMASE, passMASE := 0, 0, 0
	var sumAuto, sumDef float64
	var covAll, covCont, pitAll, pitCont []float64
	for _, r := range rs {
		if r.within10() {
			pass++
		}
		if r.scale > 0 {
			sumAuto += r.auto / r.scale
			sumDef += r.def / r.scale
			nMASE++
			if r.within10() {
				passMASE++
			}
		}
		covAll, pitAll = append(covAll, r.coverage), append(pitAll, r.pit)
		if r.exactShare < 0.05 {
			covCont, pitCont = append(covCont, r.coverage), append(pitCont, r.pit)
		}
		t.Logf("%-13s %-32s MAE auto %8.3f last %8.3f seasonal %8.3f default %8.3f  within 10 %%: %-5v coverage %.3f PIT %.3f exact %.2f", r.name, r.chosen, r.auto, r.last, r.seasonal, r.def, r.within10(), r.coverage, r.pit, r.exactShare)
	}
	pooled, cont := meanOf(covAll), meanOf(covCont)
	t.Logf("within 10 %% of the better baseline: in MAE %d of %d, in MASE %d of %d; mean MASE over %d functions: auto %.3f, default GBDT %.3f", pass, len(rs), passMASE, nMASE, nMASE, sumAuto/float64(nMASE), sumDef/float64(nMASE))
	t.Logf("0.9 quantile coverage: pooled %.4f (%s); non-deterministic functions (%d): pooled %.4f (%s)", pooled, spread(covAll), len(covCont), cont, spread(covCont))
	t.Logf("0.9 quantile PIT coverage: pooled %.4f (%s); non-deterministic functions: pooled %.4f (%s)", meanOf(pitAll), spread(pitAll), meanOf(pitCont), spread(pitCont))
	if len(rs) != 45 {
		t.Fatalf("%d functions, want 45", len(rs))
	}
	if pass < 40 {
		t.Errorf("Auto within 10 %% of the better baseline in MAE on %d of %d functions, want >= 40", pass, len(rs))
	}
	if 10*passMASE < 9*nMASE {
		t.Errorf("Auto within 10 %% of the better baseline in MASE on %d of the %d functions where it is defined, want >= 90 %%", passMASE, nMASE)
	}
	if sumAuto > sumDef {
		t.Errorf("mean MASE: auto %.3f, default GBDT %.3f; want auto <= default", sumAuto/float64(nMASE), sumDef/float64(nMASE))
	}
	if pit := meanOf(pitAll); pit < 0.87 || pit > 0.93 {
		t.Errorf("pooled PIT coverage %.4f, want 0.87-0.93", pit)
	}
	if pooled < 0.93 || pooled > 0.96 {
		t.Errorf("pooled coverage %.4f, want 0.93-0.96", pooled)
	}
	if cont < 0.90 || cont > 0.96 {
		t.Errorf("coverage on non-deterministic functions %.4f, want 0.90-0.96", cont)
	}
}

// meanOf returns the mean of v (every function has the same number of test
// intervals, so the mean of coverages is the pooled coverage).
func meanOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// spread describes v: minimum, quartiles and maximum.
func spread(v []float64) string {
	s := slices.Sorted(slices.Values(v))
	at := func(q float64) float64 { return s[int(math.Round(q*float64(len(s)-1)))] }
	return fmt.Sprintf("min %.3f, q1 %.3f, median %.3f, q3 %.3f, max %.3f", s[0], at(0.25), at(0.5), at(0.75), s[len(s)-1])
}
