package graph

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxGMLDepth bounds list nesting in a GML file.
const maxGMLDepth = 64

// maxGMLBytes bounds the size of a GML file read into memory.
const maxGMLBytes = 256 << 20

// LoadGML reads a graph in GML (Himsolt, "GML: A portable Graph File
// Format", 1997), as written by igraph and networkx; see ParseGML.
func LoadGML(path string) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	defer f.Close()
	return ParseGML(f, path)
}

// ParseGML reads the first "graph [...]" of a GML document. Nodes are
// numbered in file order; their "id" keys (integers) are mapped to 0..N-1 and
// their "label" strings, when every node has one, become NodeNames. Edges
// take "source" and "target" ids and an optional numeric "weight" or
// "value", which makes the graph weighted. "directed 1" keeps edges as
// given; otherwise (the GML default) both directions are stored.
func ParseGML(r io.Reader, name string) (*Graph, error) {
	text, err := io.ReadAll(io.LimitReader(r, maxGMLBytes+1))
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", name, err)
	}
	if len(text) > maxGMLBytes {
		return nil, fmt.Errorf("graph: %s: file exceeds %d bytes", name, maxGMLBytes)
	}
	p := &gmlParser{src: string(text), name: name}
	root, err := p.list(0, false)
	if err != nil {
		return nil, err
	}
	var gl *gmlList
	for _, kv := range root.items {
		if kv.key == "graph" && kv.list != nil {
			gl = kv.list
			break
		}
	}
	if gl == nil {
		return nil, fmt.Errorf("graph: %s: no \"graph [ ... ]\" block", name)
	}
	return gmlGraph(gl, p)
}

type gmlValue struct {
	key  string
	str  string   // scalar text (strings without quotes)
	num  *float64 // set when the scalar is a number
	list *gmlList
	pos  int // byte offset of the key
}

type gmlList struct{ items []gmlValue }

type gmlParser struct {
	src  string
	pos  int
	name string
}

func (p *gmlParser) errorf(pos int, format string, args ...any) error {
	line := 1 + strings.Count(p.src[:min(pos, len(p.src))], "\n")
	return fmt.Errorf("graph: %s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

func (p *gmlParser) skip() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '#': // comment to the end of the line
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// list parses key-value pairs until ']' (nested) or the end of input (top).
func (p *gmlParser) list(depth int, nested bool) (*gmlList, error) {
	if depth > maxGMLDepth {
		return nil, p.errorf(p.pos, "lists nested deeper than %d", maxGMLDepth)
	}
	out := &gmlList{}
	for {
		p.skip()
		if p.pos >= len(p.src) {
			if nested {
				return nil, p.errorf(p.pos, "missing ']'")
			}
			return out, nil
		}
		if p.src[p.pos] == ']' {
			if !nested {
				return nil, p.errorf(p.pos, "unexpected ']'")
			}
			p.pos++
			return out, nil
		}
		start := p.pos
		for p.pos < len(p.src) && isGMLKeyChar(p.src[p.pos]) {
			p.pos++
		}
		if p.pos == start {
			return nil, p.errorf(start, "want a key, got %q", p.src[start])
		}
		v := gmlValue{key: p.src[start:p.pos], pos: start}
		p.skip()
		if p.pos >= len(p.src) {
			return nil, p.errorf(p.pos, "key %q has no value", v.key)
		}
		switch c := p.src[p.pos]; {
		case c == '[':
			p.pos++
			l, err := p.list(depth+1, true)
			if err != nil {
				return nil, err
			}
			v.list = l
		case c == '"':
			end := strings.IndexByte(p.src[p.pos+1:], '"')
			if end < 0 {
				return nil, p.errorf(p.pos, "unterminated string")
			}
			v.str = p.src[p.pos+1 : p.pos+1+end]
			p.pos += end + 2
		default:
			s := p.pos
			for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n[]", rune(p.src[p.pos])) {
				p.pos++
			}
			v.str = p.src[s:p.pos]
			f, err := strconv.ParseFloat(v.str, 64)
			if err != nil {
				return nil, p.errorf(s, "value %q of key %q is not a number, string or list", v.str, v.key)
			}
			v.num = &f
		}
		out.items = append(out.items, v)
	}
}

func isGMLKeyChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func gmlGraph(gl *gmlList, p *gmlParser) (*Graph, error) {
	name := p.name
	directed := false
	ids := map[int64]int{}
	var labels []string
	labeled := true
	type pending struct {
		src, dst int64
		w        float32
		pos      int
	}
	var raw []pending
	weighted := false
	for _, kv := range gl.items {
		switch {
		case kv.key == "directed" && kv.num != nil:
			directed = *kv.num != 0
		case kv.key == "node" && kv.list != nil:
			id, ok := gmlInt(kv.list, "id")
			if !ok {
				return nil, p.errorf(kv.pos, "node without an integer id")
			}
			if _, dup := ids[id]; dup {
				return nil, p.errorf(kv.pos, "node id %d appears twice", id)
			}
			ids[id] = len(ids)
			label, ok := gmlString(kv.list, "label")
			labeled = labeled && ok
			labels = append(labels, label)
		case kv.key == "edge" && kv.list != nil:
			src, ok1 := gmlInt(kv.list, "source")
			dst, ok2 := gmlInt(kv.list, "target")
			if !ok1 || !ok2 {
				return nil, p.errorf(kv.pos, "edge without integer source and target")
			}
			e := pending{src, dst, 1, kv.pos}
			for _, key := range []string{"weight", "value"} {
				if w, ok := gmlNum(kv.list, key); ok {
					e.w, weighted = float32(w), true
					break
				}
			}
			raw = append(raw, e)
		}
	}
	n := len(ids)
	edges := make([]Edge, 0, 2*len(raw))
	for _, e := range raw {
		u, ok1 := ids[e.src]
		v, ok2 := ids[e.dst]
		if !ok1 || !ok2 {
			return nil, p.errorf(e.pos, "edge (%d, %d) names a node id that no node declares", e.src, e.dst)
		}
		edges = append(edges, Edge{u, v, e.w})
		if !directed && u != v {
			edges = append(edges, Edge{v, u, e.w})
		}
	}
	adj, err := FromEdges(n, n, edges, weighted)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", name, err)
	}
	g := &Graph{Name: strings.TrimSuffix(baseName(name), ".gml"), Adj: adj}
	if labeled && n > 0 {
		g.NodeNames = labels
	}
	return g, nil
}

func gmlFind(l *gmlList, key string) *gmlValue {
	for i := range l.items {
		if l.items[i].key == key {
			return &l.items[i]
		}
	}
	return nil
}

func gmlNum(l *gmlList, key string) (float64, bool) {
	v := gmlFind(l, key)
	if v == nil || v.num == nil {
		return 0, false
	}
	return *v.num, true
}

func gmlInt(l *gmlList, key string) (int64, bool) {
	f, ok := gmlNum(l, key)
	if !ok || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

func gmlString(l *gmlList, key string) (string, bool) {
	v := gmlFind(l, key)
	if v == nil || v.list != nil || v.num != nil {
		return "", false
	}
	return v.str, true
}
