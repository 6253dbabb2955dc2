package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/lambdatune/lambdatune/forecast"
	"github.com/lambdatune/lambdatune/forecast/gbdt"
	"github.com/lambdatune/lambdatune/harness"
	"github.com/lambdatune/lambdatune/workload"
)

// quantileLevels returns the quantile levels whose calibration is measured.
func quantileLevels() []float64 { return []float64{0.5, 0.8, 0.9, 0.95, 0.99} }

// traceFunc is one function's day from an Azure Functions 2019 trace file.
type traceFunc struct {
	name, trigger string
	values        []float64
	times         []time.Time
}

// traceScore is what the traces part measures for one function.
type traceScore struct {
	traceFunc
	sel                       forecast.Selection
	fitTime                   time.Duration
	auto, last, seasonal, def float64   // test MAE
	period                    int       // seasonal naive's period
	scale                     float64   // in-sample last-value MAE (MASE's denominator), 0 if undefined
	coverage                  []float64 // per level
	pit                       []float64 // per level, ties counted in part (forecast.PITCoverage)
	pinball                   []float64 // per level
	hourly                    float64   // coverage of the 0.9 quantile when refitted every hour
	qgbdtCov, qgbdtPinball    float64   // the quantile-loss GBDT's 0.9 quantile: coverage, pinball loss
}

func (s traceScore) within10() bool { return s.auto <= 1.1*min(s.last, s.seasonal) }

func (s traceScore) mase(mae float64) float64 {
	if s.scale == 0 {
		return math.NaN()
	}
	return mae / s.scale
}

// readTraceDays reads every function of the Azure 2019 full-day files in dir.
func readTraceDays(ctx context.Context, dir string) ([]traceFunc, error) {
	day := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC) // the trace does not record its date
	var out []traceFunc
	for _, file := range []string{"az2019_top10_fullday_invocations.csv", "az2019_sampled35_fullday_invocations.csv"} {
		fs, err := workload.ReadFile(ctx, filepath.Join(dir, file), func(ctx context.Context, r io.Reader) ([]workload.FunctionCounts, error) {
			return workload.ReadAzure2019Invocations(ctx, r, day)
		})
		if err != nil {
			return nil, err
		}
		for i, f := range fs {
			ts := make([]time.Time, f.Series.Len())
			for j := range ts {
				ts[j] = f.Series.Time(j)
			}
			name := fmt.Sprintf("%s#%d", file[len("az2019_"):len(file)-len("_fullday_invocations.csv")], i)
			out = append(out, traceFunc{name: name, trigger: f.Trigger, values: f.Series.Counts, times: ts})
		}
	}
	return out, nil
}

// scoreTrace splits a day 70/30 and scores, one step ahead on the last
// part: Auto (fitted once, and refitted every hour), last value, seasonal
// naive at the training part's strongest autocorrelation period (60 if
// none) and the default GBDT.
func scoreTrace(ctx context.Context, f traceFunc) (traceScore, error) {
	split := len(f.values) * 7 / 10
	train, test := f.values[:split], f.values[split:]
	s := traceScore{traceFunc: f, period: 60}
	if ps, err := forecast.DetectPeriods(train, forecast.AutoSeasonal{MaxPeriods: 1, MinPeriod: 2, MinACF: 0.1}); err == nil && len(ps) > 0 {
		s.period = ps[0]
	}
	mae := func(m forecast.Forecaster) (float64, error) {
		if err := m.Fit(ctx, train, f.times[:split]); err != nil {
			return 0, err
		}
		p, err := forecast.OneStepAhead(m, f.values, f.times, split)
		if err != nil {
			return 0, err
		}
		return forecast.MAE(test, p)
	}
	a := forecast.NewAuto()
	start := time.Now()
	if err := a.Fit(ctx, train, f.times[:split]); err != nil {
		return s, fmt.Errorf("%s: %w", f.name, err)
	}
	s.fitTime = time.Since(start)
	s.sel, _ = a.Selection()
	var err error
	for _, m := range []struct {
		f   forecast.Forecaster
		dst *float64
	}{{a, &s.auto}, {forecast.LastValue{}, &s.last}, {forecast.SeasonalNaive{Period: s.period}, &s.seasonal}, {forecast.NewDefault(), &s.def}} {
		if *m.dst, err = mae(m.f); err != nil {
			return s, fmt.Errorf("%s: %T: %w", f.name, m.f, err)
		}
	}
	if s.scale, err = forecast.MAE(train[1:], train[:split-1]); err != nil {
		return s, err
	}
	below, atMost, err := forecast.OneStepAheadCDF(a, f.values, f.times, split)
	if err != nil {
		return s, fmt.Errorf("%s: %w", f.name, err)
	}
	for _, q := range quantileLevels() {
		pc, err := forecast.PITCoverage(below, atMost, q)
		if err != nil {
			return s, fmt.Errorf("%s: %w", f.name, err)
		}
		s.pit = append(s.pit, pc)
		qs, err := forecast.OneStepAheadQuantile(a, f.values, f.times, split, q)
		if err != nil {
			return s, fmt.Errorf("%s: %w", f.name, err)
		}
		c, _ := forecast.Coverage(test, qs)
		pl, _ := forecast.PinballLoss(test, qs, q)
		s.coverage, s.pinball = append(s.coverage, c), append(s.pinball, pl)
	}
	if s.hourly, err = hourlyCoverage(ctx, f, split, 0.9); err != nil {
		return s, fmt.Errorf("%s: %w", f.name, err)
	}
	if s.qgbdtCov, s.qgbdtPinball, err = quantileGBDT(ctx, f, split, 0.9); err != nil {
		return s, fmt.Errorf("%s: quantile GBDT: %w", f.name, err)
	}
	return s, nil
}

