package host

import (
	"fmt"
	"math"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// JSONValuer is implemented by Starlark values that have a JSON form (a
// tensor returns its nested lists).
type JSONValuer interface {
	JSONValue() (any, error)
}

// ToJSON converts a Starlark value to a value encoding/json can write:
// None, bools, numbers, strings, lists, tuples, dicts with string keys,
// structs, and values implementing JSONValuer. NaN and infinities become
// null, because JSON has no literal for them. Values nested deeper than
// maxJSONDepth are rejected, which also catches a list that contains itself.
func ToJSON(v starlark.Value) (any, error) {
	return toJSON(v, 0)
}

// maxJSONDepth bounds the nesting of a value ToJSON converts.
const maxJSONDepth = 100

func toJSON(v starlark.Value, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("a value nests more than %d lists, dicts or structs deep; a list or dict that contains itself has no JSON form", maxJSONDepth)
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(x), nil
	case starlark.Int:
		if i, ok := x.Int64(); ok {
			return i, nil
		}
		return x.String(), nil
	case starlark.Float:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil
		}
		return f, nil
	case starlark.String:
		return string(x), nil
	case JSONValuer:
		return x.JSONValue()
	case *starlark.Dict:
		out := map[string]any{}
		for _, item := range x.Items() {
			k, ok := starlark.AsString(item[0])
			if !ok {
				k = item[0].String()
			}
			jv, err := toJSON(item[1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = jv
		}
		return out, nil
	case *starlarkstruct.Struct:
		out := map[string]any{}
		for _, name := range x.AttrNames() {
			fv, _ := x.Attr(name)
			if _, isFn := fv.(starlark.Callable); isFn {
				continue
			}
			jv, err := toJSON(fv, depth+1)
			if err != nil {
				return nil, err
			}
			out[name] = jv
		}
		return out, nil
	case starlark.Indexable: // list, tuple
		out := make([]any, x.Len())
		for i := range out {
			jv, err := toJSON(x.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = jv
		}
		return out, nil
	case starlark.HasAttrs:
		out := map[string]any{}
		names := x.AttrNames()
		sort.Strings(names)
		for _, name := range names {
			fv, err := x.Attr(name)
			if err != nil || fv == nil {
				continue
			}
			if _, isFn := fv.(starlark.Callable); isFn {
				continue
			}
			jv, err := toJSON(fv, depth+1)
			if err != nil {
				return nil, err
			}
			out[name] = jv
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s has no JSON form; report numbers, strings, lists, dicts or structs", v.Type())
}
