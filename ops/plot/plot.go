// Package plot draws the figures that pare's methods save under --out
// (loss curves, metric-against-step curves, scatter plots of embeddings,
// grouped bars) with gonum.org/v1/plot, and writes them atomically. The
// format follows the file extension: .png, .svg or .pdf.
package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"pare/ops/store"
)

// Series is one named curve or point set.
type Series struct {
	Name string
	X, Y []float64
}

// Options sets labels and axes of a figure. Width and Height are in
// inches; zero means 6 × 4.
type Options struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Width, Height         float64
}

// Line draws each series as a line with point markers.
func Line(path string, series []Series, opts Options) error {
	return draw(path, series, opts, true)
}

// Scatter draws each series as points only.
func Scatter(path string, series []Series, opts Options) error {
	return draw(path, series, opts, false)
}

func draw(path string, series []Series, opts Options, lines bool) error {
	if len(series) == 0 {
		return fmt.Errorf("plot %s: no series to draw", path)
	}
	p := newPlot(opts)
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot %s: series %q has %d x values and %d y values", path, s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) ||
				(opts.LogX && x <= 0) || (opts.LogY && y <= 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		if len(pts) > 200 {
			sc.Radius = vg.Points(1)
		}
		p.Add(sc)
		if lines {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("plot %s: %w", path, err)
			}
			l.Color = plotutil.Color(i)
			p.Add(l)
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	if err := fitAxes(p, opts); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return save(p, path, opts)
}

// fitAxes rejects a range whose width overflows float64, where gonum/plot's
// tick placement never ends. It widens a single-value range by 5% of the
// value, because gonum/plot pads it by ±1, which is lost to rounding for
// values above about 1e16 and then panics. It also keeps each log axis's
// range positive: draw drops points at or below zero, but gonum/plot pads
// an empty or single-value range through zero, where its log scale panics.
func fitAxes(p *gplot.Plot, opts Options) error {
	for _, ax := range []struct {
		log  bool
		name string
		axis *gplot.Axis
	}{{opts.LogX, "x", &p.X}, {opts.LogY, "y", &p.Y}} {
		if w := ax.axis.Max - ax.axis.Min; math.IsInf(w, 1) && !math.IsInf(ax.axis.Min, 0) && !math.IsInf(ax.axis.Max, 0) {
			return fmt.Errorf("the %s values span [%g, %g], a width beyond the float64 range; rescale them", ax.name, ax.axis.Min, ax.axis.Max)
		}
		if !ax.log {
			if v := ax.axis.Min; v == ax.axis.Max && !math.IsInf(v, 0) {
				d := math.Max(1, math.Abs(v)*0.05)
				ax.axis.Min = math.Max(v-d, -math.MaxFloat64)
				ax.axis.Max = math.Min(v+d, math.MaxFloat64)
			}
			continue
		}
		if !(ax.axis.Min > 0 && ax.axis.Max >= ax.axis.Min) || math.IsInf(ax.axis.Max, 0) {
			return fmt.Errorf("no finite positive %s values to draw on the log %s axis; drop log%s or pass values > 0", ax.name, ax.name, ax.name)
		}
		if ax.axis.Min == ax.axis.Max {
			ax.axis.Min /= 2
			ax.axis.Max *= 2
		}
	}
	return nil
}

// Bars draws grouped bars: one group per label, one bar per series in each
// group. values[s][g] is the height of series s in group g.
func Bars(path string, labels []string, names []string, values [][]float64, opts Options) error {
	if len(values) == 0 || len(values) != len(names) {
		return fmt.Errorf("plot %s: %d series names for %d value rows", path, len(names), len(values))
	}
	p := newPlot(opts)
	width := vg.Points(math.Max(2, 60/float64(len(values))))
	for s, row := range values {
		if len(row) != len(labels) {
			return fmt.Errorf("plot %s: series %q has %d values for %d groups", path, names[s], len(row), len(labels))
		}
		bars, err := plotter.NewBarChart(plotter.Values(row), width)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		bars.Color = plotutil.Color(s)
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(s)-float64(len(values)-1)/2)
		p.Add(bars)
		p.Legend.Add(names[s], bars)
	}
	p.NominalX(labels...)
	if err := fitAxes(p, Options{}); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return save(p, path, opts)
}

func newPlot(opts Options) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = opts.Title
	p.X.Label.Text = opts.XLabel
	p.Y.Label.Text = opts.YLabel
	if opts.LogX {
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	if opts.LogY {
		p.Y.Scale = gplot.LogScale{}
		p.Y.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.BackgroundColor = color.White
	return p
}

// Format returns the image format that path's extension names: png, svg
// or pdf.
func Format(path string) (string, error) {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch format {
	case "png", "svg", "pdf":
		return format, nil
	}
	return "", fmt.Errorf("plot %s: unsupported extension %q; use .png, .svg or .pdf", path, filepath.Ext(path))
}

func save(p *gplot.Plot, path string, opts Options) error {
	w, h := opts.Width, opts.Height
	if w <= 0 {
		w = 6
	}
	if h <= 0 {
		h = 4
	}
	format, err := Format(path)
	if err != nil {
		return err
	}
	wt, err := p.WriterTo(vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, format)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return store.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}
