package autograd

import (
	"slices"

	"pare/ops/tensor"
)

// Reshape returns x with a new shape of the same size; one dimension may be
// −1 and is inferred. The value is a view of x's data.
func Reshape(x *Var, shape ...int) *Var {
	t, err := x.Value.Reshape(shape...)
	if err != nil {
		throw("reshape", "%v", err)
	}
	out := result("reshape", t, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			for i, v := range g {
				gx[i] += v
			}
		}
	}
	return out
}

// Permute returns x with its axes reordered (axis i of the result is axis
// perm[i] of x), copied into contiguous storage.
func Permute(x *Var, perm ...int) *Var {
	view, err := x.Value.Permute(perm...)
	if err != nil {
		throw("permute", "%v", err)
	}
	nd := len(perm)
	inv := make([]int, nd)
	for i, p := range perm {
		if p < 0 {
			p += nd
		}
		inv[p] = i
	}
	out := result("permute", view.Clone(), x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gt := tensor.MustFromSlice(g, out.Shape()...)
			back, _ := gt.Permute(inv...)
			gx := x.gradData()
			for i, v := range back.Contiguous().Data() {
				gx[i] += v
			}
		}
	}
	return out
}

// Transpose swaps axes a and b.
func Transpose(x *Var, a, b int) *Var {
	nd := x.Value.Ndim()
	a, b = normAxis("transpose", a, nd), normAxis("transpose", b, nd)
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return Permute(x, perm...)
}

// T returns the transpose of a matrix.
func T(x *Var) *Var {
	if x.Value.Ndim() != 2 {
		throw("t", "needs a matrix, got shape %s", tensor.ShapeString(x.Shape()))
	}
	return Transpose(x, 0, 1)
}

// Concat joins xs along axis; all other dimensions must agree.
func Concat(xs []*Var, axis int) *Var {
	if len(xs) == 0 {
		throw("concat", "needs at least one tensor")
	}
	first := xs[0].Shape()
	ax := normAxis("concat", axis, len(first))
	shape := slices.Clone(first)
	shape[ax] = 0
	for i, x := range xs {
		s := x.Shape()
		if len(s) != len(first) {
			throw("concat", "tensor %d has rank %d; want %d like tensor 0", i, len(s), len(first))
		}
		for d := range s {
			if d != ax && s[d] != first[d] {
				throw("concat", "tensor %d has shape %s; it must match %s except on axis %d", i, tensor.ShapeString(s), tensor.ShapeString(first), ax)
			}
		}
		shape[ax] += s[ax]
	}
	outer, total, inner := splitAt(shape, ax)
	outT := tensor.New(shape...)
	od := outT.Data()
	at := 0
	for _, x := range xs {
		n := x.Shape()[ax] * inner
		xd := x.Data()
		for o := 0; o < outer; o++ {
			copy(od[o*total*inner+at:], xd[o*n:(o+1)*n])
		}
		at += n
	}
	out := result("concat", outT, xs...)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			at := 0
			for _, x := range xs {
				n := x.Shape()[ax] * inner
				if x.requiresGrad {
					gx := x.gradData()
					for o := 0; o < outer; o++ {
						src := g[o*total*inner+at : o*total*inner+at+n]
						dst := gx[o*n : (o+1)*n]
						for i, v := range src {
							dst[i] += v
						}
					}
				}
				at += n
			}
		}
	}
	return out
}

// Split cuts x along axis into pieces of the given sizes, which must sum to
// the axis length.
func Split(x *Var, axis int, sizes []int) []*Var {
	shape := x.Shape()
	ax := normAxis("split", axis, len(shape))
	total := 0
	for _, s := range sizes {
		if s < 0 {
			throw("split", "size %d is negative", s)
		}
		total += s
	}
	if total != shape[ax] {
		throw("split", "sizes %v sum to %d; want %d, the length of axis %d", sizes, total, shape[ax], ax)
	}
	outs := make([]*Var, len(sizes))
	at := 0
	for i, s := range sizes {
		outs[i] = Narrow(x, ax, at, s)
		at += s
	}
	return outs
}

// Narrow returns the slice [start, start+length) of x along axis, copied.
func Narrow(x *Var, axis, start, length int) *Var {
	shape := x.Shape()
	ax := normAxis("narrow", axis, len(shape))
	if start < 0 || length < 0 || start+length > shape[ax] {
		throw("narrow", "range [%d, %d) is outside axis %d of size %d", start, start+length, ax, shape[ax])
	}
	outer, n, inner := splitAt(shape, ax)
	oshape := slices.Clone(shape)
	oshape[ax] = length
	outT := tensor.New(oshape...)
	od, xd := outT.Data(), x.Data()
	w := length * inner
	for o := 0; o < outer; o++ {
		copy(od[o*w:(o+1)*w], xd[o*n*inner+start*inner:])
	}
	out := result("narrow", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			for o := 0; o < outer; o++ {
				dst := gx[o*n*inner+start*inner : o*n*inner+start*inner+w]
				for i, v := range g[o*w : (o+1)*w] {
					dst[i] += v
				}
			}
		}
	}
	return out
}
