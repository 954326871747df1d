package graph

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxLineBytes bounds one line of a text graph file.
const maxLineBytes = 1 << 20

// lineReader yields the non-empty lines of a text file with their 1-based
// line numbers, for error messages of the form file:line.
type lineReader struct {
	name string
	sc   *bufio.Scanner
	line int
}

func newLineReader(r io.Reader, name string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	return &lineReader{name: name, sc: sc}
}

// next returns the next line with surrounding space and a trailing '\r'
// removed, skipping blank lines; ok is false at the end of the file.
func (lr *lineReader) next() (text string, ok bool, err error) {
	for lr.sc.Scan() {
		lr.line++
		text = strings.TrimSpace(lr.sc.Text())
		if text != "" {
			return text, true, nil
		}
	}
	if err := lr.sc.Err(); err != nil {
		return "", false, fmt.Errorf("%s:%d: %w", lr.name, lr.line+1, err)
	}
	return "", false, nil
}

func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", lr.name, lr.line, fmt.Sprintf(format, args...))
}

// splitFields splits on commas and white space.
func splitFields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// readIntColumn reads a file of one integer per line.
func readIntColumn(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lr := newLineReader(f, path)
	var out []int
	for {
		text, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		v, err := strconv.Atoi(text)
		if err != nil {
			return nil, lr.errorf("invalid integer %q, want one integer per line", text)
		}
		out = append(out, v)
	}
}
