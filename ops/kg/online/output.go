package online

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"pare/ops/store"
)

// WriteSteps writes every step of every result as one JSON object per line.
func WriteSteps(w io.Writer, results []Result) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, r := range results {
		for i := range r.Steps {
			if err := enc.Encode(&r.Steps[i]); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// series averages a per-step value over users: point t is the mean over
// users of step t, smoothed by a centred moving average of window steps.
func series(r Result, value func(Step) float64, window int) plotter.XYs {
	sum := map[int]float64{}
	count := map[int]int{}
	last := 0
	for _, s := range r.Steps {
		sum[s.Step] += value(s)
		count[s.Step]++
		last = max(last, s.Step)
	}
	raw := make([]float64, last+1)
	for t := range raw {
		if count[t] > 0 {
			raw[t] = sum[t] / float64(count[t])
		}
	}
	pts := make(plotter.XYs, 0, len(raw))
	for t := range raw {
		lo, hi := max(0, t-window/2), min(len(raw), t+window/2+1)
		m := 0.0
		for _, v := range raw[lo:hi] {
			m += v
		}
		pts = append(pts, plotter.XY{X: float64(t), Y: m / float64(hi-lo)})
	}
	return pts
}

// PlotStream draws, per method, the F1 and the update time against the
// position in the query stream. F1 is the mean over users with a moving
// average of window steps, and the update time the mean over users on a log
// scale. The PNG goes to path through a temporary file in the same folder.
func PlotStream(path, title string, results []Result, window int) error {
	f1 := plot.New()
	f1.Title.Text = title + ": F1 on the next query"
	f1.X.Label.Text = "query t (summary updated with q_t, tested on q_t+1)"
	f1.Y.Label.Text = fmt.Sprintf("F1, mean over users, %d-step moving average", window)
	f1.Y.Min, f1.Y.Max = 0, 1
	tm := plot.New()
	tm.Title.Text = title + ": update time"
	tm.X.Label.Text = f1.X.Label.Text
	tm.Y.Label.Text = "update time (ms), mean over users, log scale"
	tm.Y.Scale = plot.LogScale{}
	tm.Y.Tick.Marker = plot.LogTicks{Prec: -1}

	for i, r := range results {
		c := plotutil.Color(i)
		l, err := plotter.NewLine(series(r, func(s Step) float64 { return s.F1 }, window))
		if err != nil {
			return err
		}
		l.Color = c
		l.Dashes = plotutil.Dashes(i / 4)
		l.Width = vg.Points(1.5)
		f1.Add(l)
		f1.Legend.Add(r.Method, l)

		pts := series(r, func(s Step) float64 { return math.Max(s.UpdateMS, 1e-4) }, 1)
		lt, err := plotter.NewLine(pts[1:]) // step 0 is the initial build
		if err != nil {
			return err
		}
		lt.Color = c
		lt.Dashes = plotutil.Dashes(i / 4)
		lt.Width = vg.Points(1)
		tm.Add(lt)
		tm.Legend.Add(r.Method, lt)
	}
	f1.Legend.Top = true
	tm.Legend.Top = true
	f1.Add(plotter.NewGrid())
	tm.Add(plotter.NewGrid())

	format, err := PlotFormat(path)
	if err != nil {
		return err
	}
	img, err := stackPlots(format, f1, tm)
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := img.WriteTo(w)
		return err
	})
}

// PlotFormat returns the image format of a plot file from its extension:
// "png", "svg" or "pdf" (case-insensitive), or an error naming the path.
func PlotFormat(path string) (string, error) {
	ext := filepath.Ext(path)
	switch format := strings.ToLower(strings.TrimPrefix(ext, ".")); format {
	case "png", "svg", "pdf":
		return format, nil
	}
	return "", fmt.Errorf("plot %s: unsupported extension %q; use .png, .svg or .pdf", path, ext)
}

// stackPlots lays the plots out in one column on a canvas of the given
// format.
func stackPlots(format string, plots ...*plot.Plot) (vg.CanvasWriterTo, error) {
	const w, rowH = 8 * vg.Inch, 4 * vg.Inch
	img, err := draw.NewFormattedCanvas(w, rowH*vg.Length(len(plots)), format)
	if err != nil {
		return nil, err
	}
	dc := draw.New(img)
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadX: vg.Points(4), PadY: vg.Points(8)}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	return img, nil
}
