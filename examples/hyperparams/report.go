package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/lambdatune/lambdatune/harness"
)

// row is one setting over its seeds: the runs that finished, and those that failed.
type row struct {
	setting
	index                 int
	ret, loss, cost, viol harness.Stat
	ok, failed            int
	firstErr              error
}

// summarize aggregates each setting's final held-out scores over the seeds that finished, ranked
// by mean return (best first; settings with no finished seed last).
func summarize(ss []setting, res [][]outcome) []row {
	rows := make([]row, len(ss))
	for i, s := range ss {
		var ret, loss, cost, viol []float64
		r := row{setting: s, index: i}
		for _, out := range res[i] {
			if out.failed != nil {
				r.failed++
				if r.firstErr == nil {
					r.firstErr = out.failed
				}
				continue
			}
			ret, loss = append(ret, out.final.ret), append(loss, out.final.loss)
			cost, viol = append(cost, out.final.costPerM), append(viol, out.final.violPct)
		}
		r.ok = len(ret)
		r.ret, r.loss, r.cost, r.viol = harness.StatOf(ret), harness.StatOf(loss), harness.StatOf(cost), harness.StatOf(viol)
		rows[i] = r
	}
	sort.SliceStable(rows, func(a, b int) bool {
		if (rows[a].ok > 0) != (rows[b].ok > 0) {
			return rows[a].ok > 0
		}
		return rows[a].ret.Mean > rows[b].ret.Mean
	})
	return rows
}

func printTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\nfinal held-out score, ranked by mean return (mean ± sd over seeds)")
	fmt.Fprintln(tw, "rank\tsetting\tlr\tgamma\tent_coef\treturn per day\tloss\tUSD per M requests\tSLO violations %\tseeds\t")
	for i, r := range rows {
		seeds := strconv.Itoa(r.ok)
		if r.failed > 0 {
			seeds += fmt.Sprintf(" (%d failed: %v)", r.failed, r.firstErr)
		}
		fmt.Fprintf(tw, "%d\t%s\t%g\t%g\t%g\t%s\t%s\t%s\t%s\t%s\t\n", i+1, r.name, r.lr, r.gamma, r.ent,
			r.ret.Format(0), r.loss.Format(2), r.cost.Format(2), r.viol.Format(3), seeds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "loss = lambdatune.DefaultObjective: USD per million requests + 10 × % of requests violating the SLO; return per day ≈ −1,440 × loss")
	fmt.Fprintln(w, "the original swept the same grid (with its own env and reward) and reported no figures for it; its agent used lr 7e-4, gamma 0.99, ent_coef 0.01, n_steps 64")
	return nil
}

// printReferences scores two constant actions of the tuning env on the same held-out days: the
// bar a learned setting has to clear to have learned anything.
func printReferences(w io.Writer, o options) error {
	fmt.Fprintln(w, "\nconstant actions on the same held-out days:")
	for _, ref := range []struct {
		name   string
		action []float64
	}{{"no provisioning, base memory", []float64{1, 1}}, {"predictive at 0.1 %, base memory", []float64{4, 1}}} {
		sc, err := heldOut(func([]float64) ([]float64, error) { return ref.action, nil }, o.episodes)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-34s return per day %.0f, loss %.2f, %.2f USD per M requests, %.3f %% SLO violations\n", ref.name, sc.ret, sc.loss, sc.costPerM, sc.violPct)
	}
	return nil
}

// writeCSVs writes every setting and seed's final score and learning curve.
func writeCSVs(o options, ss []setting, res [][]outcome) error {
	final := [][]string{{"setting", "lr", "gamma", "ent_coef", "seed", "return", "loss", "usd_per_million", "slo_violation_pct", "error"}}
	curves := [][]string{{"setting", "seed", "steps", "heldout_return", "heldout_sd"}}
	for i, s := range ss {
		for k, out := range res[i] {
			seed, msg := strconv.Itoa(k+1), ""
			if out.failed != nil {
				msg = out.failed.Error()
			}
			final = append(final, []string{s.name, ftoa(s.lr), ftoa(s.gamma), ftoa(s.ent), seed,
				ftoa(out.final.ret), ftoa(out.final.loss), ftoa(out.final.costPerM), ftoa(out.final.violPct), msg})
			for _, p := range out.curve {
				curves = append(curves, []string{s.name, seed, strconv.FormatInt(p.Timesteps, 10), ftoa(p.MeanReturn), ftoa(p.Std)})
			}
		}
	}
	if err := harness.WriteCSV(filepath.Join(o.out, "hyperparams.csv"), final); err != nil {
		return err
	}
	return harness.WriteCSV(filepath.Join(o.out, "learning_curves.csv"), curves)
}

// plotCurves draws the references and the grid's three best and two worst settings.
func plotCurves(path string, o options, rows []row, res [][]outcome) error {
	var pick []row
	var grid []row
	rank := map[string]int{}
	for i, r := range rows {
		rank[r.name] = i + 1
		if !r.grid {
			pick = append(pick, r)
		} else if r.ok > 0 {
			grid = append(grid, r)
		}
	}
	if len(grid) > 5 {
		grid = append(grid[:3:3], grid[len(grid)-2:]...)
	}
	pick = append(pick, grid...)
	var curves []harness.Curve
	for _, r := range pick {
		c := harness.Curve{Name: fmt.Sprintf("#%d of %d: %s", rank[r.name], len(rows), r.name)}
		n := -1
		for _, out := range res[r.index] {
			if out.failed == nil && (n < 0 || len(out.curve) < n) {
				n = len(out.curve)
			}
		}
		for j := range max(n, 0) {
			var vs []float64
			x := 0.0
			for _, out := range res[r.index] {
				if out.failed == nil {
					vs, x = append(vs, out.curve[j].MeanReturn), float64(out.curve[j].Timesteps)/1e6
				}
			}
			st := harness.StatOf(vs)
			c.X = append(c.X, x)
			c.Mean, c.SD = append(c.Mean, st.Mean), append(c.SD, st.SD)
		}
		if len(c.X) > 0 {
			curves = append(curves, c)
		}
	}
	return harness.PlotCurves(path, harness.Chart{
		Title:  fmt.Sprintf("A2C settings (#: final rank): return on %d held-out days while training, mean ± sd", o.curveEps),
		XLabel: "training steps (millions of one-minute intervals)",
		YLabel: "return per day (−1,440 × the Objective's loss)",
	}, curves)
}