// quantileGBDT fits the default GBDT forecaster with the quantile loss at
// level q (gbdt.QuantileError: the trees learn the q-quantile directly) on
// the first part and returns the coverage and pinball loss of its one-step
// forecasts of the rest.
func quantileGBDT(ctx context.Context, f traceFunc, split int, q float64) (cov, pinball float64, err error) {
	g := forecast.NewDefault()
	g.Params.Objective, g.Params.QuantileAlpha = gbdt.QuantileError, q
	if err := g.Fit(ctx, f.values[:split], f.times[:split]); err != nil {
		return 0, 0, err
	}
	p, err := forecast.OneStepAhead(g, f.values, f.times, split)
	if err != nil {
		return 0, 0, err
	}
	for i := range p {
		p[i] = max(p[i], 0) // load is never negative
	}
	test := f.values[split:]
	if cov, err = forecast.Coverage(test, p); err != nil {
		return 0, 0, err
	}
	pinball, err = forecast.PinballLoss(test, p, q)
	return cov, pinball, err
}

// hourlyCoverage refits Auto on everything before each hour of the test
// part, as the Tuner does with Refit 60, and returns the coverage of its q
// quantile one step ahead.
func hourlyCoverage(ctx context.Context, f traceFunc, split int, q float64) (float64, error) {
	a := forecast.NewAuto()
	covered := 0
	for t := split; t < len(f.values); t++ {
		if (t-split)%60 == 0 {
			if err := a.Fit(ctx, f.values[:t], f.times[:t]); err != nil {
				return 0, err
			}
		}
		p, err := a.PredictQuantile(f.values[:t], f.times[:t], 1, q)
		if err != nil {
			return 0, err
		}
		if f.values[t] <= p[0] {
			covered++
		}
	}
	return float64(covered) / float64(len(f.values)-split), nil
}

// runTraces measures the automatic forecaster on every function of the
// Azure 2019 full-day traces in dir, prints the per-function choice and the
// calibration, and writes CSV files and two charts into outDir.
func runTraces(ctx context.Context, dir, outDir string, stdout, progress io.Writer) error {
	fns, err := readTraceDays(ctx, dir)
	if err != nil {
		return fmt.Errorf("reading the traces (run from the repository root or pass -traces): %w", err)
	}
	fmt.Fprintf(progress, "\nAzure Functions 2019 traces: %d functions, each day split 70/30, one step ahead, on %d cores ...\n", len(fns), runtime.GOMAXPROCS(0))
	scores := make([]traceScore, len(fns))
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range fns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			scores[i], errs[i] = scoreTrace(ctx, f)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	printChoices(stdout, scores)
	printCalibration(stdout, scores)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := writeTraceCSVs(outDir, scores); err != nil {
		return err
	}
	if err := plotCalibration(filepath.Join(outDir, "traces_calibration.png"), scores); err != nil {
		return err
	}
	if err := plotChoice(filepath.Join(outDir, "traces_choice.png"), scores); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote traces_functions.csv, traces_calibration.csv, traces_calibration.png and traces_choice.png in %s\n", outDir)
	return nil
}

