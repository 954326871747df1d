//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// useVectorAsm selects the AVX2 vector routines below; without AVX2 and FMA
// the exported functions use the Go twins.
var useVectorAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The binary routines need len(dst) to be a multiple of 8 and len(x),
// len(y) >= len(dst). The Stream forms also need dst aligned to 32 bytes and
// len(dst) a multiple of 32; they write with non-temporal stores and end
// with SFENCE.

// addAVX2 is, for len(dst) a multiple of 8:
//
//	for i := range dst {
//		dst[i] = x[i] + y[i]
//	}
//
//go:noescape
func addAVX2(dst, x, y []float32)

// addStreamAVX2 is addAVX2 with non-temporal stores.
//
//go:noescape
func addStreamAVX2(dst, x, y []float32)

// subAVX2 is, for len(dst) a multiple of 8:
//
//	for i := range dst {
//		dst[i] = x[i] - y[i]
//	}
//
//go:noescape
func subAVX2(dst, x, y []float32)

// subStreamAVX2 is subAVX2 with non-temporal stores.
//
//go:noescape
func subStreamAVX2(dst, x, y []float32)

// mulAVX2 is, for len(dst) a multiple of 8:
//
//	for i := range dst {
//		dst[i] = x[i] * y[i]
//	}
//
//go:noescape
func mulAVX2(dst, x, y []float32)

// mulStreamAVX2 is mulAVX2 with non-temporal stores.
//
//go:noescape
func mulStreamAVX2(dst, x, y []float32)

// divAVX2 is, for len(dst) a multiple of 8:
//
//	for i := range dst {
//		dst[i] = x[i] / y[i]
//	}
//
//go:noescape
func divAVX2(dst, x, y []float32)

// divStreamAVX2 is divAVX2 with non-temporal stores.
//
//go:noescape
func divStreamAVX2(dst, x, y []float32)

// scaleAVX2 is, for len(dst) a multiple of 8:
//
//	for i := range dst {
//		dst[i] = alpha * x[i]
//	}
//
//go:noescape
func scaleAVX2(dst []float32, alpha float32, x []float32)

// scaleStreamAVX2 is scaleAVX2 with non-temporal stores, under the Stream
// rules above.
//
//go:noescape
func scaleStreamAVX2(dst []float32, alpha float32, x []float32)

// axpyAVX2 is, for len(y) a multiple of 8 and len(x) >= len(y):
//
//	for i := range y {
//		y[i] += alpha * x[i] // one rounding: a fused multiply-add
//	}
//
//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

// dotAVX2 is, for len(x) a multiple of 8 and len(y) >= len(x), the sum below
// accumulated in 32 interleaved float32 lanes with fused multiply-adds, then
// added across lanes:
//
//	for i := range x {
//		sum += x[i] * y[i]
//	}
//
//go:noescape
func dotAVX2(x, y []float32) float32

// sumAVX2 is, for len(x) a multiple of 8, the sum below accumulated in 32
// interleaved float32 lanes, then added across lanes:
//
//	for i := range x {
//		sum += x[i]
//	}
//
//go:noescape
func sumAVX2(x []float32) float32

// maxAVX2 is, for len(x) a positive multiple of 8:
//
//	m := x[0]
//	for _, v := range x {
//		if v != v {
//			return v // NaN
//		}
//		m = max(m, v)
//	}
//	return m
//
// The returned NaN is the default quiet NaN, not necessarily x's payload.
//
//go:noescape
func maxAVX2(x []float32) float32

// minAVX2 is maxAVX2 with min in place of max.
//
//go:noescape
func minAVX2(x []float32) float32
