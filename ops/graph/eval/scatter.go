package eval

import (
	"fmt"

	"pare/ops/plot"
)

// PCAScatter projects emb (n×d) with PCA2 and writes a scatter plot of the
// two components to path (PNG, written atomically), one colour per label
// (names[label] in the legend when names is not nil, "class <label>"
// otherwise). It returns the explained-variance ratios of the two
// components.
func PCAScatter(path string, emb []float32, n, d int, labels []int, names []string, title string) ([2]float64, error) {
	xy, ratio, err := PCA2(emb, n, d)
	if err != nil {
		return ratio, err
	}
	if len(labels) != n {
		return ratio, fmt.Errorf("eval: %d labels for %d rows", len(labels), n)
	}
	index := map[int]int{}
	var series []plot.Series
	for i, l := range labels {
		k, ok := index[l]
		if !ok {
			name := fmt.Sprintf("class %d", l)
			if l >= 0 && l < len(names) {
				name = names[l]
			}
			k = len(series)
			index[l] = k
			series = append(series, plot.Series{Name: name})
		}
		series[k].X = append(series[k].X, xy[2*i])
		series[k].Y = append(series[k].Y, xy[2*i+1])
	}
	opts := plot.Options{
		Title:  title,
		XLabel: fmt.Sprintf("PC 1 (%.1f%% of variance)", 100*ratio[0]),
		YLabel: fmt.Sprintf("PC 2 (%.1f%% of variance)", 100*ratio[1]),
	}
	return ratio, plot.Scatter(path, series, opts)
}