// printChoices prints one row per function and the accuracy criteria.
func printChoices(w io.Writer, scores []traceScore) {
	fmt.Fprintln(w, "\nper-function choice (MASE: test MAE over the training day's last-value MAE; SN: seasonal naive)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "function\ttrigger\tmean/min\tzero %\tchosen\tMASE auto\tlast value\tSN (period)\tdefault GBDT\t≤ 1.1 × best\tcover q0.9\tfit ms\t")
	pass, n, passDefined := 0, 0, 0
	var sumAuto, sumDef float64
	for _, s := range scores {
		trig := s.trigger
		if trig == "" {
			trig = "-"
		}
		var mean float64
		for _, v := range s.values {
			mean += v / float64(len(s.values))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.0f\t%s\t%.3f\t%.3f\t%.3f (%d)\t%.3f\t%v\t%.3f\t%.1f\t\n", s.name, trig, mean, 100*s.sel.ZeroShare, s.sel.Chosen,
			s.mase(s.auto), s.mase(s.last), s.mase(s.seasonal), s.period, s.mase(s.def), s.within10(), s.coverage[slices.Index(quantileLevels(), 0.9)], float64(s.fitTime.Microseconds())/1000)
		if s.within10() {
			pass++
		}
		if s.scale > 0 {
			sumAuto += s.mase(s.auto)
			sumDef += s.mase(s.def)
			n++
			if s.within10() {
				passDefined++
			}
		}
	}
	tw.Flush()
	// MASE divides every model's test MAE by the same in-sample scale, so comparing MASEs is
	// comparing MAEs where the scale is not 0; where it is (a training part without a single change,
	// such as a silent function), MASE is undefined and so is the comparison in MASE.
	fmt.Fprintf(w, "Auto no more than 10 %% behind the better of last value and seasonal naive: in MASE, %d of the %d functions where it is defined (%.1f %%); in MAE, %d of all %d (%.1f %%)\n",
		passDefined, n, 100*float64(passDefined)/float64(n), pass, len(scores), 100*float64(pass)/float64(len(scores)))
	fmt.Fprintf(w, "mean MASE over the %d functions where it is defined: Auto %.3f, default GBDT %.3f\n", n, sumAuto/float64(n), sumDef/float64(n))
}

// deterministic reports whether the chosen model's backtest forecasts were
// exactly right often (5 % or more): a timer, an idle function, a constant
// rate. Their quantile equals the forecast and covers more than its level.
func (s traceScore) deterministic() bool { return s.sel.ExactShare >= 0.05 }

// printCalibration prints, per quantile level, the coverage pooled over all
// functions and over those whose load is not deterministic, with the
// spread of per-function coverage.
func printCalibration(w io.Writer, scores []traceScore) {
	nd := 0
	for _, s := range scores {
		if !s.deterministic() {
			nd++
		}
	}
	fmt.Fprintf(w, "\ncalibration of the quantile forecasts (coverage: share of test minutes at or below the quantile; every function has %d test minutes, so the mean of per-function coverage is the pooled coverage)\n", len(scores[0].values)-len(scores[0].values)*7/10)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "level\tall %d: pooled\tper function: min\tq1\tmedian\tq3\tmax\t%d not deterministic: pooled\tmedian\tall, ties in part: pooled\tmin\tmedian\tmax\tmean pinball loss\t\n", len(scores), nd)
	for i, q := range quantileLevels() {
		all, cont := column(scores, func(s traceScore) float64 { return s.coverage[i] }, false), column(scores, func(s traceScore) float64 { return s.coverage[i] }, true)
		pit := column(scores, func(s traceScore) float64 { return s.pit[i] }, false)
		sp, pp := quartiles(all), quartiles(pit)
		fmt.Fprintf(tw, "%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", q, mean(all), sp[0], sp[1], sp[2], sp[3], sp[4], mean(cont), quartiles(cont)[2], mean(pit), pp[0], pp[2], pp[4], mean(column(scores, func(s traceScore) float64 { return s.pinball[i] }, false)))
	}
	tw.Flush()
	h := column(scores, func(s traceScore) float64 { return s.hourly }, false)
	sp := quartiles(h)
	fmt.Fprintf(w, "refitted every hour as the Tuner does (Refit 60), level 0.90: pooled %.3f (per function min %.3f, median %.3f, max %.3f); not deterministic: %.3f\n",
		mean(h), sp[0], sp[2], sp[4], mean(column(scores, func(s traceScore) float64 { return s.hourly }, true)))
	i9 := slices.Index(quantileLevels(), 0.9)
	var better int
	for _, s := range scores {
		if s.pinball[i9] <= s.qgbdtPinball {
			better++
		}
	}
	fmt.Fprintf(w, "quantile-loss GBDT (the default GBDT trained on the 0.90 pinball loss, gbdt.QuantileError): pooled coverage %.3f, mean pinball loss %.3f against Auto's %.3f; Auto's is lower or equal on %d of %d functions\n",
		mean(column(scores, func(s traceScore) float64 { return s.qgbdtCov }, false)), mean(column(scores, func(s traceScore) float64 { return s.qgbdtPinball }, false)),
		mean(column(scores, func(s traceScore) float64 { return s.pinball[i9] }, false)), better, len(scores))
	fmt.Fprintln(w, "A function is deterministic when 5 % or more of its backtest forecasts were exactly right (timers, idle minutes, constant rates):")
	fmt.Fprintln(w, "there the quantile is the forecast itself and covers more than its level, as a quantile of a certain value does.")
	fmt.Fprintln(w, "\"Ties in part\" is forecast.PITCoverage (Czado, Gneiting and Held 2009): a minute whose count equals the quantile counts by how much of")
	fmt.Fprintln(w, "the forecast's mass at that count lies below the level, so a certain value counts as the level itself; it is the level for calibrated")
	fmt.Fprintln(w, "forecasts of counts, where the share at or below the quantile is the level only for continuous load.")
}

