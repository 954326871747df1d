package tensor

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var sortBuiltins = []host.Builtin{
	{Name: "sort", Fn: sortBuiltin(false), Doc: `sort(x, axis=-1, descending=False)

Returns x sorted along axis (stable; nan last ascending, first descending).`},
	{Name: "argsort", Fn: sortBuiltin(true), Doc: `argsort(x, axis=-1, descending=False)

Returns the positions that sort x along axis, as float32 integers.`},
	{Name: "topk", Fn: topk, Doc: `topk(x, k, axis=-1, largest=True)

Returns (values, indices) of the k largest entries along axis.

The entries come in sorted order; largest=False selects the smallest.`},
	{Name: "kthvalue", Fn: kthvalue, Doc: `kthvalue(x, k, axis=-1, keepdims=False)

Returns (values, indices) of the k-th smallest entry along axis.

k counts from 1, as in PyTorch.`},
}

func sortBuiltin(indices bool) host.Func {
	return func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x tensorArg
		axis := -1
		descending := false
		if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis, "descending?", &descending); err != nil {
			return nil, err
		}
		if x.t.Ndim() == 0 {
			return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
		}
		v, i, err := tensor.SortContext(host.Context(thread), x.t, axis, descending)
		if err != nil {
			return nil, opErr(fn, err)
		}
		if indices {
			return Wrap(i), nil
		}
		return Wrap(v), nil
	}
}

func topk(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var k int
	axis := -1
	largest := true
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "k", &k, "axis?", &axis, "largest?", &largest); err != nil {
		return nil, err
	}
	if x.t.Ndim() == 0 {
		return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
	}
	v, i, err := tensor.TopkContext(host.Context(thread), x.t, k, axis, largest)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return starlark.Tuple{Wrap(v), Wrap(i)}, nil
}

func kthvalue(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var k int
	axis := -1
	keepdims := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "k", &k, "axis?", &axis, "keepdims?", &keepdims); err != nil {
		return nil, err
	}
	if x.t.Ndim() == 0 {
		return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
	}
	v, i, err := tensor.KthvalueContext(host.Context(thread), x.t, k, axis, keepdims)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return starlark.Tuple{scalarOrTensor(v), scalarOrTensor(i)}, nil
}
