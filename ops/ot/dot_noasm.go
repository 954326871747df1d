//go:build !amd64 || noasm

package ot

const useAVX2 = false

func dot2x4AVX2(a0, a1, b0, b1, b2, b3 *float64, n int, out *[8]float64) {
	panic("ot: dot2x4AVX2 called without assembly support")
}

func dotAVX2(x, y *float64, n int) float64 {
	panic("ot: dotAVX2 called without assembly support")
}

func axpyAVX2(alpha float64, x, y *float64, n int) {
	panic("ot: axpyAVX2 called without assembly support")
}

func scanRowAVX2(c, v, dist *float64, pred *int64, n int, h float64, row int64, out *[8]float64) {
	panic("ot: scanRowAVX2 called without assembly support")
}

func dot4AVX2(k0, k1, k2, k3, v *float64, n int, out *[4]float64) {
	panic("ot: dot4AVX2 called without assembly support")
}

func axpy4AVX2(u *[4]float64, k0, k1, k2, k3, acc *float64, n int) {
	panic("ot: axpy4AVX2 called without assembly support")
}

func belowAVX2(x, y *float64, n int, thr float64, idx *int32) int {
	panic("ot: belowAVX2 called without assembly support")
}

func expAVX2(x *float64, n int) int {
	panic("ot: expAVX2 called without assembly support")
}
