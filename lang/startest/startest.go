// Package startest runs .star behaviour tests: each file in a folder is
// executed as a recipe with an extra module "assert", and every failed
// assertion or uncaught error fails the Go test with its file:line:col.
//
// The assert module provides eq(got, want), ne(a, b), true(cond, msg=""),
// near(got, want, rtol=1e-6, atol=0) for numbers and lists of numbers, and
// fails(fn, pattern) which calls fn() and checks that it raises an error
// whose message matches the regular expression pattern.
package startest

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	"pare/lang"
	"pare/ops/catalog"
)

// RunDir runs every *.star file in dir as a subtest.
func RunDir(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.star"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .star files in %s", dir)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { RunFile(t, f) })
	}
}

// RunFile executes one behaviour-test file. The sandbox reads under the
// file's folder and $PARE_DATA, and writes under a temporary folder that
// is the run's --out.
func RunFile(t *testing.T, path string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	s := host.NewSession(context.Background())
	out := t.TempDir()
	s.OutDir = out
	s.BaseDir = filepath.Dir(abs)
	s.Sandbox.Read = []string{filepath.Dir(abs)}
	s.Sandbox.Write = []string{out}
	if root, err := catalog.Root(); err == nil {
		s.DataRoot = root
		s.Sandbox.Read = append(s.Sandbox.Read, root)
	}

	var failures []string
	thread := &starlark.Thread{
		Name:  abs,
		Print: func(_ *starlark.Thread, msg string) { t.Log(msg) },
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			return nil, fmt.Errorf("load is not available in behaviour tests (%s)", module)
		},
	}
	s.Attach(thread)
	universe := lang.Universe()
	universe["assert"] = assertModule(&failures)
	universe["has_data"] = starlark.Bool(os.Getenv("PARE_DATA") != "")
	_, err = starlark.ExecFileOptions(lang.FileOptions, thread, abs, src, universe)
	for _, f := range failures {
		t.Error(f)
	}
	if err != nil {
		t.Errorf("%s", lang.ErrorText(err))
	}
}

func assertModule(failures *[]string) starlark.Value {
	fail := func(thread *starlark.Thread, format string, args ...any) {
		pos := thread.CallFrame(1).Pos
		*failures = append(*failures, fmt.Sprintf("%s: %s", pos, fmt.Sprintf(format, args...)))
	}
	b := func(name string, fn func(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin("assert."+name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(thread, args, kwargs)
		})
	}
	return &starlarkstruct.Module{Name: "assert", Members: starlark.StringDict{
		"eq": b("eq", func(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var got, want starlark.Value
			if err := starlark.UnpackPositionalArgs("assert.eq", args, kw, 2, &got, &want); err != nil {
				return nil, err
			}
			if ok, err := starlark.Equal(got, want); err != nil || !ok {
				fail(th, "got %s, want %s", got, want)
			}
			return starlark.None, nil
		}),
		"ne": b("ne", func(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var a, c starlark.Value
			if err := starlark.UnpackPositionalArgs("assert.ne", args, kw, 2, &a, &c); err != nil {
				return nil, err
			}
			if ok, err := starlark.Equal(a, c); err == nil && ok {
				fail(th, "got %s, want a different value", a)
			}
			return starlark.None, nil
		}),
		"true": b("true", func(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var cond starlark.Value
			msg := "condition is false"
			if err := starlark.UnpackArgs("assert.true", args, kw, "cond", &cond, "msg?", &msg); err != nil {
				return nil, err
			}
			if !cond.Truth() {
				fail(th, "%s", msg)
			}
			return starlark.None, nil
		}),
		"near": b("near", func(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var got, want starlark.Value
			rtol, atol := 1e-6, 0.0
			if err := starlark.UnpackArgs("assert.near", args, kw, "got", &got, "want", &want, "rtol?", &rtol, "atol?", &atol); err != nil {
				return nil, err
			}
			g, err1 := flatten(got)
			w, err2 := flatten(want)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("assert.near: want numbers or lists of numbers, got %s and %s", got.Type(), want.Type())
			}
			if len(g) != len(w) {
				fail(th, "got %d values, want %d", len(g), len(w))
				return starlark.None, nil
			}
			for i := range g {
				if d := math.Abs(g[i] - w[i]); !(d <= atol+rtol*math.Abs(w[i])) {
					fail(th, "value %d: got %g, want %g (rtol %g, atol %g)", i, g[i], w[i], rtol, atol)
					break
				}
			}
			return starlark.None, nil
		}),
		"fails": b("fails", func(th *starlark.Thread, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var fn starlark.Callable
			var pattern string
			if err := starlark.UnpackPositionalArgs("assert.fails", args, kw, 2, &fn, &pattern); err != nil {
				return nil, err
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				return nil, fmt.Errorf("assert.fails: invalid pattern %q: %v", pattern, err)
			}
			_, err = starlark.Call(th, fn, nil, nil)
			switch {
			case err == nil:
				fail(th, "call succeeded, want an error matching %q", pattern)
			case !re.MatchString(err.Error()):
				fail(th, "error %q does not match %q", err.Error(), pattern)
			case strings.Contains(err.Error(), "internal error"):
				fail(th, "error is a recovered panic, want a checked error: %s", err)
			}
			return starlark.None, nil
		}),
	}}
}

// flatten converts a number, or a (nested) list with a JSON form, to floats.
func flatten(v starlark.Value) ([]float64, error) {
	j, err := host.ToJSON(v)
	if err != nil {
		return nil, err
	}
	var out []float64
	var walk func(x any) error
	walk = func(x any) error {
		switch n := x.(type) {
		case float64:
			out = append(out, n)
		case int64:
			out = append(out, float64(n))
		case nil:
			out = append(out, math.NaN())
		case []any:
			for _, e := range n {
				if err := walk(e); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("not a number: %v", x)
		}
		return nil
	}
	return out, walk(j)
}
