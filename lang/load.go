package lang

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/stdlib"
)

const stdlibPrefix = "@stdlib//"

// loader resolves load() statements: "@stdlib//name.star" from the embedded
// library, and paths relative to the loading file inside the recipe's
// folder. Modules are cached by their resolved name, and a load that reaches
// a module still being loaded is reported as a cycle.
type loader struct {
	root     string // the recipe's folder; relative loads must stay inside it
	universe starlark.StringDict
	cache    map[string]*loadEntry
	session  *host.Session
}

type loadEntry struct {
	globals starlark.StringDict
	err     error
	loading bool
}

func newLoader(root string, universe starlark.StringDict, s *host.Session) *loader {
	return &loader{root: root, universe: universe, cache: map[string]*loadEntry{}, session: s}
}

// key returns the canonical name of module as loaded from the file from.
func (l *loader) key(from, module string) (string, error) {
	if strings.HasPrefix(module, stdlibPrefix) {
		name := strings.TrimPrefix(module, stdlibPrefix)
		clean := path.Clean(name)
		if clean != name || strings.HasPrefix(clean, "../") || !strings.HasSuffix(clean, ".star") {
			return "", fmt.Errorf("invalid stdlib module %q; want @stdlib//name.star", module)
		}
		return module, nil
	}
	if !strings.HasSuffix(module, ".star") {
		return "", fmt.Errorf("cannot load %q: module names end in .star (a path relative to the loading file, or @stdlib//name.star)", module)
	}
	if strings.HasPrefix(from, stdlibPrefix) {
		// A stdlib file loading a sibling by relative path.
		return l.key("", stdlibPrefix+path.Join(path.Dir(strings.TrimPrefix(from, stdlibPrefix)), module))
	}
	if filepath.IsAbs(module) {
		return "", fmt.Errorf("cannot load %q: use a path relative to the loading file", module)
	}
	abs := filepath.Join(filepath.Dir(from), filepath.FromSlash(module))
	rel, err := filepath.Rel(l.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("cannot load %q: it is outside the recipe's folder %s", module, l.root)
	}
	return abs, nil
}

func (l *loader) source(key string) ([]byte, error) {
	if strings.HasPrefix(key, stdlibPrefix) {
		b, err := fs.ReadFile(stdlib.FS, strings.TrimPrefix(key, stdlibPrefix))
		if err != nil {
			return nil, fmt.Errorf("no stdlib module %s", key)
		}
		return b, nil
	}
	if _, err := l.session.Sandbox.CheckRead(key); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(key)
	if err != nil {
		return nil, err
	}
	if err := l.session.RecordInput(key); err != nil {
		return nil, err
	}
	return b, nil
}

// load implements starlark.Thread.Load.
func (l *loader) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	from := thread.CallFrame(0).Pos.Filename()
	key, err := l.key(from, module)
	if err != nil {
		return nil, err
	}
	if e, ok := l.cache[key]; ok {
		if e.loading {
			return nil, fmt.Errorf("cycle in load graph: %s loads %s, which is still loading", from, module)
		}
		return e.globals, e.err
	}
	e := &loadEntry{loading: true}
	l.cache[key] = e
	src, err := l.source(key)
	if err == nil {
		e.globals, err = starlark.ExecFileOptions(FileOptions, thread, key, src, l.universe)
	}
	e.err = err
	e.loading = false
	if e.globals != nil {
		e.globals.Freeze()
	}
	return e.globals, e.err
}
