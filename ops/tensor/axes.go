package tensor

import (
	"fmt"
	"slices"
)

// normAxes checks and normalizes a list of axes; nil means every axis.
func normAxes(axes []int, ndim int) ([]int, error) {
	if axes == nil {
		all := make([]int, ndim)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	seen := make([]bool, ndim)
	out := make([]int, len(axes))
	for i, ax := range axes {
		a, err := normAxis(ax, ndim)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("tensor: axis %d is repeated in %v", ax, axes)
		}
		seen[a] = true
		out[i] = a
	}
	slices.Sort(out)
	return out, nil
}

// rowView is a tensor rearranged as a contiguous [outer, inner] matrix so
// that a reduction over some axes becomes a reduction over each row.
type rowView struct {
	data         []float32 // outer·inner values
	outer, inner int
	outShape     []int // the shape without the reduced axes
	keepShape    []int // the shape with the reduced axes set to 1
}

// rowsOver moves the given axes (nil: all) of t to the end and returns the
// result as rows, copying only when t is not already in that layout.
func rowsOver(t *Tensor, axes []int) (*rowView, error) {
	ax, err := normAxes(axes, t.Ndim())
	if err != nil {
		return nil, err
	}
	reduced := make([]bool, t.Ndim())
	for _, a := range ax {
		reduced[a] = true
	}
	perm := make([]int, 0, t.Ndim())
	rv := &rowView{outer: 1, inner: 1, outShape: []int{}, keepShape: make([]int, t.Ndim())}
	for d, n := range t.shape {
		rv.keepShape[d] = 1
		if !reduced[d] {
			perm = append(perm, d)
			rv.outShape = append(rv.outShape, n)
			rv.keepShape[d] = n
			rv.outer *= n
		}
	}
	for _, d := range ax {
		perm = append(perm, d)
		rv.inner *= t.shape[d]
	}
	p, err := t.Permute(perm...)
	if err != nil {
		return nil, err
	}
	rv.data = p.Data()
	return rv, nil
}

// result returns out (outer values) shaped as the reduction's output.
func (rv *rowView) result(out *Tensor, keepdims bool) *Tensor {
	shape := rv.outShape
	if keepdims {
		shape = rv.keepShape
	}
	return &Tensor{shape: append([]int(nil), shape...), strides: contiguousStrides(shape), data: out.data}
}

// axisLast returns t with axis moved to the end, contiguous, plus the
// permutation that moves it back.
func axisLast(t *Tensor, axis int) (*Tensor, []int, error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, nil, err
	}
	nd := t.Ndim()
	perm := make([]int, 0, nd)
	for d := range nd {
		if d != a {
			perm = append(perm, d)
		}
	}
	perm = append(perm, a)
	inverse := make([]int, nd)
	for i, p := range perm {
		inverse[p] = i
	}
	p, _ := t.Permute(perm...)
	return p.Contiguous(), inverse, nil
}

// restoreAxis undoes axisLast on a result with the moved layout and returns
// a contiguous tensor.
func restoreAxis(t *Tensor, inverse []int) *Tensor {
	p, _ := t.Permute(inverse...)
	return p.Contiguous()
}
