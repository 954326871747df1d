package store

import (
	"fmt"
	"strconv"
)

// pyValue is a value of the Python literal subset found in .npy headers:
// string, int64, bool, nil (None), []pyValue (tuple or list) or
// map[string]pyValue (dict with string keys).
type pyValue any

type pyError struct {
	pos int
	msg string
}

// maxPyDepth bounds nesting so that a hostile header cannot exhaust the stack.
const maxPyDepth = 32

// parsePyDict parses a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// followed only by spaces and newlines.
func parsePyDict(s string) (map[string]pyValue, *pyError) {
	p := &pyParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(s) {
		return nil, p.errorf("unexpected %q after the dictionary", s[p.pos])
	}
	d, ok := v.(map[string]pyValue)
	if !ok {
		return nil, &pyError{0, "header is not a dictionary"}
	}
	return d, nil
}

type pyParser struct {
	s   string
	pos int
}

func (p *pyParser) errorf(format string, args ...any) *pyError {
	return &pyError{p.pos, fmt.Sprintf(format, args...)}
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) value(depth int) (pyValue, *pyError) {
	if depth > maxPyDepth {
		return nil, p.errorf("nesting deeper than %d", maxPyDepth)
	}
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, p.errorf("unexpected end of header")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.dict(depth)
	case c == '(' || c == '[':
		return p.sequence(depth)
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.integer()
	default:
		return p.word()
	}
}

func (p *pyParser) dict(depth int) (pyValue, *pyError) {
	p.pos++ // '{'
	out := map[string]pyValue{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return out, nil
		}
		keyPos := p.pos
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, &pyError{keyPos, "dictionary key is not a string"}
		}
		if _, dup := out[key]; dup {
			return nil, &pyError{keyPos, fmt.Sprintf("duplicate key %q", key)}
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("want ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[key] = v
		p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, p.errorf("unterminated dictionary")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errorf("want ',' or '}' in dictionary, got %q", p.s[p.pos])
		}
	}
}

func (p *pyParser) sequence(depth int) (pyValue, *pyError) {
	closer := byte(')')
	if p.s[p.pos] == '[' {
		closer = ']'
	}
	p.pos++
	out := []pyValue{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == closer {
			p.pos++
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, p.errorf("unterminated tuple")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case closer:
		default:
			return nil, p.errorf("want ',' or %q in tuple, got %q", closer, p.s[p.pos])
		}
	}
}

func (p *pyParser) str() (pyValue, *pyError) {
	quote := p.s[p.pos]
	start := p.pos + 1
	for i := start; i < len(p.s); i++ {
		switch p.s[i] {
		case '\\':
			return nil, &pyError{i, "escape sequences in header strings are not supported"}
		case quote:
			p.pos = i + 1
			return p.s[start:i], nil
		}
	}
	return nil, p.errorf("unterminated string")
}

func (p *pyParser) integer() (pyValue, *pyError) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	// Python 2 era writers appended L to long integers.
	end := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == 'L' {
		p.pos++
	}
	n, err := strconv.ParseInt(p.s[start:end], 10, 64)
	if err != nil {
		return nil, &pyError{start, fmt.Sprintf("invalid integer %q", p.s[start:end])}
	}
	return n, nil
}

func (p *pyParser) word() (pyValue, *pyError) {
	start := p.pos
	for p.pos < len(p.s) && (p.s[p.pos] >= 'A' && p.s[p.pos] <= 'Z' || p.s[p.pos] >= 'a' && p.s[p.pos] <= 'z') {
		p.pos++
	}
	switch p.s[start:p.pos] {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	p.pos = start
	return nil, p.errorf("unexpected %q", p.s[start])
}
