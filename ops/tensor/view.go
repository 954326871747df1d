package tensor

import "fmt"

func normAxis(axis, ndim int) (int, error) {
	a := axis
	if a < 0 {
		a += ndim
	}
	if a < 0 || a >= ndim {
		return 0, fmt.Errorf("tensor: axis %d is out of range for rank %d", axis, ndim)
	}
	return a, nil
}

// Reshape returns a tensor with the same elements in a new shape. One
// dimension may be -1 and is inferred. A contiguous tensor is reshaped as a
// view; otherwise the data are copied first.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	if len(shape) > MaxRank {
		return nil, fmt.Errorf("tensor: reshape to %d dimensions; want at most %d", len(shape), MaxRank)
	}
	shape = append([]int(nil), shape...)
	infer := -1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, fmt.Errorf("tensor: reshape %v: dimension %d is %d; use sizes >= 0 and at most one -1", shape, i, d)
		}
	}

	// Size the known dimensions with the inferred one taken as 1, so that a
	// product past 2^60 is an error instead of wrapping around. Rank and
	// signs are already checked, so overflow is the only error left.
	known := append([]int(nil), shape...)
	multiplied := "non-zero dimensions"
	if infer >= 0 {
		known[infer] = 1
		multiplied = "dimensions other than 0 and -1"
	}
	n, err := ShapeSize(known)
	if err != nil {
		return nil, fmt.Errorf("tensor: cannot reshape %s into %v: its %s multiply to more than 2^%d",
			ShapeString(t.shape), shape, multiplied, maxElementsLog2)
	}
	size := t.Size()
	if infer >= 0 {
		if n == 0 || size%n != 0 {
			return nil, fmt.Errorf("tensor: cannot reshape %s (%d elements) into %v", ShapeString(t.shape), size, shape)
		}
		shape[infer] = size / n
		n = size
	}
	if n != size {
		return nil, fmt.Errorf("tensor: cannot reshape %s (%d elements) into %s (%d elements)", ShapeString(t.shape), size, ShapeString(shape), n)
	}
	c := t.Contiguous()
	return &Tensor{shape: shape, strides: contiguousStrides(shape), offset: c.offset, data: c.data}, nil
}

// Permute returns a view with the axes reordered: axis i of the result is
// axis perm[i] of t.
func (t *Tensor) Permute(perm ...int) (*Tensor, error) {
	nd := len(t.shape)
	if len(perm) != nd {
		return nil, fmt.Errorf("tensor: permute needs %d axes, got %v", nd, perm)
	}
	seen := make([]bool, nd)
	shape := make([]int, nd)
	strides := make([]int, nd)
	for i, p := range perm {
		a, err := normAxis(p, nd)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("tensor: permute %v repeats axis %d", perm, p)
		}
		seen[a] = true
		shape[i] = t.shape[a]
		strides[i] = t.strides[a]
	}
	return &Tensor{shape: shape, strides: strides, offset: t.offset, data: t.data}, nil
}

// Transpose returns a view with axes a and b swapped.
func (t *Tensor) Transpose(a, b int) (*Tensor, error) {
	nd := len(t.shape)
	a, err := normAxis(a, nd)
	if err != nil {
		return nil, err
	}
	b, err = normAxis(b, nd)
	if err != nil {
		return nil, err
	}
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return t.Permute(perm...)
}

// T returns the transpose of a matrix (a view); other ranks reverse all axes.
func (t *Tensor) T() *Tensor {
	nd := len(t.shape)
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = nd - 1 - i
	}
	v, _ := t.Permute(perm...)
	return v
}

// Slice returns a view of t restricted along axis to start, start+step, ...
// below stop (Python semantics: negative start and stop count from the end
// and are clipped; step must be positive).
func (t *Tensor) Slice(axis, start, stop, step int) (*Tensor, error) {
	a, err := normAxis(axis, len(t.shape))
	if err != nil {
		return nil, err
	}
	if step <= 0 {
		return nil, fmt.Errorf("tensor: slice step %d; want a positive step", step)
	}
	n := t.shape[a]
	clip := func(i int) int {
		if i < 0 {
			i += n
		}
		return max(0, min(i, n))
	}
	start, stop = clip(start), clip(stop)
	cnt := 0
	if stop > start {
		// Written so that a step near the int maximum cannot overflow.
		cnt = (stop-start-1)/step + 1
	}
	shape := append([]int(nil), t.shape...)
	strides := append([]int(nil), t.strides...)
	shape[a] = cnt
	off := t.offset
	if cnt > 0 {
		off += start * t.strides[a]
	}
	// With one element or none the stride is never used, and leaving it
	// avoids stride·step overflowing for a step past the axis end. With
	// more, step < n, so the product stays below stride·n.
	if cnt > 1 {
		strides[a] *= step
	}
	return &Tensor{shape: shape, strides: strides, offset: off, data: t.data}, nil
}

// Select returns the view at index i of axis (rank decreases by one).
func (t *Tensor) Select(axis, i int) (*Tensor, error) {
	a, err := normAxis(axis, len(t.shape))
	if err != nil {
		return nil, err
	}
	n := t.shape[a]
	j := i
	if j < 0 {
		j += n
	}
	if j < 0 || j >= n {
		return nil, fmt.Errorf("tensor: index %d is out of range for axis %d of size %d", i, a, n)
	}
	shape := append(append([]int(nil), t.shape[:a]...), t.shape[a+1:]...)
	strides := append(append([]int(nil), t.strides[:a]...), t.strides[a+1:]...)
	return &Tensor{shape: shape, strides: strides, offset: t.offset + j*t.strides[a], data: t.data}, nil
}
