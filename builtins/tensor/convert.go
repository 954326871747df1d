package tensor

import (
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"pare/ops/tensor"
)

// FromValue converts a Starlark value to a tensor: a tensor is returned as
// is (not copied), an int, float or bool becomes a rank-0 tensor, and nested
// lists or tuples of numbers with a rectangular shape become a new tensor.
// The error names what was got and what is accepted but no function, so
// callers prefix their own name.
func FromValue(v starlark.Value) (*tensor.Tensor, error) {
	switch x := v.(type) {
	case *Value:
		return x.t, nil
	case starlark.Int, starlark.Float, starlark.Bool:
		f, err := toFloat(v)
		if err != nil {
			return nil, err
		}
		return tensor.Scalar(f), nil
	case *starlark.List, starlark.Tuple:
		return fromNested(v)
	}
	return nil, fmt.Errorf("got %s, want a tensor, a number or a nested list of numbers", v.Type())
}

func toFloat(v starlark.Value) (float32, error) {
	switch x := v.(type) {
	case starlark.Float:
		return float32(x), nil
	case starlark.Int:
		f, _ := starlark.AsFloat(x)
		return float32(f), nil
	case starlark.Bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("got %s, want a number", v.Type())
}

// fromNested reads a rectangular nest of lists or tuples of numbers (or
// tensors, which stack in place of a list).
func fromNested(v starlark.Value) (*tensor.Tensor, error) {
	var shape []int
	// The shape is taken from the first element at each depth; every other
	// element must match it.
	for x := v; ; {
		if len(shape) > tensor.MaxRank {
			// A list that contains itself would nest forever.
			return nil, fmt.Errorf("got lists nested more than %d deep (does a list contain itself?), want at most %d levels, the maximum tensor rank",
				tensor.MaxRank, tensor.MaxRank)
		}
		seq, ok := asSequence(x)
		if ok {
			shape = append(shape, seq.Len())
			if seq.Len() == 0 {
				break
			}
			x = seq.Index(0)
			continue
		}
		if t, ok := x.(*Value); ok {
			shape = append(shape, t.t.Shape()...)
		}
		break
	}
	n, err := tensor.ShapeSize(shape)
	if err != nil {
		return nil, err
	}
	data := tensor.Alloc(n, shape...)
	pos := 0
	if err := fillNested(v, shape, 0, nil, data, &pos); err != nil {
		return nil, err
	}
	return tensor.FromSlice(data, shape...)
}

func asSequence(v starlark.Value) (starlark.Indexable, bool) {
	switch x := v.(type) {
	case *starlark.List:
		return x, true
	case starlark.Tuple:
		return x, true
	}
	return nil, false
}

func fillNested(v starlark.Value, shape []int, depth int, path []int, data []float32, pos *int) error {
	where := func() string {
		if len(path) == 0 {
			return "the value"
		}
		parts := make([]string, len(path))
		for i, p := range path {
			parts[i] = fmt.Sprint(p)
		}
		return "element [" + strings.Join(parts, "][") + "]"
	}
	if t, ok := v.(*Value); ok {
		if !sameInts(t.t.Shape(), shape[depth:]) {
			return fmt.Errorf("%s is a tensor of shape %s, want shape %s so that the nest is rectangular",
				where(), tensor.ShapeString(t.t.Shape()), tensor.ShapeString(shape[depth:]))
		}
		*pos += copy(data[*pos:], t.t.Data())
		return nil
	}
	if depth == len(shape) {
		f, err := toFloat(v)
		if err != nil {
			return fmt.Errorf("%s: got %s, want a number", where(), v.Type())
		}
		data[*pos] = f
		*pos++
		return nil
	}
	seq, ok := asSequence(v)
	if !ok {
		return fmt.Errorf("%s: got %s, want a list of length %d so that the nest is rectangular", where(), v.Type(), shape[depth])
	}
	if seq.Len() != shape[depth] {
		return fmt.Errorf("%s: got a list of length %d, want length %d so that the nest is rectangular", where(), seq.Len(), shape[depth])
	}
	for i := range seq.Len() {
		if err := fillNested(seq.Index(i), shape, depth+1, append(path, i), data, pos); err != nil {
			return err
		}
	}
	return nil
}

func sameInts(a, b []int) bool {
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

// tensorArg unpacks a tensor-like argument (see FromValue).
type tensorArg struct{ t *tensor.Tensor }

func (a *tensorArg) Unpack(v starlark.Value) error {
	t, err := FromValue(v)
	if err != nil {
		return err
	}
	a.t = t
	return nil
}

// shapeArg unpacks a shape: an int or a list or tuple of ints >= 0.
type shapeArg struct{ shape []int }

func (a *shapeArg) Unpack(v starlark.Value) error {
	if _, ok := v.(starlark.Int); ok {
		n, err := starlark.AsInt32(v)
		if err != nil {
			return fmt.Errorf("got %s, want a size in [0, %d]", v, math.MaxInt32)
		}
		if n < 0 {
			return fmt.Errorf("got %s, want a size >= 0", v)
		}
		a.shape = []int{n}
		return nil
	}
	seq, ok := asSequence(v)
	if !ok {
		return fmt.Errorf("got %s, want a shape: an int or a list of ints", v.Type())
	}
	if seq.Len() > tensor.MaxRank {
		return fmt.Errorf("got a shape of %d dimensions, want at most %d", seq.Len(), tensor.MaxRank)
	}
	a.shape = make([]int, seq.Len())
	for i := range seq.Len() {
		d := seq.Index(i)
		n, err := starlark.AsInt32(d)
		if _, isInt := d.(starlark.Int); isInt && err != nil {
			return fmt.Errorf("got %s: dimension %d is %s, want a size in [0, %d]", v, i, d, math.MaxInt32)
		}
		if err != nil || n < 0 {
			return fmt.Errorf("got %s, want a shape of ints >= 0", v)
		}
		a.shape[i] = n
	}
	if _, err := tensor.ShapeSize(a.shape); err != nil {
		return fmt.Errorf("got %s, %s", v, trimPrefix(err))
	}
	return nil
}

// intsArg unpacks an int or a list or tuple of ints (axes, sizes), kept as
// given; any sign is accepted.
type intsArg struct {
	ints   []int
	scalar bool
}

func (a *intsArg) Unpack(v starlark.Value) error {
	if _, ok := v.(starlark.Int); ok {
		n, err := starlark.AsInt32(v)
		if err != nil {
			return fmt.Errorf("got %s, want an int in [%d, %d]", v, math.MinInt32, math.MaxInt32)
		}
		a.ints, a.scalar = []int{n}, true
		return nil
	}
	seq, ok := asSequence(v)
	if !ok {
		return fmt.Errorf("got %s, want an int or a list of ints", v.Type())
	}
	a.ints = make([]int, seq.Len())
	for i := range seq.Len() {
		n, err := starlark.AsInt32(seq.Index(i))
		if err != nil {
			return fmt.Errorf("got %s, want a list of ints in [%d, %d]", v, math.MinInt32, math.MaxInt32)
		}
		a.ints[i] = n
	}
	return nil
}

// axesArg unpacks an optional axis: None (all axes), an int, or a list of
// ints.
type axesArg struct {
	axes []int // nil: all axes
	set  bool
}

func (a *axesArg) Unpack(v starlark.Value) error {
	if v == starlark.None {
		a.axes, a.set = nil, false
		return nil
	}
	var ia intsArg
	if err := ia.Unpack(v); err != nil {
		return fmt.Errorf("got %s, want None, an int or a list of ints", v.Type())
	}
	a.axes, a.set = ia.ints, true
	return nil
}

// optFloat unpacks None or a number.
type optFloat struct {
	v   float64
	set bool
}

func (a *optFloat) Unpack(v starlark.Value) error {
	if v == starlark.None {
		a.set = false
		return nil
	}
	f, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want None or a number", v.Type())
	}
	a.v, a.set = f, true
	return nil
}

// floatArg unpacks a number.
type floatArg struct{ v float64 }

func (a *floatArg) Unpack(v starlark.Value) error {
	f, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want a number", v.Type())
	}
	a.v = f
	return nil
}

