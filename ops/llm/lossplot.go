package llm

import (
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"pare/ops/store"
)

// WriteLossPlot draws the training and held-out loss curves of a
// fine-tuning run (nats per token against optimizer step) as a PNG at path,
// written atomically.
func WriteLossPlot(path string, res *FinetuneResult) error {
	p := plot.New()
	p.Title.Text = "Fine-tuning loss"
	p.X.Label.Text = "optimizer step"
	p.Y.Label.Text = "loss (nats per token)"
	toXY := func(pts []LossPoint) plotter.XYs {
		xy := make(plotter.XYs, len(pts))
		for i, pt := range pts {
			xy[i].X, xy[i].Y = float64(pt.Step), pt.Loss
		}
		return xy
	}
	train, err := plotter.NewLine(toXY(res.TrainLoss))
	if err != nil {
		return err
	}
	held, err := plotter.NewLine(toXY(res.HeldOutLoss))
	if err != nil {
		return err
	}
	held.Color = plotter.DefaultGlyphStyle.Color
	held.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	p.Add(train, held)
	p.Legend.Add("train", train)
	p.Legend.Add("held-out", held)
	p.Legend.Top = true
	w, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := w.WriteTo(out)
		return err
	})
}
