package tensor

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var creationBuiltins = []host.Builtin{
	{Name: "array", Fn: array, Doc: `array(data)

Returns a new tensor holding a copy of data.

data is a number, a nested list or tuple of numbers with a rectangular
shape, or a tensor. Lists nest at most 64 deep, the maximum rank, so a list
that contains itself is an error.`},
	{Name: "zeros", Fn: zeros, Doc: `zeros(shape, dtype="f32")

Returns a tensor of the given shape (an int or a list of ints) filled with 0.`},
	{Name: "ones", Fn: ones, Doc: `ones(shape, dtype="f32")

Returns a tensor of the given shape filled with 1.`},
	{Name: "full", Fn: full, Doc: `full(shape, value, dtype="f32")

Returns a tensor of the given shape filled with value.`},
	{Name: "arange", Fn: arange, Doc: `arange(start, stop=None, step=1)

Returns evenly spaced values in [start, stop), as NumPy's arange.

The values are start, start+step, ... below stop (above it for a negative
step). With one argument it counts from 0 to start.`},
	{Name: "linspace", Fn: linspace, Doc: `linspace(start, stop, num=50, endpoint=True)

Returns num evenly spaced values from start to stop.

stop is the last value when endpoint is True and is excluded otherwise.`},
	{Name: "eye", Fn: eye, Doc: `eye(n, m=None, k=0)

Returns an n×m matrix with ones on one diagonal and zeros elsewhere.

m defaults to n. k selects the diagonal: 0 is the main one, k > 0 lies
above it and k < 0 below.`},
}

func array(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "data", &data); err != nil {
		return nil, err
	}
	if v, ok := data.(*Value); ok {
		return Wrap(v.t.Clone()), nil
	}
	t, err := FromValue(data)
	if err != nil {
		return nil, host.Errorf(fn, "data: %s", err)
	}
	return Wrap(t), nil
}

func zeros(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var shape shapeArg
	var dtype dtypeArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "shape", &shape, "dtype?", &dtype); err != nil {
		return nil, err
	}
	return Wrap(tensor.New(shape.shape...)), nil
}

func ones(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var shape shapeArg
	var dtype dtypeArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "shape", &shape, "dtype?", &dtype); err != nil {
		return nil, err
	}
	return Wrap(tensor.Ones(shape.shape...)), nil
}

func full(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var shape shapeArg
	var value floatArg
	var dtype dtypeArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "shape", &shape, "value", &value, "dtype?", &dtype); err != nil {
		return nil, err
	}
	return Wrap(tensor.Full(float32(value.v), shape.shape...)), nil
}

func arange(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start floatArg
	var stop optFloat
	step := floatArg{v: 1}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "start", &start, "stop?", &stop, "step?", &step); err != nil {
		return nil, err
	}
	lo, hi := start.v, stop.v
	if !stop.set {
		lo, hi = 0, start.v
	}
	if step.v == 0 {
		return nil, host.Errorf(fn, "step: got 0, want a non-zero number")
	}
	t, err := tensor.Arange(lo, hi, step.v)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(t), nil
}

func linspace(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start, stop floatArg
	num := 50
	endpoint := true
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "start", &start, "stop", &stop, "num?", &num, "endpoint?", &endpoint); err != nil {
		return nil, err
	}
	if num < 0 {
		return nil, host.Errorf(fn, "num: got %d, want an int >= 0", num)
	}
	t, err := tensor.Linspace(start.v, stop.v, num, endpoint)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(t), nil
}

func eye(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n, k int
	var m starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "n", &n, "m?", &m, "k?", &k); err != nil {
		return nil, err
	}
	cols := n
	if m != starlark.None {
		c, err := starlark.AsInt32(m)
		if err != nil {
			return nil, host.Errorf(fn, "m: got %s, want None or an int >= 0", m.Type())
		}
		cols = c
	}
	if n < 0 {
		return nil, host.Errorf(fn, "n: got %d, want an int >= 0", n)
	}
	if cols < 0 {
		return nil, host.Errorf(fn, "m: got %d, want an int >= 0", cols)
	}
	return Wrap(tensor.Eye(n, cols, k)), nil
}
