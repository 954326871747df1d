package ot

import "math"

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

// dot4 returns the dot products of four rows of equal length with v. AVX2
// and FMA handle the multiple-of-8 prefix where available, loading v once
// for all four rows, and dotGo the rest.
func dot4(k *[4][]float64, v []float64) [4]float64 {
	n := len(k[0])
	v = v[:n]
	n8 := n &^ 7
	var out [4]float64
	if useAVX2 && n8 > 0 {
		dot4AVX2(&k[0][0], &k[1][0], &k[2][0], &k[3][0], &v[0], n8, &out)
	} else {
		n8 = 0
	}
	for r := range k {
		out[r] += dotGo(k[r][n8:n], v[n8:])
	}
	return out
}

// axpy4 adds u[0]·k[0] + u[1]·k[1] + u[2]·k[2] + u[3]·k[3] to acc, reading
// and writing acc once: AVX2 and FMA for the multiple-of-8 prefix where
// available, then axpy4Go.
func axpy4(u *[4]float64, k *[4][]float64, acc []float64) {
	n := len(k[0])
	acc = acc[:n]
	n8 := n &^ 7
	if useAVX2 && n8 > 0 {
		axpy4AVX2(u, &k[0][0], &k[1][0], &k[2][0], &k[3][0], &acc[0], n8)
	} else {
		n8 = 0
	}
	axpy4Go(u, k, acc, n8)
}

// axpy4Go is the pure-Go twin of axpy4AVX2, from column start on.
func axpy4Go(u *[4]float64, k *[4][]float64, acc []float64, start int) {
	k0, k1, k2, k3 := k[0][:len(acc)], k[1][:len(acc)], k[2][:len(acc)], k[3][:len(acc)]
	for j := start; j < len(acc); j++ {
		a := acc[j] + u[0]*k0[j]
		a += u[1] * k1[j]
		a += u[2] * k2[j]
		acc[j] = a + u[3]*k3[j]
	}
}

// expInPlace replaces every x[k] by exp(x[k]). The AVX2 kernel takes the
// 4-vectors whose lanes all lie in [−708, 709], within 4.5e-16 relative of
// math.Exp (TestExpInPlaceMatchesMathExp). math.Exp takes the other
// vectors and the tail.
func expInPlace(x []float64) {
	n4 := len(x) &^ 3
	k := 0
	if useAVX2 {
		for k < n4 {
			k += expAVX2(&x[k], n4-k)
			if k < n4 {
				for j := k; j < k+4; j++ {
					x[j] = math.Exp(x[j])
				}
				k += 4
			}
		}
	}
	for ; k < len(x); k++ {
		x[k] = math.Exp(x[k])
	}
}
