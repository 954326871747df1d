package kg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// ReadNTriples adds the triples of an N-Triples document (W3C RDF 1.1
// N-Triples) to b. Subjects are IRIs or blank nodes, predicates IRIs, and
// objects IRIs, blank nodes or literals. Entity names are the unescaped IRI
// without angle brackets, "_:label" for blank nodes, and for literals the
// quoted, unescaped lexical form followed by "@lang" or "^^<datatype>".
// Blank lines and comment lines are ignored.
func ReadNTriples(ctx context.Context, r io.Reader, file string, b *Builder, opt LoadOptions, rep *LoadReport) error {
	lr := newLineReader(r, file)
	var p ntParser
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
		p.reset(line)
		ok, perr := p.statement()
		if perr != nil {
			e := &LineError{File: file, Line: lr.line, Reason: perr.reason, Detail: fmt.Sprintf("column %d: %s", perr.col+1, perr.detail)}
			if err := rep.reject(opt, e); err != nil {
				return err
			}
			continue
		}
		if !ok {
			continue
		}
		b.Add(p.subj, p.pred, p.obj)
		rep.Triples++
	}
}

// LoadNTriples reads one or more N-Triples files (plain, gzip or zstd).
func LoadNTriples(ctx context.Context, paths []string, opt LoadOptions) (*Graph, *LoadReport, error) {
	b := NewBuilder()
	rep := &LoadReport{}
	for _, p := range paths {
		if err := readFile(p, rep, func(r io.Reader) error { return ReadNTriples(ctx, r, p, b, opt, rep) }); err != nil {
			return nil, rep, err
		}
	}
	g, err := buildLoaded(b, rep)
	return g, rep, err
}

type ntError struct {
	col    int
	reason string
	detail string
}

// ntParser parses one N-Triples line. The term buffers are reused.
type ntParser struct {
	s               []byte
	i               int
	subj, pred, obj []byte
	buf             [3][]byte
}

func (p *ntParser) reset(line []byte) { p.s, p.i = line, 0 }

func (p *ntParser) fail(reason, format string, args ...any) *ntError {
	return &ntError{col: p.i, reason: reason, detail: fmt.Sprintf(format, args...)}
}

