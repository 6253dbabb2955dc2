package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune/harness"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// comparisonRows is comparison.csv: one row per strategy against the current configuration.
func (r *replayed) comparisonRows() [][]string {
	rows := [][]string{{"strategy", "recommended", "seeds", "deploys", "cost_usd_mean", "cost_usd_sd", "delta_cost_usd_mean", "delta_cost_usd_sd",
		"delta_cost_pct_mean", "delta_cost_pct_sd", "slo_violation_pct_mean", "slo_violation_pct_sd", "delta_violation_pp_mean", "delta_violation_pp_sd",
		"cold_starts_mean", "throttles_mean", "p99_ms_mean", "loss_mean", "loss_sd", "final_memory_mb", "mean_provisioned", "max_provisioned", "changes"}}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	for _, c := range r.comps {
		d := c.Deployed
		rows = append(rows, []string{c.Strategy, strconv.FormatBool(c.Strategy == r.rec.Strategy), strconv.Itoa(c.Seeds), deploys(c.Strategy, d),
			f(c.Cost.Mean), f(c.Cost.SD), f(c.DeltaCost.Mean), f(c.DeltaCost.SD), f(c.DeltaCostPct.Mean), f(c.DeltaCostPct.SD),
			f(c.ViolationPct.Mean), f(c.ViolationPct.SD), f(c.DeltaViolationPP.Mean), f(c.DeltaViolationPP.SD),
			f(c.ColdStarts.Mean), f(c.Throttles.Mean), f(c.P99.Mean), f(c.Loss.Mean), f(c.Loss.SD),
			strconv.Itoa(d.Final.MemoryMB), f(d.MeanProvisioned), strconv.Itoa(d.MaxProvisioned), strconv.Itoa(d.Changes)})
	}
	return rows
}

// historyRows is history.csv: the replayed input per interval (with CloudWatch's statistics on AWS).
func (r *replayed) historyRows() [][]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	load := r.in.load
	if h := r.in.history; h != nil {
		rows := [][]string{{"start", "requests", "invocations", "throttles", "errors", "duration_mean_ms", "duration_max_ms", "max_concurrency", "estimated_cost_usd"}}
		for _, m := range h.Intervals {
			rows = append(rows, []string{m.Start.UTC().Format(time.RFC3339), strconv.FormatInt(m.Invocations+m.Throttles, 10),
				strconv.FormatInt(m.Invocations, 10), strconv.FormatInt(m.Throttles, 10), strconv.FormatInt(m.Errors, 10),
				f(m.Duration.Mean), f(m.Duration.Max), strconv.Itoa(m.MaxConcurrency), f(m.Cost.Total())})
		}
		return rows
	}
	rows := [][]string{{"start", "requests"}}
	for i, c := range load.Counts {
		rows = append(rows, []string{load.Time(i).UTC().Format(time.RFC3339), f(c)})
	}
	return rows
}

// plotHistory draws the replayed load per minute and, from CloudWatch, the mean duration per minute.
func (r *replayed) plotHistory(path string) error {
	load := r.in.load
	xy := func(y func(i int) (float64, bool)) plotter.XYs {
		var pts plotter.XYs
		for i := range load.Counts {
			if v, ok := y(i); ok {
				pts = append(pts, plotter.XY{X: float64(load.Time(i).Unix()), Y: v})
			}
		}
		return pts
	}
	reqs, err := timePanel(fmt.Sprintf("%s: replayed load", r.in.name), "requests per minute (Invocations + Throttles)",
		"requests per minute", xy(func(i int) (float64, bool) { return load.Counts[i] * float64(time.Minute) / float64(load.Step), true }))
	if err != nil {
		return err
	}
	plots := [][]*plot.Plot{{reqs}}
	if h := r.in.history; h != nil {
		dur, err := timePanel(fmt.Sprintf("%s: mean duration (CloudWatch)", r.in.name), "mean duration per minute (ms, INIT excluded)",
			"Duration Sum / Invocations", xy(func(i int) (float64, bool) { return h.Intervals[i].Duration.Mean, h.Intervals[i].Invocations > 0 }))
		if err != nil {
			return err
		}
		plots = append(plots, []*plot.Plot{dur})
	}
	img := vgimg.New(10*vg.Inch, vg.Length(len(plots))*3.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Millimeter * 6, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	return savePNG(path, img)
}

// timePanel is a line over time (Unix seconds on X, shown as UTC times) with a legend.
func timePanel(title, ylabel, legend string, pts plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (UTC)"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = plot.TimeTicks{Format: "01-02\n15:04", Time: func(t float64) time.Time { return time.Unix(int64(t), 0).UTC() }}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	if len(pts) == 0 {
		return p, nil
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = harness.Color(0)
	p.Add(l)
	p.Legend.Add(legend, l)
	p.Y.Min = 0
	return p, nil
}

// savePNG writes a canvas to path as a PNG.
func savePNG(path string, img *vgimg.Canvas) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
