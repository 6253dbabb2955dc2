package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lambdatune/lambdatune/harness"
)

// write prints the markdown report to stdout and writes it, the CSV files and the charts into dir.
func (r *replayed) write(dir string, stdout io.Writer) error {
	files := []string{"report.md", "summary.csv", "comparison.csv", "history.csv", "history.png", "change.png", "cost_slo.png"}
	var b strings.Builder
	r.markdown(&b, dir, files)
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := harness.WriteSummaryFile(filepath.Join(dir, "summary.csv"), r.results); err != nil {
		return err
	}
	if err := harness.WriteCSV(filepath.Join(dir, "comparison.csv"), r.comparisonRows()); err != nil {
		return err
	}
	if err := harness.WriteCSV(filepath.Join(dir, "history.csv"), r.historyRows()); err != nil {
		return err
	}
	if err := r.plotHistory(filepath.Join(dir, "history.png")); err != nil {
		return err
	}
	if err := harness.PlotChange(filepath.Join(dir, "change.png"), r.in.name, r.comps); err != nil {
		return err
	}
	rows := make([]harness.Row, len(r.comps))
	for i, c := range r.comps {
		rows[i] = c.Row
	}
	return harness.PlotCostSLO(filepath.Join(dir, "cost_slo.png"), rows)
}

// pm formats a mean ± sd with prec decimals.
func pm(s harness.Stat, prec int) string {
	return strconv.FormatFloat(s.Mean, 'f', prec, 64) + " ± " + strconv.FormatFloat(s.SD, 'f', prec, 64)
}

// signed formats a mean ± sd with its sign.
func signed(s harness.Stat, prec int, unit string) string {
	return fmt.Sprintf("%+.*f%s ± %.*f%s", prec, s.Mean, unit, prec, s.SD, unit)
}

// markdown writes the report.
func (r *replayed) markdown(b *strings.Builder, dir string, files []string) {
	in, load := r.in, r.in.load
	days := load.Duration().Hours() / 24
	peak := 0.0
	for _, c := range load.Counts {
		peak = max(peak, c)
	}
	fmt.Fprintf(b, "# Replay of %s: what each strategy would have done\n\n", in.name)
	fmt.Fprintf(b, "%s of load from %s to %s (%.0f requests, %.0f a minute on average, %.0f at peak), from %s, replayed through lambdatune's event-level Lambda simulator with %d seeds per strategy. Nothing was changed on AWS.\n\n",
		span(load.Duration()), load.Start.UTC().Format("2006-01-02 15:04"), load.End().UTC().Format("2006-01-02 15:04 MST"), load.Total(),
		load.Total()/float64(load.Len())*float64(time.Minute)/float64(load.Step), peak, in.source, r.o.seeds)
	r.recommendation(b, days)
	r.strategyTable(b)
	r.assumptions(b)
	fmt.Fprintf(b, "\n## Files\n\nIn `%s`: %s. Charts: `history.png` (the replayed load), `change.png` (each strategy's change in cost and SLO violations against the current configuration, mean ± sd over seeds), `cost_slo.png` (cost against violations).\n",
		filepath.ToSlash(dir), "`"+strings.Join(files, "`, `")+"`")
	if in.history != nil {
		b.WriteString("\n## Permissions used\n\nRead-only: `lambda:GetFunctionConfiguration`, `lambda:GetFunctionConcurrency` (and `lambda:GetProvisionedConcurrencyConfig` with an alias), `cloudwatch:GetMetricData`, and with `-logs` `logs:StartQuery`, `logs:GetQueryResults`, `logs:StopQuery` (the policy in `awsadapter/iam-recommend.json`).\n")
	}
}

// span formats a duration in days or hours.
func span(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.3g days", d.Hours()/24)
	}
	return fmt.Sprintf("%.3g hours", d.Hours())
}

