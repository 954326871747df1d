package tensor

import (
	"fmt"

	"pare/ops/kernels"
)

// Where selects a where cond is non-zero and b elsewhere. The three shapes
// broadcast together.
func Where(cond, a, b *Tensor) (*Tensor, error) {
	shape, err := BroadcastShapes(cond.shape, a.shape)
	if err != nil {
		return nil, err
	}
	if shape, err = BroadcastShapes(shape, b.shape); err != nil {
		return nil, err
	}
	out := New(shape...)
	if out.Size() == 0 {
		return out, nil
	}
	cshape, cs := coalesce(shape, broadcastStrides(cond, shape), broadcastStrides(a, shape), broadcastStrides(b, shape))
	inner := cshape[len(cshape)-1]
	last := len(cshape) - 1
	sc, sa, sb := cs[0][last], cs[1][last], cs[2][last]
	kernels.ParallelFor(out.Size()/inner, max(1, parallelGrain/inner), func(lo, hi int) {
		offs := make([]int, 3)
		for r := lo; r < hi; r++ {
			rowOffsets(r, cshape, cs, offs)
			oc, oa, ob := cond.offset+offs[0], a.offset+offs[1], b.offset+offs[2]
			dst := out.data[r*inner : (r+1)*inner]
			for i := range dst {
				if cond.data[oc+i*sc] != 0 {
					dst[i] = a.data[oa+i*sa]
				} else {
					dst[i] = b.data[ob+i*sb]
				}
			}
		}
	})
	return out, nil
}

// MaskedFill returns a copy of t with value wherever mask, which must
// broadcast to t's shape, is non-zero.
func MaskedFill(t, mask *Tensor, value float32) (*Tensor, error) {
	shape, err := BroadcastShapes(t.shape, mask.shape)
	if err != nil || !sameShape(shape, t.shape) {
		return nil, fmt.Errorf("tensor: masked_fill: mask of shape %s does not broadcast to the tensor's shape %s",
			ShapeString(mask.shape), ShapeString(t.shape))
	}
	return Where(mask, Scalar(value), t)
}

// indexAt converts an index value to an int in [0, n), accepting negative
// indices that count from the end. what names the value in errors.
func indexAt(v float32, n int, what func() string) (int, error) {
	i := int(v)
	if float32(i) != v {
		return 0, fmt.Errorf("tensor: %s is %v; want an integer", what(), v)
	}
	if i < -n || i >= n {
		return 0, fmt.Errorf("tensor: %s is %d, out of range for an axis of size %d", what(), i, n)
	}
	if i < 0 {
		i += n
	}
	return i, nil
}

// IndexSelect returns the entries of t at the given indices (a 1-D tensor
// of integers; negative ones count from the end) along axis.
func IndexSelect(t *Tensor, axis int, indices *Tensor) (*Tensor, error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, err
	}
	if indices.Ndim() != 1 {
		return nil, fmt.Errorf("tensor: index_select: indices have shape %s; want a 1-D tensor", ShapeString(indices.shape))
	}
	n := t.shape[a]
	vals := indices.Data()
	idx := make([]int, len(vals))
	for k, v := range vals {
		if idx[k], err = indexAt(v, n, func() string { return fmt.Sprintf("index_select: indices[%d]", k) }); err != nil {
			return nil, err
		}
	}

	// Seen as [outer, n, inner], the result is [outer, len(idx), inner].
	outer, inner := 1, 1
	for d := range a {
		outer *= t.shape[d]
	}
	for d := a + 1; d < t.Ndim(); d++ {
		inner *= t.shape[d]
	}
	shape := append([]int(nil), t.shape...)
	shape[a] = len(idx)
	out := New(shape...)
	src := t.Contiguous().Data()
	for o := range outer {
		for k, i := range idx {
			copy(out.data[(o*len(idx)+k)*inner:(o*len(idx)+k+1)*inner], src[(o*n+i)*inner:(o*n+i+1)*inner])
		}
	}
	return out, nil
}

// Gather returns out with out[i][j][k] = t[i][index[i][j][k]][k] for axis 1
// (likewise for other axes), as PyTorch's gather. index has t's rank and no
// larger size than t on the other axes; the result has index's shape.
func Gather(t *Tensor, axis int, index *Tensor) (*Tensor, error) {
	a, err := checkGatherIndex("gather", t, axis, index, nil)
	if err != nil {
		return nil, err
	}
	out := New(index.shape...)
	err = walkIndex("gather", t, a, index, func(pos, off int) { out.data[pos] = t.data[off] })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scatter returns a copy of t with src written at the positions index
// names along axis: out[i][index[i][j][k]][k] = src[i][j][k] for axis 1, as
// PyTorch's scatter. With add set, values are added instead (scatter_add).
// src has index's shape, or is a single value used everywhere. When add is
// not set and two positions collide, the later one in row-major order wins.
func Scatter(t *Tensor, axis int, index, src *Tensor, add bool) (*Tensor, error) {
	a, err := checkGatherIndex("scatter", t, axis, index, src)
	if err != nil {
		return nil, err
	}
	out := t.Clone()
	srcVals := src.Data()
	err = walkIndex("scatter", out, a, index, func(pos, off int) {
		v := srcVals[0]
		if len(srcVals) > 1 {
			v = srcVals[pos]
		}
		if add {
			out.data[off] += v
		} else {
			out.data[off] = v
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walkIndex calls f, for every position pos of index in row-major order,
// with the storage offset in t of the element that index points to: the
// position's coordinates with the coordinate on axis replaced by the index
// value. It stops at the first index out of range.
func walkIndex(name string, t *Tensor, axis int, index *Tensor, f func(pos, off int)) error {
	vals := index.Data()
	nd := index.Ndim()
	coord := make([]int, nd)
	n := t.shape[axis]
	for pos, v := range vals {
		i := int(v)
		if float32(i) != v || i < -n || i >= n {
			_, err := indexAt(v, n, func() string { return fmt.Sprintf("%s: index%v", name, coord) })
			return err
		}
		if i < 0 {
			i += n
		}
		off := t.offset
		for d, c := range coord {
			if d == axis {
				c = i
			}
			off += c * t.strides[d]
		}
		f(pos, off)

		// Advance the row-major coordinate.
		for d := nd - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < index.shape[d] {
				break
			}
			coord[d] = 0
		}
	}
	return nil
}

func checkGatherIndex(name string, t *Tensor, axis int, index, src *Tensor) (int, error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return 0, err
	}
	if index.Ndim() != t.Ndim() {
		return 0, fmt.Errorf("tensor: %s: index has shape %s, rank %d; want rank %d like the tensor of shape %s",
			name, ShapeString(index.shape), index.Ndim(), t.Ndim(), ShapeString(t.shape))
	}
	for d := range t.shape {
		if d != a && index.shape[d] > t.shape[d] {
			return 0, fmt.Errorf("tensor: %s: index has shape %s, larger than the tensor's %s on axis %d",
				name, ShapeString(index.shape), ShapeString(t.shape), d)
		}
	}
	if src != nil && src.Size() != 1 && !sameShape(src.shape, index.shape) {
		return 0, fmt.Errorf("tensor: %s: src has shape %s; want the index's shape %s or a single value",
			name, ShapeString(src.shape), ShapeString(index.shape))
	}
	return a, nil
}
