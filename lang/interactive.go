package lang

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/builtins/host"
	"pare/ops/catalog"
)

// Interactive is a persistent Starlark environment for the REPL: globals
// survive between statements, and each statement gets its own cancellable
// context so Ctrl-C stops it without ending the session.
type Interactive struct {
	Out     io.Writer
	thread  *starlark.Thread
	globals starlark.StringDict
	session *host.Session
	loader  *loader
	opts    syntax.FileOptions

	mu     sync.Mutex
	cancel context.CancelFunc
}

// NewInteractive returns an environment whose sandbox reads under the
// working folder and $PARE_DATA and writes under --allow-write paths only.
func NewInteractive(out, errOut io.Writer) (*Interactive, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	dataRoot, err := catalog.Root()
	if err != nil {
		return nil, err
	}
	s := host.NewSession(context.Background())
	s.Stderr = errOut
	s.DataRoot = dataRoot
	s.BaseDir = cwd
	for _, p := range []string{cwd, dataRoot} {
		if r, err := host.ResolveRoot(p); err == nil {
			s.Sandbox.Read = append(s.Sandbox.Read, r)
		}
	}
	p := &params{overrides: map[string]string{}, used: map[string]bool{}}
	m := &metrics{values: map[string]any{}}
	universe := Universe()
	universe["params"] = p.builtin()
	universe["report"] = m.builtin()
	in := &Interactive{Out: out, session: s, globals: starlark.StringDict{}}
	in.loader = newLoader(cwd, universe, s)
	in.opts = *FileOptions
	// Bindings made by load() become globals, as a REPL user expects.
	in.opts.LoadBindsGlobally = true
	in.thread = &starlark.Thread{
		Name:  "repl",
		Print: func(_ *starlark.Thread, msg string) { fmt.Fprintln(out, msg) },
		Load:  in.loader.load,
	}
	s.Attach(in.thread)
	for k, v := range universe {
		in.globals[k] = v
	}
	return in, nil
}

// Parse reads one statement, calling readline for more lines while the
// statement is incomplete.
func (in *Interactive) Parse(readline func() ([]byte, error)) (*syntax.File, error) {
	return in.opts.ParseCompoundStmt("<stdin>", readline)
}

// Exec runs a parsed statement. A lone expression's value is returned (and
// bound to "_"); other statements return None.
func (in *Interactive) Exec(f *syntax.File) (starlark.Value, error) {
	ctx, cancel := context.WithCancel(context.Background())
	in.mu.Lock()
	in.cancel = cancel
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.cancel = nil
		in.mu.Unlock()
		cancel()
	}()
	in.session.Ctx = ctx
	in.thread.Uncancel()

	if len(f.Stmts) == 1 {
		if es, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
			v, err := starlark.EvalExprOptions(f.Options, in.thread, es.X, in.globals)
			if err != nil {
				return nil, interruptedError(ctx, err)
			}
			in.globals["_"] = v
			return v, nil
		}
	}
	return starlark.None, interruptedError(ctx, starlark.ExecREPLChunk(f, in.thread, in.globals))
}

// interruptedError rewrites the "context canceled" that a builtin returns
// after Ctrl-C as "interrupted", the word the REPL uses for it.
func interruptedError(ctx context.Context, err error) error {
	var ee *starlark.EvalError
	if err == nil || ctx.Err() == nil || !errors.As(err, &ee) {
		return err
	}
	ee.Msg = strings.ReplaceAll(ee.Msg, context.Canceled.Error(), "interrupted")
	return err
}

// Interrupt cancels the running statement, if any.
func (in *Interactive) Interrupt() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancel != nil {
		in.cancel()
		in.thread.Cancel("interrupted")
	}
}

// LoadFile executes a recipe file in the session's globals, so its
// definitions become available.
func (in *Interactive) LoadFile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	f, err := in.opts.Parse(abs, src, 0)
	if err != nil {
		return err
	}
	return starlark.ExecREPLChunk(f, in.thread, in.globals)
}

// Complete returns the names that complete the identifier or dotted
// member access at the end of line.
func (in *Interactive) Complete(line string) []string {
	start := len(line)
	for start > 0 {
		c := line[start-1]
		if c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			start--
			continue
		}
		break
	}
	head, word := line[:start], line[start:]
	var out []string
	if obj, member, ok := strings.Cut(word, "."); ok && !strings.Contains(member, ".") {
		v, found := in.globals[obj]
		if ha, isAttrs := v.(starlark.HasAttrs); found && isAttrs {
			for _, name := range ha.AttrNames() {
				if strings.HasPrefix(name, member) {
					out = append(out, head+obj+"."+name)
				}
			}
		}
	} else {
		for name := range in.globals {
			if strings.HasPrefix(name, word) {
				out = append(out, head+name)
			}
		}
		for _, kw := range []string{"def", "for", "while", "if", "else", "elif", "return", "load", "print", "True", "False", "None"} {
			if strings.HasPrefix(kw, word) && word != "" {
				out = append(out, head+kw)
			}
		}
	}
	sort.Strings(out)
	return out
}