func (p *ntParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// statement parses "subject predicate object ." and returns false for a
// blank or comment line.
func (p *ntParser) statement() (bool, *ntError) {
	p.skipSpace()
	if p.i == len(p.s) || p.s[p.i] == '#' {
		return false, nil
	}
	var err *ntError
	if p.subj, err = p.term(0, false); err != nil {
		return false, err
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '<' {
		return false, p.fail("bad predicate", "want an IRI in angle brackets")
	}
	if p.pred, err = p.term(1, false); err != nil {
		return false, err
	}
	p.skipSpace()
	if p.obj, err = p.term(2, true); err != nil {
		return false, err
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '.' {
		return false, p.fail("missing final dot", "want '.' after the object")
	}
	p.i++
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] != '#' {
		return false, p.fail("trailing text", "unexpected %q after '.'", p.s[p.i:])
	}
	return true, nil
}

// term parses an IRI, a blank node or (when literal) a literal into buffer k.
func (p *ntParser) term(k int, literal bool) ([]byte, *ntError) {
	if p.i >= len(p.s) {
		return nil, p.fail("missing term", "line ends before the triple is complete")
	}
	out := p.buf[k][:0]
	var err *ntError
	switch c := p.s[p.i]; {
	case c == '<':
		p.i++
		out, err = p.iri(out)
	case c == '_':
		out, err = p.blank(out)
	case c == '"' && literal:
		out, err = p.literal(out)
	default:
		return nil, p.fail("bad term", "unexpected %q", c)
	}
	p.buf[k] = out
	if err == nil && len(out) == 0 {
		return nil, p.fail("empty name", "empty IRI")
	}
	return out, err
}

func (p *ntParser) iri(out []byte) ([]byte, *ntError) {
	start, open := len(out), p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '>':
			p.i++
			// An empty IRI is reported as an empty name by term.
			if len(out) > start && !hasScheme(out[start:]) {
				p.i = open
				return nil, p.fail("relative IRI", "IRI <%s> has no scheme; N-Triples requires absolute IRIs such as <http://example.org/x>", out[start:])
			}
			return out, nil
		case c == '\\':
			var err *ntError
			if out, err = p.unicodeEscape(out); err != nil {
				return nil, err
			}
		case c <= 0x20 || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`':
			return nil, p.fail("bad IRI", "character %q is not allowed in an IRI", c)
		default:
			out = append(out, c)
			p.i++
		}
	}
	return nil, p.fail("bad IRI", "missing closing '>'")
}

// hasScheme reports whether iri starts with an IRI scheme and a colon
// (RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), which makes
// it absolute.
func hasScheme(iri []byte) bool {
	for i, c := range iri {
		switch {
		case c == ':':
			return i > 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}

func (p *ntParser) blank(out []byte) ([]byte, *ntError) {
	if p.i+1 >= len(p.s) || p.s[p.i+1] != ':' {
		return nil, p.fail("bad blank node", "want '_:' followed by a label")
	}
	start := p.i
	p.i += 2
	for p.i < len(p.s) && p.s[p.i] != ' ' && p.s[p.i] != '\t' && p.s[p.i] != '<' && p.s[p.i] != '"' {
		p.i++
	}
	// A label may contain '.' but not end with it, so the final dot of a
	// statement written without a space stays a terminator.
	for p.i > start+2 && p.s[p.i-1] == '.' {
		p.i--
	}
	if p.i == start+2 {
		return nil, p.fail("bad blank node", "empty label")
	}
	return append(out, p.s[start:p.i]...), nil
}

func (p *ntParser) literal(out []byte) ([]byte, *ntError) {
	out = append(out, '"')
	p.i++
	closed := false
	for p.i < len(p.s) && !closed {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			closed = true
		case '\\':
			if p.i+1 >= len(p.s) {
				return nil, p.fail("bad escape", "backslash at end of line")
			}
			var e byte
			switch p.s[p.i+1] {
			case 't':
				e = '\t'
			case 'b':
				e = '\b'
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 'f':
				e = '\f'
			case '"':
				e = '"'
			case '\'':
				e = '\''
			case '\\':
				e = '\\'
			case 'u', 'U':
				var err *ntError
				if out, err = p.unicodeEscape(out); err != nil {
					return nil, err
				}
				continue
			default:
				return nil, p.fail("bad escape", "unknown escape \\%c", p.s[p.i+1])
			}
			out = append(out, e)
			p.i += 2
		case '\n', '\r':
			return nil, p.fail("bad literal", "raw line break in a literal")
		default:
			out = append(out, c)
			p.i++
		}
	}
	if !closed {
		return nil, p.fail("bad literal", "missing closing quote")
	}
	out = append(out, '"')
	if p.i < len(p.s) && p.s[p.i] == '@' {
		start := p.i
		p.i++
		for p.i < len(p.s) && (isAlnum(p.s[p.i]) || p.s[p.i] == '-') {
			p.i++
		}
		if p.i == start+1 {
			return nil, p.fail("bad literal", "empty language tag")
		}
		out = append(out, p.s[start:p.i]...)
	} else if p.i+1 < len(p.s) && p.s[p.i] == '^' && p.s[p.i+1] == '^' {
		p.i += 2
		if p.i >= len(p.s) || p.s[p.i] != '<' {
			return nil, p.fail("bad literal", "want a datatype IRI after '^^'")
		}
		p.i++
		out = append(out, "^^<"...)
		var err *ntError
		if out, err = p.iri(out); err != nil {
			return nil, err
		}
		out = append(out, '>')
	}
	return out, nil
}

// unicodeEscape decodes \uXXXX or \UXXXXXXXX at p.i.
func (p *ntParser) unicodeEscape(out []byte) ([]byte, *ntError) {
	if p.i+1 >= len(p.s) {
		return nil, p.fail("bad escape", "backslash at end of line")
	}
	n := 0
	switch p.s[p.i+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return nil, p.fail("bad escape", "unknown escape \\%c", p.s[p.i+1])
	}
	if p.i+2+n > len(p.s) {
		return nil, p.fail("bad escape", "want %d hex digits after \\%c", n, p.s[p.i+1])
	}
	v, err := strconv.ParseUint(string(p.s[p.i+2:p.i+2+n]), 16, 32)
	if err != nil || !utf8.ValidRune(rune(v)) {
		return nil, p.fail("bad escape", "invalid code point %q", p.s[p.i:p.i+2+n])
	}
	p.i += 2 + n
	return utf8.AppendRune(out, rune(v)), nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
