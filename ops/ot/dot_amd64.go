//go:build !noasm

package ot

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly micro-kernel of gemmABt.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dot2x4AVX2 sets out[4*r+c] = Σ_{k<n} a_r[k]·b_c[k] for rows a0, a1 and
// b0..b3, each at least n long; n must be a multiple of 4. Its pure-Go twin
// is dot2x4Go.
//
//go:noescape
func dot2x4AVX2(a0, a1, b0, b1, b2, b3 *float64, n int, out *[8]float64)

// dotAVX2 returns Σ_{k<n} x[k]·y[k]; n must be a multiple of 16. dot
// handles other lengths.
//
//go:noescape
func dotAVX2(x, y *float64, n int) float64

// axpyAVX2 adds alpha·x[k] to y[k] for k < n; n must be a multiple of 16.
// axpy handles other lengths.
//
//go:noescape
func axpyAVX2(alpha float64, x, y *float64, n int)

// scanRowAVX2 is the vectorized body of scanRow for n a positive multiple
// of 4; see mindiff_amd64.s.
//
//go:noescape
func scanRowAVX2(c, v, dist *float64, pred *int64, n int, h float64, row int64, out *[8]float64)

// dot4AVX2 sets out[r] = Σ_{k<n} k_r[k]·v[k] for four rows; n must be a
// multiple of 8. dot4 handles other lengths.
//
//go:noescape
func dot4AVX2(k0, k1, k2, k3, v *float64, n int, out *[4]float64)

// axpy4AVX2 adds Σ_r u[r]·k_r[k] to acc[k] for k < n, rows in order; n
// must be a multiple of 8. axpy4 handles other lengths.
//
//go:noescape
func axpy4AVX2(u *[4]float64, k0, k1, k2, k3, acc *float64, n int)

// belowAVX2 writes every k < n with x[k] − y[k] < thr to idx in increasing
// order and returns their number; n must be a multiple of 4. below handles
// other lengths.
//
//go:noescape
func belowAVX2(x, y *float64, n int, thr float64, idx *int32) int

// expAVX2 replaces x[k] by exp(x[k]) while every lane of a 4-vector lies in
// [−708, 709]. It returns the index of the first vector that does not, or
// n, and n must be a multiple of 4. expInPlace handles the rest.
//
//go:noescape
func expAVX2(x *float64, n int) int
