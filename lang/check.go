package lang

import (
	"fmt"
	"os"

	"go.starlark.net/starlark"
)

// Check parses and resolves a file without running it: syntax errors and
// undefined names are reported with file:line:col.
func Check(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	names := predeclaredNames()
	_, _, err = starlark.SourceProgramOptions(FileOptions, path, src, func(name string) bool { return names[name] })
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
