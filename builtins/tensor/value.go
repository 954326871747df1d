package tensor

import (
	"fmt"
	"slices"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/builtins/host"
	"pare/ops/tensor"
)

// Value is the Starlark tensor: an immutable handle on a *tensor.Tensor.
// Operations return new tensors (or views that share storage and are never
// written through), so a tensor needs no freezing.
type Value struct {
	t *tensor.Tensor
}

var (
	_ starlark.HasAttrs   = (*Value)(nil)
	_ starlark.Mapping    = (*Value)(nil)
	_ starlark.Sliceable  = (*Value)(nil)
	_ starlark.Iterable   = (*Value)(nil)
	_ starlark.HasBinary  = (*Value)(nil)
	_ starlark.HasUnary   = (*Value)(nil)
	_ starlark.Comparable = (*Value)(nil)
)

// Wrap returns t as a Starlark tensor value.
func Wrap(t *tensor.Tensor) starlark.Value { return &Value{t: t} }

// Tensor returns the wrapped tensor.
func (v *Value) Tensor() *tensor.Tensor { return v.t }

func (v *Value) String() string        { return v.t.String() }
func (v *Value) Type() string          { return "tensor" }
func (v *Value) Freeze()               {}
func (v *Value) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: tensor") }

// Truth is the value of a one-element tensor and, as for lists, whether the
// tensor is non-empty otherwise.
// NOTE: NumPy raises for the truth of a multi-element array, but Starlark's
// Truth cannot fail. Scripts should test a reduction such as t.min() > 0.
func (v *Value) Truth() starlark.Bool {
	if v.t.Size() == 1 {
		x, _ := v.t.Item()
		return x != 0
	}
	return v.t.Size() > 0
}

// Len is the size of the first axis; a scalar tensor has length 0.
func (v *Value) Len() int {
	if v.t.Ndim() == 0 {
		return 0
	}
	return v.t.Dim(0)
}

// Index returns row i of the first axis (0 <= i < Len()).
func (v *Value) Index(i int) starlark.Value {
	row, err := v.t.Select(0, i)
	if err != nil {
		panic(err) // the interpreter checks the range before calling Index
	}
	return scalarOrTensor(row)
}

// Slice cuts the first axis as t[start:end:step]. A scalar tensor has no
// axis to cut and is returned unchanged, because Slice cannot fail.
func (v *Value) Slice(start, end, step int) starlark.Value {
	if v.t.Ndim() == 0 {
		return v
	}
	if step < 0 && v.t.Size() == 0 {
		// Reversed rows of an empty tensor are empty too, so only the shape
		// changes. Copying row by row would allocate one header per row,
		// and the first axis can be 2^31 long.
		shape := append([]int(nil), v.t.Shape()...)
		shape[0] = 0
		if start > end {
			shape[0] = (start-end-1)/(-step) + 1
		}
		return Wrap(tensor.New(shape...))
	}
	if step < 0 {
		// A negative step has no strided view here; copy the rows in order.
		var rows []*tensor.Tensor
		for i := start; i > end; i += step {
			r, _ := v.t.Select(0, i)
			rows = append(rows, r)
		}
		if len(rows) == 0 {
			s, _ := v.t.Slice(0, 0, 0, 1)
			return Wrap(s)
		}
		out, err := tensor.Stack(rows, 0)
		if err != nil {
			panic(err)
		}
		return Wrap(out)
	}
	s, err := v.t.Slice(0, start, end, step)
	if err != nil {
		panic(err)
	}
	return Wrap(s)
}

