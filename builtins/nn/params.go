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

// maxNesting is the deepest nesting of lists, tuples and dicts that a walk
// over a parameter structure accepts. Real structures nest a few levels, and
// the bound keeps a pathological input from exhausting the goroutine stack.
const maxNesting = 1000

// nestingGuard follows a recursive walk over a structure. It counts the open
// containers and keeps the open lists and dicts, so the walk can reject a
// container that contains itself instead of recursing forever.
type nestingGuard struct {
	depth int
	open  []starlark.Value // lists and dicts only, compared by identity
}

// enter records that the walk descends into container v at path. It returns
// an error when v is already open, which means the structure contains
// itself, or when the nesting exceeds maxNesting. Every successful enter is
// paired with a leave.
func (g *nestingGuard) enter(v starlark.Value, path string) error {
	if g.depth >= maxNesting {
		return fmt.Errorf("got lists, tuples or dicts nested deeper than %d levels, want at most %d", maxNesting, maxNesting)
	}
	switch v.(type) {
	case *starlark.List, *starlark.Dict:
		// Tuples are left out because they are immutable, so a cycle
		// always passes through a list or dict, and because comparing two
		// tuples with == would panic.
		for _, o := range g.open {
			if o == v {
				return fmt.Errorf("got a %s at %s that contains itself, want a structure without cycles", v.Type(), orRoot(path))
			}
		}
		g.open = append(g.open, v)
	}
	g.depth++
	return nil
}

func (g *nestingGuard) leave(v starlark.Value) {
	g.depth--
	switch v.(type) {
	case *starlark.List, *starlark.Dict:
		g.open = g.open[:len(g.open)-1]
	}
}

// collectLeaves walks a structure of tensors: a tensor, or a list, tuple or
// dict with string keys whose values are structures. It returns the leaves
// in order (dicts in insertion order). A structure that contains itself or
// nests deeper than maxNesting is an error.
func collectLeaves(v starlark.Value, path string, out *[]leaf) error {
	return collectGuarded(v, path, out, &nestingGuard{})
}

func collectGuarded(v starlark.Value, path string, out *[]leaf, guard *nestingGuard) error {
	switch x := v.(type) {
	case *tensorb.Value:
		*out = append(*out, leaf{path: path, t: x.Tensor()})
		return nil
	case *Traced:
		*out = append(*out, leaf{path: path, t: x.v.Value})
		return nil
	case *starlark.List, starlark.Tuple:
		if err := guard.enter(v, path); err != nil {
			return err
		}
		defer guard.leave(v)
		seq := x.(starlark.Indexable)
		for i := 0; i < seq.Len(); i++ {
			if err := collectGuarded(seq.Index(i), path+"["+strconv.Itoa(i)+"]", out, guard); err != nil {
				return err
			}
		}
		return nil
	case *starlark.Dict:
		if err := guard.enter(v, path); err != nil {
			return err
		}
		defer guard.leave(v)
		for _, kv := range x.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				return fmt.Errorf("key %s at %s: got %s, want a string", kv[0], orRoot(path), kv[0].Type())
			}
			p := string(k)
			if path != "" {
				p = path + "." + p
			}
			if err := collectGuarded(kv[1], p, out, guard); err != nil {
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
// leaves[i] (in collectLeaves order). v must be a structure that
// collectLeaves accepted and that has not changed since, because rebuild
// does not check for cycles.
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
