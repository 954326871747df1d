package kg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// ReadNames reads "key<TAB>label" lines (FB15k-237's mid2name.txt) and sets
// the label of every entity of g named key. Underscores in labels are kept
// as written. It returns how many labels were set; keys that are not
// entities of g are counted in unknown and ignored. When a key repeats, the
// first label wins.
func ReadNames(ctx context.Context, r io.Reader, file string, g *Graph, opt LoadOptions, rep *LoadReport) (set, unknown int, err error) {
	lr := newLineReader(r, file)
	d := g.Entities()
	seen := make(map[int32]bool)
	for {
		line, err := lr.next()
		if err == io.EOF {
			return set, unknown, nil
		}
		rep.Lines++
		if err := cancelled(ctx, rep.Lines); err != nil {
			return set, unknown, err
		}
		var le *LineError
		if errors.As(err, &le) {
			if err := rep.reject(opt, le); err != nil {
				return set, unknown, err
			}
			continue
		}
		if err != nil {
			return set, unknown, err
		}
		if len(line) == 0 {
			continue
		}
		key, label, ok := bytes.Cut(line, []byte{'\t'})
		if !ok || bytes.IndexByte(label, '\t') >= 0 || len(key) == 0 || len(label) == 0 {
			e := &LineError{File: file, Line: lr.line, Reason: "bad name line", Detail: fmt.Sprintf("got %q, want key<TAB>label", line)}
			if err := rep.reject(opt, e); err != nil {
				return set, unknown, err
			}
			continue
		}
		id, ok := d.LookupBytes(key)
		if !ok {
			unknown++
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		d.SetLabel(id, string(label))
		set++
	}
}

// LoadNames applies a name file (plain, gzip or zstd) to g.
func LoadNames(ctx context.Context, path string, g *Graph, opt LoadOptions) (set, unknown int, rep *LoadReport, err error) {
	rep = &LoadReport{}
	err = readFile(path, rep, func(r io.Reader) error {
		var e error
		set, unknown, e = ReadNames(ctx, r, path, g, opt, rep)
		return e
	})
	return set, unknown, rep, err
}

// Count formats n with the singular noun one when n is 1 and the plural
// many otherwise, as in "1 relation" and "237 relations".
func Count(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
