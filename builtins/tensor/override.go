package tensor

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
)

// FunctionOverrider is implemented by values that compute tensor module
// functions themselves, in the manner of NumPy's __array_function__
// protocol: when an argument of a tensor function (or an element of a list
// or tuple argument) implements it, the function calls TensorFunction of the
// first such argument instead of its own code. The nn module's traced
// tensors use this to record operations for differentiation.
type FunctionOverrider interface {
	starlark.Value
	// TensorFunction computes tensor.<name>(*args, **kwargs).
	TensorFunction(thread *starlark.Thread, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

// overridable wraps a module function so that FunctionOverrider arguments
// take over the call.
func overridable(name string, fn host.Func) host.Func {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if o := findOverrider(args, kwargs); o != nil {
			return o.TensorFunction(thread, name, args, kwargs)
		}
		return fn(thread, b, args, kwargs)
	}
}

func findOverrider(args starlark.Tuple, kwargs []starlark.Tuple) FunctionOverrider {
	for _, a := range args {
		if o := overriderIn(a); o != nil {
			return o
		}
	}
	for _, kv := range kwargs {
		if o := overriderIn(kv[1]); o != nil {
			return o
		}
	}
	return nil
}

// overriderIn looks at v and, one level deep, at the elements of a list or
// tuple (tensor.concat takes a list of tensors).
func overriderIn(v starlark.Value) FunctionOverrider {
	switch x := v.(type) {
	case FunctionOverrider:
		return x
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			if o, ok := x.Index(i).(FunctionOverrider); ok {
				return o
			}
		}
	case starlark.Tuple:
		for _, e := range x {
			if o, ok := e.(FunctionOverrider); ok {
				return o
			}
		}
	}
	return nil
}
