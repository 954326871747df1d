package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sandbox decides which paths a recipe may read and write. Reads are allowed
// under Read roots and writes under Write roots; a write root is readable
// too. When Off is set every path is allowed (pare run --no-sandbox).
type Sandbox struct {
	Read  []string
	Write []string
	Off   bool
}

// CheckRead returns the absolute, symlink-resolved form of path when the
// sandbox allows reading it.
func (s *Sandbox) CheckRead(path string) (string, error) {
	abs, err := resolve(path)
	if err != nil {
		return "", err
	}
	if s.Off {
		return abs, nil
	}
	for _, root := range append(append([]string{}, s.Read...), s.Write...) {
		if within(abs, root) {
			return abs, nil
		}
	}
	return "", fmt.Errorf("sandbox: reading %s is not allowed; recipes read under their own folder, $PARE_DATA and --allow-read paths (add --allow-read %s to permit it)", path, hintRoot(abs))
}

// CheckWrite returns the absolute form of path when the sandbox allows
// writing it.
func (s *Sandbox) CheckWrite(path string) (string, error) {
	abs, err := resolve(path)
	if err != nil {
		return "", err
	}
	if s.Off {
		return abs, nil
	}
	for _, root := range s.Write {
		if within(abs, root) {
			return abs, nil
		}
	}
	return "", fmt.Errorf("sandbox: writing %s is not allowed; recipes write under --out and --allow-write paths (add --allow-write %s to permit it)", path, hintRoot(abs))
}

// hintRoot is the narrowest root that would allow abs: the folder itself
// when abs is a folder, otherwise its parent.
func hintRoot(abs string) string {
	if info, err := os.Stat(abs); err == nil && info.IsDir() {
		return abs
	}
	return filepath.Dir(abs)
}

// resolve makes path absolute and resolves symlinks in its longest existing
// prefix, so a link inside an allowed folder cannot point outside it.
func resolve(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("sandbox: empty path; give a file path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	cur := abs
	for {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// ResolveRoot resolves a sandbox root the same way paths are resolved.
func ResolveRoot(path string) (string, error) { return resolve(path) }

func within(path, root string) bool {
	if root == "" {
		return false
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(os.PathSeparator)))
}
