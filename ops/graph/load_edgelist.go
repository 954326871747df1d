package graph

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// EdgeListOptions control ParseEdgeList.
type EdgeListOptions struct {
	// Undirected stores both directions of every edge.
	Undirected bool
	// NumNodes, when positive, fixes the node count; ids must be below it.
	// Otherwise the count is the largest integer id plus one, which must be
	// at most max(2^20, 8·edges).
	NumNodes int
}

// LoadEdgeList reads an edge list file; see ParseEdgeList.
func LoadEdgeList(path string, opt EdgeListOptions) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	defer f.Close()
	return ParseEdgeList(f, path, opt)
}

// ParseEdgeList reads one edge per line, "src dst" or "src dst weight",
// separated by white space or commas; lines starting with '#' or '%' are
// comments. Ids are 0-based integers, or names: when any id is not an
// integer, every id is treated as a name and numbered in order of first
// appearance (the names are kept in NodeNames). Repeated edges are merged
// by adding weights; the graph is weighted when any line has a weight.
func ParseEdgeList(r io.Reader, name string, opt EdgeListOptions) (*Graph, error) {
	lr := newLineReader(r, name)
	type rawEdge struct {
		src, dst string
		w        float32
		line     int
	}
	var raw []rawEdge
	weighted, numeric := false, true
	for {
		text, ok, err := lr.next()
		if err != nil {
			return nil, fmt.Errorf("graph: %w", err)
		}
		if !ok {
			break
		}
		if text[0] == '#' || text[0] == '%' {
			continue
		}
		f := splitFields(text)
		if len(f) != 2 && len(f) != 3 {
			return nil, fmt.Errorf("graph: %s: got %d fields, want \"src dst\" or \"src dst weight\"", lr.errorf("%q", text), len(f))
		}
		e := rawEdge{src: f[0], dst: f[1], w: 1, line: lr.line}
		if len(f) == 3 {
			w, err := strconv.ParseFloat(f[2], 32)
			if err != nil {
				return nil, fmt.Errorf("graph: %w", lr.errorf("invalid weight %q", f[2]))
			}
			e.w, weighted = float32(w), true
		}
		numeric = numeric && isInt(e.src) && isInt(e.dst)
		raw = append(raw, e)
	}

	g := &Graph{Name: strings.TrimSuffix(baseName(name), ".txt")}
	ids := map[string]int{}
	id := func(s string) int {
		if numeric {
			v, _ := strconv.Atoi(s)
			return v
		}
		v, ok := ids[s]
		if !ok {
			v = len(g.NodeNames)
			ids[s] = v
			g.NodeNames = append(g.NodeNames, s)
		}
		return v
	}
	edges := make([]Edge, 0, len(raw))
	n := 0
	for _, e := range raw {
		u, v := id(e.src), id(e.dst)
		if u < 0 || v < 0 {
			return nil, fmt.Errorf("graph: %s:%d: negative node id in (%s, %s)", name, e.line, e.src, e.dst)
		}
		if opt.NumNodes > 0 && (u >= opt.NumNodes || v >= opt.NumNodes) {
			return nil, fmt.Errorf("graph: %s:%d: edge (%d, %d) is outside the node range [0, %d)", name, e.line, u, v, opt.NumNodes)
		}
		if u > 1<<31-2 || v > 1<<31-2 {
			return nil, fmt.Errorf("graph: %s:%d: node id too large in (%s, %s)", name, e.line, e.src, e.dst)
		}
		n = max(n, u+1, v+1)
		edges = append(edges, Edge{u, v, e.w})
		if opt.Undirected && u != v {
			edges = append(edges, Edge{v, u, e.w})
		}
	}
	if opt.NumNodes > 0 {
		n = opt.NumNodes
	} else if numeric && n > max(1<<20, 8*len(raw)) {
		// The node count comes from the largest id and CSR storage grows
		// with it, so a lone huge id is rejected as a likely mistake.
		return nil, fmt.Errorf("graph: %s: largest node id %d is far above the %d edges; ids must be 0-based and dense, or set the node count explicitly", name, n-1, len(raw))
	}
	adj, err := FromEdges(n, n, edges, weighted)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", name, err)
	}
	g.Adj = adj
	return g, nil
}

func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
