package tensor

import (
	"math"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

const reduceNote = `axis is None (every axis), an int or a list of ints; negative axes count
from the end. keepdims=True keeps reduced axes with size 1. A reduction
over every axis without keepdims returns a float.`

var reduceBuiltins = []host.Builtin{
	reduceBuiltin("sum", tensor.Sum, "Returns the sum over axis.\n\nThe sum accumulates in float64 (runs of up to 1024 contiguous values are\nadded in float32 vector lanes first)."),
	reduceBuiltin("mean", tensor.Mean, "Returns the arithmetic mean over axis; nan over an empty axis."),
	reduceBuiltin("max", tensor.Max, "Returns the largest value over axis; nan if any value is nan."),
	reduceBuiltin("min", tensor.Min, "Returns the smallest value over axis; nan if any value is nan."),
	reduceBuiltin("logsumexp", tensor.LogSumExp, "Returns log(sum(exp(x))) over axis, shifted by the maximum so it cannot overflow."),
	{Name: "var", Fn: varianceBuiltin(tensor.Var), Doc: "var(x, axis=None, ddof=0, keepdims=False)\n\nReturns the variance over axis with divisor n - ddof.\n\nIt is computed in two passes in float64, so a large mean does not cancel it.\n\n" + reduceNote},
	{Name: "std", Fn: varianceBuiltin(tensor.Std), Doc: "std(x, axis=None, ddof=0, keepdims=False)\n\nReturns the standard deviation over axis with divisor n - ddof.\n\n" + reduceNote},
	{Name: "norm", Fn: norm, Doc: "norm(x, ord=2, axis=None, keepdims=False)\n\nReturns the vector ord-norm over axis.\n\n" +
		"The norm is (sum |x|**ord)**(1/ord); ord may also be inf (largest |x|),\n" +
		"-inf (smallest |x|) or 0 (count of non-zeros).\n\n" + reduceNote},
	{Name: "argmax", Fn: argBuiltin(tensor.Argmax), Doc: `argmax(x, axis=None, keepdims=False)

Returns the index of the first largest value along axis.

With axis=None the index is into the flattened tensor and is returned as an
int; otherwise the indices are a tensor. nan counts as the largest value.`},
	{Name: "argmin", Fn: argBuiltin(tensor.Argmin), Doc: `argmin(x, axis=None, keepdims=False)

Returns the index of the first smallest value along axis.

With axis=None the index is into the flattened tensor and is returned as an
int; otherwise the indices are a tensor. nan counts as the smallest value.`},
	axisBuiltin("softmax", tensor.Softmax, "Returns exp(x) / sum(exp(x)) along axis, shifted by the maximum."),
	axisBuiltin("log_softmax", tensor.LogSoftmax, "Returns x - logsumexp(x) along axis."),
	{Name: "cumsum", Fn: cumsum, Doc: `cumsum(x, axis=None)

Returns running sums along axis.

Sums accumulate in float64. axis=None runs over the flattened tensor.`},
}

// reduced returns a full reduction as a float and anything else as a tensor.
func reduced(t *tensor.Tensor) starlark.Value { return scalarOrTensor(t) }

func reduceBuiltin(name string, f func(t *tensor.Tensor, axes []int, keepdims bool) (*tensor.Tensor, error), doc string) host.Builtin {
	return host.Builtin{
		Name: name,
		Doc:  name + "(x, axis=None, keepdims=False)\n\n" + doc + "\n\n" + reduceNote,
		Fn: func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x tensorArg
			var axis axesArg
			keepdims := false
			if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis, "keepdims?", &keepdims); err != nil {
				return nil, err
			}
			out, err := f(x.t, axis.axes, keepdims)
			if err != nil {
				return nil, opErr(fn, err)
			}
			return reduced(out), nil
		},
	}
}

func varianceBuiltin(f func(t *tensor.Tensor, axes []int, ddof int, keepdims bool) (*tensor.Tensor, error)) host.Func {
	return func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x tensorArg
		var axis axesArg
		ddof := 0
		keepdims := false
		if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis, "ddof?", &ddof, "keepdims?", &keepdims); err != nil {
			return nil, err
		}
		if ddof < 0 {
			return nil, host.Errorf(fn, "ddof: got %d, want an int >= 0", ddof)
		}
		out, err := f(x.t, axis.axes, ddof, keepdims)
		if err != nil {
			return nil, opErr(fn, err)
		}
		return reduced(out), nil
	}
}

func norm(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	ord := floatArg{v: 2}
	var axis axesArg
	keepdims := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "ord?", &ord, "axis?", &axis, "keepdims?", &keepdims); err != nil {
		return nil, err
	}
	if math.IsNaN(ord.v) || (ord.v < 0 && !math.IsInf(ord.v, -1)) {
		return nil, host.Errorf(fn, "ord: got %v, want a number >= 0, inf or -inf", ord.v)
	}
	out, err := tensor.Norm(x.t, ord.v, axis.axes, keepdims)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return reduced(out), nil
}

func argBuiltin(f func(t *tensor.Tensor, axes []int, keepdims bool) (*tensor.Tensor, error)) host.Func {
	return func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x tensorArg
		var axis starlark.Value = starlark.None
		keepdims := false
		if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis, "keepdims?", &keepdims); err != nil {
			return nil, err
		}
		var axes []int
		if axis != starlark.None {
			a, err := starlark.AsInt32(axis)
			if err != nil {
				return nil, host.Errorf(fn, "axis: got %s, want None or an int", axis.Type())
			}
			axes = []int{a}
		}
		out, err := f(x.t, axes, keepdims)
		if err != nil {
			return nil, opErr(fn, err)
		}
		if out.Ndim() == 0 {
			v, _ := out.Item()
			return starlark.MakeInt(int(v)), nil
		}
		return Wrap(out), nil
	}
}

func axisBuiltin(name string, f func(t *tensor.Tensor, axis int) (*tensor.Tensor, error), doc string) host.Builtin {
	return host.Builtin{
		Name: name,
		Doc:  name + "(x, axis=-1)\n\n" + doc,
		Fn: func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var x tensorArg
			axis := -1
			if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis); err != nil {
				return nil, err
			}
			if x.t.Ndim() == 0 {
				return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
			}
			out, err := f(x.t, axis)
			if err != nil {
				return nil, opErr(fn, err)
			}
			return Wrap(out), nil
		},
	}
}

func cumsum(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var axis starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis?", &axis); err != nil {
		return nil, err
	}
	t, a := x.t, 0
	if axis == starlark.None {
		flat, err := t.Reshape(-1)
		if err != nil {
			return nil, opErr(fn, err)
		}
		t = flat
	} else {
		i, err := starlark.AsInt32(axis)
		if err != nil {
			return nil, host.Errorf(fn, "axis: got %s, want None or an int", axis.Type())
		}
		a = i
	}
	if t.Ndim() == 0 {
		return nil, host.Errorf(fn, "x: got a scalar tensor, want at least one axis")
	}
	out, err := tensor.Cumsum(t, a)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}
