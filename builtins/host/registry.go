// Package host holds what every Starlark binding in builtins/ shares: the
// module registry that both the interpreter and `pare doc` read, panic
// recovery, and the per-run services (cancellation, sandbox, outputs,
// recorded inputs, progress) that lang installs on each thread.
package host

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Func is the signature of a builtin's implementation.
type Func func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// Builtin is one documented function of a module.
type Builtin struct {
	Name string
	// Doc starts with the call signature on its first line, for example
	// "zeros(shape, dtype=\"f32\")", followed by a blank line and prose.
	Doc string
	Fn  Func
}

// Module is a Starlark module: a named set of builtins plus constant members.
type Module struct {
	Name     string
	Doc      string
	Builtins []Builtin
	// Members are non-function values exposed on the module (constants,
	// submodules). Their documentation goes in Doc.
	Members starlark.StringDict
}

var (
	mu      sync.Mutex
	modules = map[string]*Module{}
)

// Register adds m to the registry. Each builtins subpackage calls it from an
// init function. Registering two modules with one name panics, because that
// is a programming error caught by any test that imports both.
func Register(m *Module) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := modules[m.Name]; dup {
		panic("host.Register: duplicate module " + m.Name)
	}
	modules[m.Name] = m
}

// Modules returns the registered modules sorted by name.
func Modules() []*Module {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Module, 0, len(modules))
	for _, m := range modules {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the module with the given name, or nil.
func Lookup(name string) *Module {
	mu.Lock()
	defer mu.Unlock()
	return modules[name]
}

// Value builds the Starlark value of the module. Every builtin is wrapped so
// that a Go panic inside it becomes a Starlark error instead of a crash.
func (m *Module) Value() *starlarkstruct.Module {
	members := starlark.StringDict{}
	for name, v := range m.Members {
		members[name] = v
	}
	for _, b := range m.Builtins {
		members[b.Name] = starlark.NewBuiltin(m.Name+"."+b.Name, Recover(b.Fn))
	}
	return &starlarkstruct.Module{Name: m.Name, Members: members}
}

// Find returns the documented builtin called name, or nil.
func (m *Module) Find(name string) *Builtin {
	for i := range m.Builtins {
		if m.Builtins[i].Name == name {
			return &m.Builtins[i]
		}
	}
	return nil
}

// PanicError is a recovered Go panic, reported to the script as an error.
type PanicError struct {
	Builtin string
	Value   any
	Stack   string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("%s: internal error: %v (this is a bug in pare; please report it with the recipe)", e.Builtin, e.Value)
}

// Recover wraps fn so that a panic is returned as an error naming the
// builtin. A panic whose value is an error that implements UserError (for
// example a memory-limit error raised deep inside an allocation) is returned
// as that error, prefixed with the builtin's name.
func Recover(fn Func) Func {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (v starlark.Value, err error) {
		s := Get(thread)
		prev, _ := s.current.Swap(b.Name()).(string)
		defer func() {
			s.current.Store(prev)
			if r := recover(); r != nil {
				v = nil
				if ue, ok := r.(UserError); ok {
					err = fmt.Errorf("%s: %w", b.Name(), ue)
				} else {
					err = &PanicError{Builtin: b.Name(), Value: r, Stack: string(debug.Stack())}
				}
			}
			if err != nil && s.Ctx != nil && s.Ctx.Err() != nil {
				s.stopped.CompareAndSwap(nil, b.Name())
			}
		}()
		return fn(thread, b, args, kwargs)
	}
}

// UserError marks an error value that ops code may panic with when it cannot
// return an error through its signature (allocation limits, cancellation).
// Recover turns it back into an ordinary error.
type UserError interface {
	error
	UserError()
}

// Errorf formats an error that names the builtin, following the convention
// "module.func: param: got X, want Y".
func Errorf(fn *starlark.Builtin, format string, args ...any) error {
	return fmt.Errorf("%s: %s", fn.Name(), fmt.Sprintf(format, args...))
}

// Signature returns the first line of a builtin's Doc.
func (b *Builtin) Signature() string {
	sig, _, _ := strings.Cut(b.Doc, "\n")
	return sig
}
