package main

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of Okabe and Ito's palette, distinguishable with every common
// colour-vision deficiency.
func okabeOrange() color.Color    { return color.RGBA{R: 230, G: 159, B: 0, A: 255} }
func okabeSkyBlue() color.Color   { return color.RGBA{R: 86, G: 180, B: 233, A: 255} }
func okabeGreen() color.Color     { return color.RGBA{R: 0, G: 158, B: 115, A: 255} }
func okabeBlue() color.Color      { return color.RGBA{R: 0, G: 114, B: 178, A: 255} }
func okabeVermilion() color.Color { return color.RGBA{R: 213, G: 94, B: 0, A: 255} }

// addSeries adds a line with point markers to p and to its legend.
func addSeries(p *plot.Plot, name string, pts plotter.XYs, c color.Color, shape draw.GlyphDrawer, dashes []vg.Length) error {
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(1.5), dashes
	s.Color, s.Shape, s.Radius = c, shape, vg.Points(3.5)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// plotCalibration draws observed coverage against the quantile level: a
// calibrated forecaster lies on the diagonal.
func plotCalibration(path string, scores []traceScore) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Calibration of Auto's quantile forecasts, %d Azure functions (last 30 %% of the day, one minute ahead)", len(scores))
	p.X.Label.Text = "quantile level (%)"
	p.Y.Label.Text = "test minutes at or below the quantile (%)"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 45, 100, 45, 100
	p.X.Tick.Marker = ticks(50, 60, 70, 80, 90, 100)
	p.Y.Tick.Marker = ticks(50, 60, 70, 80, 90, 100)
	p.Add(plotter.NewGrid())
	ls := quantileLevels()
	series := func(get func(i int) float64) plotter.XYs {
		pts := make(plotter.XYs, len(ls))
		for i, q := range ls {
			pts[i] = plotter.XY{X: 100 * q, Y: 100 * get(i)}
		}
		return pts
	}
	ideal := plotter.XYs{{X: 45, Y: 45}, {X: 100, Y: 100}}
	l, err := plotter.NewLine(ideal)
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add("ideal: coverage = level", l)
	cov := func(i int, onlyRandom bool) []float64 {
		return column(scores, func(s traceScore) float64 { return s.coverage[i] }, onlyRandom)
	}
	nd := len(cov(0, true))
	for _, s := range []struct {
		name   string
		get    func(i int) float64
		c      color.Color
		shape  draw.GlyphDrawer
		dashes []vg.Length
	}{
		{fmt.Sprintf("all %d functions, pooled", len(scores)), func(i int) float64 { return mean(cov(i, false)) }, okabeOrange(), draw.CircleGlyph{}, nil},
		{fmt.Sprintf("%d functions whose load is not deterministic, pooled", nd), func(i int) float64 { return mean(cov(i, true)) }, okabeBlue(), draw.SquareGlyph{}, nil},
		{fmt.Sprintf("all %d functions, pooled, ties counted in part (PITCoverage)", len(scores)), func(i int) float64 {
			return mean(column(scores, func(s traceScore) float64 { return s.pit[i] }, false))
		}, okabeVermilion(), draw.RingGlyph{}, []vg.Length{vg.Points(1), vg.Points(2)}},
		{"all functions, per-function first quartile", func(i int) float64 { return quartiles(cov(i, false))[1] }, okabeSkyBlue(), draw.TriangleGlyph{}, []vg.Length{vg.Points(2), vg.Points(2)}},
		{"all functions, per-function median", func(i int) float64 { return quartiles(cov(i, false))[2] }, okabeGreen(), draw.PlusGlyph{}, []vg.Length{vg.Points(6), vg.Points(2)}},
	} {
		if err := addSeries(p, s.name, series(s.get), s.c, s.shape, s.dashes); err != nil {
			return err
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), vg.Points(-10)
	return p.Save(10*vg.Inch, 7*vg.Inch, path)
}

// ratioToBaseline returns mae over the better of last value and seasonal
// naive, 1 when both are 0, within [0.1, 10] (clipped).
func ratioToBaseline(s traceScore, mae float64) float64 {
	b := min(s.last, s.seasonal)
	switch {
	case mae == 0 && b == 0:
		return 1
	case b == 0:
		return 10
	}
	return min(max(mae/b, 0.1), 10)
}

// plotChoice draws, per function, Auto's and the default GBDT's test error
// relative to the better of the two trivial baselines.
func plotChoice(path string, scores []traceScore) error {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := ratioToBaseline(scores[a], scores[a].auto), ratioToBaseline(scores[b], scores[b].auto)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})
	p := plot.New()
	p.Title.Text = "One-minute-ahead test error per Azure function, relative to the better of last value and seasonal naive (below 1: better; clipped to 0.1-10)"
	p.X.Label.Text = "function (sorted by Auto's ratio)"
	p.Y.Label.Text = "MAE ÷ baseline's MAE (ratio, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = ticks(0.1, 0.2, 0.5, 1, 2, 5, 10)
	p.Y.Min, p.Y.Max = 0.1, 10
	p.X.Min, p.X.Max = -1, float64(len(scores))
	p.Add(plotter.NewGrid())
	limit, err := plotter.NewLine(plotter.XYs{{X: -1, Y: 1.1}, {X: float64(len(scores)), Y: 1.1}})
	if err != nil {
		return err
	}
	limit.Color, limit.Width, limit.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(limit)
	p.Legend.Add("1.1: 10 % behind the better baseline", limit)
	for _, sr := range []struct {
		name  string
		get   func(s traceScore) float64
		c     color.Color
		shape draw.GlyphDrawer
	}{
		{"Auto (the model it chose)", func(s traceScore) float64 { return s.auto }, okabeBlue(), draw.CircleGlyph{}},
		{"default GBDT (NewDefault)", func(s traceScore) float64 { return s.def }, okabeVermilion(), draw.TriangleGlyph{}},
	} {
		pts := make(plotter.XYs, len(order))
		for x, i := range order {
			pts[x] = plotter.XY{X: float64(x), Y: ratioToBaseline(scores[i], sr.get(scores[i]))}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = sr.c, sr.shape, vg.Points(3.5)
		p.Add(sc)
		p.Legend.Add(sr.name, sc)
	}
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(-10), vg.Points(10) // bottom right, below the data
	p.Y.Min, p.Y.Max = 0.1, 10                                     // Add widened the range by the glyphs
	return p.Save(12*vg.Inch, 6*vg.Inch, path)
}

// ticks returns labelled ticks at the given values.
func ticks(at ...float64) plot.ConstantTicks {
	out := make(plot.ConstantTicks, len(at))
	for i, v := range at {
		out[i] = plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	return out
}
