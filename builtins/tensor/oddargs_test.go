package tensor

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/builtins/host"
	"pare/ops/tensor"
)

// TestOddArgumentsNeverPanic calls every builtin with every combination of
// up to three arguments from a pool of awkward values. Each call must
// succeed or fail with an ordinary error: a recovered Go panic reads
// "internal error" and fails the test.
func TestOddArgumentsNeverPanic(t *testing.T) {
	mat := Wrap(tensor.MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	pool := []starlark.Value{
		starlark.None,
		starlark.String("s"),
		starlark.MakeInt(0),
		starlark.MakeInt(-1),
		starlark.MakeInt(2),
		starlark.MakeInt(1 << 40),
		starlark.Float(1.5),
		starlark.True,
		starlark.NewList(nil),
		starlark.NewList([]starlark.Value{starlark.NewList(nil)}),
		starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.MakeInt(0)}),
		starlark.Tuple{starlark.MakeInt(1), starlark.MakeInt(2)},
		Wrap(tensor.Scalar(1)),
		mat,
		Wrap(mat.(*Value).t.T()),
		Wrap(tensor.New(0)),
		starlark.NewDict(0),
	}
	checkOperators(t, pool)

	mod := host.Lookup("tensor").Value()
	thread := &starlark.Thread{Name: "odd"}
	calls := 0
	for name, member := range mod.Members {
		fn, ok := member.(*starlark.Builtin)
		if !ok {
			continue
		}
		var args starlark.Tuple
		var try func(depth int)
		try = func(depth int) {
			calls++
			_, err := starlark.Call(thread, fn, args, nil)
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Errorf("tensor.%s%s: %v", name, args, err)
			}
			if depth == 3 {
				return
			}
			for _, v := range pool {
				args = append(args, v)
				try(depth + 1)
				args = args[:len(args)-1]
			}
		}
		try(0)
	}
	if calls < 1000 {
		t.Errorf("made %d calls; the module lost its builtins", calls)
	}
}

// checkOperators applies the arithmetic operators, comparison and indexing
// to every pair of pool values that includes a tensor; none may panic.
func checkOperators(t *testing.T, pool []starlark.Value) {
	ops := []syntax.Token{syntax.PLUS, syntax.MINUS, syntax.STAR, syntax.SLASH, syntax.SLASHSLASH, syntax.PERCENT}
	for _, x := range pool {
		xt, isTensor := x.(*Value)
		if isTensor {
			_, _ = starlark.Unary(syntax.MINUS, x)
			_, _ = starlark.Unary(syntax.TILDE, x)
			_ = x.String()
			_ = x.Truth()
			_ = starlark.Len(x)
			for _, key := range pool {
				_, _, _ = xt.Get(key)
			}
		}
		for _, y := range pool {
			_, yIsTensor := y.(*Value)
			if !isTensor && !yIsTensor {
				continue
			}
			for _, op := range ops {
				_, _ = starlark.Binary(op, x, y)
			}
			_, _ = starlark.Equal(x, y)
			_, _ = starlark.Compare(syntax.LT, x, y)
		}
	}
}
