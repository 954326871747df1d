package ot

import "math"

// minDiff returns the minimum of x[k] − y[k] over k < len(x) and the first
// index reaching it, or (+Inf, -1) for empty x. The network simplex prices a
// row segment of arcs with it: reduced cost = M[i,j] − π_demand[j] + π_i.
func minDiff(x, y []float64) (float64, int) {
	n := len(x)
	y = y[:n]
	best, idx := math.Inf(1), -1
	n4 := n &^ 3
	if useAVX2 && n4 > 0 {
		var out [8]float64
		minDiffAVX2(&x[0], &y[0], n4, &out)
		for l := 0; l < 4; l++ {
			v, k := out[l], int(out[4+l])
			if v < best || (v == best && k < idx) {
				best, idx = v, k
			}
		}
	} else {
		n4 = 0
	}
	for k := n4; k < n; k++ {
		if v := x[k] - y[k]; v < best {
			best, idx = v, k
		}
	}
	return best, idx
}
