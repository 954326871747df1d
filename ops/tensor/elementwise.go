package tensor

import (
	"fmt"
	"math"

	"pare/ops/kernels"
)

// parallelGrain is the number of elements below which elementwise loops run
// on the calling goroutine, and the smallest chunk handed to a worker.
const parallelGrain = 1 << 15

// binKernel computes dst[i] = op(a[i*sa], b[i*sb]) for i < len(dst).
// A stride of 0 repeats one value.
type binKernel func(dst, a []float32, sa int, b []float32, sb int)

// binaryOp is one broadcasting binary operation: a kernel for runs of
// elements, the name used in errors, and optionally the vectorised,
// self-parallelising kernel for two contiguous operands of one shape.
type binaryOp struct {
	name   string
	kernel binKernel
	flat   func(dst, x, y []float32)
}

var (
	opAdd     = binaryOp{"add", addKernel, kernels.Add}
	opSub     = binaryOp{"sub", subKernel, kernels.Sub}
	opMul     = binaryOp{"mul", mulKernel, kernels.Mul}
	opDiv     = binaryOp{"div", divKernel, kernels.Div}
	opPow     = binaryOp{"pow", scalarKernel(func(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }), nil}
	opMaximum = binaryOp{"maximum", scalarKernel(maximum), nil}
	opMinimum = binaryOp{"minimum", scalarKernel(minimum), nil}
	opEq      = binaryOp{"eq", scalarKernel(func(x, y float32) float32 { return mask(x == y) }), nil}
	opNe      = binaryOp{"ne", scalarKernel(func(x, y float32) float32 { return mask(x != y) }), nil}
	opLt      = binaryOp{"lt", scalarKernel(func(x, y float32) float32 { return mask(x < y) }), nil}
	opLe      = binaryOp{"le", scalarKernel(func(x, y float32) float32 { return mask(x <= y) }), nil}
	opGt      = binaryOp{"gt", scalarKernel(func(x, y float32) float32 { return mask(x > y) }), nil}
	opGe      = binaryOp{"ge", scalarKernel(func(x, y float32) float32 { return mask(x >= y) }), nil}
)

func mask(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// maximum follows NumPy: a NaN in either operand gives NaN.
func maximum(x, y float32) float32 {
	if x != x || y != y {
		return float32(math.NaN())
	}
	return max(x, y)
}

func minimum(x, y float32) float32 {
	if x != x || y != y {
		return float32(math.NaN())
	}
	return min(x, y)
}

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opAdd, a, b) }

// AddInto stores a + b into dst, which must have the broadcast shape of a
// and b and must not overlap them unless it is one of them. It avoids
// allocating a result, for loops that update a tensor in place.
func AddInto(dst, a, b *Tensor) error { return binaryInto(opAdd, dst, a, b) }

// SubInto stores a - b into dst, with AddInto's rules.
func SubInto(dst, a, b *Tensor) error { return binaryInto(opSub, dst, a, b) }

// MulInto stores a * b into dst, with AddInto's rules.
func MulInto(dst, a, b *Tensor) error { return binaryInto(opMul, dst, a, b) }

// DivInto stores a / b into dst, with AddInto's rules.
func DivInto(dst, a, b *Tensor) error { return binaryInto(opDiv, dst, a, b) }

// Sub returns a - b with NumPy broadcasting.
func Sub(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opSub, a, b) }

// Mul returns the elementwise product a * b with NumPy broadcasting.
func Mul(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opMul, a, b) }

// Div returns a / b with NumPy broadcasting; division by zero gives ±Inf or
// NaN as in IEEE 754.
func Div(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opDiv, a, b) }

// Pow returns a raised to b elementwise, computed in float64.
func Pow(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opPow, a, b) }

// Maximum returns the elementwise larger of a and b; NaN wins.
func Maximum(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opMaximum, a, b) }

// Minimum returns the elementwise smaller of a and b; NaN wins.
func Minimum(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opMinimum, a, b) }

// Eq returns a mask with 1 where a == b and 0 elsewhere.
func Eq(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opEq, a, b) }

// Ne returns a mask with 1 where a != b (NaN != NaN) and 0 elsewhere.
func Ne(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opNe, a, b) }

// Lt returns a mask with 1 where a < b and 0 elsewhere.
func Lt(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opLt, a, b) }

// Le returns a mask with 1 where a <= b and 0 elsewhere.
func Le(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opLe, a, b) }

// Gt returns a mask with 1 where a > b and 0 elsewhere.
func Gt(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opGt, a, b) }

// Ge returns a mask with 1 where a >= b and 0 elsewhere.
func Ge(a, b *Tensor) (*Tensor, error) { return broadcastBinary(opGe, a, b) }

// broadcastBinary applies op over the broadcast shape of a and b into a new
// contiguous tensor.
func broadcastBinary(op binaryOp, a, b *Tensor) (*Tensor, error) {
	shape := a.shape
	if !sameShape(a.shape, b.shape) {
		var err error
		if shape, err = BroadcastShapes(a.shape, b.shape); err != nil {
			return nil, err
		}
	}
	out := New(shape...)
	if err := applyBinary(op, out, a, b); err != nil {
		return nil, err
	}
	return out, nil
}

