// Package tensor is pare's n-dimensional float32 array: a shape, strides in
// elements and an offset into a shared backing slice, so transpose, slice and
// reshape of contiguous data are views. It imports nothing from Starlark.
package tensor

import (
	"fmt"
	"slices"
	"strings"
)

// Tensor is a strided view of float32 data. The zero value is not valid; use
// New, Zeros, FromSlice or a view method. Shapes of rank 0 are scalars.
type Tensor struct {
	shape   []int
	strides []int
	offset  int
	data    []float32
}

// New returns a zero-filled contiguous tensor of the given shape. The bytes
// are charged to the memory limit (see SetMemoryLimit).
func New(shape ...int) *Tensor {
	n := checkShape(shape)
	nd := len(shape)
	dims := make([]int, 2*nd) // shape and strides share one allocation
	copy(dims, shape)
	strides := dims[nd:]
	s := 1
	for i := nd - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	return &Tensor{shape: dims[:nd:nd], strides: strides, data: alloc(n, shape)}
}

// Zeros is New under the NumPy name.
func Zeros(shape ...int) *Tensor { return New(shape...) }

// FromSlice wraps data (not copied) as a contiguous tensor of the given
// shape. It returns an error when len(data) differs from the shape's size.
func FromSlice(data []float32, shape ...int) (*Tensor, error) {
	n, err := ShapeSize(shape)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("tensor: %d values do not fill shape %v (%d elements)", len(data), shape, n)
	}
	return &Tensor{shape: append([]int(nil), shape...), strides: contiguousStrides(shape), data: data}, nil
}

// MustFromSlice is FromSlice for callers that computed the shape themselves;
// a size mismatch is a programming error and panics.
func MustFromSlice(data []float32, shape ...int) *Tensor {
	t, err := FromSlice(data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// Scalar returns a rank-0 tensor holding v.
func Scalar(v float32) *Tensor {
	t := New()
	t.data[0] = v
	return t
}

// maxElements bounds the element count of a shape so that byte counts
// (4 per element) cannot overflow an int64.
const (
	maxElementsLog2 = 60
	maxElements     = 1 << maxElementsLog2
)

// MaxRank is the largest number of dimensions a tensor may have. Printing,
// tolist and indexing copy the shape once per level, so a rank without
// bound would make them quadratic in it.
const MaxRank = 64

// ShapeSize returns the number of elements of shape, or an error for more
// than MaxRank dimensions, a negative dimension, or non-zero dimensions
// whose product exceeds 2^60. The last check applies to shapes with a zero
// dimension too, because strides and slice offsets are products of the
// other dimensions and must not overflow either.
func ShapeSize(shape []int) (int, error) {
	if len(shape) > MaxRank {
		return 0, fmt.Errorf("tensor: shape has %d dimensions; want at most %d", len(shape), MaxRank)
	}
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("tensor: shape %v: dimension %d is negative", shape, i)
		}
	}
	hasZero := slices.Contains(shape, 0)
	n := 1
	for _, d := range shape {
		if d == 0 {
			continue
		}
		if n > maxElements/d {
			if hasZero {
				return 0, fmt.Errorf("tensor: shape %v: the non-zero dimensions multiply to more than 2^%d; this limit applies to empty tensors too", shape, maxElementsLog2)
			}
			return 0, fmt.Errorf("tensor: shape %v has more than 2^%d elements", shape, maxElementsLog2)
		}
		n *= d
	}
	if hasZero {
		return 0, nil
	}
	return n, nil
}

// ShapeError is the panic value of New for an invalid shape. It marks
// itself as a user error, so the Starlark layer reports it as a plain error
// when a script asked for the shape.
type ShapeError struct{ Err error }

func (e *ShapeError) Error() string { return strings.TrimPrefix(e.Err.Error(), "tensor: ") }

// UserError marks the error as one to report to the script, not a bug.
func (e *ShapeError) UserError() {}

func checkShape(shape []int) int {
	n, err := ShapeSize(shape)
	if err != nil {
		panic(&ShapeError{Err: err})
	}
	return n
}

func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// Shape returns the dimensions. The caller must not modify the slice.
func (t *Tensor) Shape() []int { return t.shape }

// Strides returns the strides in elements. The caller must not modify them.
func (t *Tensor) Strides() []int { return t.strides }

// Offset returns the index of element [0, ..., 0] in the backing slice.
func (t *Tensor) Offset() int { return t.offset }

// Storage returns the whole backing slice shared by all views of it.
func (t *Tensor) Storage() []float32 { return t.data }

// Ndim returns the rank.
func (t *Tensor) Ndim() int { return len(t.shape) }

// Size returns the number of elements.
func (t *Tensor) Size() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// IsContiguous reports whether the elements are laid out in row-major order
// without gaps.
func (t *Tensor) IsContiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// Data returns the elements in row-major order: the backing slice itself
// when the tensor is contiguous (writes go through), a fresh copy otherwise.
func (t *Tensor) Data() []float32 {
	if t.IsContiguous() {
		return t.data[t.offset : t.offset+t.Size()]
	}
	return t.Contiguous().data
}

// Contiguous returns t when it is contiguous, otherwise a row-major copy.
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	out := New(t.shape...)
	copyInto(out, t)
	return out
}

// Clone returns a contiguous copy that shares nothing with t.
func (t *Tensor) Clone() *Tensor {
	out := New(t.shape...)
	copy(out.data, t.Data())
	return out
}

// each calls f with the storage offset of every element in row-major order.
func (t *Tensor) each(f func(off int)) {
	n := t.Size()
	if n == 0 {
		return
	}
	nd := len(t.shape)
	if nd == 0 {
		f(t.offset)
		return
	}
	idx := make([]int, nd)
	off := t.offset
	last := nd - 1
	for {
		// Run the innermost dimension as a plain loop.
		s := t.strides[last]
		for j := 0; j < t.shape[last]; j++ {
			f(off + j*s)
		}
		d := last - 1
		for ; d >= 0; d-- {
			idx[d]++
			off += t.strides[d]
			if idx[d] < t.shape[d] {
				break
			}
			off -= idx[d] * t.strides[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// index returns the storage offset of the element at idx, which must have
// one in-range entry per dimension (negative entries count from the end).
func (t *Tensor) index(idx []int) (int, error) {
	if len(idx) != len(t.shape) {
		return 0, fmt.Errorf("tensor: %d indices for a tensor of rank %d", len(idx), len(t.shape))
	}
	off := t.offset
	for d, i := range idx {
		n := t.shape[d]
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return 0, fmt.Errorf("tensor: index %d is out of range for axis %d of size %d", idx[d], d, n)
		}
		off += i * t.strides[d]
	}
	return off, nil
}

// At returns the element at idx.
func (t *Tensor) At(idx ...int) (float32, error) {
	off, err := t.index(idx)
	if err != nil {
		return 0, err
	}
	return t.data[off], nil
}

// SetAt stores v at idx.
func (t *Tensor) SetAt(v float32, idx ...int) error {
	off, err := t.index(idx)
	if err != nil {
		return err
	}
	t.data[off] = v
	return nil
}

// Item returns the single element of a tensor of size 1.
func (t *Tensor) Item() (float32, error) {
	if t.Size() != 1 {
		return 0, fmt.Errorf("tensor: item() needs exactly one element, got shape %v", t.shape)
	}
	var v float32
	t.each(func(off int) { v = t.data[off] })
	return v, nil
}

// ShapeString formats a shape as (2, 3).
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
