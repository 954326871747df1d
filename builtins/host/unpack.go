package host

import (
	"fmt"

	"go.starlark.net/starlark"
)

// Floats converts a list, tuple or 1-D tensor of numbers to []float64,
// keeping NaN and infinities as they are. what names the parameter in
// errors.
func Floats(fn *starlark.Builtin, what string, v starlark.Value) ([]float64, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, Errorf(fn, "%s: got %s, want a list of numbers", what, v.Type())
	}
	if _, isString := v.(starlark.String); isString {
		return nil, Errorf(fn, "%s: got string, want a list of numbers", what)
	}
	out := make([]float64, seq.Len())
	for i := range out {
		x := seq.Index(i)
		f, ok := starlark.AsFloat(x)
		if !ok {
			return nil, Errorf(fn, "%s[%d]: got %s, want a number", what, i, x.Type())
		}
		out[i] = f
	}
	return out, nil
}

// Float unpacks an int or float argument.
func Float(fn *starlark.Builtin, what string, v starlark.Value) (float64, error) {
	f, ok := starlark.AsFloat(v)
	if !ok {
		return 0, Errorf(fn, "%s: got %s, want a number", what, v.Type())
	}
	return f, nil
}

// StringList converts a list or tuple of strings.
func StringList(fn *starlark.Builtin, what string, v starlark.Value) ([]string, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, Errorf(fn, "%s: got %s, want a list of strings", what, v.Type())
	}
	out := make([]string, seq.Len())
	for i := range out {
		s, ok := starlark.AsString(seq.Index(i))
		if !ok {
			return nil, Errorf(fn, "%s[%d]: got %s, want a string", what, i, seq.Index(i).Type())
		}
		out[i] = s
	}
	return out, nil
}

// Struct builds a documented result struct, for example
// Struct("perplexity", starlark.StringDict{"ppl": ...}).
func Struct(name string, fields starlark.StringDict) starlark.Value {
	return structOf(name, fields)
}

// UnpackArgs is starlark.UnpackArgs, except that float parameters also
// accept ints (gamma=2 means 2.0), as Python's float parameters do.
func UnpackArgs(fnname string, args starlark.Tuple, kwargs []starlark.Tuple, pairs ...any) error {
	for i := 1; i < len(pairs); i += 2 {
		if p, ok := pairs[i].(*float64); ok {
			pairs[i] = &floatArg{p}
		}
	}
	return starlark.UnpackArgs(fnname, args, kwargs, pairs...)
}

// UnpackPositionalArgs is the positional counterpart of UnpackArgs.
func UnpackPositionalArgs(fnname string, args starlark.Tuple, kwargs []starlark.Tuple, min int, vars ...any) error {
	for i, v := range vars {
		if p, ok := v.(*float64); ok {
			vars[i] = &floatArg{p}
		}
	}
	return starlark.UnpackPositionalArgs(fnname, args, kwargs, min, vars...)
}

// floatArg unpacks an int or a float into a float64.
type floatArg struct{ p *float64 }

func (f *floatArg) Unpack(v starlark.Value) error {
	x, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want float", v.Type())
	}
	*f.p = x
	return nil
}
