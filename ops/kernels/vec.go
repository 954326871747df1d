package kernels

import (
	"fmt"
	"math"
	"unsafe"
)

var (
	negInf = float32(math.Inf(-1))
	posInf = float32(math.Inf(1))
)

const (
	// parallelElements is the length from which the vector routines split
	// their work across the worker pool. Below it the hand-off costs a large
	// share of the loop.
	parallelElements = 1 << 17
	// vectorGrain is the smallest chunk handed to one goroutine.
	vectorGrain = 1 << 15
	// streamElements is the output length from which the binary operations
	// and Scale write with non-temporal stores. An output of 16 MiB or more
	// is unlikely to be read back from cache, and bypassing the cache saves
	// the read-for-ownership of every destination line.
	streamElements = 1 << 22
	// reductionBlock is the block size of Dot, Sum, Max and Min. Partial
	// results are formed per block and combined in block order, so a result
	// does not depend on the number of goroutines.
	reductionBlock = 1 << 15
	// streamAlign is the alignment in bytes that non-temporal stores need.
	streamAlign = 32
)

// Add sets dst[i] = x[i] + y[i]. The slices must have equal lengths; dst may
// be x or y but must not partially overlap them.
func Add(dst, x, y []float32) { binaryOp("Add", dst, x, y, &addKernels) }

// Sub sets dst[i] = x[i] - y[i], with Add's rules for the slices.
func Sub(dst, x, y []float32) { binaryOp("Sub", dst, x, y, &subKernels) }

// Mul sets dst[i] = x[i] * y[i], with Add's rules for the slices.
func Mul(dst, x, y []float32) { binaryOp("Mul", dst, x, y, &mulKernels) }

// Div sets dst[i] = x[i] / y[i] (IEEE 754 division, so x/0 is ±Inf or
// NaN), with Add's rules for the slices.
func Div(dst, x, y []float32) { binaryOp("Div", dst, x, y, &divKernels) }

// Scale sets dst[i] = alpha * x[i]. The slices must have equal lengths; dst
// may be x.
func Scale(dst []float32, alpha float32, x []float32) {
	if len(x) != len(dst) {
		panic(fmt.Sprintf("kernels.Scale: lengths %d and %d differ", len(dst), len(x)))
	}
	stream := len(dst) >= streamElements
	forChunks(len(dst), func(lo, hi int) { scaleChunk(dst[lo:hi], alpha, x[lo:hi], stream) })
}

// Axpy sets y[i] += alpha * x[i] (one fused multiply-add per element on
// AVX2 CPUs). The slices must have equal lengths.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels.Axpy: lengths %d and %d differ", len(x), len(y)))
	}
	forChunks(len(y), func(lo, hi int) { axpyChunk(alpha, x[lo:hi], y[lo:hi]) })
}

// Dot returns Σ x[i]·y[i], accumulated in float32 within blocks of
// reductionBlock elements and in float64 across blocks. The slices must
// have equal lengths.
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels.Dot: lengths %d and %d differ", len(x), len(y)))
	}
	return float32(reduceSum(len(x), func(lo, hi int) float32 { return dotChunk(x[lo:hi], y[lo:hi]) }))
}

// Sum returns Σ x[i], accumulated like Dot.
func Sum(x []float32) float32 {
	return float32(reduceSum(len(x), func(lo, hi int) float32 { return sumChunk(x[lo:hi]) }))
}

// Max returns the largest element of x, NaN if x contains a NaN, and -Inf
// when x is empty.
func Max(x []float32) float32 {
	return reduceExtreme(x, maxChunk, func(a, b float32) bool { return a > b }, negInf)
}

// Min returns the smallest element of x, NaN if x contains a NaN, and +Inf
// when x is empty.
func Min(x []float32) float32 {
	return reduceExtreme(x, minChunk, func(a, b float32) bool { return a < b }, posInf)
}

// forChunks calls fn on chunks of [0, n), in parallel for long slices.
func forChunks(n int, fn func(lo, hi int)) {
	if n < parallelElements {
		fn(0, n)
		return
	}
	ParallelFor(n, vectorGrain, fn)
}

// binaryKernels is one binary operation in its three forms.
type binaryKernels struct {
	asm       func(dst, x, y []float32) // whole multiples of 8 elements
	asmStream func(dst, x, y []float32) // 32-byte aligned dst, multiples of 32
	twin      func(dst, x, y []float32)
}

func binaryOp(name string, dst, x, y []float32, k *binaryKernels) {
	if len(x) != len(dst) || len(y) != len(dst) {
		panic(fmt.Sprintf("kernels.%s: lengths %d, %d, %d differ", name, len(dst), len(x), len(y)))
	}
	stream := len(dst) >= streamElements
	forChunks(len(dst), func(lo, hi int) { binaryChunk(k, dst[lo:hi], x[lo:hi], y[lo:hi], stream) })
}