// Get implements t[i] and t[i, j, ...]: each integer (negative counts from
// the end) selects along the next axis. Indexing every axis gives a float.
func (v *Value) Get(key starlark.Value) (starlark.Value, bool, error) {
	var keys starlark.Tuple
	switch k := key.(type) {
	case starlark.Tuple:
		keys = k
	default:
		keys = starlark.Tuple{key}
	}
	if len(keys) > v.t.Ndim() {
		return nil, false, fmt.Errorf("tensor index: got %d indices, want at most %d for a tensor of shape %s",
			len(keys), v.t.Ndim(), tensor.ShapeString(v.t.Shape()))
	}
	t := v.t
	for axis, k := range keys {
		n := t.Dim(0)
		i, err := starlark.AsInt32(k)
		if _, isInt := k.(starlark.Int); isInt && err != nil {
			return nil, false, fmt.Errorf("tensor index: index %s is out of range for axis %d of size %d (shape %s)",
				k, axis, n, tensor.ShapeString(v.t.Shape()))
		}
		if err != nil {
			return nil, false, fmt.Errorf("tensor index: index %d: got %s, want an int", axis, k.Type())
		}
		if i < -n || i >= n {
			return nil, false, fmt.Errorf("tensor index: index %d is out of range for axis %d of size %d (shape %s)",
				i, axis, n, tensor.ShapeString(v.t.Shape()))
		}
		t, err = t.Select(0, i)
		if err != nil {
			return nil, false, err
		}
	}
	return scalarOrTensor(t), true, nil
}

func scalarOrTensor(t *tensor.Tensor) starlark.Value {
	if t.Ndim() == 0 {
		x, _ := t.Item()
		return starlark.Float(x)
	}
	return Wrap(t)
}

// Iterate walks the first axis, yielding rows (floats for a vector).
func (v *Value) Iterate() starlark.Iterator {
	return &rowIterator{v: v}
}

type rowIterator struct {
	v *Value
	i int
}

func (it *rowIterator) Next(p *starlark.Value) bool {
	if it.i >= it.v.Len() {
		return false
	}
	*p = it.v.Index(it.i)
	it.i++
	return true
}

func (it *rowIterator) Done() {}

// Binary implements + - * / between tensors, numbers and nested lists, with
// NumPy broadcasting.
func (v *Value) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (_ starlark.Value, err error) {
	defer catchUserError(&err)
	var f func(a, b *tensor.Tensor) (*tensor.Tensor, error)
	switch op {
	case syntax.PLUS:
		f = tensor.Add
	case syntax.MINUS:
		f = tensor.Sub
	case syntax.STAR:
		f = tensor.Mul
	case syntax.SLASH:
		f = tensor.Div
	default:
		return nil, nil
	}
	other, err := FromValue(y)
	if err != nil {
		return nil, nil // let the interpreter report the unsupported operand
	}
	a, b := v.t, other
	if side == starlark.Right {
		a, b = b, a
	}
	out, err := f(a, b)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %s", op, trimPrefix(err))
	}
	return Wrap(out), nil
}

// Unary implements -t and +t.
func (v *Value) Unary(op syntax.Token) (_ starlark.Value, err error) {
	defer catchUserError(&err)
	switch op {
	case syntax.MINUS:
		return Wrap(tensor.Neg(v.t)), nil
	case syntax.PLUS:
		return v, nil
	}
	return nil, nil
}

// CompareSameType makes == and != compare shapes and values exactly, so a
// NaN anywhere makes two tensors unequal. Elementwise comparisons that give
// masks are tensor.eq, tensor.lt and the other comparison functions.
func (v *Value) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	// Another type may also call itself "tensor" (nn's traced tensors), so
	// the assertion is checked; such a value is unequal to every Value.
	w, ok := y.(*Value)
	if !ok {
		switch op {
		case syntax.EQL:
			return false, nil
		case syntax.NEQ:
			return true, nil
		}
		return false, fmt.Errorf("tensor %s %s: tensors are not ordered", op, y.Type())
	}
	switch op {
	case syntax.EQL:
		return equal(v.t, w.t), nil
	case syntax.NEQ:
		return !equal(v.t, w.t), nil
	}
	return false, fmt.Errorf("tensor %s tensor: tensors are not ordered; use tensor.lt, le, gt or ge for an elementwise mask", op)
}

func equal(a, b *tensor.Tensor) bool {
	return slices.Equal(a.Shape(), b.Shape()) && slices.Equal(a.Data(), b.Data())
}

// catchUserError turns a panic carrying a host.UserError (a memory-limit or
// shape error raised during allocation) into *err. Operators run outside
// any builtin, so host.Recover does not cover them. Other panics go on.
func catchUserError(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if ue, ok := r.(host.UserError); ok {
		*err = ue
		return
	}
	panic(r)
}
