package lang

import (
	"fmt"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

// metrics accumulates the values a recipe passes to report(). Reporting a
// key again replaces its value, except that dicts are merged key by key, so
// a recipe can report one method's results at a time.
type metrics struct {
	values map[string]any
}

func (m *metrics) builtin() *starlark.Builtin {
	return starlark.NewBuiltin("report", func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("report: got %d positional arguments, want keyword arguments only: report(name=value, ...)", len(args))
		}
		for _, kv := range kwargs {
			name := string(kv[0].(starlark.String))
			v, err := host.ToJSON(kv[1])
			if err != nil {
				return nil, fmt.Errorf("report: %s: %v", name, err)
			}
			m.values[name] = merge(m.values[name], v)
		}
		return starlark.None, nil
	})
}

func merge(old, v any) any {
	om, ok1 := old.(map[string]any)
	nm, ok2 := v.(map[string]any)
	if !ok1 || !ok2 {
		return v
	}
	for k, x := range nm {
		om[k] = merge(om[k], x)
	}
	return om
}