func binaryChunk(k *binaryKernels, dst, x, y []float32, stream bool) {
	if !useVectorAsm {
		k.twin(dst, x, y)
		return
	}
	if stream {
		head, body := streamSpan(dst, 32)
		end := head + body
		k.asmStream(dst[head:end], x[head:end], y[head:end])
		binaryCached(k, dst[:head], x[:head], y[:head])
		binaryCached(k, dst[end:], x[end:], y[end:])
		return
	}
	binaryCached(k, dst, x, y)
}

// binaryCached runs the assembly on whole vectors and the twin on the tail.
func binaryCached(k *binaryKernels, dst, x, y []float32) {
	body := len(dst) &^ 7
	if body > 0 {
		k.asm(dst[:body], x[:body], y[:body])
	}
	k.twin(dst[body:], x[body:], y[body:])
}

// streamSpan returns the span [head, head+body) of s that starts at a
// streamAlign-byte boundary and whose length is a multiple of multiple.
func streamSpan(s []float32, multiple int) (head, body int) {
	if len(s) == 0 {
		return 0, 0
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	head = int((streamAlign-addr%streamAlign)%streamAlign) / 4
	if addr%4 != 0 || head > len(s) {
		return 0, 0
	}
	body = (len(s) - head) / multiple * multiple
	return head, body
}

func scaleChunk(dst []float32, alpha float32, x []float32, stream bool) {
	if !useVectorAsm {
		scaleGo(dst, alpha, x)
		return
	}
	head, body := 0, 0
	if stream {
		head, body = streamSpan(dst, 32)
		scaleStreamAVX2(dst[head:head+body], alpha, x[head:head+body])
	}
	scaleCached(dst[:head], alpha, x[:head])
	scaleCached(dst[head+body:], alpha, x[head+body:])
}

func scaleCached(dst []float32, alpha float32, x []float32) {
	body := len(dst) &^ 7
	if body > 0 {
		scaleAVX2(dst[:body], alpha, x[:body])
	}
	scaleGo(dst[body:], alpha, x[body:])
}

func axpyChunk(alpha float32, x, y []float32) {
	body := 0
	if useVectorAsm {
		body = len(y) &^ 7
		if body > 0 {
			axpyAVX2(alpha, x[:body], y[:body])
		}
	}
	axpyGo(alpha, x[body:], y[body:])
}

func dotChunk(x, y []float32) float32 {
	body := 0
	var sum float32
	if useVectorAsm {
		body = len(x) &^ 7
		if body > 0 {
			sum = dotAVX2(x[:body], y[:body])
		}
	}
	return sum + dotGo(x[body:], y[body:])
}

func sumChunk(x []float32) float32 {
	body := 0
	var sum float32
	if useVectorAsm {
		body = len(x) &^ 7
		if body > 0 {
			sum = sumAVX2(x[:body])
		}
	}
	return sum + sumGo(x[body:])
}

func maxChunk(x []float32) float32 {
	body := 0
	m := negInf
	if useVectorAsm {
		body = len(x) &^ 7
		if body > 0 {
			m = maxAVX2(x[:body])
		}
	}
	rest := maxGo(x[body:])
	if m != m || rest != rest {
		return float32(math.NaN())
	}
	return max(m, rest)
}

func minChunk(x []float32) float32 {
	body := 0
	m := posInf
	if useVectorAsm {
		body = len(x) &^ 7
		if body > 0 {
			m = minAVX2(x[:body])
		}
	}
	rest := minGo(x[body:])
	if m != m || rest != rest {
		return float32(math.NaN())
	}
	return min(m, rest)
}

// reduceSum adds the partial sums of blocks of reductionBlock elements in
// block order, computing the blocks in parallel for long inputs.
func reduceSum(n int, partial func(lo, hi int) float32) float64 {
	blocks := ceilDiv(n, reductionBlock)
	if blocks <= 1 {
		return float64(partial(0, n))
	}
	sums := make([]float32, blocks)
	forBlocks(n, blocks, func(b int) {
		sums[b] = partial(b*reductionBlock, min((b+1)*reductionBlock, n))
	})
	var total float64
	for _, s := range sums {
		total += float64(s)
	}
	return total
}

// reduceExtreme combines per-block extremes; any NaN makes the result NaN.
func reduceExtreme(x []float32, partial func([]float32) float32, better func(a, b float32) bool, empty float32) float32 {
	n := len(x)
	if n == 0 {
		return empty
	}
	blocks := ceilDiv(n, reductionBlock)
	if blocks <= 1 {
		return partial(x)
	}
	parts := make([]float32, blocks)
	forBlocks(n, blocks, func(b int) {
		parts[b] = partial(x[b*reductionBlock : min((b+1)*reductionBlock, n)])
	})
	best := parts[0]
	for _, v := range parts {
		if v != v {
			return v
		}
		if better(v, best) {
			best = v
		}
	}
	return best
}

// forBlocks calls fn for each block index, in parallel for long inputs.
func forBlocks(n, blocks int, fn func(b int)) {
	run := func(lo, hi int) {
		for b := lo; b < hi; b++ {
			fn(b)
		}
	}
	if n < parallelElements {
		run(0, blocks)
		return
	}
	ParallelFor(blocks, 1, run)
}
