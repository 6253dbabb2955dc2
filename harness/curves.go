package harness

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Curve is one series of a line chart: a mean at each X with a spread (for example the standard
// deviation over seeds or episodes) drawn as a band. A curve with one point and Flat set is drawn
// as a horizontal reference line across the chart.
type Curve struct {
	Name    string
	X, Mean []float64
	SD      []float64 // nil for no band
	Flat    bool
	Dashed  bool
}

// Chart describes a line chart's labels.
type Chart struct {
	Title, XLabel, YLabel string
}

// PlotCurves draws curves as lines with ±SD bands in the colour-blind-safe Palette, every curve in
// the legend, and writes a PNG to path.
func PlotCurves(path string, ch Chart, curves []Curve) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = ch.Title, ch.XLabel, ch.YLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = Ticks{}, Ticks{}
	legend := plot.NewLegend()
	p.Add(plotter.NewGrid())
	xmin, xmax := 0.0, 1.0
	for _, c := range curves {
		if !c.Flat && len(c.X) > 0 {
			xmin, xmax = c.X[0], c.X[len(c.X)-1]
		}
	}
	for i, c := range curves {
		if len(c.X) != len(c.Mean) || (c.SD != nil && len(c.SD) != len(c.Mean)) || len(c.Mean) == 0 {
			return fmt.Errorf("harness: curve %q: %d x, %d means, %d spreads", c.Name, len(c.X), len(c.Mean), len(c.SD))
		}
		xs, ms, sds := c.X, c.Mean, c.SD
		if c.Flat {
			xs, ms = []float64{xmin, xmax}, []float64{c.Mean[0], c.Mean[0]}
			if sds != nil {
				sds = []float64{sds[0], sds[0]}
			}
		}
		col := Color(i)
		if sds != nil {
			band := make(plotter.XYs, 0, 2*len(xs))
			for j := range xs {
				band = append(band, plotter.XY{X: xs[j], Y: ms[j] + sds[j]})
			}
			for j := len(xs) - 1; j >= 0; j-- {
				band = append(band, plotter.XY{X: xs[j], Y: ms[j] - sds[j]})
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return err
			}
			r, g, b, _ := col.RGBA()
			poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x40}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		pts := make(plotter.XYs, len(xs))
		for j := range xs {
			pts[j] = plotter.XY{X: xs[j], Y: ms[j]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = col, vg.Points(2)
		if c.Flat || c.Dashed {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l)
		if !c.Flat && len(xs) < 40 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: Glyph(i)}
			p.Add(sc)
			legend.Add(c.Name, l, sc)
			continue
		}
		legend.Add(c.Name, l)
	}
	return SavePNG(path, p, legend, 11*vg.Inch, 5.5*vg.Inch)
}

// SavePNG writes p to path (creating its directory) as a w × h PNG, with legend, when it has
// entries, in a column to the right of the plot, where it cannot hide data.
func SavePNG(path string, p *plot.Plot, legend plot.Legend, w, h vg.Length) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	r := legend.Rectangle(dc)
	lw := r.Max.X - r.Min.X
	if lw > 0 {
		lw += 8 * vg.Millimeter
	}
	p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	if lw > 0 {
		legend.Top, legend.Left = true, true
		legend.Draw(draw.Crop(dc, w-lw+4*vg.Millimeter, 0, 0, -12*vg.Millimeter))
	}
	return WritePNG(path, img)
}

// LogTicks labels a log-scale axis at 1, 2 and 5 times each power of ten (gonum's plot.LogTicks
// labels powers of ten only, which leaves one or two labels on a short range), with minor ticks
// in between.
type LogTicks struct{}

// Ticks implements plot.Ticker.
func (LogTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) {
		return nil
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); math.Pow(10, e) <= max; e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * base
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// Ticks is gonum's default tick placement with labels in the fewest digits that show the value
// ("-250", "0.5", not "-250.00" or "0.50").
type Ticks struct{}

// Ticks implements plot.Ticker.
func (Ticks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
			if len(ticks[i].Label) > 8 {
				ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 4, 64)
			}
		}
	}
	return ticks
}

// WritePNG writes a drawn canvas to path as PNG, creating its directory: where every chart of the
// harness and the examples ends.
func WritePNG(path string, img *vgimg.Canvas) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("harness: writing %s: %w", path, err)
	}
	return f.Close()
}