// dtypeArg unpacks the dtype name of a creation function; tensors hold
// float32 only.
type dtypeArg struct{}

func (a *dtypeArg) Unpack(v starlark.Value) error {
	s, ok := starlark.AsString(v)
	if !ok || (s != "f32" && s != "float32") {
		return fmt.Errorf("got %s, want \"f32\" (tensors hold float32; bf16 and f16 are storage formats converted on load)", v)
	}
	return nil
}

// toList converts t to nested Starlark lists of floats (a float for rank 0).
// A tensor with elements gives at most rank lists per element. An empty one
// still gives one list per index of its axes before the first 0, so that
// count is bounded by tensor.MaxPieces.
func toList(t *tensor.Tensor) (starlark.Value, error) {
	if t.Size() == 0 && emptyListsExceed(t.Shape(), tensor.MaxPieces) {
		return nil, fmt.Errorf("got an empty tensor of shape %s, which would give more than %d nested empty lists; want at most %d",
			tensor.ShapeString(t.Shape()), tensor.MaxPieces, tensor.MaxPieces)
	}
	return nestedList(t), nil
}

// emptyListsExceed reports whether the nested lists of a tensor of shape,
// which has a zero dimension, number more than limit. Depth k holds the
// product of shape[:k] lists.
func emptyListsExceed(shape []int, limit int) bool {
	lists, level := 0, 1
	for _, d := range shape {
		lists += level
		level *= d
		if level == 0 {
			break
		}
		if lists > limit || level > limit {
			return true
		}
	}
	return lists > limit
}

func nestedList(t *tensor.Tensor) starlark.Value {
	if t.Ndim() == 0 {
		x, _ := t.Item()
		return starlark.Float(x)
	}
	n := t.Dim(0)
	elems := make([]starlark.Value, n)
	for i := range n {
		row, _ := t.Select(0, i)
		elems[i] = nestedList(row)
	}
	return starlark.NewList(elems)
}

// intsValue returns a tuple of ints.
func intsValue(xs []int) starlark.Tuple {
	out := make(starlark.Tuple, len(xs))
	for i, x := range xs {
		out[i] = starlark.MakeInt(x)
	}
	return out
}