// recommendation writes the recommendation and its expected change.
func (r *replayed) recommendation(b *strings.Builder, days float64) {
	cur, rec := r.comparison(baseline), r.comparison(r.rec.Strategy)
	b.WriteString("## Recommendation\n\n")
	if r.rec.Change {
		fmt.Fprintf(b, "**Switch to %s**: %s.\n\n", rec.Strategy, deploys(rec.Strategy, rec.Deployed))
	} else {
		fmt.Fprintf(b, "**Keep the current configuration** (%s).\n\n", deploys(baseline, cur.Deployed))
	}
	fmt.Fprintf(b, "Why: %s.\n\n", r.rec.Reason)
	label := rec.Strategy
	if !r.rec.Change {
		best := cur
		for _, c := range r.comps {
			if c.Strategy != baseline && (best.Strategy == baseline || c.Loss.Mean < best.Loss.Mean) {
				best = c
			}
		}
		rec = best
		label = rec.Strategy + " (the best alternative)"
	}
	month := 30 / days
	fmt.Fprintf(b, "| over the replay, mean ± sd over %d seeds | current | %s | change (paired by seed) |\n|---|---|---|---|\n", r.o.seeds, label)
	fmt.Fprintf(b, "| cost (USD) | %s | %s | %s (%s) |\n", pm(cur.Cost, 4), pm(rec.Cost, 4), signed(rec.DeltaCost, 4, ""), signed(rec.DeltaCostPct, 1, " %"))
	fmt.Fprintf(b, "| cost per 30 days at this load (USD) | %.2f | %.2f | %+.2f |\n", cur.Cost.Mean*month, rec.Cost.Mean*month, rec.DeltaCost.Mean*month)
	fmt.Fprintf(b, "| requests violating the %v SLO (%%) | %s | %s | %s |\n", r.in.measurement.SLO, pm(cur.ViolationPct, 3), pm(rec.ViolationPct, 3), signed(rec.DeltaViolationPP, 3, " pp"))
	fmt.Fprintf(b, "| cold starts | %s | %s | |\n", pm(cur.ColdStarts, 0), pm(rec.ColdStarts, 0))
	fmt.Fprintf(b, "| p99 latency (ms) | %s | %s | |\n\n", pm(cur.P99, 0), pm(rec.P99, 0))
}

// strategyTable writes every strategy's row.
func (r *replayed) strategyTable(b *strings.Builder) {
	b.WriteString("## Every strategy\n\n| strategy | deploys | cost USD | change in cost | SLO violations % | change (pp) | cold starts | throttles | p99 ms | loss |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.comps {
		name := c.Strategy
		if name == r.rec.Strategy {
			name = "**" + name + "** (recommended)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, deploys(c.Strategy, c.Deployed), pm(c.Cost, 4),
			signed(c.DeltaCostPct, 1, " %"), pm(c.ViolationPct, 3), signed(c.DeltaViolationPP, 3, ""), pm(c.ColdStarts, 0),
			pm(c.Throttles, 0), pm(c.P99, 0), pm(c.Loss, 2))
	}
	b.WriteString("\nMeans ± standard deviations over simulation seeds (the same load, different arrivals within each minute and different draws of durations and INIT); changes are paired seed by seed. loss = USD per million requests + 10 × % of requests violating the SLO (`lambdatune.DefaultObjective`), lower is better; a request violates the SLO when it is throttled, fails, or takes longer than the SLO including INIT.\n")
}

// assumptions writes what was measured, what was assumed, and how the replay compares with the
// measurements.
func (r *replayed) assumptions(b *strings.Builder) {
	m := r.in.measurement
	b.WriteString("\n## What was replayed, and what was assumed\n\n")
	fmt.Fprintf(b, "- SLO: %v per request (`-slo`), INIT included.\n", m.SLO)
	for _, n := range r.in.notes {
		fmt.Fprintf(b, "- %s.\n", strings.TrimSuffix(n, "."))
	}
	if len(m.MemoryCurve) == 0 {
		fmt.Fprintf(b, "- Memory scaling (assumed, not measured): %.0f %% of the measured %v is taken as single-threaded computation that speeds up with the CPU share up to 1,769 MB (one vCPU), the rest as waiting memory does not change (`-cpu-fraction`). It decides what every strategy that changes memory would have done; a Power Tuning sweep on the function measures it (`awsadapter.PowerInvoker`).\n",
			100*m.CPUFraction, m.MeanDuration.Round(time.Millisecond))
	}
	fmt.Fprintf(b, "- Duration model at the current memory: lognormal, mean %v, log-sigma %.2f; error rate %.3f %%.\n", m.MeanDuration.Round(time.Microsecond), m.Spread(), 100*m.ErrorRate)
	if h := r.in.history; h != nil {
		var est float64
		for _, iv := range h.Intervals {
			est += iv.Cost.Total()
		}
		cur := r.comparison(baseline)
		fmt.Fprintf(b, "- Check: the replay of the current configuration costs %.4f ± %.4f USD; CloudWatch's Duration and Invocations over the same minutes price at %.4f USD (without INIT, which CloudWatch does not carry).\n",
			cur.Cost.Mean, cur.Cost.SD, est)
		if h.OverSLO >= 0 {
			fmt.Fprintf(b, "- Check: %.3f %% of invocations ran longer than the SLO by CloudWatch's percentile rank (Duration only, INIT excluded); in the replay of the current configuration %.3f %% of requests did (INIT included).\n",
				100*h.OverSLO, r.sloMissPct(baseline))
		}
	}
	fmt.Fprintf(b, "- The replay took %v on this machine.\n", r.wall.Round(time.Second))
}

// sloMissPct is the mean share of requests, in %, that ran without error but over the SLO in the
// named strategy's runs.
func (r *replayed) sloMissPct(strategy string) float64 {
	var sum float64
	var n int
	for _, res := range r.results {
		if res.Strategy == strategy && res.Score.Requests > 0 {
			sum += 100 * float64(res.Score.SLOMisses) / float64(res.Score.Requests)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
