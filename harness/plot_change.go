package harness

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotChange draws how each strategy changes cost and SLO violations against the baseline of the
// comparisons (one workload and profile): two panels of bars, the change in cost (%) and in requests
// violating the SLO (percentage points), each bar the mean paired difference over seeds with a bar of
// one standard deviation each way, one colour per strategy (its place in cs, as PlotCostSLO colours it) named in each panel's legend.
// The title names the workload, the profile and the baseline. It writes a PNG to path.
func PlotChange(path, title string, cs []Comparison) error {
	var others []Comparison
	var colors []int // each strategy's colour is its place in cs, as in PlotCostSLO
	for i, c := range cs {
		if c.Strategy != c.Baseline {
			others = append(others, c)
			colors = append(colors, i)
		}
	}
	if len(others) == 0 {
		return fmt.Errorf("harness: PlotChange: no strategy other than the baseline")
	}
	base := others[0].Baseline
	cost, err := changePanel(others, colors, fmt.Sprintf("%s: cost against %s", title, base), "change in cost (%, mean ± sd over seeds)",
		func(c Comparison) Stat { return c.DeltaCostPct })
	if err != nil {
		return err
	}
	slo, err := changePanel(others, colors, fmt.Sprintf("%s: SLO violations against %s", title, base), "change in requests violating the SLO (percentage points)",
		func(c Comparison) Stat { return c.DeltaViolationPP })
	if err != nil {
		return err
	}
	img := vgimg.New(vg.Length(2*(3+len(others)))*vg.Inch, 4.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	plots := [][]*plot.Plot{{cost, slo}}
	canvases := plot.Align(plots, tiles, dc)
	cost.Draw(canvases[0][0])
	slo.Draw(canvases[0][1])
	return WritePNG(path, img)
}

// changePanel draws one bar per strategy at x = its index, in colour colors[i], with error bars and
// a zero line, leaving room above the bars for the legend.
func changePanel(cs []Comparison, colors []int, title, ylabel string, y func(Comparison) Stat) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.X.Label.Text = "strategy"
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	names := make([]string, len(cs))
	lo, hi := 0.0, 0.0
	for i, c := range cs {
		names[i] = c.Strategy
		s := y(c)
		bar, err := plotter.NewBarChart(plotter.Values{s.Mean}, vg.Points(28))
		if err != nil {
			return nil, fmt.Errorf("harness: PlotChange %s: %w", c.Strategy, err)
		}
		bar.XMin = float64(i)
		bar.Color = Color(colors[i])
		bar.LineStyle.Width = 0
		eb, err := plotter.NewYErrorBars(ErrorPoints{{X: float64(i), Y: s.Mean, YLow: s.SD, YHigh: s.SD}})
		if err != nil {
			return nil, err
		}
		p.Add(bar, eb)
		p.Legend.Add(c.Strategy, bar)
		lo, hi = min(lo, s.Mean-s.SD), max(hi, s.Mean+s.SD)
	}
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = Palette[6]
	p.Add(zero)
	p.NominalX(names...)
	r := max(hi-lo, 1e-9)
	p.Y.Min, p.Y.Max = lo-0.05*r, hi+(0.1+0.12*float64(len(cs)))*r
	p.X.Min, p.X.Max = -0.6, float64(len(cs))-0.4
	return p, nil
}
