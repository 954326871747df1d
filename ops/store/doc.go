// Package store reads and writes pare's on-disk formats: NumPy .npy and .npz
// arrays, safetensors checkpoints (single files and Hugging Face sharded
// indexes), and atomic file and folder writes.
//
// Every reader checks sizes, counts and offsets against the file size before
// it allocates, and returns a *FormatError that names the file and the byte
// offset of the defect. Multi-byte values are little-endian on disk; the
// zero-copy paths (Safetensors.Raw) assume a little-endian host.
package store

import "fmt"

// FormatError reports a malformed or unsupported file. Offset is the byte
// offset in File where the defect was found, or -1 when no single offset
// applies.
type FormatError struct {
	File   string
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, e.Msg)
}

// UserError marks the error as caused by input data, not by a bug in pare.
func (e *FormatError) UserError() {}

func formatErr(file string, off int64, format string, args ...any) error {
	return &FormatError{File: file, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
