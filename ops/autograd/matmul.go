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
		kernels.Sgemm(false, false, batches*m, n, k, 1, ad, k, bd, n, 0, od, n)
	} else {
		for i := 0; i < batches; i++ {
			kernels.Sgemm(false, false, m, n, k, 1, ad[i*aStep:], k, bd[i*bStep:], n, 0, od[i*m*n:], n)
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
				kernels.Sgemm(false, true, batches*m, k, n, 1, g, n, bd, n, 1, ga, k)
			} else {
				for i := 0; i < batches; i++ {
					kernels.Sgemm(false, true, m, k, n, 1, g[i*m*n:], n, bd[i*bStep:], n, 1, ga[i*aStep:], k)
				}
			}
		}
		if b.requiresGrad {
			gb := b.gradData()
			if bStep == 0 {
				kernels.Sgemm(true, false, k, n, batches*m, 1, ad, k, g, n, 1, gb, n)
			} else {
				for i := 0; i < batches; i++ {
					kernels.Sgemm(true, false, k, n, m, 1, ad[i*aStep:], k, g[i*m*n:], n, 1, gb[i*bStep:], n)
				}
			}
		}
	}
	return out
}
