package kg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadTSV adds the triples of r, one "head<TAB>relation<TAB>tail" per line,
// to b. A trailing "\r" is stripped and blank lines are ignored. A line with
// a field count other than 3 or an empty field is malformed: the error names
// file and line, or, when opt.Lenient, the line is skipped and counted in rep.
func ReadTSV(ctx context.Context, r io.Reader, file string, b *Builder, opt LoadOptions, rep *LoadReport) error {
	lr := newLineReader(r, file)
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		rep.Lines++
		if err := cancelled(ctx, rep.Lines); err != nil {
			return err
		}
		var le *LineError
		if errors.As(err, &le) {
			if err := rep.reject(opt, le); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			continue
		}
		h, rest, ok1 := bytes.Cut(line, []byte{'\t'})
		rel, t, ok2 := bytes.Cut(rest, []byte{'\t'})
		if !ok1 || !ok2 || bytes.IndexByte(t, '\t') >= 0 {
			n := bytes.Count(line, []byte{'\t'}) + 1
			e := &LineError{File: file, Line: lr.line, Reason: "wrong field count", Detail: fmt.Sprintf("got %d tab-separated fields, want 3", n)}
			if err := rep.reject(opt, e); err != nil {
				return err
			}
			continue
		}
		if len(h) == 0 || len(rel) == 0 || len(t) == 0 {
			e := &LineError{File: file, Line: lr.line, Reason: "empty name", Detail: fmt.Sprintf("fields %q, %q, %q", h, rel, t)}
			if err := rep.reject(opt, e); err != nil {
				return err
			}
			continue
		}
		b.Add(h, rel, t)
		rep.Triples++
	}
}

// LoadTSV reads one or more TSV triple files (plain, gzip or zstd) into one
// graph, in the given order.
func LoadTSV(ctx context.Context, paths []string, opt LoadOptions) (*Graph, *LoadReport, error) {
	b := NewBuilder()
	rep := &LoadReport{}
	for _, p := range paths {
		if err := readFile(p, rep, func(r io.Reader) error { return ReadTSV(ctx, r, p, b, opt, rep) }); err != nil {
			return nil, rep, err
		}
	}
	g, err := buildLoaded(b, rep)
	return g, rep, err
}

// readFile opens path (decompressing it) and passes the reader to read.
func readFile(path string, rep *LoadReport, read func(io.Reader) error) error {
	r, closeFn, err := openDecompressed(path)
	if err != nil {
		return fmt.Errorf("kg: %w", err)
	}
	rep.Files = append(rep.Files, path)
	err = read(r)
	if cerr := closeFn(); err == nil && cerr != nil {
		err = fmt.Errorf("kg: closing %s: %w", path, cerr)
	}
	return err
}

// buildLoaded builds the graph a loader read, and rejects an empty one: a
// graph without triples cannot be summarized or queried.
func buildLoaded(b *Builder, rep *LoadReport) (*Graph, error) {
	if b.Len() == 0 {
		msg := fmt.Sprintf("kg: no triples in %s (%s read", strings.Join(rep.Files, ", "), Count(rep.Lines, "line", "lines"))
		if rep.Skipped > 0 {
			msg += fmt.Sprintf(", %d of them skipped as malformed", rep.Skipped)
		}
		return nil, errors.New(msg + "); want at least one triple")
	}
	return b.Build()
}
