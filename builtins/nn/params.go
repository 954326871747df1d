package nn

import (
	"fmt"
	"strconv"

	"go.starlark.net/starlark"

	tensorb "pare/builtins/tensor"
	"pare/ops/tensor"
)

// leaf is one parameter tensor found in a parameter structure, with its
// path ("w", "layers[0].b") for matching gradients and for errors.
type leaf struct {
	path string
	t    *tensor.Tensor
}

// collectLeaves walks a structure of tensors: a tensor, or a list, tuple or
// dict with string keys whose values are structures. It returns the leaves
// in order (dicts in insertion order).
func collectLeaves(v starlark.Value, path string, out *[]leaf) error {
	switch x := v.(type) {
	case *tensorb.Value:
		*out = append(*out, leaf{path: path, t: x.Tensor()})
		return nil
	case *Traced:
		*out = append(*out, leaf{path: path, t: x.v.Value})
		return nil
	case *starlark.List, starlark.Tuple:
		seq := x.(starlark.Indexable)
		for i := 0; i < seq.Len(); i++ {
			if err := collectLeaves(seq.Index(i), path+"["+strconv.Itoa(i)+"]", out); err != nil {
				return err
			}
		}
		return nil
	case *starlark.Dict:
		for _, kv := range x.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				return fmt.Errorf("key %s at %s: got %s, want a string", kv[0], orRoot(path), kv[0].Type())
			}
			p := string(k)
			if path != "" {
				p = path + "." + p
			}
			if err := collectLeaves(kv[1], p, out); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("got %s at %s, want a tensor, or a list, tuple or dict of tensors", v.Type(), orRoot(path))
}

func orRoot(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// rebuild returns a structure shaped like v with leaf number i replaced by
// leaves[i] (in collectLeaves order).
func rebuild(v starlark.Value, leaves []starlark.Value, next *int) starlark.Value {
	switch x := v.(type) {
	case *tensorb.Value, *Traced:
		out := leaves[*next]
		*next++
		return out
	case *starlark.List:
		out := make([]starlark.Value, x.Len())
		for i := range out {
			out[i] = rebuild(x.Index(i), leaves, next)
		}
		return starlark.NewList(out)
	case starlark.Tuple:
		out := make(starlark.Tuple, len(x))
		for i := range x {
			out[i] = rebuild(x[i], leaves, next)
		}
		return out
	case *starlark.Dict:
		out := starlark.NewDict(x.Len())
		for _, kv := range x.Items() {
			_ = out.SetKey(kv[0], rebuild(kv[1], leaves, next))
		}
		return out
	}
	return v
}
