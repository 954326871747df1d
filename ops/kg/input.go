package kg

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// LoadOptions controls how strictly the loaders treat malformed lines.
type LoadOptions struct {
	// Lenient skips malformed lines and counts them in the LoadReport
	// instead of failing on the first one.
	Lenient bool
	// MaxExamples bounds how many skipped lines the report quotes (default 10).
	MaxExamples int
}

// LoadReport says what a loader read and, when lenient, what it skipped.
type LoadReport struct {
	Files   []string
	Lines   int // lines read, blank and comment lines included
	Triples int // triples added, before deduplication
	Skipped int // malformed lines skipped (lenient mode only)
	// SkippedBy counts skipped lines per reason.
	SkippedBy map[string]int
	// Examples quotes the first skipped lines as "file:line: reason".
	Examples []string
}

// String summarises the report in one line, reasons sorted by name.
func (r *LoadReport) String() string {
	s := fmt.Sprintf("%s, %s read, %s skipped", Count(r.Lines, "line", "lines"), Count(r.Triples, "triple", "triples"), Count(r.Skipped, "line", "lines"))
	if len(r.SkippedBy) > 0 {
		keys := make([]string, 0, len(r.SkippedBy))
		for k := range r.SkippedBy {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %d", k, r.SkippedBy[k])
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// LineError is a malformed input line.
type LineError struct {
	File   string
	Line   int
	Reason string // short, stable category, such as "wrong field count"
	Detail string
}

func (e *LineError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Reason, e.Detail)
}

// reject handles a malformed line: it returns the error in strict mode and
// records it in the report in lenient mode.
func (r *LoadReport) reject(opt LoadOptions, e *LineError) error {
	if !opt.Lenient {
		return e
	}
	r.Skipped++
	if r.SkippedBy == nil {
		r.SkippedBy = map[string]int{}
	}
	r.SkippedBy[e.Reason]++
	max := opt.MaxExamples
	if max == 0 {
		max = 10
	}
	if len(r.Examples) < max {
		r.Examples = append(r.Examples, e.Error())
	}
	return nil
}

// openDecompressed opens path and undoes gzip or zstd compression, detected
// from the first bytes of the file rather than its name.
func openDecompressed(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: invalid gzip header: %w", path, err)
		}
		return zr, func() error { zr.Close(); return f.Close() }, nil
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: invalid zstd header: %w", path, err)
		}
		return zr, func() error { zr.Close(); return f.Close() }, nil
	}
	return br, f.Close, nil
}

// maxLineBytes bounds one input line; longer lines are malformed.
const maxLineBytes = 1 << 20

// lineReader yields lines without the trailing "\n" or "\r\n".
type lineReader struct {
	r    *bufio.Reader
	file string
	line int
}

func newLineReader(r io.Reader, file string) *lineReader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < maxLineBytes {
		br = bufio.NewReaderSize(r, maxLineBytes)
	}
	return &lineReader{r: br, file: file}
}

// next returns the next line, io.EOF at the end, or a *LineError for a line
// longer than maxLineBytes (the rest of that line is consumed).
func (lr *lineReader) next() ([]byte, error) {
	b, err := lr.r.ReadSlice('\n')
	if err == io.EOF && len(b) == 0 {
		return nil, io.EOF
	}
	lr.line++
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = lr.r.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s:%d: %w", lr.file, lr.line, err)
		}
		return nil, &LineError{File: lr.file, Line: lr.line, Reason: "line too long", Detail: fmt.Sprintf("more than %d bytes", maxLineBytes)}
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s:%d: %w", lr.file, lr.line, err)
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, nil
}

// checkEvery is how many lines a loader reads between cancellation checks.
const checkEvery = 1 << 16

func cancelled(ctx context.Context, lines int) error {
	if ctx != nil && lines%checkEvery == 0 {
		return ctx.Err()
	}
	return nil
}
