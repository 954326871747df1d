package tensor

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var shapeBuiltins = []host.Builtin{
	{Name: "matmul", Fn: matmul, Doc: `matmul(x, y)

Returns the matrix product of x and y, with NumPy's rules.

2-D operands multiply as matrices, and leading dimensions of higher ranks
broadcast as batches. A 1-D operand is a vector whose dimension is dropped
from the result, so two vectors give a float.`},
	{Name: "transpose", Fn: transpose, Doc: `transpose(x, axis0=None, axis1=None)

Returns a view of x with two axes swapped.

With axis0 and axis1 both None every axis is reversed, like x.T.`},
	{Name: "permute", Fn: permute, Doc: `permute(x, *axes)

Returns a view whose axis i is axis axes[i] of x; axes may also be one list.`},
	{Name: "reshape", Fn: reshape, Doc: `reshape(x, *shape)

Returns x with a new shape of the same size.

One dimension may be -1 and is inferred. shape may also be one list.
Contiguous tensors are reshaped without a copy.`},
	{Name: "flatten", Fn: flatten, Doc: `flatten(x)

Returns x as a 1-D tensor.`},
	{Name: "concat", Fn: concat, Doc: `concat(tensors, axis=0)

Joins a list of tensors along an existing axis; the other sizes must match.`},
	{Name: "stack", Fn: stack, Doc: `stack(tensors, axis=0)

Joins a list of tensors of one shape along a new axis.`},
	{Name: "split", Fn: split, Doc: `split(x, size, axis=0)

Cuts x along axis into a list of views, as PyTorch's split does.

An int size gives pieces of that size, the last one possibly smaller, and
at most 2^24 pieces. A list gives pieces of those sizes, which must add up
to the axis size.`},
	{Name: "slice", Fn: sliceBuiltin, Doc: `slice(x, axis, start=None, stop=None, step=1)

Returns a view of x sliced along one axis.

The view holds the entries start, start+step, ... below stop, with Python's
rules for negative and out-of-range bounds. step must be positive.`},
	{Name: "contiguous", Fn: contiguous, Doc: `contiguous(x)

Returns x laid out in row-major order, copying only when it is a strided view.`},
	{Name: "clone", Fn: cloneBuiltin, Doc: `clone(x)

Returns a copy of x that shares no storage with it.`},
	{Name: "tolist", Fn: tolist, Doc: `tolist(x)

Returns nested lists of floats (a float for a scalar tensor).

A tensor with no elements gives nested empty lists, at most 2^24 of them, so
tolist rejects shapes such as (2147483647, 0).`},
	{Name: "item", Fn: item, Doc: `item(x)

Returns the single value of a one-element tensor as a float.`},
}

func matmul(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, y tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "y", &y); err != nil {
		return nil, err
	}
	out, err := tensor.MatmulContext(host.Context(thread), x.t, y.t)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return scalarOrTensor(out), nil
}

func transpose(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var a0, a1 starlark.Value = starlark.None, starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis0?", &a0, "axis1?", &a1); err != nil {
		return nil, err
	}
	if a0 == starlark.None && a1 == starlark.None {
		return Wrap(x.t.T()), nil
	}
	i, err0 := starlark.AsInt32(a0)
	j, err1 := starlark.AsInt32(a1)
	if err0 != nil || err1 != nil {
		return nil, host.Errorf(fn, "axis0, axis1: got %s and %s, want two ints or neither", a0, a1)
	}
	out, err := x.t.Transpose(i, j)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

// varInts reads ints given either as separate arguments or as one list.
func varInts(fn *starlark.Builtin, param string, args starlark.Tuple) ([]int, error) {
	if len(args) == 1 {
		if _, ok := asSequence(args[0]); ok {
			var ia intsArg
			if err := ia.Unpack(args[0]); err != nil {
				return nil, host.Errorf(fn, "%s: %s", param, err)
			}
			return ia.ints, nil
		}
	}
	out := make([]int, len(args))
	for i, v := range args {
		n, err := starlark.AsInt32(v)
		if err != nil {
			return nil, host.Errorf(fn, "%s: got %s, want ints or one list of ints", param, v.Type())
		}
		out[i] = n
	}
	return out, nil
}

// receiverAndRest unpacks x and returns the remaining positional arguments;
// these builtins take no keywords besides x.
func receiverAndRest(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*tensor.Tensor, starlark.Tuple, error) {
	if len(kwargs) > 0 {
		return nil, nil, host.Errorf(fn, "unexpected keyword argument %s", kwargs[0][0])
	}
	if len(args) == 0 {
		return nil, nil, host.Errorf(fn, "missing argument x")
	}
	t, err := FromValue(args[0])
	if err != nil {
		return nil, nil, host.Errorf(fn, "x: %s", err)
	}
	return t, args[1:], nil
}