// column returns get(s) for every score, or only for those whose load is
// not deterministic.
func column(scores []traceScore, get func(traceScore) float64, onlyRandom bool) []float64 {
	var out []float64
	for _, s := range scores {
		if !onlyRandom || !s.deterministic() {
			out = append(out, get(s))
		}
	}
	return out
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// quartiles returns the minimum, quartiles and maximum of v.
func quartiles(v []float64) [5]float64 {
	s := slices.Sorted(slices.Values(v))
	at := func(q float64) float64 { return s[int(math.Round(q*float64(len(s)-1)))] }
	return [5]float64{s[0], at(0.25), at(0.5), at(0.75), s[len(s)-1]}
}

func writeTraceCSVs(dir string, scores []traceScore) error {
	ff := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	head := []string{"function", "trigger", "chosen", "family", "reason", "exact_period", "acf_periods", "zero_share", "exact_share",
		"mae_auto", "mae_last_value", "mae_seasonal_naive", "seasonal_period", "mae_default_gbdt", "mase_scale", "within_10_percent", "fit_ms"}
	for _, q := range quantileLevels() {
		head = append(head, "coverage_q"+ff(q))
	}
	for _, q := range quantileLevels() {
		head = append(head, "pit_coverage_q"+ff(q))
	}
	head = append(head, "coverage_q0.9_hourly_refit", "quantile_gbdt_coverage_q0.9", "quantile_gbdt_pinball_q0.9")
	recs := [][]string{head}
	for _, s := range scores {
		rec := []string{s.name, s.trigger, s.sel.Chosen, s.sel.Family.String(), s.sel.Reason, strconv.Itoa(s.sel.ExactPeriod), fmt.Sprint(s.sel.ACFPeriods), ff(s.sel.ZeroShare), ff(s.sel.ExactShare),
			ff(s.auto), ff(s.last), ff(s.seasonal), strconv.Itoa(s.period), ff(s.def), ff(s.scale), strconv.FormatBool(s.within10()), ff(float64(s.fitTime.Microseconds()) / 1000)}
		for _, c := range s.coverage {
			rec = append(rec, ff(c))
		}
		for _, c := range s.pit {
			rec = append(rec, ff(c))
		}
		recs = append(recs, append(rec, ff(s.hourly), ff(s.qgbdtCov), ff(s.qgbdtPinball)))
	}
	if err := harness.WriteCSV(filepath.Join(dir, "traces_functions.csv"), recs); err != nil {
		return err
	}
	cal := [][]string{{"level", "coverage_pooled_all", "coverage_min", "coverage_q1", "coverage_median", "coverage_q3", "coverage_max", "coverage_pooled_not_deterministic", "pit_coverage_pooled_all", "pit_coverage_min", "pit_coverage_median", "pit_coverage_max", "mean_pinball_loss"}}
	for i, q := range quantileLevels() {
		all := column(scores, func(s traceScore) float64 { return s.coverage[i] }, false)
		pit := column(scores, func(s traceScore) float64 { return s.pit[i] }, false)
		sp, pp := quartiles(all), quartiles(pit)
		cal = append(cal, []string{ff(q), ff(mean(all)), ff(sp[0]), ff(sp[1]), ff(sp[2]), ff(sp[3]), ff(sp[4]),
			ff(mean(column(scores, func(s traceScore) float64 { return s.coverage[i] }, true))), ff(mean(pit)), ff(pp[0]), ff(pp[2]), ff(pp[4]),
			ff(mean(column(scores, func(s traceScore) float64 { return s.pinball[i] }, false)))})
	}
	return harness.WriteCSV(filepath.Join(dir, "traces_calibration.csv"), cal)
}
