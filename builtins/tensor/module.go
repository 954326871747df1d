// Package tensor binds pare/ops/tensor as the Starlark module "tensor" and
// defines the tensor value that every other binding passes around. Other
// bindings convert arguments with FromValue and results with Wrap.
package tensor

import (
	"math"
	"sort"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

const moduleDoc = `float32 tensors with NumPy broadcasting.

A tensor has a shape, strides and a dtype that is always float32 (bf16 and
f16 are storage formats converted on load). t[i] and t[i, j] index, with
negative indices counting from the end, and indexing every axis gives a
float. t[a:b] slices the first axis and t.slice(axis, start, stop, step) any
axis. t.shape, t.ndim, t.dtype, t.size and t.T are attributes. The operators
+ - * / and unary minus broadcast as in NumPy. == and != compare whole
tensors, and elementwise masks come from tensor.eq, ne, lt, le, gt and ge.
Most functions are also methods: t.sum(axis=0) is tensor.sum(t, axis=0).
Files are read and written with load_file and save_file, because load is a
Starlark keyword. The floats tensor.inf, tensor.nan, tensor.pi and tensor.e
are members, as in NumPy. Indices, both those returned (argsort, topk,
argmax along an axis) and those passed (gather, scatter, index_select), are
float32 integers, exact up to 2^24; larger axes are rejected where an index
could not be represented. A tensor has at most 64 dimensions, and the
product of its non-zero dimensions is at most 2^60, even when another
dimension is 0; creation, reshape and load_file reject larger shapes.

Random functions take seed=None: None draws from the run's generator, which
starts at seed 0 (see manual_seed), and an int seeds a fresh generator. The
generator is PCG-DXSM from Go's math/rand/v2, so numbers are the same on
every machine.`

// constants are the module's float members, named as in NumPy.
var constants = starlark.StringDict{
	"inf": starlark.Float(math.Inf(1)),
	"nan": starlark.Float(math.NaN()),
	"pi":  starlark.Float(math.Pi),
	"e":   starlark.Float(math.E),
}

// builtinGroups lists the module's functions, one slice per topic file.
var builtinGroups = [][]host.Builtin{
	creationBuiltins, randomBuiltins, elementwiseBuiltins, reduceBuiltins,
	shapeBuiltins, indexBuiltins, sortBuiltins, ioBuiltins,
}

// methods maps a method name to an unbound builtin that calls the module
// function of that name with its receiver as the first argument; Attr binds
// the receiver.
var methods = map[string]*starlark.Builtin{}

// methodNames lists the builtins that are also tensor methods.
var methodNames = []string{
	"add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
	"relu", "silu", "gelu", "pow", "clip", "maximum", "minimum",
	"eq", "ne", "lt", "le", "gt", "ge",
	"sum", "mean", "max", "min", "argmax", "argmin", "var", "std", "norm",
	"logsumexp", "softmax", "log_softmax", "cumsum",
	"matmul", "transpose", "permute", "reshape", "flatten", "split",
	"gather", "scatter", "index_select", "masked_fill",
	"topk", "sort", "argsort", "kthvalue", "tolist", "item", "slice", "contiguous", "clone",
}

func init() {
	var builtins []host.Builtin
	for _, g := range builtinGroups {
		for _, b := range g {
			b.Fn = overridable(b.Name, b.Fn)
			builtins = append(builtins, b)
		}
	}
	byName := map[string]host.Func{}
	for _, b := range builtins {
		byName[b.Name] = b.Fn
	}
	for _, name := range methodNames {
		fn, ok := byName[name]
		if !ok {
			continue
		}
		fn = host.Recover(fn)
		methods[name] = starlark.NewBuiltin("tensor."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			full := make(starlark.Tuple, 0, len(args)+1)
			full = append(append(full, b.Receiver()), args...)
			return fn(thread, b, full, kwargs)
		})
	}
	host.Register(&host.Module{Name: "tensor", Doc: moduleDoc, Builtins: builtins, Members: constants})
}

// Attr returns an attribute or a method bound to v.
func (v *Value) Attr(name string) (starlark.Value, error) {
	switch name {
	case "shape":
		return intsValue(v.t.Shape()), nil
	case "ndim":
		return starlark.MakeInt(v.t.Ndim()), nil
	case "size":
		return starlark.MakeInt(v.t.Size()), nil
	case "dtype":
		return starlark.String("float32"), nil
	case "T":
		return Wrap(v.t.T()), nil
	}
	m, ok := methods[name]
	if !ok {
		return nil, nil
	}
	return m.BindReceiver(v), nil
}

// AttrNames lists the attributes and methods, sorted.
func (v *Value) AttrNames() []string { return attrNames }

var attrNames = func() []string {
	names := append([]string{"T", "dtype", "ndim", "shape", "size"}, methodNames...)
	sort.Strings(names)
	return names
}()
