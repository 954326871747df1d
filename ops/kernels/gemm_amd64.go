//go:build !noasm

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// sgemmKernel14x32AVX512 computes one 14×32 tile of C from packed
// micro-panels a (k steps of 14 values) and b (k steps of 32 values), with
// ldc in elements. It needs AVX-512F. Equivalent loop:
//
//	for i := 0; i < 14; i++ {
//		for j := 0; j < 32; j++ {
//			var sum float32
//			for p := 0; p < k; p++ {
//				sum += a[p*14+i] * b[p*32+j] // fused multiply-add
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * sum
//			} else {
//				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
//			}
//		}
//	}
//
//go:noescape
func sgemmKernel14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemmKernel6x16AVX2 is sgemmKernel14x32AVX512 for a 6×16 tile: a holds k
// steps of 6 values and b k steps of 16. It needs AVX2 and FMA.
//
//go:noescape
func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

// checkTile panics unless the slices hold the packed panels and the C tile
// that a micro-kernel reads and writes, so the assembly never runs past them.
func checkTile(mr, nr, k int, a, b, c []float32, ldc int) {
	if k < 1 || len(a) < k*mr || len(b) < k*nr || ldc < nr || len(c) < (mr-1)*ldc+nr {
		panic("kernels: micro-kernel slices too short for the tile")
	}
}

func microKernel14x32AVX512(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	checkTile(14, 32, k, a, b, c, ldc)
	sgemmKernel14x32AVX512(k, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), ldc, alpha, beta)
}

func microKernel6x16AVX2(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	checkTile(6, 16, k, a, b, c, ldc)
	sgemmKernel6x16AVX2(k, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), ldc, alpha, beta)
}

var (
	avx512Backend = &gemmBackend{
		name:   "avx512",
		packed: &packedGemm{mr: 14, nr: 32, kc: 384, mc: 168, nc: 3072, kernel: microKernel14x32AVX512},
	}
	avx2Backend = &gemmBackend{
		name:   "avx2",
		packed: &packedGemm{mr: 6, nr: 16, kc: 384, mc: 144, nc: 4096, kernel: microKernel6x16AVX2},
	}
)

// asmGemmBackends returns the assembly backends this CPU can run, fastest
// first.
func asmGemmBackends() []*gemmBackend {
	var list []*gemmBackend
	if cpu.X86.HasAVX512F {
		list = append(list, avx512Backend)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		list = append(list, avx2Backend)
	}
	return list
}
