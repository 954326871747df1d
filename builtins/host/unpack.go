package host

import (
	"math"

	"go.starlark.net/starlark"
)

// Floats converts a list, tuple or tensor of numbers (anything with a JSON
// form that is a flat list of numbers) to []float64. what names the
// parameter in errors.
func Floats(fn *starlark.Builtin, what string, v starlark.Value) ([]float64, error) {
	j, err := ToJSON(v)
	if err != nil {
		return nil, Errorf(fn, "%s: got %s, want a list of numbers", what, v.Type())
	}
	list, ok := j.([]any)
	if !ok {
		return nil, Errorf(fn, "%s: got %s, want a list of numbers", what, v.Type())
	}
	out := make([]float64, len(list))
	for i, x := range list {
		switch n := x.(type) {
		case float64:
			out[i] = n
		case int64:
			out[i] = float64(n)
		case nil: // NaN or infinity
			out[i] = math.NaN()
		default:
			return nil, Errorf(fn, "%s[%d]: got %v, want a number", what, i, x)
		}
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
