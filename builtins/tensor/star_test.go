package tensor

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"pare/builtins/host"
)

// dialect matches the options the interpreter enables for recipes.
var dialect = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// TestStarFiles runs every testdata/*.star file with the tensor module and a
// small assert module predeclared. A failed assertion reports file:line.
func TestStarFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.star files (err %v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			thread := &starlark.Thread{Name: file}
			thread.SetLocal("testing.T", t)
			session := attachSession(t, thread)
			predeclared := starlark.StringDict{
				"tensor": host.Lookup("tensor").Value(),
				"assert": assertModule,
				"OUT":    starlark.String(session.OutDir),
			}
			if _, err := starlark.ExecFileOptions(dialect, thread, file, src, predeclared); err != nil {
				if ee, ok := err.(*starlark.EvalError); ok {
					t.Fatal(ee.Backtrace())
				}
				t.Fatal(err)
			}
		})
	}
}

// attachSession gives the script a run session that may read testdata and
// write to a fresh temporary folder, which is also its --out folder and is
// predeclared as OUT.
func attachSession(t *testing.T, thread *starlark.Thread) *host.Session {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	s := host.NewSession(context.Background())
	s.Sandbox = &host.Sandbox{Read: []string{testdata}, Write: []string{out}}
	s.OutDir = out
	s.Attach(thread)
	return s
}

var assertModule = &starlarkstruct.Module{Name: "assert", Members: starlark.StringDict{
	"eq":    starlark.NewBuiltin("assert.eq", assertEq),
	"true":  starlark.NewBuiltin("assert.true", assertTrue),
	"near":  starlark.NewBuiltin("assert.near", assertNear),
	"fails": starlark.NewBuiltin("assert.fails", assertFails),
}}

// report records a failure at the calling Starlark line and continues.
func report(thread *starlark.Thread, format string, args ...any) {
	t := thread.Local("testing.T").(*testing.T)
	pos := thread.CallFrame(1).Pos
	t.Errorf("%s: %s", pos, fmt.Sprintf(format, args...))
}

// assert.eq(got, want): Starlark equality.
func assertEq(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var got, want starlark.Value
	if err := starlark.UnpackPositionalArgs(fn.Name(), args, kwargs, 2, &got, &want); err != nil {
		return nil, err
	}
	ok, err := starlark.Equal(got, want)
	if err != nil {
		return nil, err
	}
	if !ok {
		report(thread, "got %s, want %s", got, want)
	}
	return starlark.None, nil
}

// assert.true(cond, msg="").
func assertTrue(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var cond starlark.Value
	msg := "condition is false"
	if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "cond", &cond, "msg?", &msg); err != nil {
		return nil, err
	}
	if !cond.Truth() {
		report(thread, "%s", msg)
	}
	return starlark.None, nil
}

// assert.near(got, want, tol=1e-5): got and want are numbers, nested lists
// or tensors of one shape; every element must satisfy
// |got - want| <= tol·(1 + |want|). nan matches nan.
func assertNear(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var got, want tensorArg
	tol := 1e-5
	if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "got", &got, "want", &want, "tol?", &tol); err != nil {
		return nil, err
	}
	g, w := got.t, want.t
	if !sameInts(g.Shape(), w.Shape()) {
		report(thread, "shape: got %v, want %v", g.Shape(), w.Shape())
		return starlark.None, nil
	}
	gd, wd := g.Data(), w.Data()
	for i := range gd {
		x, y := float64(gd[i]), float64(wd[i])
		if math.IsNaN(x) && math.IsNaN(y) || x == y {
			continue
		}
		if !(math.Abs(x-y) <= tol*(1+math.Abs(y))) {
			report(thread, "element %d: got %v, want %v (tol %g)\ngot  %s\nwant %s", i, x, y, tol, g, w)
			break
		}
	}
	return starlark.None, nil
}

// assert.fails(f, pattern): calling f must fail with an error matching the
// regular expression pattern.
func assertFails(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var f starlark.Callable
	var pattern string
	if err := starlark.UnpackPositionalArgs(fn.Name(), args, kwargs, 2, &f, &pattern); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("assert.fails: pattern: %v", err)
	}
	_, err = starlark.Call(thread, f, nil, nil)
	switch {
	case err == nil:
		report(thread, "call succeeded, want an error matching %q", pattern)
	case !re.MatchString(errorMessage(err)):
		report(thread, "error %q does not match %q", errorMessage(err), pattern)
	}
	return starlark.None, nil
}

func errorMessage(err error) string {
	if ee, ok := err.(*starlark.EvalError); ok {
		return ee.Msg
	}
	return err.Error()
}
