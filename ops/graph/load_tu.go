package graph

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// LoadTU reads a dataset in the TU graph-collection text format (Morris et
// al., "TUDataset", arXiv 2007.08663) from dir, whose base name is the
// dataset name DS. Files, one value or comma-separated row per line, node ids
// 1-based and global across graphs:
//
//	DS_A.txt               edges "row, col" (both directions for undirected graphs)
//	DS_graph_indicator.txt graph id (1-based) of each node, nodes of a graph contiguous
//	DS_graph_labels.txt    one label per graph (any integers, mapped in sorted order to 0..C-1)
//	DS_node_labels.txt     optional, one integer per node: one-hot node features
//	DS_node_attributes.txt optional, comma-separated floats per node
//	DS_edge_labels.txt     optional, one per edge (only checked for its count)
//
// Node features are the attributes followed by the one-hot node labels, as
// in PyG's TUDataset; graphs with neither get no features. The returned
// batch holds every graph; ClassValues maps class ids back to the file's
// labels.
func LoadTU(dir string) (*Batch, []int, error) {
	ds := filepath.Base(filepath.Clean(dir))
	file := func(suffix string) string { return filepath.Join(dir, ds+"_"+suffix+".txt") }

	indicator, err := readIntColumn(file("graph_indicator"))
	if err != nil {
		return nil, nil, tuError(dir, ds, err)
	}
	n := len(indicator)
	numGraphs, err := checkIndicator(indicator, file("graph_indicator"))
	if err != nil {
		return nil, nil, err
	}

	rawLabels, err := readIntColumn(file("graph_labels"))
	if err != nil {
		return nil, nil, tuError(dir, ds, err)
	}
	if len(rawLabels) != numGraphs {
		return nil, nil, fmt.Errorf("graph: %s has %d labels, but %s names %d graphs", file("graph_labels"), len(rawLabels), file("graph_indicator"), numGraphs)
	}
	classValues := slices.Compact(slices.Sorted(slices.Values(rawLabels)))
	labels := make([]int, numGraphs)
	for i, l := range rawLabels {
		labels[i], _ = slices.BinarySearch(classValues, l)
	}

	edges, err := readTUEdges(file("A"), n, indicator)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, tuError(dir, ds, err)
	}
	if err != nil {
		return nil, nil, err
	}
	if el, err := readIntColumn(file("edge_labels")); err == nil {
		if len(el) != len(edges) {
			return nil, nil, fmt.Errorf("graph: %s has %d lines, but %s has %d edges", file("edge_labels"), len(el), file("A"), len(edges))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}

	x, err := readTUFeatures(file, n)
	if err != nil {
		return nil, nil, err
	}
	adj, err := FromEdges(n, n, edges, false)
	if err != nil {
		return nil, nil, fmt.Errorf("graph: %s: %w", file("A"), err)
	}

	b := &Batch{Union: &Graph{Name: ds, Adj: adj, X: x}, GraphIndex: make([]int32, n), Ptr: make([]int, numGraphs+1), Labels: labels, NumClasses: len(classValues)}
	for v, gid := range indicator {
		b.GraphIndex[v] = int32(gid - 1)
		b.Ptr[gid] = v + 1
	}
	return b, classValues, nil
}

func tuError(dir, ds string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("graph: %s is not a TU dataset folder: %w (want %s_A.txt, %s_graph_indicator.txt and %s_graph_labels.txt)", dir, err, ds, ds, ds)
	}
	return fmt.Errorf("graph: %w", err)
}

// checkIndicator verifies that graph ids start at 1, never decrease and skip
// no id, and returns the number of graphs.
func checkIndicator(ind []int, name string) (int, error) {
	prev := 0
	for v, gid := range ind {
		if gid != prev && gid != prev+1 {
			return 0, fmt.Errorf("graph: %s:%d: node %d has graph id %d after %d; want ids from 1 upwards with each graph's nodes contiguous", name, v+1, v+1, gid, prev)
		}
		prev = gid
	}
	return prev, nil
}

func readTUEdges(path string, n int, indicator []int) ([]Edge, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lr := newLineReader(f, path)
	var edges []Edge
	for {
		text, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return edges, nil
		}
		fields := splitFields(text)
		if len(fields) != 2 {
			return nil, lr.errorf("got %q, want \"row, col\"", text)
		}
		u, err1 := strconv.Atoi(fields[0])
		v, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			return nil, lr.errorf("got %q, want two integer node ids", text)
		}
		if u < 1 || u > n || v < 1 || v > n {
			return nil, lr.errorf("edge (%d, %d) names a node outside 1..%d (the graph indicator's node count)", u, v, n)
		}
		if indicator[u-1] != indicator[v-1] {
			return nil, lr.errorf("edge (%d, %d) joins graphs %d and %d", u, v, indicator[u-1], indicator[v-1])
		}
		edges = append(edges, Edge{u - 1, v - 1, 1})
	}
}

// maxTUFeatureValues bounds the dense feature matrix built from node labels
// and attributes (1 GiB of float32).
const maxTUFeatureValues = 1 << 28

func readTUFeatures(file func(string) string, n int) (*Features, error) {
	var attrs [][]float32
	attrPath := file("node_attributes")
	if f, err := os.Open(attrPath); err == nil {
		defer f.Close()
		lr := newLineReader(f, attrPath)
		for {
			text, ok, err := lr.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			if len(attrs) == n {
				return nil, lr.errorf("more attribute rows than the %d nodes", n)
			}
			var row []float32
			for _, fld := range splitFields(text) {
				x, err := strconv.ParseFloat(fld, 32)
				if err != nil {
					return nil, lr.errorf("invalid attribute %q", fld)
				}
				row = append(row, float32(x))
			}
			if len(attrs) > 0 && len(row) != len(attrs[0]) {
				return nil, lr.errorf("%d attributes, the first row has %d", len(row), len(attrs[0]))
			}
			attrs = append(attrs, row)
		}
		if len(attrs) != n {
			return nil, fmt.Errorf("graph: %s has %d rows for %d nodes", attrPath, len(attrs), n)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("graph: %w", err)
	}

	nodeLabels, err := readIntColumn(file("node_labels"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if nodeLabels != nil && len(nodeLabels) != n {
		return nil, fmt.Errorf("graph: %s has %d lines for %d nodes", file("node_labels"), len(nodeLabels), n)
	}
	lo, hi := 0, -1
	for i, l := range nodeLabels {
		if i == 0 || l < lo {
			lo = l
		}
		if i == 0 || l > hi {
			hi = l
		}
	}
	oneHot := 0
	if nodeLabels != nil {
		oneHot = hi - lo + 1
		if oneHot > 1<<16 {
			return nil, fmt.Errorf("graph: %s spans labels %d..%d; one-hot features would have %d columns", file("node_labels"), lo, hi, oneHot)
		}
	}
	width := oneHot
	if attrs != nil {
		width += len(attrs[0])
	}
	if width == 0 {
		return nil, nil
	}
	if int64(n)*int64(width) > maxTUFeatureValues {
		return nil, fmt.Errorf("graph: %s: %d nodes × %d feature columns exceed the limit of %d values", file("node_labels"), n, width, maxTUFeatureValues)
	}
	dense := make([]float32, n*width)
	for v := 0; v < n; v++ {
		row := dense[v*width : (v+1)*width]
		k := 0
		if attrs != nil {
			k = copy(row, attrs[v])
		}
		if nodeLabels != nil {
			row[k+nodeLabels[v]-lo] = 1
		}
	}
	return &Features{Rows: n, Cols: width, Dense: dense}, nil
}
