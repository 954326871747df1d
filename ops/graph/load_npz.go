package graph

import (
	"fmt"
	"path/filepath"
	"strings"

	"pare/ops/store"
)

// npzKeys describes the layout LoadNPZ accepts, for error messages.
const npzKeys = "adjacency as adj_data, adj_indices, adj_indptr, adj_shape (CSR) or edge_index (2×E); " +
	"optional features as attr_data, attr_indices, attr_indptr, attr_shape (CSR) or attr_matrix / features (dense N×F); " +
	"optional labels (N, or N×C one-hot), train_idx, val_idx, test_idx, node_names, class_names"

// LoadNPZ reads a graph stored in the gnn-benchmark / Planetoid .npz layout
// (Shchur et al., arXiv 1811.05868): a CSR adjacency, CSR or dense
// features, labels and an optional split. The adjacency is kept as stored,
// so a directed file (such as gnn-benchmark's cora.npz) stays directed; call
// Adj.Symmetrize for an undirected graph. Row entries are sorted and
// repeated entries merged; an all-ones adjacency is stored unweighted.
func LoadNPZ(path string) (*Graph, error) {
	z, err := store.ReadNpz(path)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("graph: %s: %s; accepted layout: %s", path, fmt.Sprintf(format, args...), npzKeys)
	}
	g := &Graph{Name: strings.TrimSuffix(filepath.Base(path), ".npz")}

	switch {
	case has(z, "adj_indptr"):
		g.Adj, err = csrFromNpz(z, "adj")
	case has(z, "edge_index"):
		g.Adj, err = adjFromEdgeIndex(z)
	default:
		return nil, fail("no adjacency arrays (found %s)", strings.Join(z.Names(), ", "))
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	if g.Adj.Rows != g.Adj.Cols {
		return nil, fail("adjacency is %d×%d, want square", g.Adj.Rows, g.Adj.Cols)
	}
	n := g.Adj.Rows

	if g.X, err = featuresFromNpz(z, n); err != nil {
		return nil, fail("%v", err)
	}
	if has(z, "labels") {
		if g.Y, g.NumClasses, err = labelsFromNpz(z, n); err != nil {
			return nil, fail("%v", err)
		}
	}
	if err := splitFromNpz(z, g); err != nil {
		return nil, fail("%v", err)
	}
	if err := namesFromNpz(z, g); err != nil {
		return nil, fail("%v", err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("graph: %s: %w", path, err)
	}
	return g, nil
}

func has(z *store.Npz, name string) bool {
	_, ok := z.Arrays[name]
	return ok
}

func ints(z *store.Npz, name string) ([]int, error) {
	a, err := z.Get(name)
	if err != nil {
		return nil, err
	}
	v, err := a.Int()
	if err != nil {
		return nil, fmt.Errorf("array %s: %v", name, err)
	}
	return v, nil
}

// csrFromNpz reads prefix_data, prefix_indices, prefix_indptr and
// prefix_shape and checks them against each other.
func csrFromNpz(z *store.Npz, prefix string) (*CSR, error) {
	for _, k := range []string{"_data", "_indices", "_indptr", "_shape"} {
		if !has(z, prefix+k) {
			return nil, fmt.Errorf("array %s%s is missing", prefix, k)
		}
	}
	shape, err := ints(z, prefix+"_shape")
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 || shape[0] < 0 || shape[1] < 0 || shape[1] > 1<<31-1 {
		return nil, fmt.Errorf("array %s_shape is %v, want two non-negative sizes", prefix, shape)
	}
	indptr, err := ints(z, prefix+"_indptr")
	if err != nil {
		return nil, err
	}
	indices, err := ints(z, prefix+"_indices")
	if err != nil {
		return nil, err
	}
	dataArr, _ := z.Get(prefix + "_data")
	data, err := dataArr.Float32()
	if err != nil {
		return nil, fmt.Errorf("array %s_data: %v", prefix, err)
	}
	rows, cols := shape[0], shape[1]
	if len(indptr) != rows+1 {
		return nil, fmt.Errorf("array %s_indptr has %d entries, want rows+1 = %d", prefix, len(indptr), rows+1)
	}
	if len(data) != len(indices) {
		return nil, fmt.Errorf("arrays %s_data (%d) and %s_indices (%d) differ in length", prefix, len(data), prefix, len(indices))
	}
	if indptr[0] != 0 || indptr[rows] != len(indices) {
		return nil, fmt.Errorf("array %s_indptr runs from %d to %d, want 0 to %d", prefix, indptr[0], indptr[rows], len(indices))
	}
	// Check the whole of indptr before reading rows: with a first entry of
	// 0 and a last of len(indices), a non-decreasing indptr keeps every row
	// inside indices.
	for i := 0; i < rows; i++ {
		if indptr[i+1] < indptr[i] {
			return nil, fmt.Errorf("array %s_indptr decreases at row %d (%d then %d); want non-decreasing offsets", prefix, i, indptr[i], indptr[i+1])
		}
	}
	edges := make([]Edge, 0, len(indices))
	allOnes := true
	for i := 0; i < rows; i++ {
		for k := indptr[i]; k < indptr[i+1]; k++ {
			if indices[k] < 0 || indices[k] >= cols {
				return nil, fmt.Errorf("array %s_indices entry %d (row %d): column %d is outside [0, %d)", prefix, k, i, indices[k], cols)
			}
			edges = append(edges, Edge{i, indices[k], data[k]})
			allOnes = allOnes && data[k] == 1
		}
	}
	return FromEdges(rows, cols, edges, !allOnes)
}

func adjFromEdgeIndex(z *store.Npz) (*CSR, error) {
	a, _ := z.Get("edge_index")
	if len(a.Shape) != 2 || a.Shape[0] != 2 {
		return nil, fmt.Errorf("array edge_index has shape %v, want (2, E)", a.Shape)
	}
	v, err := a.Int()
	if err != nil {
		return nil, fmt.Errorf("array edge_index: %v", err)
	}
	e := a.Shape[1]
	n := 0
	for _, x := range v {
		if x < 0 {
			return nil, fmt.Errorf("array edge_index has negative node id %d", x)
		}
		n = max(n, x+1)
	}
	if has(z, "labels") {
		if l, _ := z.Get("labels"); len(l.Shape) > 0 {
			if l.Shape[0] < n {
				return nil, fmt.Errorf("array edge_index names node %d but labels cover only %d nodes", n-1, l.Shape[0])
			}
			n = l.Shape[0]
		}
	}
	edges := make([]Edge, e)
	for k := range edges {
		edges[k] = Edge{v[k], v[e+k], 1}
	}
	return FromEdges(n, n, edges, false)
}

func featuresFromNpz(z *store.Npz, n int) (*Features, error) {
	if has(z, "attr_indptr") {
		m, err := csrFromNpz(z, "attr")
		if err != nil {
			return nil, err
		}
		if m.Rows != n {
			return nil, fmt.Errorf("features have %d rows for %d nodes", m.Rows, n)
		}
		return &Features{Rows: m.Rows, Cols: m.Cols, Sparse: m}, nil
	}
	for _, key := range []string{"attr_matrix", "features"} {
		if !has(z, key) {
			continue
		}
		a, _ := z.Get(key)
		if len(a.Shape) != 2 || a.Shape[0] != n {
			return nil, fmt.Errorf("array %s has shape %v, want (%d, F)", key, a.Shape, n)
		}
		v, err := a.Float32()
		if err != nil {
			return nil, fmt.Errorf("array %s: %v", key, err)
		}
		return &Features{Rows: n, Cols: a.Shape[1], Dense: v}, nil
	}
	return nil, nil
}

func labelsFromNpz(z *store.Npz, n int) ([]int, int, error) {
	a, _ := z.Get("labels")
	var y []int
	switch len(a.Shape) {
	case 1:
		v, err := a.Int()
		if err != nil {
			return nil, 0, fmt.Errorf("array labels: %v", err)
		}
		y = v
	case 2:
		// One-hot rows: the label is the column of the largest entry, and a
		// row of zeros is unlabeled.
		v, err := a.Float32()
		if err != nil {
			return nil, 0, fmt.Errorf("array labels: %v", err)
		}
		c := a.Shape[1]
		y = make([]int, a.Shape[0])
		for i := range y {
			y[i] = -1
			best := float32(0)
			for j := 0; j < c; j++ {
				if v[i*c+j] > best {
					best, y[i] = v[i*c+j], j
				}
			}
		}
	default:
		return nil, 0, fmt.Errorf("array labels has shape %v, want (N,) or (N, C)", a.Shape)
	}
	if len(y) != n {
		return nil, 0, fmt.Errorf("array labels has %d entries for %d nodes", len(y), n)
	}
	// Class ids index per-class arrays, such as a probe's classes × dim
	// weights, so an id far beyond the node count marks a corrupt file.
	// n nodes need at most n classes, or as many as class_names lists.
	// One-hot labels have as many classes as columns.
	limit := n
	if len(a.Shape) == 2 {
		limit = a.Shape[1]
	}
	if names, ok := z.Arrays["class_names"]; ok && len(names.Shape) == 1 {
		limit = max(limit, names.Shape[0])
	}
	classes := 0
	for i, l := range y {
		if l < -1 {
			return nil, 0, fmt.Errorf("array labels: node %d has label %d, want -1 (unlabeled) or a class id >= 0", i, l)
		}
		if l >= limit {
			return nil, 0, fmt.Errorf("array labels: node %d has label %d, want a class id below %d (the number of nodes or of class_names)", i, l, limit)
		}
		classes = max(classes, l+1)
	}
	if len(a.Shape) == 2 {
		classes = a.Shape[1]
	}
	return y, classes, nil
}

func splitFromNpz(z *store.Npz, g *Graph) error {
	keys := []string{"train_idx", "val_idx", "test_idx"}
	present := 0
	for _, k := range keys {
		if has(z, k) {
			present++
		}
	}
	if present == 0 {
		return nil
	}
	if present != 3 {
		return fmt.Errorf("split is incomplete: want all of train_idx, val_idx and test_idx")
	}
	var parts [3][]int
	for i, k := range keys {
		v, err := ints(z, k)
		if err != nil {
			return err
		}
		parts[i] = v
	}
	// A node in two parts would let the probe see test labels in training.
	part := make(map[int]int)
	for i, ids := range parts {
		for _, v := range ids {
			if j, seen := part[v]; seen {
				if j == i {
					return fmt.Errorf("node %d appears twice in %s; want each node at most once", v, keys[i])
				}
				return fmt.Errorf("node %d is in both %s and %s; want disjoint train, val and test splits", v, keys[j], keys[i])
			}
			part[v] = i
		}
	}
	g.Split = &Split{Train: parts[0], Val: parts[1], Test: parts[2]}
	return nil
}

func namesFromNpz(z *store.Npz, g *Graph) error {
	for _, key := range []string{"node_names", "class_names"} {
		if !has(z, key) {
			continue
		}
		a, _ := z.Get(key)
		if !strings.HasPrefix(a.DType, "<U") {
			continue // gnn-benchmark files sometimes store ids as integers
		}
		s, err := a.Strings()
		if err != nil {
			return fmt.Errorf("array %s: %v", key, err)
		}
		if key == "node_names" {
			g.NodeNames = s
		} else {
			g.ClassNames = s
			if len(s) < g.NumClasses {
				return fmt.Errorf("array class_names has %d entries for %d classes", len(s), g.NumClasses)
			}
			g.NumClasses = max(g.NumClasses, len(s))
		}
	}
	return nil
}
