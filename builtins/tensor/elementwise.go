package tensor

import (
	"math"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var elementwiseBuiltins = []host.Builtin{
	binaryBuiltin("add", tensor.Add, "Returns x + y with NumPy broadcasting."),
	binaryBuiltin("sub", tensor.Sub, "Returns x - y with NumPy broadcasting."),
	binaryBuiltin("mul", tensor.Mul, "Returns the elementwise product x * y with NumPy broadcasting."),
	binaryBuiltin("div", tensor.Div, "Returns x / y with NumPy broadcasting; x / 0 is ±inf or nan."),
	binaryBuiltin("pow", tensor.Pow, "Returns x raised to the power y elementwise, with NumPy broadcasting."),
	binaryBuiltin("maximum", tensor.Maximum, "Returns the elementwise larger of x and y; nan in either gives nan."),
	binaryBuiltin("minimum", tensor.Minimum, "Returns the elementwise smaller of x and y; nan in either gives nan."),
	binaryBuiltin("eq", tensor.Eq, "Returns a mask: 1 where x == y, else 0."),
	binaryBuiltin("ne", tensor.Ne, "Returns a mask: 1 where x != y, else 0."),
	binaryBuiltin("lt", tensor.Lt, "Returns a mask: 1 where x < y, else 0."),
	binaryBuiltin("le", tensor.Le, "Returns a mask: 1 where x <= y, else 0."),
	binaryBuiltin("gt", tensor.Gt, "Returns a mask: 1 where x > y, else 0."),
	binaryBuiltin("ge", tensor.Ge, "Returns a mask: 1 where x >= y, else 0."),
	unaryBuiltin("neg", tensor.Neg, "Returns -x."),
	unaryBuiltin("abs", tensor.Abs, "Returns |x|."),
	unaryBuiltin("exp", tensor.Exp, "Returns e**x."),
	unaryBuiltin("log", tensor.Log, "Returns the natural logarithm of x: -inf at 0, nan below 0."),
	unaryBuiltin("sqrt", tensor.Sqrt, "Returns the square root of x: nan below 0."),
	unaryBuiltin("tanh", tensor.Tanh, "Returns the hyperbolic tangent of x."),
	unaryBuiltin("sigmoid", tensor.Sigmoid, "Returns 1 / (1 + e**-x), without overflow for large |x|."),
	unaryBuiltin("relu", tensor.Relu, "Returns max(x, 0)."),
	unaryBuiltin("silu", tensor.Silu, "Returns x * sigmoid(x) (SiLU, also called swish)."),
	{Name: "gelu", Fn: gelu, Doc: `gelu(x, approximate="none")

Returns the Gaussian error linear unit x·Φ(x).

Φ is the standard normal CDF (Hendrycks and Gimpel, arXiv:1606.08415).
approximate="tanh" uses their tanh approximation, as PyTorch does.`},
	{Name: "clip", Fn: clip, Doc: `clip(x, min=None, max=None)

Returns x limited to [min, max].

None leaves that side open. nan stays nan.`},
}

func binaryBuiltin(name string, f func(a, b *tensor.Tensor) (*tensor.Tensor, error), doc string) host.Builtin {
	return host.Builtin{
		Name: name,
		Doc:  name + "(x, y)\n\n" + doc + "\n\nx and y are tensors, numbers or nested lists.",
		Fn: func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			x, y, err := unpackPair(fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			out, err := f(x, y)
			if err != nil {
				return nil, opErr(fn, err)
			}
			return Wrap(out), nil
		},
	}
}

func unaryBuiltin(name string, f func(t *tensor.Tensor) *tensor.Tensor, doc string) host.Builtin {
	return host.Builtin{
		Name: name,
		Doc:  name + "(x)\n\n" + doc + "\n\nx is a tensor, a number or a nested list.",
		Fn: func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			x, err := unpackOne(fn, args, kwargs)
			if err != nil {
				return nil, err
			}
			return Wrap(f(x)), nil
		},
	}
}

func gelu(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	approximate := "none"
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "approximate?", &approximate); err != nil {
		return nil, err
	}
	if approximate != "none" && approximate != "tanh" {
		return nil, host.Errorf(fn, "approximate: got %q, want \"none\" or \"tanh\"", approximate)
	}
	return Wrap(tensor.Gelu(x.t, approximate == "tanh")), nil
}

func clip(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x tensorArg
	var lo, hi optFloat
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "min?", &lo, "max?", &hi); err != nil {
		return nil, err
	}
	l, h := float32(math.Inf(-1)), float32(math.Inf(1))
	if lo.set {
		l = float32(lo.v)
	}
	if hi.set {
		h = float32(hi.v)
	}
	if l > h {
		return nil, host.Errorf(fn, "min: got %v above max %v, want min <= max", lo.v, hi.v)
	}
	return Wrap(tensor.Clip(x.t, l, h)), nil
}

// unpackPair reads the tensor-like arguments x and y. Two positional
// arguments, the common call, skip the general unpacker.
func unpackPair(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*tensor.Tensor, *tensor.Tensor, error) {
	if len(args) == 2 && len(kwargs) == 0 {
		x, err := FromValue(args[0])
		if err != nil {
			return nil, nil, host.Errorf(fn, "for parameter x: %s", err)
		}
		y, err := FromValue(args[1])
		if err != nil {
			return nil, nil, host.Errorf(fn, "for parameter y: %s", err)
		}
		return x, y, nil
	}
	var x, y tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x, "y", &y); err != nil {
		return nil, nil, err
	}
	return x.t, y.t, nil
}

// unpackOne reads the tensor-like argument x, like unpackPair.
func unpackOne(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*tensor.Tensor, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		x, err := FromValue(args[0])
		if err != nil {
			return nil, host.Errorf(fn, "for parameter x: %s", err)
		}
		return x, nil
	}
	var x tensorArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "x", &x); err != nil {
		return nil, err
	}
	return x.t, nil
}
