package tensor

import "fmt"

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rule: shapes are aligned at their last dimension, and each pair of
// dimensions must be equal or contain a 1.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		ia, ib := len(a)-n+i, len(b)-n+i
		if ia >= 0 {
			da = a[ia]
		}
		if ib >= 0 {
			db = b[ib]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("tensor: shapes %s and %s cannot be broadcast together: %d (dim %d) != %d (dim %d)",
				ShapeString(a), ShapeString(b), da, ia, db, ib)
		}
	}
	return out, nil
}

// broadcastStrides returns t's strides for reading it as shape, which t's
// shape must broadcast to: broadcast dimensions get stride 0.
func broadcastStrides(t *Tensor, shape []int) []int {
	st := make([]int, len(shape))
	lead := len(shape) - len(t.shape)
	for i := lead; i < len(shape); i++ {
		if t.shape[i-lead] != 1 {
			st[i] = t.strides[i-lead]
		}
	}
	return st
}

// BroadcastTo returns a view of t read as shape (stride 0 along broadcast
// dimensions). The view must not be written to.
func (t *Tensor) BroadcastTo(shape ...int) (*Tensor, error) {
	got, err := BroadcastShapes(t.shape, shape)
	if err != nil {
		return nil, err
	}
	if !sameShape(got, shape) {
		return nil, fmt.Errorf("tensor: cannot broadcast shape %s to %s", ShapeString(t.shape), ShapeString(shape))
	}
	return &Tensor{shape: append([]int(nil), shape...), strides: broadcastStrides(t, shape), offset: t.offset, data: t.data}, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// SameShape reports whether a and b have equal shapes.
func SameShape(a, b *Tensor) bool { return sameShape(a.shape, b.shape) }

// coalesce merges adjacent dimensions that every stride set walks as one
// run, and drops dimensions of size 1. The result has at least one dimension.
func coalesce(shape []int, strides ...[]int) ([]int, [][]int) {
	outShape := make([]int, 0, len(shape))
	outStrides := make([][]int, len(strides))
	for k := range strides {
		outStrides[k] = make([]int, 0, len(shape))
	}
	for i, d := range shape {
		if d == 1 {
			continue
		}
		last := len(outShape) - 1
		merge := last >= 0
		for k := range strides {
			if merge && outStrides[k][last] != strides[k][i]*d {
				merge = false
			}
		}
		if merge {
			outShape[last] *= d
			for k := range strides {
				outStrides[k][last] = strides[k][i]
			}
			continue
		}
		outShape = append(outShape, d)
		for k := range strides {
			outStrides[k] = append(outStrides[k], strides[k][i])
		}
	}
	if len(outShape) == 0 {
		outShape = append(outShape, 1)
		for k := range strides {
			outStrides[k] = append(outStrides[k], 0)
		}
	}
	return outShape, outStrides
}

// rowOffsets fills offs[k] with the storage offset, relative to the start, of
// row r of a walk over shape[:len-1] with the given strides.
func rowOffsets(r int, shape []int, strides [][]int, offs []int) {
	for k := range offs {
		offs[k] = 0
	}
	for d := len(shape) - 2; d >= 0; d-- {
		i := r % shape[d]
		r /= shape[d]
		for k := range offs {
			offs[k] += i * strides[k][d]
		}
	}
}
