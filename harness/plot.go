package harness

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Palette is the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours
// that people with any common colour-vision deficiency can tell apart. Series beyond eight reuse
// colours with different glyphs (Glyph).
var Palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0x00, 0x00, 0x00, 0xFF}, // black
	color.RGBA{0xF0, 0xE4, 0x42, 0xFF}, // yellow (last: faint on white)
}

// Color returns series i's colour from Palette.
func Color(i int) color.Color { return Palette[i%len(Palette)] }

// Glyph returns series i's marker shape, so that series stay distinct in grey print too.
func Glyph(i int) draw.GlyphDrawer {
	glyphs := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
		draw.RingGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
	return glyphs[i%len(glyphs)]
}

// ErrorPoint is a mean with its spread: a scatter point with error bars, XErr each way along x,
// YLow below and YHigh above along y (unequal on a log scale, where a bar must stay above 0).
type ErrorPoint struct{ X, Y, XErr, YLow, YHigh float64 }

// ErrorPoints are the points of one series; they implement gonum/plot's plotter.XYer, XErrorer and
// YErrorer, so plotter.NewScatter, NewXErrorBars and NewYErrorBars draw them.
type ErrorPoints []ErrorPoint

// Len returns the number of points.
func (p ErrorPoints) Len() int { return len(p) }

// XY returns point i's mean.
func (p ErrorPoints) XY(i int) (float64, float64) { return p[i].X, p[i].Y }

// XError returns point i's bar along x, below and above.
func (p ErrorPoints) XError(i int) (float64, float64) { return p[i].XErr, p[i].XErr }

// YError returns point i's bar along y, below and above.
func (p ErrorPoints) YError(i int) (float64, float64) { return p[i].YLow, p[i].YHigh }

// violationFloor is where a run with no violation is drawn on the log-scale axis, in percent.
const violationFloor = 1e-3

// PlotCostSLO draws each workload and profile as a panel (workloads down, profiles across) with one
// point per strategy: its mean cost over seeds against its mean share of requests that violated
// the SLO (log scale; none is drawn at 0.001 %), with bars of one standard deviation each way, and
// a legend in every panel. It writes a PNG to path.
func PlotCostSLO(path string, rows []Row) error {
	var workloads, profiles, strategies []string
	seen := map[string]bool{}
	add := func(list *[]string, kind, v string) {
		if !seen[kind+v] {
			seen[kind+v] = true
			*list = append(*list, v)
		}
	}
	for _, r := range rows {
		add(&workloads, "w", r.Workload)
		add(&profiles, "p", r.Profile)
		add(&strategies, "s", r.Strategy)
	}
	if len(rows) == 0 {
		return fmt.Errorf("harness: PlotCostSLO: no rows")
	}
	plots := make([][]*plot.Plot, len(workloads))
	for i, w := range workloads {
		plots[i] = make([]*plot.Plot, len(profiles))
		for j, p := range profiles {
			pl, err := costSLOPanel(rows, w, p, strategies)
			if err != nil {
				return err
			}
			plots[i][j] = pl
		}
	}
	width, height := vg.Length(len(profiles))*5*vg.Inch, vg.Length(len(workloads))*4*vg.Inch
	img := vgimg.New(width, height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(workloads), Cols: len(profiles), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	return WritePNG(path, img)
}

// costSLOPanel draws one workload and profile.
func costSLOPanel(rows []Row, workload, profile string, strategies []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s load, %s profile", workload, profile)
	p.X.Label.Text = "cost of the run (USD, mean ± sd over seeds)"
	p.Y.Label.Text = "requests violating the SLO (%, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = LogTicks{}
	p.X.Tick.Marker = Ticks{}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, s := range strategies {
		for _, r := range rows {
			if r.Workload != workload || r.Profile != profile || r.Strategy != s {
				continue
			}
			y := max(r.ViolationPct.Mean, violationFloor)
			pts := ErrorPoints{{X: r.Cost.Mean, Y: y, XErr: r.Cost.SD,
				YLow: min(r.ViolationPct.SD, y-violationFloor/2), YHigh: r.ViolationPct.SD}}
			ymin, ymax = min(ymin, y-pts[0].YLow), max(ymax, y+pts[0].YHigh)
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: Color(i), Radius: vg.Points(4), Shape: Glyph(i)}
			xb, err := plotter.NewXErrorBars(pts)
			if err != nil {
				return nil, err
			}
			xb.Color = Color(i)
			yb, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, err
			}
			yb.Color = Color(i)
			p.Add(xb, yb, sc)
			p.Legend.Add(s, sc)
		}
	}
	// At least three decades, so that the log axis has ticks to read (and never an empty range).
	p.Y.Min, p.Y.Max = min(ymin/2, violationFloor/2), max(ymax*2, 1)
	return p, nil
}