func permute(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t, rest, err := receiverAndRest(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	axes, err := varInts(fn, "axes", rest)
	if err != nil {
		return nil, err
	}
	out, err := t.Permute(axes...)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func reshape(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t, rest, err := receiverAndRest(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	shape, err := varInts(fn, "shape", rest)
	if err != nil {
		return nil, err
	}
	out, err := t.Reshape(shape...)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func flatten(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	out, err := x.t.Reshape(-1)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

// tensorList unpacks a list or tuple of tensor-like values.
func tensorList(fn *starlark.Builtin, param string, v starlark.Value) ([]*tensor.Tensor, error) {
	seq, ok := asSequence(v)
	if !ok {
		return nil, host.Errorf(fn, "%s: got %s, want a list of tensors", param, v.Type())
	}
	out := make([]*tensor.Tensor, seq.Len())
	for i := range out {
		t, err := FromValue(seq.Index(i))
		if err != nil {
			return nil, host.Errorf(fn, "%s[%d]: %s", param, i, err)
		}
		out[i] = t
	}
	if len(out) == 0 {
		return nil, host.Errorf(fn, "%s: got an empty list, want at least one tensor", param)
	}
	return out, nil
}

func concat(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var list starlark.Value
	axis := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "tensors", &list, "axis?", &axis); err != nil {
		return nil, err
	}
	ts, err := tensorList(fn, "tensors", list)
	if err != nil {
		return nil, err
	}
	out, err := tensor.Concat(ts, axis)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func stack(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var list starlark.Value
	axis := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "tensors", &list, "axis?", &axis); err != nil {
		return nil, err
	}
	ts, err := tensorList(fn, "tensors", list)
	if err != nil {
		return nil, err
	}
	out, err := tensor.Stack(ts, axis)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func split(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var size intsArg
	axis := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "size", &size, "axis?", &axis); err != nil {
		return nil, err
	}
	var parts []*tensor.Tensor
	var err error
	if size.scalar {
		if size.ints[0] <= 0 {
			return nil, host.Errorf(fn, "size: got %d, want an int >= 1 or a list of sizes", size.ints[0])
		}
		parts, err = tensor.SplitEvery(x.t, size.ints[0], axis)
	} else {
		parts, err = tensor.Split(x.t, size.ints, axis)
	}
	if err != nil {
		return nil, opErr(fn, err)
	}
	out := make([]starlark.Value, len(parts))
	for i, p := range parts {
		out[i] = Wrap(p)
	}
	return starlark.NewList(out), nil
}

func sliceBuiltin(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var axis int
	var start, stop starlark.Value = starlark.None, starlark.None
	step := 1
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis", &axis, "start?", &start, "stop?", &stop, "step?", &step); err != nil {
		return nil, err
	}
	if step <= 0 {
		return nil, host.Errorf(fn, "step: got %d, want an int >= 1", step)
	}

	if x.t.Ndim() == 0 {
		return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
	}
	if axis < -x.t.Ndim() || axis >= x.t.Ndim() {
		return nil, host.Errorf(fn, "axis: got %d, want an axis in [%d, %d) for shape %s",
			axis, -x.t.Ndim(), x.t.Ndim(), tensor.ShapeString(x.t.Shape()))
	}

	lo, hi := 0, x.t.Dim(axis)
	if start != starlark.None {
		i, err := starlark.AsInt32(start)
		if err != nil {
			return nil, host.Errorf(fn, "start: got %s, want None or an int", start.Type())
		}
		lo = i
	}
	if stop != starlark.None {
		i, err := starlark.AsInt32(stop)
		if err != nil {
			return nil, host.Errorf(fn, "stop: got %s, want None or an int", stop.Type())
		}
		hi = i
	}

	out, err := x.t.Slice(axis, lo, hi, step)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func contiguous(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	return Wrap(x.t.Contiguous()), nil
}

func cloneBuiltin(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	return Wrap(x.t.Clone()), nil
}

func tolist(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	out, err := toList(x.t)
	if err != nil {
		return nil, host.Errorf(fn, "x: %v", err)
	}
	return out, nil
}

func item(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	if x.t.Size() != 1 {
		return nil, host.Errorf(fn, "x: got a tensor of shape %s (%d elements), want exactly one element",
			tensor.ShapeString(x.t.Shape()), x.t.Size())
	}
	v, _ := x.t.Item()
	return starlark.Float(v), nil
}
