package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	err := WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content: got %q, want %q", got, "new")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder: got %d entries, want 1", len(entries))
	}
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error: got %v, want one wrapping %v", err, boom)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("content after failure: got %q, want %q", got, "old")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder after failure: got %d entries, want 1 (no temporary file)", len(entries))
	}
}

func TestWriteDirAtomic(t *testing.T) {
	parent := t.TempDir()
	path := filepath.Join(parent, "model")
	err := WriteDirAtomic(path, func(dir string) error {
		if err := os.WriteFile(filepath.Join(dir, "a.bin"), []byte("a"), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "b.bin"), []byte("b"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(path); len(entries) != 2 {
		t.Errorf("folder: got %d files, want 2", len(entries))
	}

	failed := filepath.Join(parent, "failed")
	err = WriteDirAtomic(failed, func(dir string) error {
		os.WriteFile(filepath.Join(dir, "a.bin"), []byte("a"), 0o644)
		return errors.New("boom")
	})
	if err == nil {
		t.Error("failing fill: got no error")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("parent after failure: got %d entries, want only the first folder", len(entries))
	}

	if err := WriteDirAtomic(path, func(string) error { return nil }); err == nil {
		t.Error("existing non-empty folder: got no error, want a refusal")
	}
}

func TestWriteFileAtomicRejectsFolder(t *testing.T) {
	dir := t.TempDir()
	err := WriteFileAtomic(dir, func(w io.Writer) error {
		_, err := w.Write([]byte("x"))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "it is a folder; give a file name") {
		t.Errorf("WriteFileAtomic onto a folder: error %v, want one naming the folder", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the folder holds %d entries after the failed write, want 0", len(entries))
	}
}
