package prune

import (
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	llmb "pare/builtins/llm"
	"pare/ops/llm"
	"pare/ops/prune"
)

func modelArg(fn *starlark.Builtin, param string, v starlark.Value) (*llm.Model, error) {
	m, err := llmb.ModelOf(v)
	if err != nil {
		return nil, host.Errorf(fn, "%s: %v", param, err)
	}
	return m, nil
}

// calibArg converts a list of equal-length lists of token ids (as
// llm.sample_windows returns). None gives an empty batch, which only the
// magnitude and random criteria accept.
func calibArg(fn *starlark.Builtin, param string, v starlark.Value) (prune.Calibration, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	seq, ok := v.(starlark.Indexable)
	if _, isString := v.(starlark.String); !ok || isString {
		return nil, host.Errorf(fn, "%s: got %s, want a list of token-id lists (see llm.sample_windows)", param, v.Type())
	}
	out := make(prune.Calibration, seq.Len())
	for i := range out {
		row, ok := seq.Index(i).(starlark.Indexable)
		if _, isString := seq.Index(i).(starlark.String); !ok || isString {
			return nil, host.Errorf(fn, "%s[%d]: got %s, want a list of token ids", param, i, seq.Index(i).Type())
		}
		out[i] = make([]int, row.Len())
		for j := range out[i] {
			id, err := starlark.AsInt32(row.Index(j))
			if err != nil {
				return nil, host.Errorf(fn, "%s[%d][%d]: got %s, want an int token id", param, i, j, row.Index(j).Type())
			}
			out[i][j] = id
		}
	}
	return out, nil
}

// textArg returns text itself, or the contents of the file it names (see
// host.Session.TextArg).
func textArg(thread *starlark.Thread, fn *starlark.Builtin, text string) (string, error) {
	return host.Get(thread).TextArg(fn.Name(), "text", text)
}

func seedsArg(fn *starlark.Builtin, param string, v starlark.Value) ([]uint64, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return nil, host.Errorf(fn, "%s: got %s, want a non-empty list of distinct ints >= 0", param, v.String())
	}
	out := make([]uint64, seq.Len())
	for i := range out {
		n, err := starlark.AsInt32(seq.Index(i))
		if err != nil || n < 0 {
			return nil, host.Errorf(fn, "%s[%d]: got %s, want an int >= 0", param, i, seq.Index(i).String())
		}
		out[i] = uint64(n)
		for j := 0; j < i; j++ {
			if out[j] == out[i] {
				return nil, host.Errorf(fn, "%s[%d]: got %d, which repeats %s[%d]; want distinct seeds", param, i, n, param, j)
			}
		}
	}
	return out, nil
}

// layerRangeArg converts None or a [start, end) pair of ints.
func layerRangeArg(fn *starlark.Builtin, param string, v starlark.Value) (*prune.LayerRange, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	seq, ok := v.(starlark.Indexable)
	if _, isString := v.(starlark.String); !ok || isString || seq.Len() != 2 {
		return nil, host.Errorf(fn, "%s: got %s, want None or a [start, end) pair of layer indices", param, v.String())
	}
	var r [2]int
	for i := range r {
		n, err := starlark.AsInt32(seq.Index(i))
		if err != nil {
			return nil, host.Errorf(fn, "%s[%d]: got %s, want an int layer index", param, i, seq.Index(i).Type())
		}
		r[i] = n
	}
	return &prune.LayerRange{Start: r[0], End: r[1]}, nil
}

func optionalString(fn *starlark.Builtin, param string, v starlark.Value) (string, error) {
	if v == nil || v == starlark.None {
		return "", nil
	}
	s, ok := starlark.AsString(v)
	if !ok {
		return "", host.Errorf(fn, "%s: got %s, want None or a string", param, v.Type())
	}
	return s, nil
}

// checkChoice rejects a value outside a list of names.
func checkChoice(fn *starlark.Builtin, param, got string, allowed []string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return host.Errorf(fn, "%s: got %q, want one of %s", param, got, strings.Join(allowed, ", "))
}
