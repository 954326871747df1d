package tensor

import (
	"context"
	"fmt"

	"pare/ops/kernels"
)

// Matmul returns the matrix product of a and b with NumPy's matmul rules.
// 2-D operands multiply as matrices. Higher ranks are stacks of matrices
// whose leading (batch) dimensions broadcast. A 1-D a is a row vector and a
// 1-D b a column vector, and that dimension is dropped from the result.
// Transposed views are passed to Sgemm as transposed operands without a
// copy, and other strided views are copied first.
func Matmul(a, b *Tensor) (*Tensor, error) { return MatmulContext(context.Background(), a, b) }

// MatmulContext is Matmul that checks ctx between the matrices of a batch
// and returns ctx.Err() when it is cancelled.
func MatmulContext(ctx context.Context, a, b *Tensor) (*Tensor, error) {
	if a.Ndim() == 0 || b.Ndim() == 0 {
		return nil, fmt.Errorf("tensor: matmul of shapes %s and %s: a scalar operand has no matrix dimensions; use mul",
			ShapeString(a.shape), ShapeString(b.shape))
	}
	origA, origB := a, b
	if a.Ndim() == 1 {
		a = &Tensor{shape: []int{1, a.shape[0]}, strides: []int{0, a.strides[0]}, offset: a.offset, data: a.data}
	}
	if b.Ndim() == 1 {
		b = &Tensor{shape: []int{b.shape[0], 1}, strides: []int{b.strides[0], 0}, offset: b.offset, data: b.data}
	}
	m, k := a.shape[a.Ndim()-2], a.shape[a.Ndim()-1]
	k2, n := b.shape[b.Ndim()-2], b.shape[b.Ndim()-1]
	if k != k2 {
		return nil, fmt.Errorf("tensor: matmul: shapes %s and %s are not aligned: %d (dim %d) != %d (dim %d)",
			ShapeString(origA.shape), ShapeString(origB.shape), k, origA.Ndim()-1, k2, max(0, origB.Ndim()-2))
	}
	batch, err := BroadcastShapes(a.shape[:a.Ndim()-2], b.shape[:b.Ndim()-2])
	if err != nil {
		return nil, fmt.Errorf("tensor: matmul of shapes %s and %s: batch dimensions: %s",
			ShapeString(origA.shape), ShapeString(origB.shape), trimTensorPrefix(err))
	}

	outShape := append(append([]int(nil), batch...), m, n)
	out := New(outShape...)
	opA, opB := gemmOperand(a), gemmOperand(b)
	if out.Size() > 0 && k > 0 {
		if err := gemmBatch(ctx, batch, opA, opB, out, m, n, k); err != nil {
			return nil, err
		}
	}

	// Drop the dimensions that stood in for 1-D operands.
	final := append([]int(nil), batch...)
	if origA.Ndim() > 1 {
		final = append(final, m)
	}
	if origB.Ndim() > 1 {
		final = append(final, n)
	}
	return out.Reshape(final...)
}

// operand is a stack of matrices laid out for Sgemm: element (i, j) of
// batch item at is data[off + i·rs + j·cs] with either cs or rs equal to 1.
type operand struct {
	t     *Tensor
	trans bool
	ld    int
}

// gemmOperand picks the Sgemm layout of t's last two dimensions, copying t
// when neither the row nor the column stride is 1.
func gemmOperand(t *Tensor) operand {
	nd := t.Ndim()
	rows, cols := t.shape[nd-2], t.shape[nd-1]
	rs, cs := t.strides[nd-2], t.strides[nd-1]
	switch {
	case rows == 1 && cols == 1:
		return operand{t: withStrides(t, 1, 1), ld: 1}
	case rows == 1 && cs == 1:
		return operand{t: withStrides(t, cols, 1), ld: cols}
	case rows == 1 && cs >= 1:
		return operand{t: withStrides(t, 1, cs), trans: true, ld: cs}
	case cols == 1 && rs >= 1:
		return operand{t: withStrides(t, rs, 1), ld: rs}
	case rows > 1 && cols > 1 && cs == 1 && rs >= cols:
		return operand{t: t, ld: rs}
	case rows > 1 && cols > 1 && rs == 1 && cs >= rows:
		return operand{t: t, trans: true, ld: cs}
	}
	return operand{t: t.Clone(), ld: max(cols, 1)}
}

// withStrides returns t with the strides of its last two dimensions
// replaced; only used for size-1 dimensions, whose stride is never applied.
func withStrides(t *Tensor, rs, cs int) *Tensor {
	nd := t.Ndim()
	if t.strides[nd-2] == rs && t.strides[nd-1] == cs {
		return t
	}
	strides := append([]int(nil), t.strides...)
	strides[nd-2], strides[nd-1] = rs, cs
	return &Tensor{shape: t.shape, strides: strides, offset: t.offset, data: t.data}
}

// gemmBatch runs one Sgemm per batch item; small matrices of a large
// batch run on the worker pool, large ones rely on Sgemm's own threads.
func gemmBatch(ctx context.Context, batch []int, a, b operand, out *Tensor, m, n, k int) error {
	count := 1
	for _, d := range batch {
		count *= d
	}
	sa := broadcastStrides(&Tensor{shape: a.t.shape[:a.t.Ndim()-2], strides: a.t.strides[:a.t.Ndim()-2]}, batch)
	sb := broadcastStrides(&Tensor{shape: b.t.shape[:b.t.Ndim()-2], strides: b.t.strides[:b.t.Ndim()-2]}, batch)
	one := func(i int) error {
		offA, offB := a.t.offset, b.t.offset
		r := i
		for d := len(batch) - 1; d >= 0; d-- {
			j := r % batch[d]
			r /= batch[d]
			offA += j * sa[d]
			offB += j * sb[d]
		}
		c := out.data[i*m*n : (i+1)*m*n]
		return kernels.SgemmContext(ctx, a.trans, b.trans, m, n, k, 1, a.t.data[offA:], a.ld, b.t.data[offB:], b.ld, 0, c, n)
	}

	const smallWork = 64 * 64 * 64
	if count > 1 && m*n*k <= smallWork {
		var ctxErr error
		kernels.ParallelFor(count, max(1, smallWork/max(1, m*n*k)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if one(i) != nil {
					return
				}
			}
		})
		if err := ctx.Err(); err != nil {
			ctxErr = err
		}
		return ctxErr
	}
	for i := range count {
		if err := one(i); err != nil {
			return err
		}
	}
	return nil
}

func trimTensorPrefix(err error) string {
	s := err.Error()
	const p = "tensor: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
