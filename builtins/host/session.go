package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"go.starlark.net/starlark"

	"pare/ops/catalog"
)

const sessionKey = "pare.session"

// Session holds the services of one run that bindings reach through the
// Starlark thread: cancellation, the sandbox, the output folder, the inputs
// read (recorded with their sha256 in run.json) and resolved settings.
type Session struct {
	Ctx     context.Context
	Sandbox *Sandbox
	// OutDir is the absolute --out folder, or "" when the run has none.
	OutDir string
	// BaseDir is the folder relative read paths resolve against: the
	// recipe's folder, or the working folder in the REPL.
	BaseDir string
	// Stderr receives progress lines and warnings.
	Stderr io.Writer
	// DataRoot is the data folder that data.path resolves under ($PARE_DATA
	// or the user cache folder).
	DataRoot string
	// Catalog verifies cataloged files once per run.
	Catalog *catalog.Verifier

	current atomic.Value // name of the builtin running now, or ""
	// stopped names the first builtin that returned an error after Ctx
	// ended, so an interrupt report can name it even when it returned
	// before the report was written.
	stopped atomic.Value

	mu       sync.Mutex
	inputs   map[string]string
	settings map[string]any
}

// NewSession returns a session with a deny-all sandbox and no output folder.
func NewSession(ctx context.Context) *Session {
	return &Session{
		Ctx:      ctx,
		Sandbox:  &Sandbox{},
		Stderr:   os.Stderr,
		Catalog:  catalog.NewVerifier(),
		inputs:   map[string]string{},
		settings: map[string]any{},
	}
}

// Running returns the name of the builtin running now, or "" between calls.
func (s *Session) Running() string {
	name, _ := s.current.Load().(string)
	return name
}

// Interrupted names the builtin an interrupt stopped: the one running now,
// or else the first that returned an error after the run's context ended.
// It returns "" when the interrupt came between builtin calls.
func (s *Session) Interrupted() string {
	if name := s.Running(); name != "" {
		return name
	}
	name, _ := s.stopped.Load().(string)
	return name
}

// Attach installs s on thread.
func (s *Session) Attach(thread *starlark.Thread) { thread.SetLocal(sessionKey, s) }

var fallback = NewSession(context.Background())

// Get returns the session attached to thread. A thread without one (a Go test
// calling a builtin directly) gets a shared session whose sandbox denies all
// file access.
func Get(thread *starlark.Thread) *Session {
	if thread != nil {
		if s, ok := thread.Local(sessionKey).(*Session); ok {
			return s
		}
	}
	return fallback
}

// Context returns the run's context; kernels check it between blocks.
func Context(thread *starlark.Thread) context.Context {
	if ctx := Get(thread).Ctx; ctx != nil {
		return ctx
	}
	return context.Background()
}

// OpenInput checks path against the sandbox, records it as an input of the
// run, and returns its absolute path. fn names the builtin in errors.
func (s *Session) OpenInput(fn string, path string) (string, error) {
	abs, err := s.ReadPath(fn, path)
	if err != nil {
		return "", err
	}
	if err := s.RecordInput(abs); err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return abs, nil
}

// ReadPath resolves path (relative paths against BaseDir) and checks it
// against the sandbox without recording it as an input.
func (s *Session) ReadPath(fn, path string) (string, error) {
	if path != "" && !filepath.IsAbs(path) && s.BaseDir != "" {
		path = filepath.Join(s.BaseDir, path)
	}
	abs, err := s.Sandbox.CheckRead(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return abs, nil
}

// RecordInput hashes the file at abs (once per run) and records it.
// Folders are recorded with an empty hash.
func (s *Session) RecordInput(abs string) error {
	s.mu.Lock()
	_, seen := s.inputs[abs]
	s.mu.Unlock()
	if seen {
		return nil
	}
	sum := ""
	info, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		sum, err = FileSHA256(abs)
		if err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.inputs[abs] = sum
	s.mu.Unlock()
	return nil
}

// SetInputHash records a file whose hash is already known (the data catalog
// verified it), so it is not read twice.
func (s *Session) SetInputHash(abs, sum string) {
	s.mu.Lock()
	s.inputs[abs] = sum
	s.mu.Unlock()
}

// Input is a file read by a run.
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Inputs returns the recorded inputs sorted by path.
func (s *Session) Inputs() []Input {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Input, 0, len(s.inputs))
	for p, h := range s.inputs {
		out = append(out, Input{Path: p, SHA256: h})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// OutputPath returns the absolute path of name under the --out folder,
// creating the folders between. It fails when the run has no --out, or when
// name would leave the folder. An absolute name is taken as it is and must
// lie under an --allow-write folder, as WritePath checks.
func (s *Session) OutputPath(fn, name string) (string, error) {
	if filepath.IsAbs(name) {
		p, err := s.WritePath(fn, name)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("%s: %w", fn, err)
		}
		return p, nil
	}
	if s.OutDir == "" {
		return "", fmt.Errorf("%s: writing %q needs an output folder; run with --out DIR", fn, name)
	}
	p := filepath.Join(s.OutDir, name)
	if !within(p, s.OutDir) {
		return "", fmt.Errorf("%s: output name %q leaves the --out folder; use a relative path without '..'", fn, name)
	}
	if p == filepath.Clean(s.OutDir) {
		return "", fmt.Errorf("%s: output name %q names the --out folder itself; give a file name", fn, name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return p, nil
}

// WritePath checks a path a recipe asked to write (a model folder, a file)
// against the sandbox's write roots. A relative path is taken under --out.
func (s *Session) WritePath(fn, path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("%s: the output path is empty; give a file or folder name", fn)
	}
	if !filepath.IsAbs(path) {
		if s.OutDir == "" {
			return "", fmt.Errorf("%s: writing %q needs an output folder; run with --out DIR, or give an absolute path under an --allow-write folder", fn, path)
		}
		if filepath.Clean(path) == "." {
			return "", fmt.Errorf("%s: output path %q names the --out folder itself; give a file or folder name under it", fn, path)
		}
		path = filepath.Join(s.OutDir, path)
	}
	abs, err := s.Sandbox.CheckWrite(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return abs, nil
}

// RecordSetting stores a resolved configuration under key for run.json, for
// example the full settings of an ssl.train call. Repeated keys get a
// numeric suffix so no call is lost.
func (s *Session) RecordSetting(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key
	for i := 2; ; i++ {
		if _, dup := s.settings[k]; !dup {
			break
		}
		k = fmt.Sprintf("%s#%d", key, i)
	}
	s.settings[k] = value
}

// Settings returns a copy of the recorded settings.
func (s *Session) Settings() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]any, len(s.settings))
	for k, v := range s.settings {
		out[k] = v
	}
	return out
}

// FileSHA256 returns the hex sha256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
