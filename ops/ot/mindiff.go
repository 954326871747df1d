package ot

// below writes the indices k with x[k] − y[k] < thr to idx, in increasing
// order, and returns their number; idx must be at least len(x) long. The
// network simplex collects the eligible arcs of a row segment with it:
// M[i,j] − π_demand[j] < −eps − π_i. AVX2 handles the multiple-of-4 prefix
// where available, then belowGo.
func below(x, y []float64, thr float64, idx []int32) int {
	n := len(x)
	y, idx = y[:n], idx[:n]
	n4 := n &^ 3
	cnt := 0
	if useAVX2 && n4 > 0 {
		cnt = belowAVX2(&x[0], &y[0], n4, thr, &idx[0])
	} else {
		n4 = 0
	}
	return cnt + belowGo(x[n4:], y[n4:], thr, idx[cnt:], n4)
}

// belowGo is the pure-Go twin of belowAVX2; it adds offset to the indices
// it writes.
func belowGo(x, y []float64, thr float64, idx []int32, offset int) int {
	y = y[:len(x)]
	cnt := 0
	for k, v := range x {
		if v-y[k] < thr {
			idx[cnt] = int32(offset + k)
			cnt++
		}
	}
	return cnt
}
