package harness

import (
	"fmt"
	"math"

	"github.com/lambdatune/lambdatune"
)

// Comparison is one strategy against a baseline strategy on one workload and profile: its own row,
// and its differences from the baseline paired seed by seed. Every strategy of a seed runs on the
// same arrivals (common random numbers), so the paired differences vary far less over seeds than
// the strategies' own numbers do, and their spread is the uncertainty of the change.
type Comparison struct {
	Row
	// Baseline names the strategy compared against.
	Baseline string
	// DeltaCost is the strategy's cost less the baseline's, in USD per run; DeltaCostPct the same
	// as a percentage of the baseline's cost; DeltaViolationPP its share of requests violating the
	// SLO less the baseline's, in percentage points; DeltaLoss its Objective loss less the baseline's.
	DeltaCost, DeltaCostPct, DeltaViolationPP, DeltaLoss Stat
	// Deployed is the configuration summary of the strategy's first seed's run.
	Deployed Deployed
}

// Compare compares every strategy of rs with the baseline strategy, per workload and profile, in the
// order Summarize gives. Each seed of a strategy needs the baseline's run of the same workload,
// profile and seed.
func Compare(rs []Result, baseline string, o lambdatune.Objective) ([]Comparison, error) {
	type key struct {
		w, p string
		seed uint64
	}
	base := map[key]*Result{}
	for i := range rs {
		if r := &rs[i]; r.Strategy == baseline {
			base[key{r.Workload, r.Profile, r.Seed}] = r
		}
	}
	type group struct{ w, p, s string }
	deltas := map[group][4][]float64{}
	deployed := map[group]Deployed{}
	for i := range rs {
		r := &rs[i]
		b, ok := base[key{r.Workload, r.Profile, r.Seed}]
		if !ok {
			return nil, fmt.Errorf("harness: Compare: no %q run of %s/%s seed %d to compare %q with", baseline, r.Workload, r.Profile, r.Seed, r.Strategy)
		}
		g := group{r.Workload, r.Profile, r.Strategy}
		if _, ok := deployed[g]; !ok {
			deployed[g] = r.Deployed
		}
		d := deltas[g]
		bc := b.Score.Cost.Total()
		pct := 0.0
		if bc > 0 {
			pct = 100 * (r.Score.Cost.Total() - bc) / bc
		} else if r.Score.Cost.Total() > 0 {
			pct = math.Inf(1)
		}
		d[0] = append(d[0], r.Score.Cost.Total()-bc)
		d[1] = append(d[1], pct)
		d[2] = append(d[2], 100*(r.Score.ViolationRate()-b.Score.ViolationRate()))
		d[3] = append(d[3], o.Loss(r.Score)-o.Loss(b.Score))
		deltas[g] = d
	}
	rows := Summarize(rs, o)
	out := make([]Comparison, len(rows))
	for i, row := range rows {
		g := group{row.Workload, row.Profile, row.Strategy}
		d := deltas[g]
		out[i] = Comparison{Row: row, Baseline: baseline, DeltaCost: stat(d[0]), DeltaCostPct: stat(d[1]),
			DeltaViolationPP: stat(d[2]), DeltaLoss: stat(d[3]), Deployed: deployed[g]}
	}
	return out, nil
}

// Recommendation is the strategy a comparison recommends deploying.
type Recommendation struct {
	// Strategy is the recommended strategy; the baseline when none is clearly better.
	Strategy string
	// Change is set when the recommendation is a strategy other than the baseline.
	Change bool
	// Reason explains the choice.
	Reason string
}

// Recommend picks, among the comparisons of one workload and profile, the strategy with the lowest
// mean loss, and recommends it over the baseline only when it is clearly better: its loss is lower
// than the baseline's by more than two standard errors of the paired differences (with one seed,
// lower at all). Otherwise it recommends keeping the baseline. It returns an error when the
// comparisons hold no baseline row or more than one workload or profile.
func Recommend(cs []Comparison) (Recommendation, error) {
	if len(cs) == 0 {
		return Recommendation{}, fmt.Errorf("harness: Recommend: no comparisons")
	}
	best, baseline := -1, -1
	for i, c := range cs {
		if c.Workload != cs[0].Workload || c.Profile != cs[0].Profile {
			return Recommendation{}, fmt.Errorf("harness: Recommend: comparisons of %s/%s and %s/%s, want one workload and profile", cs[0].Workload, cs[0].Profile, c.Workload, c.Profile)
		}
		if c.Strategy == c.Baseline {
			baseline = i
		}
		if best < 0 || c.Loss.Mean < cs[best].Loss.Mean {
			best = i
		}
	}
	if baseline < 0 {
		return Recommendation{}, fmt.Errorf("harness: Recommend: no row of the baseline %q", cs[0].Baseline)
	}
	b, base := cs[best], cs[baseline]
	if best == baseline {
		return Recommendation{Strategy: base.Strategy, Reason: fmt.Sprintf("%s has the lowest loss (%.2f): no strategy improves on it", base.Strategy, base.Loss.Mean)}, nil
	}
	se := 0.0
	if b.Seeds > 1 {
		se = b.DeltaLoss.SD / math.Sqrt(float64(b.Seeds))
	}
	if b.DeltaLoss.Mean+2*se >= 0 {
		return Recommendation{Strategy: base.Strategy, Reason: fmt.Sprintf("%s has the lowest mean loss (%.2f against %.2f), but by less than two standard errors of the paired difference (%.2f ± %.2f over %d seeds): keep %s",
			b.Strategy, b.Loss.Mean, base.Loss.Mean, b.DeltaLoss.Mean, se, b.Seeds, base.Strategy)}, nil
	}
	return Recommendation{Strategy: b.Strategy, Change: true, Reason: fmt.Sprintf("%s has the lowest loss (%.2f against %.2f for %s), lower in the paired difference by %.2f ± %.2f (standard error over %d seeds)",
		b.Strategy, b.Loss.Mean, base.Loss.Mean, base.Strategy, -b.DeltaLoss.Mean, se, b.Seeds)}, nil
}
