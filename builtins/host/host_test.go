package host

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func TestSandboxRoots(t *testing.T) {
	root := t.TempDir()
	readRoot := filepath.Join(root, "data")
	writeRoot := filepath.Join(root, "out")
	for _, d := range []string{readRoot, writeRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sb := &Sandbox{Read: []string{mustResolve(t, readRoot)}, Write: []string{mustResolve(t, writeRoot)}}
	tests := []struct {
		name      string
		path      string
		read, wrt bool
	}{
		{"file in read root", filepath.Join(readRoot, "a.txt"), true, false},
		{"file in write root", filepath.Join(writeRoot, "b", "c.txt"), true, true},
		{"sibling with shared prefix", readRoot + "x/a.txt", false, false},
		{"dot-dot escape", filepath.Join(readRoot, "..", "secret"), false, false},
		{"system file", "/etc/passwd", false, false},
	}
	for _, tc := range tests {
		_, err := sb.CheckRead(tc.path)
		if (err == nil) != tc.read {
			t.Errorf("%s: CheckRead(%s) error = %v, want allowed=%v", tc.name, tc.path, err, tc.read)
		}
		_, err = sb.CheckWrite(tc.path)
		if (err == nil) != tc.wrt {
			t.Errorf("%s: CheckWrite(%s) error = %v, want allowed=%v", tc.name, tc.path, err, tc.wrt)
		}
	}
}

func TestSandboxSymlinkEscape(t *testing.T) {
	root := t.TempDir()
	inside := filepath.Join(root, "inside")
	outside := filepath.Join(root, "outside")
	os.MkdirAll(inside, 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("x"), 0o644)
	if err := os.Symlink(outside, filepath.Join(inside, "link")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	sb := &Sandbox{Read: []string{mustResolve(t, inside)}}
	if _, err := sb.CheckRead(filepath.Join(inside, "link", "secret.txt")); err == nil {
		t.Fatal("CheckRead followed a symlink out of the read root")
	}
	if _, err := sb.CheckRead(filepath.Join(inside, "link", "new", "file.txt")); err == nil {
		t.Fatal("CheckRead allowed a not-yet-existing path under a symlink that leaves the root")
	}
}

func mustResolve(t *testing.T, p string) string {
	t.Helper()
	r, err := ResolveRoot(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type limitErr struct{}

func (limitErr) Error() string { return "memory limit exceeded" }
func (limitErr) UserError()    {}

func TestRecoverTurnsPanicsIntoErrors(t *testing.T) {
	tests := []struct {
		name  string
		panic any
		want  string
	}{
		{"programming error", "index out of range", "m.f: internal error: index out of range (this is a bug in pare"},
		{"user error", limitErr{}, "m.f: memory limit exceeded"},
	}
	for _, tc := range tests {
		fn := Recover(func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			panic(tc.panic)
		})
		b := starlark.NewBuiltin("m.f", fn)
		_, err := starlark.Call(&starlark.Thread{}, b, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestRecoverRecordsRunningBuiltin(t *testing.T) {
	s := NewSession(t.Context())
	th := &starlark.Thread{}
	s.Attach(th)
	var during string
	b := starlark.NewBuiltin("m.slow", Recover(func(thread *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		during = Get(thread).Running()
		return starlark.None, nil
	}))
	if _, err := starlark.Call(th, b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if during != "m.slow" || s.Running() != "" {
		t.Errorf("Running() = %q during the call and %q after, want m.slow and empty", during, s.Running())
	}
}

func TestInterruptedNamesBuiltinThatReturned(t *testing.T) {
	// A builtin that finds the context ended returns before the run loop
	// writes its report. Interrupted still names it.
	ctx, cancel := context.WithCancel(t.Context())
	s := NewSession(ctx)
	th := &starlark.Thread{}
	s.Attach(th)
	fail := func(name string) *starlark.Builtin {
		return starlark.NewBuiltin(name, Recover(func(thread *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, Context(thread).Err()
		}))
	}
	if _, err := starlark.Call(th, fail("m.early"), nil, nil); err != nil {
		t.Fatalf("m.early before the cancel: %v", err)
	}
	if got := s.Interrupted(); got != "" {
		t.Errorf("Interrupted() before the cancel = %q, want empty", got)
	}
	cancel()
	for _, name := range []string{"m.slow", "m.later"} {
		if _, err := starlark.Call(th, fail(name), nil, nil); err == nil {
			t.Fatalf("%s after the cancel returned no error", name)
		}
	}
	if s.Running() != "" || s.Interrupted() != "m.slow" {
		t.Errorf("Running() = %q, Interrupted() = %q, want empty and m.slow", s.Running(), s.Interrupted())
	}
}

func TestToJSON(t *testing.T) {
	d := starlark.NewDict(2)
	d.SetKey(starlark.String("a"), starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.Float(2.5)}))
	d.SetKey(starlark.String("b"), starlark.None)
	j, err := ToJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	m := j.(map[string]any)
	if l := m["a"].([]any); l[0] != int64(1) || l[1] != 2.5 || m["b"] != nil {
		t.Errorf("ToJSON = %v", j)
	}
	if _, err := ToJSON(starlark.NewBuiltin("f", nil)); err == nil {
		t.Error("ToJSON(builtin) succeeded, want an error")
	}
}

func TestToJSONSelfContaining(t *testing.T) {
	l := starlark.NewList(nil)
	l.Append(l)
	d := starlark.NewDict(1)
	d.SetKey(starlark.String("d"), d)
	for _, v := range []starlark.Value{l, d} {
		if _, err := ToJSON(v); err == nil || !strings.Contains(err.Error(), "contains itself") {
			t.Errorf("ToJSON(%s that contains itself): error %v, want one naming the cycle", v.Type(), err)
		}
	}
}

func TestWritePathRejectsEmptyAndOutRoot(t *testing.T) {
	s := NewSession(t.Context())
	s.OutDir = t.TempDir()
	s.Sandbox.Write = []string{s.OutDir}
	tests := []struct{ path, want string }{
		{"", "the output path is empty"},
		{".", "names the --out folder itself"},
		{"./", "names the --out folder itself"},
	}
	for _, tc := range tests {
		if _, err := s.WritePath("m.f", tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WritePath(%q): error %v, want one containing %q", tc.path, err, tc.want)
		}
	}
	if _, err := s.OutputPath("m.f", "."); err == nil || !strings.Contains(err.Error(), "names the --out folder itself") {
		t.Errorf("OutputPath(\".\"): error %v, want the --out folder named", err)
	}
}

func TestOutputPathStaysInOut(t *testing.T) {
	s := NewSession(t.Context())
	if _, err := s.OutputPath("m.f", "a.png"); err == nil || !strings.Contains(err.Error(), "run with --out DIR") {
		t.Errorf("OutputPath without --out: error = %v", err)
	}
	s.OutDir = t.TempDir()
	if _, err := s.OutputPath("m.f", "../x.png"); err == nil {
		t.Error("OutputPath(../x.png) succeeded, want an error")
	}
	p, err := s.OutputPath("m.f", "plots/a.png")
	if err != nil || !strings.HasPrefix(p, s.OutDir) {
		t.Errorf("OutputPath(plots/a.png) = %q, %v", p, err)
	}

	// An absolute name is not moved under --out. It is written at that path
	// when an --allow-write folder contains it, and rejected otherwise.
	allowed := mustResolve(t, t.TempDir())
	s.Sandbox = &Sandbox{Write: []string{allowed}}
	want := filepath.Join(allowed, "logs", "q.jsonl")
	if p, err := s.OutputPath("m.f", want); err != nil || p != want {
		t.Errorf("OutputPath(%q) = %q, %v, want the same path", want, p, err)
	}
	outside := filepath.Join(mustResolve(t, t.TempDir()), "x.jsonl")
	if p, err := s.OutputPath("m.f", outside); err == nil {
		t.Errorf("OutputPath(%q) = %q, want a sandbox error", outside, p)
	}
}

func TestUnpackArgsFloatAcceptsInt(t *testing.T) {
	var gamma float64
	var name string
	err := UnpackArgs("m.f", nil, []starlark.Tuple{{starlark.String("gamma"), starlark.MakeInt(2)}, {starlark.String("name"), starlark.String("x")}}, "gamma", &gamma, "name?", &name)
	if err != nil || gamma != 2 || name != "x" {
		t.Fatalf("UnpackArgs(gamma=2) = %v, gamma %v, name %q; want nil, 2, x", err, gamma, name)
	}
	err = UnpackArgs("m.f", starlark.Tuple{starlark.String("a")}, nil, "gamma", &gamma)
	if err == nil || !strings.Contains(err.Error(), "got string, want float") {
		t.Fatalf("UnpackArgs(gamma=\"a\") error = %v, want got string, want float", err)
	}
}

func TestTextArg(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "small.txt"), []byte("file text"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes"), []byte("notes text"), 0o644)
	s := NewSession(t.Context())
	s.BaseDir = dir
	s.Sandbox.Read = []string{mustResolve(t, dir)}
	tests := []struct{ in, want, wantErr string }{
		{"small.txt", "file text", ""},
		{"notes", "notes text", ""},
		{"Once upon a time.", "Once upon a time.", ""},
		{"hello", "hello", ""},
		{"smal.txt", "", `file "smal.txt" not found`},
		{"/etc/passwd", "", "sandbox: reading /etc/passwd is not allowed"},
	}
	for _, tc := range tests {
		got, err := s.TextArg("m.f", "text", tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("TextArg(%q) error = %v, want it to contain %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("TextArg(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestFloatsKeepsNonFinite(t *testing.T) {
	b := starlark.NewBuiltin("m.f", nil)
	list := starlark.NewList([]starlark.Value{starlark.MakeInt(2), starlark.Float(math.Inf(1)), starlark.Float(math.Inf(-1)), starlark.Float(math.NaN())})
	got, err := Floats(b, "xs", list)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 2 || !math.IsInf(got[1], 1) || !math.IsInf(got[2], -1) || !math.IsNaN(got[3]) {
		t.Errorf("Floats = %v, want [2 +Inf -Inf NaN]", got)
	}
	for _, bad := range []starlark.Value{starlark.String("12"), starlark.NewList([]starlark.Value{starlark.String("a")}), starlark.NewDict(0)} {
		if _, err := Floats(b, "xs", bad); err == nil {
			t.Errorf("Floats(%s) succeeded, want an error", bad)
		}
	}
}
