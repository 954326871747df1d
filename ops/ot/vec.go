package ot

// dot returns Σ x[i]·y[i] over len(x) elements: AVX2 and FMA for the
// multiple-of-16 prefix where available, then dotGo.
func dot(x, y []float64) float64 {
	n := len(x)
	y = y[:n]
	n16 := n &^ 15
	if !useAVX2 || n16 == 0 {
		return dotGo(x, y)
	}
	s := dotAVX2(&x[0], &y[0], n16)
	if n16 < n {
		s += dotGo(x[n16:], y[n16:])
	}
	return s
}

// dotGo is the pure-Go twin of dotAVX2, with four independent
// accumulators, which break the add-latency chain of a single running sum.
func dotGo(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds alpha·x to y over len(x) elements: AVX2 and FMA for the
// multiple-of-16 prefix where available, then axpyGo.
func axpy(alpha float64, x, y []float64) {
	n := len(x)
	y = y[:n]
	n16 := n &^ 15
	if !useAVX2 || n16 == 0 {
		axpyGo(alpha, x, y)
		return
	}
	axpyAVX2(alpha, &x[0], &y[0], n16)
	if n16 < n {
		axpyGo(alpha, x[n16:], y[n16:])
	}
}

// axpyGo is the pure-Go twin of axpyAVX2.
func axpyGo(alpha float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}
