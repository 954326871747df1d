package ot

import "math"

// scanRow relaxes the shortest-path distances of all columns through row i
// of the assignment's Dijkstra search: t = c[k] − v[k] − h, and where
// t < dist[k] it sets dist[k] = t and pred[k] = i. It returns the least
// updated dist[k] and the first k reaching it (+Inf and -1 when all are
// +Inf). Finished columns are excluded by the caller, which sets their
// v[k] to −Inf (so t = +Inf never improves) and dist[k] to +Inf.
func scanRow(c, v, dist []float64, pred []int64, h float64, i int) (float64, int) {
	n := len(c)
	v, dist, pred = v[:n], dist[:n], pred[:n]
	best, idx := math.Inf(1), -1
	n4 := n &^ 3
	if useAVX2 && n4 > 0 {
		var out [8]float64
		scanRowAVX2(&c[0], &v[0], &dist[0], &pred[0], n4, h, int64(i), &out)
		for l := 0; l < 4; l++ {
			val, k := out[l], int(out[4+l])
			if val < best || (val == best && k < idx) {
				best, idx = val, k
			}
		}
	} else {
		n4 = 0
	}
	for k := n4; k < n; k++ {
		if t := c[k] - v[k] - h; t < dist[k] {
			dist[k] = t
			pred[k] = int64(i)
		}
		if dist[k] < best {
			best, idx = dist[k], k
		}
	}
	return best, idx
}
