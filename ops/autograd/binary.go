package autograd

import (
	"pare/ops/kernels"
	"pare/ops/tensor"
)

// parallelGrain is the number of elements below which elementwise loops run
// on the caller's goroutine; it keeps small ops free of scheduling costs.
const parallelGrain = 1 << 15

type binaryKind int

const (
	opAdd binaryKind = iota
	opSub
	opMul
	opDiv
)

var binaryNames = [...]string{"add", "sub", "mul", "div"}

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Var) *Var { return binary(opAdd, a, b) }

// Sub returns a − b with NumPy broadcasting.
func Sub(a, b *Var) *Var { return binary(opSub, a, b) }

// Mul returns the elementwise product a·b with NumPy broadcasting.
func Mul(a, b *Var) *Var { return binary(opMul, a, b) }

// Div returns the elementwise quotient a / b with NumPy broadcasting.
func Div(a, b *Var) *Var { return binary(opDiv, a, b) }

// BroadcastShapes returns the NumPy broadcast of shapes a and b, and false
// when they are incompatible.
func BroadcastShapes(a, b []int) ([]int, bool) {
	nd := max(len(a), len(b))
	out := make([]int, nd)
	for i := 1; i <= nd; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[nd-i] = da
		case da == 1:
			out[nd-i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// broadcastStrides returns contiguous strides of shape aligned to the
// trailing axes of out, with 0 on axes that shape broadcasts.
func broadcastStrides(shape, out []int) []int {
	st := make([]int, len(out))
	s := 1
	for i := 1; i <= len(shape); i++ {
		d := shape[len(shape)-i]
		if d != 1 {
			st[len(out)-i] = s
		}
		s *= d
	}
	return st
}

// forEachRow walks out (at least rank 1) one innermost row at a time and
// calls fn with the offsets of the row's first element in out, a and b. The
// row has out[last] elements; a and b step by sa[last] and sb[last] in it.
func forEachRow(out, sa, sb []int, fn func(o, ia, ib int)) {
	forEachRowRange(out, sa, sb, 0, rowCount(out), fn)
}

func rowCount(out []int) int {
	rows := 1
	for _, d := range out[:len(out)-1] {
		rows *= d
	}
	return rows
}

// forEachRowRange is forEachRow restricted to rows [lo, hi), so disjoint
// ranges can run on different goroutines.
func forEachRowRange(out, sa, sb []int, lo, hi int, fn func(o, ia, ib int)) {
	nd := len(out)
	n := out[nd-1]
	if lo >= hi || n == 0 {
		return
	}
	idx := make([]int, nd-1)
	ia, ib := 0, 0
	rem := lo
	for d := nd - 2; d >= 0; d-- {
		idx[d] = rem % out[d]
		rem /= out[d]
		ia += idx[d] * sa[d]
		ib += idx[d] * sb[d]
	}
	for r := lo; r < hi; r++ {
		fn(r*n, ia, ib)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < out[d] {
				break
			}
			ia -= idx[d] * sa[d]
			ib -= idx[d] * sb[d]
			idx[d] = 0
		}
	}
}

func atLeast1D(s []int) []int {
	if len(s) == 0 {
		return []int{1}
	}
	return s
}

func binary(kind binaryKind, a, b *Var) *Var {
	name := binaryNames[kind]
	shape, ok := BroadcastShapes(a.Shape(), b.Shape())
	if !ok {
		throw(name, "shapes %s and %s do not broadcast", tensor.ShapeString(a.Shape()), tensor.ShapeString(b.Shape()))
	}
	outT := tensor.New(shape...)
	od, ad, bd := outT.Data(), a.Data(), b.Data()
	same := sameShape(a.Shape(), shape) && sameShape(b.Shape(), shape)

	var sa, sb, rowShape []int
	if same {
		kernels.ParallelFor(len(od), parallelGrain, func(lo, hi int) {
			binaryRow(kind, od[lo:hi], ad[lo:hi], bd[lo:hi], 1, 1)
		})
	} else {
		rowShape = atLeast1D(shape)
		sa = broadcastStrides(atLeast1D(a.Shape()), rowShape)
		sb = broadcastStrides(atLeast1D(b.Shape()), rowShape)
		n := rowShape[len(rowShape)-1]
		la, lb := sa[len(sa)-1], sb[len(sb)-1]
		kernels.ParallelFor(rowCount(rowShape), max(1, parallelGrain/max(n, 1)), func(lo, hi int) {
			forEachRowRange(rowShape, sa, sb, lo, hi, func(o, ia, ib int) {
				binaryRow(kind, od[o:o+n], ad[ia:], bd[ib:], la, lb)
			})
		})
	}

	out := result(name, outT, a, b)
	if !out.requiresGrad {
		return out
	}
	out.backward = func(g []float32) {
		var ga, gb []float32
		if a.requiresGrad {
			ga = a.gradData()
		}
		if b.requiresGrad {
			gb = b.gradData()
		}
		if same {
			kernels.ParallelFor(len(g), parallelGrain, func(lo, hi int) {
				binaryGradRow(kind, g[lo:hi], ad[lo:], bd[lo:], od[lo:], sub(ga, lo), sub(gb, lo), 1, 1)
			})
			return
		}
		n := rowShape[len(rowShape)-1]
		la, lb := sa[len(sa)-1], sb[len(sb)-1]
		forEachRow(rowShape, sa, sb, func(o, ia, ib int) {
			binaryGradRow(kind, g[o:o+n], ad[ia:], bd[ib:], od[o:], sub(ga, ia), sub(gb, ib), la, lb)
		})
	}
	return out
}

func sub(s []float32, lo int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:]
}

