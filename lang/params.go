package lang

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// params holds a recipe's declared parameters and the --set overrides.
type params struct {
	overrides map[string]string // name -> text given to --set
	used      map[string]bool
	declared  bool
	resolved  map[string]starlark.Value
	order     []string
}

// ParseSets parses --set name=value arguments.
func ParseSets(sets []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range sets {
		name, value, ok := strings.Cut(s, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("--set %q: want name=value", s)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--set %s given twice", name)
		}
		out[name] = value
	}
	return out, nil
}

// builtin returns the params(**defaults) builtin.
func (p *params) builtin() *starlark.Builtin {
	return starlark.NewBuiltin("params", func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("params: got %d positional arguments, want keyword arguments only: params(name=default, ...)", len(args))
		}
		if p.declared {
			return nil, fmt.Errorf("params: called twice; declare every parameter in one params(...) call")
		}
		p.declared = true
		p.resolved = map[string]starlark.Value{}
		for _, kv := range kwargs {
			name := string(kv[0].(starlark.String))
			def := kv[1]
			v := def
			if text, ok := p.overrides[name]; ok {
				var err error
				v, err = convertOverride(name, text, def)
				if err != nil {
					return nil, err
				}
				p.used[name] = true
			}
			p.resolved[name] = v
			p.order = append(p.order, name)
		}
		for name := range p.overrides {
			if !p.used[name] {
				return nil, fmt.Errorf("--set %s: the recipe has no parameter %q; it declares %s", name, name, p.names())
			}
		}
		return starlarkstruct.FromStringDict(starlark.String("params"), p.resolved), nil
	})
}

func (p *params) names() string {
	if len(p.order) == 0 {
		return "none"
	}
	names := append([]string(nil), p.order...)
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// check reports --set overrides given to a recipe that never called params.
func (p *params) check() error {
	if !p.declared && len(p.overrides) > 0 {
		var names []string
		for n := range p.overrides {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("--set %s: the recipe declares no parameters (it never calls params(...))", strings.Join(names, ", "))
	}
	return nil
}

// convertOverride converts the --set text for name to the type of def.
func convertOverride(name, text string, def starlark.Value) (starlark.Value, error) {
	bad := func(want string) error {
		return fmt.Errorf("--set %s=%s: want %s like the default %s", name, text, want, def.String())
	}
	switch def.(type) {
	case starlark.Bool:
		switch strings.ToLower(text) {
		case "true", "1", "yes":
			return starlark.True, nil
		case "false", "0", "no":
			return starlark.False, nil
		}
		return nil, bad("true or false")
	case starlark.Int:
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, bad("an integer")
		}
		return starlark.MakeInt64(i), nil
	case starlark.Float:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, bad("a number")
		}
		return starlark.Float(f), nil
	case starlark.String:
		return starlark.String(text), nil
	case starlark.NoneType:
		return starlark.String(text), nil
	}
	// Lists, tuples and dicts: parse a Starlark literal of the same type.
	expr, err := syntax.ParseExpr("--set", text, 0)
	if err != nil {
		return nil, bad("a " + def.Type() + " literal")
	}
	v, err := starlark.EvalExprOptions(FileOptions, &starlark.Thread{Name: "params"}, expr, nil)
	if err != nil || v.Type() != def.Type() {
		return nil, bad("a " + def.Type() + " literal")
	}
	if elem := elementType(def); elem != "" {
		if err := checkElements(v, elem); err != nil {
			return nil, bad(fmt.Sprintf("a %s of %ss (%v)", def.Type(), elem, err))
		}
	}
	return v, nil
}

// elementType returns the type shared by every element of a non-empty list
// or tuple default, or "" when there is none to check against.
func elementType(def starlark.Value) string {
	seq, ok := def.(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return ""
	}
	t := seq.Index(0).Type()
	for i := 1; i < seq.Len(); i++ {
		if seq.Index(i).Type() != t {
			return ""
		}
	}
	return t
}

// checkElements reports the first element of v whose type differs from
// elem; an int is accepted where floats are expected.
func checkElements(v starlark.Value, elem string) error {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil
	}
	for i := 0; i < seq.Len(); i++ {
		t := seq.Index(i).Type()
		if t != elem && !(elem == "float" && t == "int") {
			return fmt.Errorf("element %d is a %s", i, t)
		}
	}
	return nil
}
