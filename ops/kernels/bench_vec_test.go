package kernels

import (
	"fmt"
	"testing"
)

// vectorBenchSizes are 4Ki elements (in L1), 256Ki (in L2, above the
// parallel threshold) and 16Mi (64 MiB per slice, from memory).
var vectorBenchSizes = []int{1 << 12, 1 << 18, 1 << 24}

func benchVectors(n int) (dst, x, y []float32) {
	dst, x, y = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%1000) * 0.001
		y[i] = float32(i%777) * 0.002
		dst[i] = 1 // touch every page before timing
	}
	return dst, x, y
}

// BenchmarkCopy is the memory-speed baseline for the elementwise targets:
// the built-in copy of n float32s.
func BenchmarkCopy(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dst, x, _ := benchVectors(n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(dst, x)
			}
		})
	}
}

// BenchmarkAdd reports bytes as read plus written (12 per element).
func BenchmarkAdd(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dst, x, y := benchVectors(n)
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				Add(dst, x, y)
			}
		})
	}
}

func BenchmarkMul(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dst, x, y := benchVectors(n)
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				Mul(dst, x, y)
			}
		})
	}
}

func BenchmarkScale(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dst, x, _ := benchVectors(n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				Scale(dst, 0.5, x)
			}
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			_, x, y := benchVectors(n)
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				Axpy(1e-6, x, y)
			}
		})
	}
}

var benchSink float32

func BenchmarkDot(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			_, x, y := benchVectors(n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				benchSink = Dot(x, y)
			}
		})
	}
}

func BenchmarkSum(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			_, x, _ := benchVectors(n)
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				benchSink = Sum(x)
			}
		})
	}
}

func BenchmarkMax(b *testing.B) {
	for _, n := range vectorBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			_, x, _ := benchVectors(n)
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				benchSink = Max(x)
			}
		})
	}
}