// binaryRow computes one row: out[j] = a[j·sa] op b[j·sb].
func binaryRow(kind binaryKind, out, a, b []float32, sa, sb int) {
	if sa == 1 && sb == 1 {
		a, b = a[:len(out)], b[:len(out)]
		switch kind {
		case opAdd:
			for j := range out {
				out[j] = a[j] + b[j]
			}
		case opSub:
			for j := range out {
				out[j] = a[j] - b[j]
			}
		case opMul:
			for j := range out {
				out[j] = a[j] * b[j]
			}
		case opDiv:
			for j := range out {
				out[j] = a[j] / b[j]
			}
		}
		return
	}
	for j := range out {
		x, y := a[j*sa], b[j*sb]
		switch kind {
		case opAdd:
			out[j] = x + y
		case opSub:
			out[j] = x - y
		case opMul:
			out[j] = x * y
		case opDiv:
			out[j] = x / y
		}
	}
}

// binaryGradRow accumulates one row of the input gradients. A zero stride
// sums the row into one element, which is how broadcasting is undone.
func binaryGradRow(kind binaryKind, g, a, b, out, ga, gb []float32, sa, sb int) {
	switch kind {
	case opAdd, opSub:
		sign := float32(1)
		if kind == opSub {
			sign = -1
		}
		accumulateRow(ga, g, sa, 1)
		accumulateRow(gb, g, sb, sign)
	case opMul:
		if ga != nil {
			for j, gj := range g {
				ga[j*sa] += gj * b[j*sb]
			}
		}
		if gb != nil {
			for j, gj := range g {
				gb[j*sb] += gj * a[j*sa]
			}
		}
	case opDiv:
		for j, gj := range g {
			y := b[j*sb]
			if ga != nil {
				ga[j*sa] += gj / y
			}
			if gb != nil {
				gb[j*sb] -= gj * out[j] / y
			}
		}
	}
}

// accumulateRow adds sign·g into dst with stride s (0 sums the row into
// dst[0]); a nil dst is skipped.
func accumulateRow(dst, g []float32, s int, sign float32) {
	switch {
	case dst == nil:
	case s == 0:
		var sum float32
		for _, v := range g {
			sum += v
		}
		dst[0] += sign * sum
	case s == 1:
		dst = dst[:len(g)]
		for j, v := range g {
			dst[j] += sign * v
		}
	default:
		for j, v := range g {
			dst[j*s] += sign * v
		}
	}
}
