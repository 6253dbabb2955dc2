package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/lambdatune/lambdatune/harness"
)

// violationFloor is where a strategy with no violation is drawn on the log axis, in percent.
const violationFloor = 1e-3

// plotFront draws one panel per workload (down) and profile (across): cost against violations,
// each family a line through its members in the knob's order, every point with one sd of error
// bars each way and labelled with its knob, and one legend for all panels at the right.
func plotFront(path string, rows []harness.Row, fams []family) error {
	var workloads, profiles []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen["w"+r.Workload] {
			seen["w"+r.Workload], workloads = true, append(workloads, r.Workload)
		}
		if !seen["p"+r.Profile] {
			seen["p"+r.Profile], profiles = true, append(profiles, r.Profile)
		}
	}
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	plots := make([][]*plot.Plot, len(workloads))
	for i, wl := range workloads {
		plots[i] = make([]*plot.Plot, len(profiles))
		for j, pr := range profiles {
			p, err := frontPanel(rows, wl, pr, fams, &legend, i == 0 && j == 0)
			if err != nil {
				return err
			}
			plots[i][j] = p
		}
	}
	const panelW, panelH, labelW, titleH = 5.2 * vg.Inch, 4.6 * vg.Inch, 0.4 * vg.Inch, 0.4 * vg.Inch
	img := vgimg.New(1, 1)
	r := legend.Rectangle(draw.New(img))
	legendW := r.Max.X - r.Min.X + 10*vg.Millimeter
	w, h := labelW+vg.Length(len(profiles))*panelW+legendW, vg.Length(len(workloads))*panelH+titleH
	img = vgimg.New(w, h)
	full := draw.New(img)
	title := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(14)), Handler: plot.DefaultTextHandler, XAlign: text.XCenter}
	full.FillText(title, vg.Point{X: w / 2, Y: h - titleH*0.75}, fmt.Sprintf(
		"Cost against SLO violations: each family's line joins its knob's values (a strategy with no violation is drawn at %g %%)", violationFloor))
	dc := draw.Crop(full, 0, 0, 0, -titleH)
	tiles := draw.Tiles{Rows: len(workloads), Cols: len(profiles), PadX: 6 * vg.Millimeter, PadY: 6 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, labelW, -legendW, 0, 0))
	ylabel := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(12)), Handler: plot.DefaultTextHandler,
		Rotation: math.Pi / 2, XAlign: text.XCenter, YAlign: text.YCenter}
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
		c := canvases[i][0]
		dc.FillText(ylabel, vg.Point{X: labelW / 2, Y: (c.Min.Y + c.Max.Y) / 2}, "SLO violations (% of requests, mean ± sd over seeds, log scale)")
	}
	legend.Draw(draw.Crop(dc, w-legendW+4*vg.Millimeter, 0, 0, -8*vg.Millimeter))
	return harness.WritePNG(path, img)
}

// frontPanel draws one workload and profile; with addLegend it also fills the shared legend.
func frontPanel(rows []harness.Row, wl, pr string, fams []family, legend *plot.Legend, addLegend bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s load, %s profile", wl, pr)
	p.X.Label.Text = "cost of the run (USD, mean ± sd over seeds)"
	// The y axis is labelled by plotFront: gonum centres a vertical label at the arithmetic mean of
	// the axis range, which on a log scale is near its top, and pads the plot to make room.
	p.Y.Scale, p.Y.Tick.Marker, p.X.Tick.Marker = plot.LogScale{}, harness.LogTicks{}, harness.Ticks{}
	p.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, f := range fams {
		var pts harness.ErrorPoints
		var labels []string
		for _, m := range f.members {
			for _, r := range rows {
				if r.Workload != wl || r.Profile != pr || r.Strategy != m.name {
					continue
				}
				y := max(r.ViolationPct.Mean, violationFloor)
				lo := min(r.ViolationPct.SD, y-violationFloor/2)
				pts = append(pts, harness.ErrorPoint{X: r.Cost.Mean, Y: y, XErr: r.Cost.SD, YLow: lo, YHigh: r.ViolationPct.SD})
				labels = append(labels, m.knob)
				ymin, ymax = min(ymin, y-lo), max(ymax, y+r.ViolationPct.SD)
			}
		}
		if len(pts) == 0 {
			continue
		}
		thumbs, err := addFamily(p, pts, labels, i)
		if err != nil {
			return nil, err
		}
		if addLegend {
			legend.Add(f.name, thumbs...)
		}
	}
	p.Y.Min, p.Y.Max = ymin/1.5, ymax*1.5
	if r := p.Y.Max / p.Y.Min; r < 100 { // at least two decades, so that the log axis has ticks to read
		p.Y.Min, p.Y.Max = p.Y.Min/math.Sqrt(100/r), p.Y.Max*math.Sqrt(100/r)
	}
	return p, nil
}

// addFamily draws one family's points, line, error bars and knob labels in colour i.
func addFamily(p *plot.Plot, pts harness.ErrorPoints, labels []string, i int) ([]plot.Thumbnailer, error) {
	col := harness.Color(i)
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(4), Shape: harness.Glyph(i)}
	xb, err := plotter.NewXErrorBars(pts)
	if err != nil {
		return nil, err
	}
	yb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, err
	}
	xb.Color, yb.Color = col, col
	thumbs := []plot.Thumbnailer{sc}
	if len(pts) > 1 {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = col, vg.Points(1.5)
		p.Add(l)
		thumbs = []plot.Thumbnailer{l, sc}
	}
	p.Add(xb, yb, sc)
	xy := plotter.XYLabels{XYs: make(plotter.XYs, len(pts)), Labels: labels}
	for k, pt := range pts {
		xy.XYs[k] = plotter.XY{X: pt.X, Y: pt.Y}
	}
	lb, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, err
	}
	for k := range lb.TextStyle {
		lb.TextStyle[k] = text.Style{Color: col, Font: font.From(plot.DefaultFont, vg.Points(8)), Handler: plot.DefaultTextHandler}
	}
	lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
	p.Add(lb)
	return thumbs, nil
}
