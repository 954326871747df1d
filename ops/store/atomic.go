package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic creates or replaces path with the bytes that write produces.
// It writes to a temporary file in the same folder, syncs it, and renames it
// over path, so readers see either the old file or the complete new one. When
// write or any step fails, the temporary file is removed and path is left
// unchanged. The new file has mode 0644.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	if info, statErr := os.Stat(path); statErr == nil && info.IsDir() {
		return fmt.Errorf("store: write %s: it is a folder; give a file name", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", path, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("store: rename into %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// WriteDirAtomic creates the folder path with the files that fill writes
// into the folder it is given. It fills a temporary folder next to path and
// renames it to path at the end, so path appears complete or not at all. An
// existing path is an error unless it is an empty folder, which is replaced.
// When fill fails, the temporary folder and everything in it is removed.
func WriteDirAtomic(path string, fill func(dir string) error) (err error) {
	path = filepath.Clean(path)
	if fi, statErr := os.Stat(path); statErr == nil {
		if !fi.IsDir() {
			return fmt.Errorf("store: write folder %s: a file with that name exists", path)
		}
		entries, readErr := os.ReadDir(path)
		if readErr != nil {
			return fmt.Errorf("store: write folder %s: %w", path, readErr)
		}
		if len(entries) > 0 {
			return fmt.Errorf("store: write folder %s: folder exists and is not empty; remove it or choose another name", path)
		}
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("store: write folder %s: %w", path, statErr)
	}

	parent, base := filepath.Split(path)
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("store: write folder %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()

	if err = fill(tmp); err != nil {
		return fmt.Errorf("store: write folder %s: %w", path, err)
	}
	if err = syncTree(tmp); err != nil {
		return fmt.Errorf("store: sync folder %s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("store: write folder %s: %w", path, err)
	}
	// An empty folder at path is replaced: rename(2) onto an empty folder
	// succeeds on Linux, and removing it first makes the rule portable.
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		if err = os.Remove(path); err != nil {
			return fmt.Errorf("store: write folder %s: %w", path, err)
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("store: rename into %s: %w", path, err)
	}
	syncDir(parent)
	return nil
}

// syncDir makes a rename in dir durable. Errors are ignored because some
// file systems do not support syncing a folder, and the rename itself has
// already succeeded.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// syncTree flushes every regular file under dir to disk before the folder is
// renamed into place.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}
