package tensor

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/builtins/host"
	"pare/ops/tensor"
)

func TestBuiltinDocsStartWithSignature(t *testing.T) {
	m := host.Lookup("tensor")
	if m == nil {
		t.Fatal("module tensor is not registered")
	}
	for _, b := range m.Builtins {
		sig := b.Signature()
		if !strings.HasPrefix(sig, b.Name+"(") || !strings.HasSuffix(sig, ")") {
			t.Errorf("%s: doc's first line %q is not a call signature", b.Name, sig)
		}
		if lines := strings.Split(b.Doc, "\n"); len(lines) < 3 || lines[1] != "" || lines[2] == "" {
			t.Errorf("%s: doc needs a blank line and prose after the signature, got %q", b.Name, b.Doc)
		}
	}
}

func TestMethodsCallBuiltins(t *testing.T) {
	m := host.Lookup("tensor")
	for _, name := range methodNames {
		if m.Find(name) == nil {
			t.Errorf("method %s has no module builtin", name)
		}
		v, err := Wrap(nil).(*Value).Attr(name)
		if err != nil || v == nil {
			t.Errorf("method %s: Attr returned %v, %v", name, v, err)
		}
	}
	v := Wrap(nil).(*Value)
	if got, _ := v.Attr("no_such_method"); got != nil {
		t.Errorf("Attr(no_such_method): got %v, want nil", got)
	}
	for i := 1; i < len(v.AttrNames()); i++ {
		if v.AttrNames()[i-1] >= v.AttrNames()[i] {
			t.Errorf("AttrNames is not sorted and unique at %q, %q", v.AttrNames()[i-1], v.AttrNames()[i])
		}
	}
}

func TestFromValue(t *testing.T) {
	cases := []struct {
		in    starlark.Value
		shape []int
		err   string
	}{
		{starlark.MakeInt(3), []int{}, ""},
		{starlark.Float(2.5), []int{}, ""},
		{starlark.True, []int{}, ""},
		{starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.Float(2)}), []int{2}, ""},
		{starlark.Tuple{starlark.Tuple{starlark.MakeInt(1)}, starlark.Tuple{starlark.MakeInt(2)}}, []int{2, 1}, ""},
		{starlark.String("x"), nil, "got string, want a tensor, a number or a nested list of numbers"},
		{starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.NewList(nil)}), nil, "element [1]: got list, want a number"},
	}
	for _, c := range cases {
		got, err := FromValue(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("FromValue(%s): got error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("FromValue(%s): %v", c.in, err)
			continue
		}
		if !sameInts(got.Shape(), c.shape) {
			t.Errorf("FromValue(%s): shape %v, want %v", c.in, got.Shape(), c.shape)
		}
	}
	w := Wrap(nil)
	if got, err := FromValue(w); err != nil || got != nil {
		t.Errorf("FromValue(Wrap(nil)): got %v, %v; want the wrapped pointer back", got, err)
	}
}

// fakeOverrider records the tensor function that was routed to it.
type fakeOverrider struct{ called string }

func (f *fakeOverrider) String() string        { return "fake" }
func (f *fakeOverrider) Type() string          { return "fake" }
func (f *fakeOverrider) Freeze()               {}
func (f *fakeOverrider) Truth() starlark.Bool  { return true }
func (f *fakeOverrider) Hash() (uint32, error) { return 0, nil }
func (f *fakeOverrider) TensorFunction(thread *starlark.Thread, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f.called = name
	return starlark.None, nil
}

func TestOverriderTakesOverCalls(t *testing.T) {
	mod := host.Lookup("tensor").Value()
	cases := []struct {
		fn   string
		args func(f *fakeOverrider) starlark.Tuple
	}{
		{"add", func(f *fakeOverrider) starlark.Tuple { return starlark.Tuple{starlark.MakeInt(1), f} }},
		{"concat", func(f *fakeOverrider) starlark.Tuple {
			return starlark.Tuple{starlark.NewList([]starlark.Value{Wrap(nil), f})}
		}},
	}
	for _, c := range cases {
		f := &fakeOverrider{}
		fn, _ := mod.Attr(c.fn)
		if _, err := starlark.Call(&starlark.Thread{}, fn, c.args(f), nil); err != nil {
			t.Errorf("tensor.%s with an overrider: %v", c.fn, err)
		}
		if f.called != c.fn {
			t.Errorf("tensor.%s with an overrider: TensorFunction got %q, want %q", c.fn, f.called, c.fn)
		}
	}
}

// namesake is another value type that calls itself "tensor".
type namesake struct{ fakeOverrider }

func (namesake) Type() string { return "tensor" }

func TestCompareWithNamesakeType(t *testing.T) {
	a := Wrap(nil)
	eq, err := starlark.Equal(a, &namesake{})
	if err != nil || eq {
		t.Errorf("tensor == another type named tensor: got %v, %v; want false, nil", eq, err)
	}
	if _, err := starlark.Compare(syntax.LT, a, &namesake{}); err == nil {
		t.Errorf("tensor < another type named tensor: got no error")
	}
}

func TestOperatorOverMemoryLimitIsError(t *testing.T) {
	x, err := FromValue(starlark.NewList([]starlark.Value{starlark.MakeInt(1)}))
	if err != nil {
		t.Fatal(err)
	}
	big := Wrap(tensor.New(1 << 20))
	tensor.SetMemoryLimit(tensor.LiveBytes() + 1<<20)
	defer tensor.SetMemoryLimit(0)
	_, err = starlark.Binary(syntax.PLUS, big, Wrap(x))
	if err == nil || !strings.Contains(err.Error(), "would exceed --max-memory") {
		t.Errorf("tensor + tensor over the memory limit: got %v, want a --max-memory error", err)
	}
	_, err = starlark.Unary(syntax.MINUS, big)
	if err == nil || !strings.Contains(err.Error(), "would exceed --max-memory") {
		t.Errorf("-tensor over the memory limit: got %v, want a --max-memory error", err)
	}
}
