package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/lambdatune/lambdatune/harness"
)

// grid returns the original's sweep: its learning rates, gammas and entropy coefficients, in the
// order the heatmap draws them.
func grid() (lrs, gammas, ents []float64) {
	return []float64{0.001, 0.01, 0.1}, []float64{0.9, 0.99, 0.999}, []float64{0, 0.01, 0.1}
}

// viridis returns matplotlib's viridis colour map (van der Walt and Smith, 2015: perceptually
// uniform, and readable in grey and with any common colour-vision deficiency) over [min, max]:
// ten of its colours (R's viridisLite::viridis(10)) interpolated in CIE L*a*b* with linear
// luminance (gonum's moreland.NewLuminance). gonum has no viridis of its own.
func viridis(min, max float64) (palette.ColorMap, error) {
	anchors := []uint32{0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725}
	cs := make([]color.Color, len(anchors))
	for i, a := range anchors {
		cs[i] = color.RGBA{uint8(a >> 16), uint8(a >> 8), uint8(a), 0xff}
	}
	cm, err := moreland.NewLuminance(cs)
	if err != nil {
		return nil, err
	}
	cm.SetMin(min)
	cm.SetMax(max)
	return cm, nil
}

// cells is one entropy coefficient's grid: z[lr][gamma], NaN where no seed finished.
type cells struct{ z, sd [3][3]float64 }

func (c *cells) Dims() (int, int)       { return 3, 3 }
func (c *cells) Z(col, row int) float64 { return c.z[col][row] }
func (c *cells) X(col int) float64      { return float64(col) }
func (c *cells) Y(row int) float64      { return float64(row) }

// plotHeatmap draws the grid's mean final held-out return: learning rate across, gamma up, one
// panel per entropy coefficient, every panel on one colour scale, each cell labelled with its mean
// ± sd over seeds.
func plotHeatmap(path string, o options, rows []row) error {
	gridLR, gridGamma, gridEnt := grid()
	grids := make([]*cells, len(gridEnt))
	lo, hi, failed := math.Inf(1), math.Inf(-1), ""
	for k := range grids {
		grids[k] = &cells{}
		for i := range 3 {
			for j := range 3 {
				grids[k].z[i][j] = math.NaN()
			}
		}
	}
	for _, r := range rows {
		i, j, k := index(gridLR, r.lr), index(gridGamma, r.gamma), index(gridEnt, r.ent)
		if !r.grid || i < 0 || j < 0 || k < 0 {
			continue
		}
		if r.ok == 0 {
			failed = "; grey: every seed failed"
			continue
		}
		grids[k].z[i][j], grids[k].sd[i][j] = r.ret.Mean, r.ret.SD
		lo, hi = min(lo, r.ret.Mean), max(hi, r.ret.Mean)
	}
	if lo > hi {
		return fmt.Errorf("heatmap: no setting of the grid finished")
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	cm, err := viridis(lo, hi)
	if err != nil {
		return err
	}
	panels := make([]*plot.Plot, len(gridEnt))
	for k, ent := range gridEnt {
		if panels[k], err = heatPanel(grids[k], cm, fmt.Sprintf("entropy coefficient %g", ent)); err != nil {
			return err
		}
	}
	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Label.Text = "mean final held-out return per day"
	bar.Y.Tick.Marker = harness.Ticks{}
	bar.Title.Text = " "
	return compose(path, fmt.Sprintf("A2C on the tuning env: mean return on %d held-out days after %d steps (± sd over %d seeds%s)",
		o.episodes, o.steps, o.seeds, failed), panels, bar)
}

func index(xs []float64, v float64) int {
	for i, x := range xs {
		if math.Abs(x-v) < 1e-12 {
			return i
		}
	}
	return -1
}

// heatPanel is one entropy coefficient's panel.
func heatPanel(g *cells, cm palette.ColorMap, title string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "learning rate", "gamma (discount factor)"
	h := plotter.NewHeatMap(g, cm.Palette(256))
	h.Min, h.Max, h.NaN = cm.Min(), cm.Max(), color.Gray{0xbb}
	p.Add(h)
	var xys plotter.XYLabels
	var styles []text.Style
	for i := range 3 {
		for j := range 3 {
			z := g.z[i][j]
			label, ink := "failed", color.Color(color.Black)
			if !math.IsNaN(z) {
				label = fmt.Sprintf("%.0f\n± %.0f", z, g.sd[i][j])
				if (z-cm.Min())/(cm.Max()-cm.Min()) < 0.6 { // dark cells get white text
					ink = color.White
				}
			}
			xys.XYs = append(xys.XYs, plotter.XY{X: float64(i), Y: float64(j)})
			xys.Labels = append(xys.Labels, label)
			styles = append(styles, text.Style{Color: ink, Font: font.From(plot.DefaultFont, vg.Points(11)), Handler: plot.DefaultTextHandler,
				XAlign: text.XCenter, YAlign: text.YCenter})
		}
	}
	labels, err := plotter.NewLabels(xys)
	if err != nil {
		return nil, err
	}
	labels.TextStyle = styles
	p.Add(labels)
	ticks := func(vs []float64) plot.ConstantTicks {
		ts := make(plot.ConstantTicks, len(vs))
		for i, v := range vs {
			ts[i] = plot.Tick{Value: float64(i), Label: fmt.Sprint(v)}
		}
		return ts
	}
	lrs, gammas, _ := grid()
	p.X.Tick.Marker, p.Y.Tick.Marker = ticks(lrs), ticks(gammas)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, 2.5, -0.5, 2.5
	return p, nil
}

// compose draws the panels side by side with the colour bar at the right and a title above.
func compose(path, title string, panels []*plot.Plot, bar *plot.Plot) error {
	const panelW, barW, h, titleH = 4.2 * vg.Inch, 1.4 * vg.Inch, 4.4 * vg.Inch, 0.45 * vg.Inch
	w := vg.Length(len(panels))*panelW + barW
	img := vgimg.New(w, h)
	dc := draw.New(img)
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(13)), Handler: plot.DefaultTextHandler, XAlign: text.XCenter}
	dc.FillText(sty, vg.Point{X: w / 2, Y: h - titleH*0.7}, title)
	body := draw.Crop(dc, 0, 0, 0, -titleH)
	for i, p := range panels {
		left := vg.Length(i) * panelW
		p.Draw(draw.Crop(body, left+2*vg.Millimeter, -(w - left - panelW), 0, 0))
	}
	bar.Draw(draw.Crop(body, w-barW+4*vg.Millimeter, -2*vg.Millimeter, 0, 0))
	return harness.WritePNG(path, img)
}
