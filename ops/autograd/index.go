package autograd

import (
	"slices"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

func checkIndices(op string, idx []int, n int) {
	for p, i := range idx {
		if i < 0 || i >= n {
			throw(op, "index %d at position %d is out of range [0, %d)", i, p, n)
		}
	}
}

// IndexSelect returns the entries of x at positions idx along axis, in the
// order given (indices may repeat); the axis length becomes len(idx).
func IndexSelect(x *Var, axis int, idx []int) *Var {
	shape := x.Shape()
	ax := normAxis("index_select", axis, len(shape))
	outer, n, inner := splitAt(shape, ax)
	checkIndices("index_select", idx, n)
	idx = slices.Clone(idx)
	oshape := slices.Clone(shape)
	oshape[ax] = len(idx)
	outT := tensor.New(oshape...)
	od, xd := outT.Data(), x.Data()
	m := len(idx)
	kernels.ParallelFor(outer*m, max(1, parallelGrain/max(inner, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, j := r/m, r%m
			copy(od[r*inner:(r+1)*inner], xd[(o*n+idx[j])*inner:(o*n+idx[j]+1)*inner])
		}
	})
	out := result("index_select", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			// Repeated indices add into the same row, so rows of one
			// outer block stay on one goroutine.
			gx := x.gradData()
			kernels.ParallelFor(outer, max(1, parallelGrain/max(m*inner, 1)), func(lo, hi int) {
				for o := lo; o < hi; o++ {
					for j, i := range idx {
						dst := gx[(o*n+i)*inner : (o*n+i+1)*inner]
						for c, v := range g[(o*m+j)*inner : (o*m+j+1)*inner] {
							dst[c] += v
						}
					}
				}
			})
		}
	}
	return out
}

// IndexAdd returns x with src added at positions idx along axis:
// out[..., idx[j], ...] += src[..., j, ...], the adjoint of IndexSelect (a
// segment sum when x is zeros and idx maps rows to segments).
func IndexAdd(x *Var, axis int, idx []int, src *Var) *Var {
	shape := x.Shape()
	ax := normAxis("index_add", axis, len(shape))
	outer, n, inner := splitAt(shape, ax)
	checkIndices("index_add", idx, n)
	want := slices.Clone(shape)
	want[ax] = len(idx)
	if !sameShape(src.Shape(), want) {
		throw("index_add", "source has shape %s; want %s", tensor.ShapeString(src.Shape()), tensor.ShapeString(want))
	}
	idx = slices.Clone(idx)
	m := len(idx)
	outT := x.Value.Clone()
	od, sd := outT.Data(), src.Data()
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			dst := od[(o*n+i)*inner : (o*n+i+1)*inner]
			for c, v := range sd[(o*m+j)*inner : (o*m+j+1)*inner] {
				dst[c] += v
			}
		}
	}
	out := result("index_add", outT, x, src)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			if x.requiresGrad {
				gx := x.gradData()
				for i, v := range g {
					gx[i] += v
				}
			}
			if src.requiresGrad {
				gs := src.gradData()
				for o := 0; o < outer; o++ {
					for j, i := range idx {
						dst := gs[(o*m+j)*inner : (o*m+j+1)*inner]
						for c, v := range g[(o*n+i)*inner : (o*n+i+1)*inner] {
							dst[c] += v
						}
					}
				}
			}
		}
	}
	return out
}

// gatherLayout checks that an index of shape ishape fits x of shape xshape
// along axis: equal ranks and equal dimensions off the axis.
func gatherLayout(op string, xshape []int, axis int, index []int, ishape []int) (ax, outer, n, m, inner int) {
	ax = normAxis(op, axis, len(xshape))
	if len(ishape) != len(xshape) {
		throw(op, "index has rank %d; want %d like the input", len(ishape), len(xshape))
	}
	for d := range xshape {
		if d != ax && ishape[d] != xshape[d] {
			throw(op, "index shape %s must match input shape %s except on axis %d", tensor.ShapeString(ishape), tensor.ShapeString(xshape), ax)
		}
	}
	size, err := tensor.ShapeSize(ishape)
	if err != nil || size != len(index) {
		throw(op, "index has %d entries; its shape %s needs %d", len(index), tensor.ShapeString(ishape), size)
	}
	outer, n, inner = splitAt(xshape, ax)
	m = ishape[ax]
	checkIndices(op, index, n)
	return ax, outer, n, m, inner
}

// Gather returns out with out[..., j, ...] = x[..., index[..., j, ...], ...]
// along axis, as torch.gather. index has x's rank and shape except on axis;
// the result has the index's shape.
func Gather(x *Var, axis int, index []int, indexShape []int) *Var {
	_, outer, n, m, inner := gatherLayout("gather", x.Shape(), axis, index, indexShape)
	index = slices.Clone(index)
	outT := tensor.New(indexShape...)
	od, xd := outT.Data(), x.Data()
	for o := 0; o < outer; o++ {
		for j := 0; j < m; j++ {
			for i := 0; i < inner; i++ {
				p := (o*m+j)*inner + i
				od[p] = xd[(o*n+index[p])*inner+i]
			}
		}
	}
	out := result("gather", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			for o := 0; o < outer; o++ {
				for j := 0; j < m; j++ {
					for i := 0; i < inner; i++ {
						p := (o*m+j)*inner + i
						gx[(o*n+index[p])*inner+i] += g[p]
					}
				}
			}
		}
	}
	return out
}

// ScatterAdd returns x with src added at the positions index names along
// axis: out[..., index[..., j, ...], ...] += src[..., j, ...], as
// torch.scatter_add. index has src's shape.
func ScatterAdd(x *Var, axis int, index []int, src *Var) *Var {
	_, outer, n, m, inner := gatherLayout("scatter_add", x.Shape(), axis, index, src.Shape())
	index = slices.Clone(index)
	outT := x.Value.Clone()
	od, sd := outT.Data(), src.Data()
	for o := 0; o < outer; o++ {
		for j := 0; j < m; j++ {
			for i := 0; i < inner; i++ {
				p := (o*m+j)*inner + i
				od[(o*n+index[p])*inner+i] += sd[p]
			}
		}
	}
	out := result("scatter_add", outT, x, src)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			if x.requiresGrad {
				gx := x.gradData()
				for i, v := range g {
					gx[i] += v
				}
			}
			if src.requiresGrad {
				gs := src.gradData()
				for o := 0; o < outer; o++ {
					for j := 0; j < m; j++ {
						for i := 0; i < inner; i++ {
							p := (o*m+j)*inner + i
							gs[p] += g[(o*n+index[p])*inner+i]
						}
					}
				}
			}
		}
	}
	return out
}

// Embedding looks up rows of weight ([vocab, dim]) for ids of shape
// idsShape; the result has shape idsShape + [dim].
func Embedding(weight *Var, ids []int, idsShape []int) *Var {
	ws := weight.Shape()
	if len(ws) != 2 {
		throw("embedding", "weight has shape %s; want (vocab, dim)", tensor.ShapeString(ws))
	}
	size, err := tensor.ShapeSize(idsShape)
	if err != nil || size != len(ids) {
		throw("embedding", "%d ids do not fill shape %s", len(ids), tensor.ShapeString(idsShape))
	}
	rows := IndexSelect(weight, 0, ids)
	return Reshape(rows, append(slices.Clone(idsShape), ws[1])...)
}