// binaryInto is broadcastBinary writing into dst. A non-contiguous dst is
// computed into a temporary and copied back.
func binaryInto(op binaryOp, dst, a, b *Tensor) error {
	shape, err := BroadcastShapes(a.shape, b.shape)
	if err != nil {
		return err
	}
	if !sameShape(shape, dst.shape) {
		return fmt.Errorf("tensor: %s into a tensor of shape %s: the operands broadcast to %s",
			op.name, ShapeString(dst.shape), ShapeString(shape))
	}
	if !dst.IsContiguous() {
		tmp, err := broadcastBinary(op, a, b)
		if err != nil {
			return err
		}
		copyInto(dst, tmp)
		return nil
	}
	view := &Tensor{shape: dst.shape, strides: contiguousStrides(dst.shape), offset: dst.offset, data: dst.data[:dst.offset+dst.Size()]}
	return applyBinary(op, view, a, b)
}

// applyBinary computes op(a, b) into out, a contiguous tensor of the
// broadcast shape.
func applyBinary(op binaryOp, out, a, b *Tensor) error {
	shape := out.shape
	n := out.Size()
	dstAll := out.data[out.offset : out.offset+n]
	if n == 0 {
		return nil
	}

	// Same-shape contiguous operands, or one operand of a single element,
	// are one flat run split across workers.
	aOne, bOne := a.Size() == 1, b.Size() == 1
	aFlat := aOne || a.IsContiguous() && sameShape(a.shape, shape)
	bFlat := bOne || b.IsContiguous() && sameShape(b.shape, shape)
	if aFlat && bFlat {
		sa, sb := 1, 1
		if aOne {
			sa = 0
		}
		if bOne {
			sb = 0
		}
		av, bv := a.data[a.offset:], b.data[b.offset:]
		if sa == 1 && sb == 1 && op.flat != nil && n > 64 {
			op.flat(dstAll, av[:n], bv[:n])
			return nil
		}
		if n <= parallelGrain {
			op.kernel(dstAll, av, sa, bv, sb)
			return nil
		}
		kernels.ParallelFor(n, parallelGrain, func(lo, hi int) {
			op.kernel(dstAll[lo:hi], av[lo*sa:], sa, bv[lo*sb:], sb)
		})
		return nil
	}

	// General case: walk rows of the coalesced broadcast shape.
	cshape, cstrides := coalesce(shape, broadcastStrides(a, shape), broadcastStrides(b, shape))
	inner := cshape[len(cshape)-1]
	rows := n / inner
	sa, sb := cstrides[0][len(cshape)-1], cstrides[1][len(cshape)-1]
	grain := max(1, parallelGrain/inner)
	kernels.ParallelFor(rows, grain, func(lo, hi int) {
		offs := make([]int, 2)
		for r := lo; r < hi; r++ {
			rowOffsets(r, cshape, cstrides, offs)
			op.kernel(dstAll[r*inner:(r+1)*inner], a.data[a.offset+offs[0]:], sa, b.data[b.offset+offs[1]:], sb)
		}
	})
	return nil
}

// scalarKernel builds a binKernel from a per-element function.
func scalarKernel(f func(x, y float32) float32) binKernel {
	return func(dst, a []float32, sa int, b []float32, sb int) {
		for i := range dst {
			dst[i] = f(a[i*sa], b[i*sb])
		}
	}
}

// The four arithmetic kernels are written out per stride case so that the
// loops compile without bounds checks or calls. Long runs of two contiguous
// operands use the vectorised kernels.Add, Sub, Mul and Div instead.

func addKernel(dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case sa == 1 && sb == 0:
		a, s := a[:n], b[0]
		for i := range dst {
			dst[i] = a[i] + s
		}
	case sa == 0 && sb == 1:
		s, b := a[0], b[:n]
		for i := range dst {
			dst[i] = s + b[i]
		}
	default:
		for i := range dst {
			dst[i] = a[i*sa] + b[i*sb]
		}
	}
}

func subKernel(dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case sa == 1 && sb == 0:
		a, s := a[:n], b[0]
		for i := range dst {
			dst[i] = a[i] - s
		}
	case sa == 0 && sb == 1:
		s, b := a[0], b[:n]
		for i := range dst {
			dst[i] = s - b[i]
		}
	default:
		for i := range dst {
			dst[i] = a[i*sa] - b[i*sb]
		}
	}
}

func mulKernel(dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case sa == 1 && sb == 0:
		a, s := a[:n], b[0]
		for i := range dst {
			dst[i] = a[i] * s
		}
	case sa == 0 && sb == 1:
		s, b := a[0], b[:n]
		for i := range dst {
			dst[i] = s * b[i]
		}
	default:
		for i := range dst {
			dst[i] = a[i*sa] * b[i*sb]
		}
	}
}

func divKernel(dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	case sa == 1 && sb == 0:
		a, s := a[:n], b[0]
		for i := range dst {
			dst[i] = a[i] / s
		}
	case sa == 0 && sb == 1:
		s, b := a[0], b[:n]
		for i := range dst {
			dst[i] = s / b[i]
		}
	default:
		for i := range dst {
			dst[i] = a[i*sa] / b[i*sb]
		}
	}
}
