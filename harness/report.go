package harness

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/lambdatune/lambdatune"
)

// SummaryColumns are the columns of summary.csv, one row per workload × profile × strategy × seed:
// exactly these, in this order, so that files from every program and version compare (the table
// printed beside it also shows mean latency).
var SummaryColumns = []string{"workload", "profile", "strategy", "seed", "requests", "cost_usd",
	"slo_violation_pct", "cold_starts", "throttles", "errors", "p95_ms", "p99_ms"}

// WriteSummary writes one CSV row per result under SummaryColumns.
func WriteSummary(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SummaryColumns); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	i := func(x int64) string { return strconv.FormatInt(x, 10) }
	for _, r := range rs {
		s := &r.Score
		if err := cw.Write([]string{r.Workload, r.Profile, r.Strategy, strconv.FormatUint(r.Seed, 10), i(s.Requests),
			f(s.Cost.Total()), f(100 * s.ViolationRate()), i(s.ColdStarts), i(s.Throttles), i(s.Errors),
			f(r.Latency.P95), f(r.Latency.P99)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSV writes rows to path, creating its directory: the small output helper the example
// programs share.
func WriteCSV(path string, rows [][]string) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	cw := csv.NewWriter(f)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("harness: writing %s: %w", path, err)
	}
	return nil
}

// WriteSummaryFile writes summary.csv to path, creating its directory.
func WriteSummaryFile(path string, rs []Result) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := WriteSummary(f, rs); err != nil {
		return fmt.Errorf("harness: writing %s: %w", path, err)
	}
	return nil
}

// Stat is a mean and a spread over seeds: the sample standard deviation (0 for one seed).
type Stat struct{ Mean, SD float64 }

// Format formats the stat as "mean ± sd" with prec decimals.
func (s Stat) Format(prec int) string {
	return strconv.FormatFloat(s.Mean, 'f', prec, 64) + " ± " + strconv.FormatFloat(s.SD, 'f', prec, 64)
}

func stat(xs []float64) Stat {
	var s Stat
	for _, x := range xs {
		s.Mean += x / float64(len(xs))
	}
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(xs)-1))
	}
	return s
}

// Row is one strategy on one workload and profile, over its seeds.
type Row struct {
	Workload, Profile, Strategy string
	// Seeds counts the runs.
	Seeds int
	// Cost is in USD per run; ViolationPct the share of requests that violated the SLO, in %;
	// CostPerMillion in USD per million requests; Mean, P95 and P99 the runs' mean latency and
	// latency percentiles in ms.
	Cost, CostPerMillion, ViolationPct, ColdStarts, Throttles, Errors, Mean, P95, P99 Stat
	// Loss is the Objective's loss.
	Loss Stat
}

// Summarize aggregates results over seeds, one Row per workload, profile and strategy, in the order
// they first appear, with the Objective's loss.
func Summarize(rs []Result, o lambdatune.Objective) []Row {
	type key struct{ w, p, s string }
	var order []key
	groups := map[key][]Result{}
	for _, r := range rs {
		k := key{r.Workload, r.Profile, r.Strategy}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	rows := make([]Row, 0, len(order))
	for _, k := range order {
		g := groups[k]
		col := func(f func(r *Result) float64) Stat {
			xs := make([]float64, len(g))
			for i := range g {
				xs[i] = f(&g[i])
			}
			return stat(xs)
		}
		rows = append(rows, Row{Workload: k.w, Profile: k.p, Strategy: k.s, Seeds: len(g),
			Cost:           col(func(r *Result) float64 { return r.Score.Cost.Total() }),
			CostPerMillion: col(func(r *Result) float64 { return r.Score.CostPerMillion() }),
			ViolationPct:   col(func(r *Result) float64 { return 100 * r.Score.ViolationRate() }),
			ColdStarts:     col(func(r *Result) float64 { return float64(r.Score.ColdStarts) }),
			Throttles:      col(func(r *Result) float64 { return float64(r.Score.Throttles) }),
			Errors:         col(func(r *Result) float64 { return float64(r.Score.Errors) }),
			Mean:           col(func(r *Result) float64 { return r.Latency.Mean }),
			P95:            col(func(r *Result) float64 { return r.Latency.P95 }),
			P99:            col(func(r *Result) float64 { return r.Latency.P99 }),
			Loss:           col(func(r *Result) float64 { return o.Loss(r.Score) }),
		})
	}
	return rows
}

// PrintTable prints rows as a table of mean ± standard deviation over seeds, one block per workload
// and profile, with each strategy's loss relative to the oracle's when an "oracle" row is there.
func PrintTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tprofile\tstrategy\tcost USD\tSLO violations %\tcold starts\tthrottles\terrors\tmean ms\tp95 ms\tp99 ms\tloss\tvs oracle\t")
	oracle := map[[2]string]float64{}
	for _, r := range rows {
		if r.Strategy == "oracle" {
			oracle[[2]string{r.Workload, r.Profile}] = r.Loss.Mean
		}
	}
	prev := [2]string{}
	for _, r := range rows {
		k := [2]string{r.Workload, r.Profile}
		if k != prev && prev != [2]string{} {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t\t")
		}
		prev = k
		vs := "–"
		if o, ok := oracle[k]; ok && o > 0 {
			vs = fmt.Sprintf("%+.0f%%", 100*(r.Loss.Mean-o)/o)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Workload, r.Profile, r.Strategy,
			r.Cost.Format(3), r.ViolationPct.Format(3), r.ColdStarts.Format(0), r.Throttles.Format(0), r.Errors.Format(0),
			r.Mean.Format(0), r.P95.Format(0), r.P99.Format(0), r.Loss.Format(2), vs)
	}
	return tw.Flush()
}
