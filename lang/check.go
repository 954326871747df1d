package lang

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"pare/stdlib"
)

// Check parses and resolves a file without running it, then does the same
// for every file it loads: syntax errors, undefined names, missing load
// targets and load cycles are reported with file:line:col.
func Check(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	c := &checker{root: filepath.Dir(abs), state: map[string]int{}}
	return c.check(abs, nil)
}

type checker struct {
	root  string
	state map[string]int // 1 while a file's loads are being checked, 2 when done
}

func (c *checker) check(key string, src []byte) error {
	switch c.state[key] {
	case 1:
		return fmt.Errorf("cycle in load graph: %s is loaded while it is being loaded", key)
	case 2:
		return nil
	}
	c.state[key] = 1
	if src == nil {
		var err error
		if src, err = c.source(key); err != nil {
			return err
		}
	}
	names := predeclaredNames()
	_, prog, err := starlark.SourceProgramOptions(FileOptions, key, src, func(name string) bool { return names[name] })
	if err != nil {
		return err
	}
	l := &loader{root: c.root}
	for i := 0; i < prog.NumLoads(); i++ {
		module, pos := prog.Load(i)
		dep, err := l.key(key, module)
		if err != nil {
			return fmt.Errorf("%s: %v", pos, err)
		}
		depSrc, err := c.source(dep)
		if err != nil {
			return fmt.Errorf("%s: cannot load %s: %v", pos, module, err)
		}
		if err := c.check(dep, depSrc); err != nil {
			return err
		}
	}
	c.state[key] = 2
	return nil
}

func (c *checker) source(key string) ([]byte, error) {
	if name, ok := strings.CutPrefix(key, stdlibPrefix); ok {
		b, err := fs.ReadFile(stdlib.FS, name)
		if err != nil {
			return nil, fmt.Errorf("no stdlib module %s", key)
		}
		return b, nil
	}
	return os.ReadFile(key)
}
