package ot

import (
	"fmt"

	"pare/ops/kernels"
)

// Block sizes of gemmABt: a kc-long slice of 2 rows of A and of jc rows of B
// stay in L1 and L2 cache while the 2×4 micro-kernel sweeps over them.
const (
	gemmKC = 256
	gemmJC = 128
)

// gemmABt returns x·yᵀ in float64 for row-major x (n×d) and y (m×d).
//
// Each output element is a dot product of two contiguous rows, computed by
// a register-blocked 2×4 micro-kernel (8 independent accumulators) over
// cache-sized blocks of the shared dimension, with row pairs of x spread
// over the worker pool. It replaces gonum's reference Dgemm here, which
// runs this shape at about 2 GFLOP/s.
// On amd64 with AVX2 and FMA the micro-kernel is assembly (dot_amd64.s);
// elsewhere, or with the noasm build tag, it is the pure-Go dot2x4Go.
func gemmABt(x, y Matrix) Matrix {
	n, m, d := x.Rows, y.Rows, x.Cols
	c := NewMatrix(n, m)
	if n == 0 || m == 0 || d == 0 {
		return c
	}
	pairs := (n + 1) / 2
	kernels.ParallelFor(pairs, 4, func(lo, hi int) {
		for k0 := 0; k0 < d; k0 += gemmKC {
			k1 := min(k0+gemmKC, d)
			for j0 := 0; j0 < m; j0 += gemmJC {
				j1 := min(j0+gemmJC, m)
				for p := lo; p < hi; p++ {
					i := 2 * p
					if i+1 < n {
						gemmRowPair(x, y, c, i, j0, j1, k0, k1)
					} else {
						gemmRow(x, y, c, i, j0, j1, k0, k1)
					}
				}
			}
		}
	})
	return c
}

// gemmRowPair adds rows i and i+1 of x times rows j0..j1-1 of y, over the
// columns k0..k1-1, into c.
func gemmRowPair(x, y, c Matrix, i, j0, j1, k0, k1 int) {
	d, m := x.Cols, c.Cols
	a0 := x.Data[i*d+k0 : i*d+k1]
	a1 := x.Data[(i+1)*d+k0 : (i+1)*d+k1]
	a1 = a1[:len(a0)]
	c0 := c.Data[i*m : (i+1)*m]
	c1 := c.Data[(i+1)*m : (i+2)*m]
	j := j0
	for ; j+4 <= j1; j += 4 {
		b0 := y.Data[j*d+k0 : j*d+k1]
		b1 := y.Data[(j+1)*d+k0 : (j+1)*d+k1]
		b2 := y.Data[(j+2)*d+k0 : (j+2)*d+k1]
		b3 := y.Data[(j+3)*d+k0 : (j+3)*d+k1]
		out := dot2x4(a0, a1, b0, b1, b2, b3)
		for c := 0; c < 4; c++ {
			c0[j+c] += out[c]
			c1[j+c] += out[4+c]
		}
	}
	for ; j < j1; j++ {
		b := y.Data[j*d+k0 : j*d+k1]
		c0[j] += dot(a0, b)
		c1[j] += dot(a1, b)
	}
}

// gemmRow is gemmRowPair for a single row.
func gemmRow(x, y, c Matrix, i, j0, j1, k0, k1 int) {
	d, m := x.Cols, c.Cols
	a := x.Data[i*d+k0 : i*d+k1]
	ci := c.Data[i*m : (i+1)*m]
	for j := j0; j < j1; j++ {
		ci[j] += dot(a, y.Data[j*d+k0:j*d+k1])
	}
}

// dot2x4 returns the 8 dot products of rows a0, a1 with rows b0..b3, all of
// length len(a0).
func dot2x4(a0, a1, b0, b1, b2, b3 []float64) [8]float64 {
	n := len(a0)
	a1, b0, b1, b2, b3 = a1[:n], b0[:n], b1[:n], b2[:n], b3[:n]
	n4 := n &^ 3
	if !useAVX2 || n4 == 0 {
		return dot2x4Go(a0, a1, b0, b1, b2, b3)
	}
	var out [8]float64
	dot2x4AVX2(&a0[0], &a1[0], &b0[0], &b1[0], &b2[0], &b3[0], n4, &out)
	if n4 < n {
		tail := dot2x4Go(a0[n4:], a1[n4:], b0[n4:], b1[n4:], b2[n4:], b3[n4:])
		for i := range out {
			out[i] += tail[i]
		}
	}
	return out
}

// dot2x4Go is the pure-Go twin of dot2x4AVX2, for any length.
func dot2x4Go(a0, a1, b0, b1, b2, b3 []float64) [8]float64 {
	n := len(a0)
	a1, b0, b1, b2, b3 = a1[:n], b0[:n], b1[:n], b2[:n], b3[:n]
	var s00, s01, s02, s03, s10, s11, s12, s13 float64
	for k, u := range a0 {
		w := a1[k]
		v0, v1, v2, v3 := b0[k], b1[k], b2[k], b3[k]
		s00 += u * v0
		s01 += u * v1
		s02 += u * v2
		s03 += u * v3
		s10 += w * v0
		s11 += w * v1
		s12 += w * v2
		s13 += w * v3
	}
	return [8]float64{s00, s01, s02, s03, s10, s11, s12, s13}
}

// DotProducts returns the n×m matrix of inner products ⟨x[i], y[j]⟩ = x·yᵀ
// for x (n×d) and y (m×d), computed in float64.
func DotProducts(x, y Matrix) (Matrix, error) {
	if err := checkFinite("x", x); err != nil {
		return Matrix{}, err
	}
	if err := checkFinite("y", y); err != nil {
		return Matrix{}, err
	}
	if x.Cols != y.Cols {
		return Matrix{}, inputErr("y", fmt.Sprintf("%d columns", y.Cols), fmt.Sprintf("%d columns like x", x.Cols))
	}
	return gemmABt(x, y), nil
}
