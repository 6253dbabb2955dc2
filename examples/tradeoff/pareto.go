package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/lambdatune/lambdatune/harness"
)

// panelKey is one workload and profile: costs compare only within one.
type panelKey struct{ workload, profile string }

// dominates reports whether a is at least as cheap and as good as b and better on one of the two
// (mean cost over seeds, mean share of requests violating the SLO).
func dominates(a, b harness.Row) bool {
	ac, av, bc, bv := a.Cost.Mean, a.ViolationPct.Mean, b.Cost.Mean, b.ViolationPct.Mean
	return ac <= bc && av <= bv && (ac < bc || av < bv)
}

// pareto prints, for each workload and profile, the strategies no other dominates (cheapest
// first) and who dominates the rest, then how many of each family's points are on a front; and
// writes pareto.csv.
func pareto(w io.Writer, path string, rows []harness.Row, fams []family) error {
	famOf, knobOf := map[string]string{}, map[string]string{}
	for _, f := range fams {
		for _, m := range f.members {
			famOf[m.name], knobOf[m.name] = f.name, m.knob
		}
	}
	var order []panelKey
	panels := map[panelKey][]harness.Row{}
	for _, r := range rows {
		k := panelKey{r.Workload, r.Profile}
		if _, ok := panels[k]; !ok {
			order = append(order, k)
		}
		panels[k] = append(panels[k], r)
	}
	csv := [][]string{{"workload", "profile", "strategy", "family", "knob", "cost_usd_mean", "cost_usd_sd", "slo_violation_pct_mean", "slo_violation_pct_sd", "on_front", "dominated_by"}}
	onFront, total := map[string]int{}, map[string]int{}
	fmt.Fprintln(w, "\nthe cost–SLO front of each workload and profile (mean over seeds; a point is dominated when another is no dearer and no worse, and better on one):")
	for _, k := range order {
		var front []harness.Row
		var dominated []string
		for _, r := range panels[k] {
			var by []string
			for _, s := range panels[k] {
				if dominates(s, r) {
					by = append(by, s.Strategy)
				}
			}
			total[famOf[r.Strategy]]++
			if len(by) == 0 {
				onFront[famOf[r.Strategy]]++
				front = append(front, r)
			} else {
				dominated = append(dominated, fmt.Sprintf("%s by %s", r.Strategy, list(by, 3)))
			}
			csv = append(csv, []string{k.workload, k.profile, r.Strategy, famOf[r.Strategy], knobOf[r.Strategy], ftoa(r.Cost.Mean), ftoa(r.Cost.SD),
				ftoa(r.ViolationPct.Mean), ftoa(r.ViolationPct.SD), strconv.FormatBool(len(by) == 0), strings.Join(by, ";")})
		}
		sort.SliceStable(front, func(i, j int) bool { return front[i].Cost.Mean < front[j].Cost.Mean })
		names := make([]string, len(front))
		for i, r := range front {
			names[i] = fmt.Sprintf("%s (%.3f USD, %.3f %%)", r.Strategy, r.Cost.Mean, r.ViolationPct.Mean)
		}
		fmt.Fprintf(w, "\n%s load, %s profile\n  front, cheapest first: %s\n  dominated: %s\n", k.workload, k.profile, strings.Join(names, "; "), strings.Join(dominated, "; "))
	}
	fmt.Fprintf(w, "\npoints on a front, over the %d workload × profile panels:\n", len(order))
	for _, f := range fams {
		fmt.Fprintf(w, "  %-52s %d of %d\n", f.name, onFront[f.name], total[f.name])
	}
	return harness.WriteCSV(path, csv)
}

// list joins at most n names, saying how many more there are.
func list(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// costPriority prints the original's cost-priority run beside our most cost-first agent.
func costPriority(w io.Writer, rows []harness.Row, fams []family) {
	agent := fams[0].members[0]
	for _, m := range fams[0].members[1:] {
		if m.value < agent.value {
			agent = m
		}
	}
	fmt.Fprintf(w, "\nthe original's cost-priority reward (its simulator, SLA 200 ms): avg latency 205.99 ms, USD 0.018004 a step, 99.99 %% SLA violations;\n%s here (the cost of each run):\n", agent.name)
	for _, r := range rows {
		if r.Strategy == agent.name {
			fmt.Fprintf(w, "  %s/%s: mean latency %.0f ms, %.3f USD, %.3f %% SLO violations\n", r.Workload, r.Profile, r.Mean.Mean, r.Cost.Mean, r.ViolationPct.Mean)
		}
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }
