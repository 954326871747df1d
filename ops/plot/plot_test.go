package plot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLineWritesPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	err := Line(path, []Series{{Name: "loss", X: []float64{0, 1, 2}, Y: []float64{3, 2, 1.5}}}, Options{Title: "loss", XLabel: "step"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("%s does not start with the PNG signature", path)
	}
}

func TestBarsAndScatter(t *testing.T) {
	dir := t.TempDir()
	if err := Bars(filepath.Join(dir, "b.svg"), []string{"L0", "L1"}, []string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Scatter(filepath.Join(dir, "s.png"), []Series{{X: []float64{1, 2}, Y: []float64{1, 0}}}, Options{LogX: true}); err != nil {
		t.Fatal(err)
	}
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no series", Line(filepath.Join(dir, "a.png"), nil, Options{}), "no series"},
		{"length mismatch", Line(filepath.Join(dir, "a.png"), []Series{{X: []float64{1}, Y: nil}}, Options{}), "1 x values and 0 y values"},
		{"bad extension", Line(filepath.Join(dir, "a.gif"), []Series{{X: []float64{1}, Y: []float64{1}}}, Options{}), "unsupported extension"},
		{"bars mismatch", Bars(filepath.Join(dir, "b.png"), []string{"x"}, []string{"a"}, [][]float64{{1, 2}}, Options{}), "2 values for 1 groups"},
		{"log y, no positive value", Line(filepath.Join(dir, "a.png"), []Series{{X: []float64{0, 1}, Y: []float64{0, -1}}}, Options{LogY: true}), "no finite positive y values"},
		{"y width beyond float64", Line(filepath.Join(dir, "a.png"), []Series{{X: []float64{0, 1}, Y: []float64{-1e308, 1e308}}}, Options{}), "the y values span [-1e+308, 1e+308]"},
		{"x width beyond float64", Scatter(filepath.Join(dir, "a.png"), []Series{{X: []float64{-1e308, 1e308}, Y: []float64{0, 1}}}, Options{}), "the x values span"},
		{"bars width beyond float64", Bars(filepath.Join(dir, "b.png"), []string{"x", "y"}, []string{"a"}, [][]float64{{-1e308, 1e308}}, Options{}), "the y values span"},
		{"log x, no positive value", Scatter(filepath.Join(dir, "a.png"), []Series{{X: []float64{0}, Y: []float64{1}}}, Options{LogX: true}), "no finite positive x values"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error = %v, want it to contain %q", c.name, c.err, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed plots left %d files behind", len(entries))
	}
}

// TestAxisOneValue draws axes whose data have one value. gonum/plot pads
// such a range by ±1, through zero on a log axis and to no width at all for
// huge values, unless it is widened first.
func TestAxisOneValue(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		series Series
		opts   Options
	}{
		{"one point", Series{X: []float64{1}, Y: []float64{5}}, Options{LogX: true, LogY: true}},
		{"zero dropped", Series{X: []float64{0, 1}, Y: []float64{0, 1}}, Options{LogY: true}},
		{"flat", Series{X: []float64{1, 2, 3}, Y: []float64{2, 2, 2}}, Options{LogY: true}},
		{"one huge value", Series{X: []float64{0}, Y: []float64{1e308}}, Options{}},
		{"one value near the float64 limit", Series{X: []float64{0}, Y: []float64{-1.79e308}}, Options{}},
	}
	for _, tc := range tests {
		if err := Line(filepath.Join(dir, "a.png"), []Series{tc.series}, tc.opts); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
