package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// row is one interval of the report.
type row struct {
	step            int
	m               lambdatune.Metrics
	decision        lambdatune.Config
	outcome, reason string
}

// report prints each interval and writes the CSV and the charts at the end.
type report struct {
	w           io.Writer
	rows        []row
	percentiles bool
}

func newReport(w io.Writer, percentiles bool) *report {
	fmt.Fprintf(w, "%4s  %-8s  %7s  %5s  %5s  %8s  %8s  %5s  %10s  %-24s  %-24s  %-10s  %s\n",
		"step", "start", "invoc", "err", "thr", "avg ms", "p95 ms", "conc", "cost $", "in force", "decided", "outcome", "reason")
	return &report{w: w, percentiles: percentiles}
}

// outcome names what happened to a step's decision. failed says whether applying it failed (the
// tuner then reports the step as not applied, and went on because the outcome was known); o is the
// adapter's last outcome, which is this step's only when the decision was applied.
func outcome(s lambdatune.StepReport, o awsadapter.Outcome, failed bool) string {
	switch {
	case failed:
		return "failed"
	case !s.Applied:
		return "keep"
	case o.DryRun && o.Target != o.From:
		return "dry-run"
	case o.Held:
		return "held"
	case o.Target == o.From || len(o.Notes) > 0:
		return "limited"
	}
	return "applied"
}

func (r *report) step(s lambdatune.StepReport, o awsadapter.Outcome, failed bool) {
	out := outcome(s, o, failed)
	r.rows = append(r.rows, row{step: s.Index, m: s.Metrics, decision: s.Decision.Config, outcome: out, reason: s.Decision.Reason})
	m := s.Metrics
	p95 := "-"
	if r.percentiles {
		p95 = strconv.FormatFloat(m.Duration.P95, 'f', 1, 64)
	}
	fmt.Fprintf(r.w, "%4d  %-8s  %7d  %5d  %5d  %8.1f  %8s  %5d  %10.7f  %-24s  %-24s  %-10s  %s\n",
		s.Index, m.Start.UTC().Format("15:04:05"), m.Invocations, m.Errors, m.Throttles, m.Duration.Mean, p95,
		m.MaxConcurrency, m.Cost.Total(), short(m.Config), short(s.Decision.Config), out, s.Decision.Reason)
}

func short(c lambdatune.Config) string {
	return fmt.Sprintf("%dMB/%ds/r=%s/p=%d", c.MemoryMB, int(c.Timeout/time.Second), c.Reserved, c.Provisioned)
}

// finish prints the summary and writes intervals.csv, load.png and memory.png into dir.
func (r *report) finish(dir string) error {
	var inv, errs, thr int64
	var cost float64
	counts := map[string]int{}
	for _, x := range r.rows {
		inv += x.m.Invocations
		errs += x.m.Errors
		thr += x.m.Throttles
		cost += x.m.Cost.Total()
		counts[x.outcome]++
	}
	fmt.Fprintf(r.w, "\nsummary\n")
	fmt.Fprintf(r.w, "  %-22s %d\n", "intervals", len(r.rows))
	fmt.Fprintf(r.w, "  %-22s %d\n", "invocations", inv)
	fmt.Fprintf(r.w, "  %-22s %d\n", "errors", errs)
	fmt.Fprintf(r.w, "  %-22s %d\n", "throttles", thr)
	fmt.Fprintf(r.w, "  %-22s %.7f\n", "estimated cost $", cost)
	for _, k := range []string{"keep", "applied", "dry-run", "limited", "held", "failed"} {
		fmt.Fprintf(r.w, "  %-22s %d\n", "decisions "+k, counts[k])
	}
	if len(r.rows) > 0 {
		fmt.Fprintf(r.w, "  %-22s %v\n", "last config in force", r.rows[len(r.rows)-1].m.Config)
	}
	if err := r.writeCSV(filepath.Join(dir, "intervals.csv")); err != nil {
		return err
	}
	if err := r.chart(filepath.Join(dir, "load.png"), "Invocations per interval", "invocations", func(x row) float64 { return float64(x.m.Invocations) }); err != nil {
		return err
	}
	if err := r.chart(filepath.Join(dir, "memory.png"), "Memory in force", "MB", func(x row) float64 { return float64(x.m.Config.MemoryMB) }); err != nil {
		return err
	}
	fmt.Fprintf(r.w, "wrote %s/intervals.csv, %s/load.png, %s/memory.png\n", dir, dir, dir)
	return nil
}

func (r *report) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"step", "start", "period_s", "invocations", "errors", "throttles", "duration_avg_ms", "duration_p50_ms",
		"duration_p95_ms", "duration_p99_ms", "duration_max_ms", "max_concurrency", "provisioned_invocations",
		"spillover_invocations", "provisioned_utilization", "cost_usd", "memory_mb", "timeout_s", "reserved", "provisioned",
		"decided_memory_mb", "decided_timeout_s", "decided_reserved", "decided_provisioned", "outcome", "reason"})
	f64 := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, x := range r.rows {
		m, d := x.m, x.decision
		w.Write([]string{strconv.Itoa(x.step), m.Start.UTC().Format(time.RFC3339), f64(m.Period.Seconds()),
			strconv.FormatInt(m.Invocations, 10), strconv.FormatInt(m.Errors, 10), strconv.FormatInt(m.Throttles, 10),
			f64(m.Duration.Mean), f64(m.Duration.P50), f64(m.Duration.P95), f64(m.Duration.P99), f64(m.Duration.Max),
			strconv.Itoa(m.MaxConcurrency), strconv.FormatInt(m.ProvisionedInvocations, 10), strconv.FormatInt(m.SpilloverInvocations, 10),
			f64(m.ProvisionedUtilization), f64(m.Cost.Total()),
			strconv.Itoa(m.Config.MemoryMB), f64(m.Config.Timeout.Seconds()), m.Config.Reserved.String(), strconv.Itoa(m.Config.Provisioned),
			strconv.Itoa(d.MemoryMB), f64(d.Timeout.Seconds()), d.Reserved.String(), strconv.Itoa(d.Provisioned), x.outcome, x.reason})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (r *report) chart(path, title, ylabel string, y func(row) float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "interval"
	p.Y.Label.Text = ylabel
	xys := make(plotter.XYs, len(r.rows))
	for i, x := range r.rows {
		xys[i] = plotter.XY{X: float64(x.step), Y: y(x)}
	}
	if len(xys) > 0 {
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		p.Add(l)
	}
	return p.Save(16*vg.Centimeter, 9*vg.Centimeter, path)
}
