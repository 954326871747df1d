package nn

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/autograd"
	"pare/ops/tensor"
)

// evalGrad calls fn(traced params), back-propagates its scalar result and
// returns the value, the gradients (shaped like params) and the auxiliary
// result when hasAux is set.
func evalGrad(thread *starlark.Thread, b *starlark.Builtin, fn starlark.Callable, params starlark.Value, hasAux bool) (float64, starlark.Value, starlark.Value, error) {
	var leaves []leaf
	if err := collectLeaves(params, "", &leaves); err != nil {
		return 0, nil, nil, host.Errorf(b, "params: %v", err)
	}
	vars := make([]*autograd.Var, len(leaves))
	traced := make([]starlark.Value, len(leaves))
	for i, l := range leaves {
		vars[i] = autograd.Param(l.t)
		traced[i] = &Traced{v: vars[i]}
	}
	next := 0
	arg := rebuild(params, traced, &next)
	// fn may change params or arg (append to a list, even make it contain
	// itself), so the gradients are shaped like this private copy.
	next = 0
	shape := rebuild(params, traced, &next)

	res, err := starlark.Call(thread, fn, starlark.Tuple{arg}, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	var aux starlark.Value = starlark.None
	if hasAux {
		tup, ok := res.(starlark.Tuple)
		if !ok || len(tup) != 2 {
			return 0, nil, nil, host.Errorf(b, "fn: returned %s, want a (loss, aux) tuple because has_aux=True", res.Type())
		}
		res = tup[0]
		var err error
		if aux, err = detach(tup[1]); err != nil {
			return 0, nil, nil, host.Errorf(b, "fn: auxiliary result: %v", err)
		}
	}

	var value float64
	switch r := res.(type) {
	case *Traced:
		if r.v.Value.Size() != 1 {
			return 0, nil, nil, host.Errorf(b, "fn: returned a tensor of shape %s, want a scalar loss (reduce it with sum or mean)", tensor.ShapeString(r.v.Shape()))
		}
		x, _ := r.v.Value.Item()
		value = float64(x)
		r.v.Backward()
	default:
		// A result that does not depend on the parameters has zero
		// gradients.
		x, err := tensorb.FromValue(res)
		if err != nil || x.Size() != 1 {
			return 0, nil, nil, host.Errorf(b, "fn: returned %s, want a scalar loss", res.Type())
		}
		f, _ := x.Item()
		value = float64(f)
	}

	grads := make([]starlark.Value, len(vars))
	for i, v := range vars {
		g := v.Grad
		if g == nil {
			g = tensor.New(v.Shape()...)
		}
		grads[i] = tensorb.Wrap(g)
	}
	next = 0
	return value, rebuild(shape, grads, &next), aux, nil
}

func unpackFn(b *starlark.Builtin, v starlark.Value) (starlark.Callable, error) {
	c, ok := v.(starlark.Callable)
	if !ok {
		return nil, host.Errorf(b, "fn: got %s, want a function", v.Type())
	}
	return c, nil
}

func gradBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fnV, params starlark.Value
	hasAux := false
	if err := host.UnpackArgs(b.Name(), args, kwargs, "fn", &fnV, "params", &params, "has_aux?", &hasAux); err != nil {
		return nil, err
	}
	fn, err := unpackFn(b, fnV)
	if err != nil {
		return nil, err
	}
	_, grads, aux, err := evalGrad(thread, b, fn, params, hasAux)
	if err != nil {
		return nil, err
	}
	if hasAux {
		return starlark.Tuple{grads, aux}, nil
	}
	return grads, nil
}

func valueAndGradBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fnV, params starlark.Value
	hasAux := false
	if err := host.UnpackArgs(b.Name(), args, kwargs, "fn", &fnV, "params", &params, "has_aux?", &hasAux); err != nil {
		return nil, err
	}
	fn, err := unpackFn(b, fnV)
	if err != nil {
		return nil, err
	}
	value, grads, aux, err := evalGrad(thread, b, fn, params, hasAux)
	if err != nil {
		return nil, err
	}
	if hasAux {
		return starlark.Tuple{starlark.Tuple{starlark.Float(value), aux}, grads}, nil
	}
	return starlark.Tuple{starlark.Float(value), grads}, nil
}

func stopGradient(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	out, err := detach(x)
	if err != nil {
		return nil, host.Errorf(b, "x: %v", err)
	}
	return out, nil
}

var gradDocs = []host.Builtin{
	{Name: "grad", Fn: gradBuiltin, Doc: `grad(fn, params, has_aux=False)

Returns the gradient of fn(params) with respect to every tensor in params,
shaped like params. params is a tensor, or a list, tuple or dict (nested
freely) of tensors. fn receives the same structure of traced tensors and
returns a scalar loss built with tensor operations (operators, methods and
tensor.* functions record onto a graph); with has_aux=True it returns
(loss, aux) and grad returns (grads, aux). A parameter that the loss does not
depend on gets a zero gradient. Reverse-mode differentiation; see
value_and_grad to get the loss too.`},
	{Name: "value_and_grad", Fn: valueAndGradBuiltin, Doc: `value_and_grad(fn, params, has_aux=False)

Returns (loss, grads) where loss is fn(params) as a float and grads is as
from nn.grad; with has_aux=True it returns ((loss, aux), grads).`},
	{Name: "stop_gradient", Fn: stopGradient, Doc: `stop_gradient(x)

Returns x (or a list, tuple or dict of tensors) with the graph cut: the
values of traced tensors as plain tensors, so no gradient flows back
through them. x.detach() does the same for one tensor.`},
}
