// Package catalog names the data files that pare's recipes and tests use,
// with their relative path under the data folder, size, sha256, canonical
// download address and license, so a shared recipe can say
// data.path("stories260K") and get the same bytes on every machine.
package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"crypto/sha256"
	"encoding/hex"
	"io"
)

// File is one cataloged file.
type File struct {
	// Rel is the path under the data folder, with forward slashes.
	Rel    string
	Size   int64
	SHA256 string
}

// Entry is a named data set: one file, or a folder of files.
type Entry struct {
	Name string
	// Rel is the file or folder path under the data folder.
	Rel         string
	Description string
	Files       []File
	URL         string
	License     string
	// Derived, when set, describes how the file is made from the files at
	// URL, for files that are conversions rather than downloads.
	Derived string
}

// source returns where the entry's file comes from, for error messages.
func (e *Entry) source() string {
	if e.Derived != "" {
		return e.URL + " (" + e.Derived + ")"
	}
	return e.URL
}

// IsFolder reports whether the entry names a folder of files.
func (e *Entry) IsFolder() bool { return len(e.Files) != 1 || e.Files[0].Rel != e.Rel }

// Size returns the total bytes of the entry's files.
func (e *Entry) Size() int64 {
	var n int64
	for _, f := range e.Files {
		n += f.Size
	}
	return n
}

// Entries returns the catalog sorted by name.
func Entries() []*Entry {
	out := append([]*Entry(nil), entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds an entry by name (case-sensitive), or a single file inside a
// folder entry written as "entry/file".
func Lookup(name string) (*Entry, *File, error) {
	for _, e := range entries {
		if e.Name == name {
			return e, nil, nil
		}
	}
	if base, rest, ok := strings.Cut(name, "/"); ok {
		for _, e := range entries {
			if e.Name != base {
				continue
			}
			for i := range e.Files {
				if e.Files[i].Rel == e.Rel+"/"+rest {
					return e, &e.Files[i], nil
				}
			}
			return nil, nil, fmt.Errorf("data set %q has no file %q; it has %s", base, rest, fileNames(e))
		}
	}
	return nil, nil, fmt.Errorf("unknown data set %q; known names: %s (see `pare data list`)", name, strings.Join(Names(), ", "))
}

func fileNames(e *Entry) string {
	var names []string
	for _, f := range e.Files {
		names = append(names, strings.TrimPrefix(f.Rel, e.Rel+"/"))
	}
	return strings.Join(names, ", ")
}

// Names returns the entry names, sorted.
func Names() []string {
	var out []string
	for _, e := range Entries() {
		out = append(out, e.Name)
	}
	return out
}

// Root returns the data folder: $PARE_DATA when set, otherwise
// <user cache folder>/pare/data.
func Root() (string, error) {
	if d := os.Getenv("PARE_DATA"); d != "" {
		return filepath.Abs(d)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("PARE_DATA is not set and the user cache folder is unknown (%v); set PARE_DATA to the data folder", err)
	}
	return filepath.Join(cache, "pare", "data"), nil
}

// Verifier checks files against the catalog once per process run and
// remembers the result.
type Verifier struct {
	mu   sync.Mutex
	done map[string]error
}

// NewVerifier returns an empty Verifier.
func NewVerifier() *Verifier { return &Verifier{done: map[string]error{}} }

// Resolve returns the absolute path of name under root after checking that
// each of its files exists with the cataloged size and sha256. A missing
// file gives the expected path and the download address.
func (v *Verifier) Resolve(root, name string) (string, []File, error) {
	e, f, err := Lookup(name)
	if err != nil {
		return "", nil, err
	}
	files := e.Files
	rel := e.Rel
	if f != nil {
		files = []File{*f}
		rel = f.Rel
	}
	for _, file := range files {
		if err := v.verify(root, e, file); err != nil {
			return "", nil, err
		}
	}
	return filepath.Join(root, filepath.FromSlash(rel)), files, nil
}

func (v *Verifier) verify(root string, e *Entry, f File) error {
	p := filepath.Join(root, filepath.FromSlash(f.Rel))
	v.mu.Lock()
	err, seen := v.done[p]
	v.mu.Unlock()
	if seen {
		return err
	}
	err = checkFile(p, e, f)
	v.mu.Lock()
	v.done[p] = err
	v.mu.Unlock()
	return err
}

func checkFile(p string, e *Entry, f File) error {
	info, err := os.Stat(p)
	if os.IsNotExist(err) {
		return fmt.Errorf("data set %q: file %s not found; download it from %s (license: %s) and place it there, or set PARE_DATA to the folder that holds %s", e.Name, p, e.source(), e.License, f.Rel)
	}
	if err != nil {
		return fmt.Errorf("data set %q: %w", e.Name, err)
	}
	if info.Size() != f.Size {
		return fmt.Errorf("data set %q: %s has %d bytes, want %d; the file is truncated or a different version; download it again from %s", e.Name, p, info.Size(), f.Size, e.source())
	}
	file, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("data set %q: %w", e.Name, err)
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return fmt.Errorf("data set %q: reading %s: %w", e.Name, p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("data set %q: %s has sha256 %s, want %s; the file differs from the cataloged one; download it again from %s", e.Name, p, got, f.SHA256, e.source())
	}
	return nil
}
