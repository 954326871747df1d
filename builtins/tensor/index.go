package tensor

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var indexBuiltins = []host.Builtin{
	{Name: "where", Fn: where, Doc: `where(cond, x, y)

Returns x where cond is non-zero and y elsewhere; the three broadcast.`},
	{Name: "masked_fill", Fn: maskedFill, Doc: `masked_fill(x, mask, value)

Returns a copy of x with value wherever mask is non-zero.

mask must broadcast to x's shape.`},
	{Name: "index_select", Fn: indexSelect, Doc: `index_select(x, axis, indices)

Returns the entries of x at the given indices along axis.

indices is a 1-D list or tensor of integers; negative ones count from the
end.`},
	{Name: "gather", Fn: gather, Doc: `gather(x, axis, index)

Returns the entries of x that index picks along axis, as PyTorch's gather.

For axis 1, out[i][j] = x[i][index[i][j]], and likewise for other axes.
index has x's rank and the result has index's shape.`},
	{Name: "scatter", Fn: scatter, Doc: `scatter(x, axis, index, src, reduce=None)

Returns a copy of x with src written where index points, as PyTorch's scatter.

For axis 1, out[i][index[i][j]] = src[i][j]; reduce="add" adds instead
(scatter_add). src has index's shape or is a number. With colliding indices
and no reduce, the last write in row-major order wins.`},
}

func where(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var cond, x, y tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "cond", &cond, "x", &x, "y", &y); err != nil {
		return nil, err
	}
	out, err := tensor.Where(cond.t, x.t, y.t)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func maskedFill(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, mask tensorArg
	var value floatArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "mask", &mask, "value", &value); err != nil {
		return nil, err
	}
	out, err := tensor.MaskedFill(x.t, mask.t, float32(value.v))
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func indexSelect(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, indices tensorArg
	var axis int
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis", &axis, "indices", &indices); err != nil {
		return nil, err
	}
	out, err := tensor.IndexSelect(x.t, axis, indices.t)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func gather(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, index tensorArg
	var axis int
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis", &axis, "index", &index); err != nil {
		return nil, err
	}
	out, err := tensor.Gather(x.t, axis, index.t)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}

func scatter(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, index, src tensorArg
	var axis int
	var reduce starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "axis", &axis, "index", &index, "src", &src, "reduce?", &reduce); err != nil {
		return nil, err
	}
	add := false
	switch reduce {
	case starlark.None:
	case starlark.String("add"):
		add = true
	default:
		return nil, host.Errorf(fn, "reduce: got %s, want None or \"add\"", reduce)
	}
	out, err := tensor.Scatter(x.t, axis, index.t, src.t, add)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(out), nil
}
