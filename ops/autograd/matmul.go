package autograd

import (
	"slices"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// MatMul returns the matrix product a·b. Both operands have rank at least 2
// and multiply over their last two axes: a is [..., m, k] and b is
// [..., k, n]. Leading (batch) axes must be equal, or one operand is a plain
// matrix that is shared by every batch entry, as for x·W with x [B, T, k].
func MatMul(a, b *Var) *Var {
	as, bs := a.Shape(), b.Shape()
	if len(as) < 2 || len(bs) < 2 {
		throw("matmul", "needs operands of rank >= 2, got shapes %s and %s", tensor.ShapeString(as), tensor.ShapeString(bs))
	}
	m, k := as[len(as)-2], as[len(as)-1]
	k2, n := bs[len(bs)-2], bs[len(bs)-1]
	if k != k2 {
		throw("matmul", "inner dimensions differ: %s · %s", tensor.ShapeString(as), tensor.ShapeString(bs))
	}
	aBatch, bBatch := as[:len(as)-2], bs[:len(bs)-2]
	var batchShape []int
	switch {
	case len(bBatch) == 0:
		batchShape = aBatch
	case len(aBatch) == 0:
		batchShape = bBatch
	case sameShape(aBatch, bBatch):
		batchShape = aBatch
	default:
		throw("matmul", "batch axes differ: %s · %s; want equal batch axes or one plain matrix", tensor.ShapeString(as), tensor.ShapeString(bs))
	}
	batches := 1
	for _, d := range batchShape {
		batches *= d
	}
	shape := append(slices.Clone(batchShape), m, n)
	outT := tensor.New(shape...)
	ad, bd, od := a.Data(), b.Data(), outT.Data()
	aStep, bStep := m*k, k*n
	if len(aBatch) == 0 {
		aStep = 0
	}
	if len(bBatch) == 0 {
		bStep = 0
	}

	if bStep == 0 {
		// Every batch entry shares b, so the batch folds into the rows of a.
		sgemm(false, false, batches*m, n, k, ad, bd, 0, od)
	} else {
		for i := 0; i < batches; i++ {
			sgemm(false, false, m, n, k, ad[i*aStep:], bd[i*bStep:], 0, od[i*m*n:])
		}
	}

	out := result("matmul", outT, a, b)
	if !out.requiresGrad {
		return out
	}
	out.backward = func(g []float32) {
		// dA = dC·Bᵀ and dB = Aᵀ·dC, accumulated (beta = 1) into the
		// gradient buffers; a shared operand sums over the batch.
		if a.requiresGrad {
			ga := a.gradData()
			if bStep == 0 {
				sgemm(false, true, batches*m, k, n, g, bd, 1, ga)
			} else {
				for i := 0; i < batches; i++ {
					sgemm(false, true, m, k, n, g[i*m*n:], bd[i*bStep:], 1, ga[i*aStep:])
				}
			}
		}
		if b.requiresGrad {
			gb := b.gradData()
			if bStep == 0 {
				sgemm(true, false, k, n, batches*m, ad, g, 1, gb)
			} else {
				for i := 0; i < batches; i++ {
					sgemm(true, false, k, n, m, ad[i*aStep:], g[i*m*n:], 1, gb[i*bStep:])
				}
			}
		}
	}
	return out
}

// sgemm computes C = op(A)·op(B) + beta·C for contiguous row-major operands,
// where op(A) is m×k, op(B) is k×n and C is m×n, and derives the row strides
// from those sizes. It handles empty products itself because kernels.Sgemm
// rejects a row stride of 0, which a contiguous matrix with 0 columns has.
// With k = 0 the product is zero, so C becomes beta·C.
func sgemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		window := c[:m*n]
		if beta == 0 {
			clear(window)
		} else if beta != 1 {
			for i := range window {
				window[i] *= beta
			}
		}
		return
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	kernels.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}
