// Package graph holds graphs for graph learning: a CSR adjacency with optional
// edge weights, dense or sparse float32 node features, labels and splits,
// batches of small graphs, loaders for the usual file layouts, GCN
// normalization, a parallel SpMM, augmentations and diffusion.
//
// Node ids are 0-based ints; within CSR arrays column indices are int32, so a
// graph has fewer than 2^31 nodes.
package graph

import (
	"fmt"
	"slices"
	"sort"
)

// CSR is a sparse matrix in compressed sparse row form. Row i's entries are
// Indices[Indptr[i]:Indptr[i+1]] (column ids, sorted, without duplicates)
// with the values at the same positions of Values. A nil Values means every
// stored entry is 1.
type CSR struct {
	Rows, Cols int
	Indptr     []int
	Indices    []int32
	Values     []float32

	// norm names the normalization applied by this package ("" for none),
	// so that GCNNorm can refuse to normalize twice. Matrices derived from a
	// normalized one by dropping or adding entries (augmentations,
	// subgraphs, batches) keep the mark.
	norm string
}

// NNZ returns the number of stored entries.
func (m *CSR) NNZ() int { return len(m.Indices) }

// Normalization returns the normalization GCNNorm applied to m: "sym" for
// D^-1/2 (A + I) D^-1/2, or "" when m has not been normalized by this package.
func (m *CSR) Normalization() string { return m.norm }

// Value returns the value of stored entry k.
func (m *CSR) Value(k int) float32 {
	if m.Values == nil {
		return 1
	}
	return m.Values[k]
}

// Row returns the column ids and values (nil when unweighted) of row i.
func (m *CSR) Row(i int) ([]int32, []float32) {
	lo, hi := m.Indptr[i], m.Indptr[i+1]
	if m.Values == nil {
		return m.Indices[lo:hi], nil
	}
	return m.Indices[lo:hi], m.Values[lo:hi]
}

// Validate checks the structure: Indptr has Rows+1 non-decreasing entries
// from 0 to NNZ, every column id is in [0, Cols), rows are sorted without
// duplicates, and Values is nil or has NNZ entries.
func (m *CSR) Validate() error {
	if m.Rows < 0 || m.Cols < 0 {
		return fmt.Errorf("graph: CSR shape (%d, %d) is negative", m.Rows, m.Cols)
	}
	if len(m.Indptr) != m.Rows+1 {
		return fmt.Errorf("graph: CSR indptr has %d entries, want rows+1 = %d", len(m.Indptr), m.Rows+1)
	}
	if m.Indptr[0] != 0 || m.Indptr[m.Rows] != len(m.Indices) {
		return fmt.Errorf("graph: CSR indptr runs from %d to %d, want 0 to nnz = %d", m.Indptr[0], m.Indptr[m.Rows], len(m.Indices))
	}
	if m.Values != nil && len(m.Values) != len(m.Indices) {
		return fmt.Errorf("graph: CSR has %d values for %d indices", len(m.Values), len(m.Indices))
	}
	for i := 0; i < m.Rows; i++ {
		lo, hi := m.Indptr[i], m.Indptr[i+1]
		if hi < lo {
			return fmt.Errorf("graph: CSR indptr decreases at row %d (%d then %d)", i, lo, hi)
		}
		for k := lo; k < hi; k++ {
			c := m.Indices[k]
			if c < 0 || int(c) >= m.Cols {
				return fmt.Errorf("graph: CSR row %d has column %d outside [0, %d)", i, c, m.Cols)
			}
			if k > lo && c <= m.Indices[k-1] {
				return fmt.Errorf("graph: CSR row %d has unsorted or repeated column %d", i, c)
			}
		}
	}
	return nil
}

// Edge is one directed entry (Src, Dst) with weight W.
type Edge struct {
	Src, Dst int
	W        float32
}

// FromEdges builds a rows×cols CSR matrix from edges. Repeated (Src, Dst)
// pairs are merged by adding their weights. weighted=false drops the weights
// and stores an unweighted matrix (repeats still count once). An endpoint
// outside the shape is an error.
func FromEdges(rows, cols int, edges []Edge, weighted bool) (*CSR, error) {
	for i, e := range edges {
		if e.Src < 0 || e.Src >= rows || e.Dst < 0 || e.Dst >= cols {
			return nil, fmt.Errorf("graph: edge %d (%d, %d) is outside the %d×%d node range", i, e.Src, e.Dst, rows, cols)
		}
	}
	if cols > 1<<31-1 {
		return nil, fmt.Errorf("graph: %d columns exceed the int32 index range", cols)
	}
	sorted := slices.Clone(edges)
	sort.Slice(sorted, func(a, b int) bool {
		if sorted[a].Src != sorted[b].Src {
			return sorted[a].Src < sorted[b].Src
		}
		return sorted[a].Dst < sorted[b].Dst
	})
	m := &CSR{Rows: rows, Cols: cols, Indptr: make([]int, rows+1)}
	if weighted {
		m.Values = make([]float32, 0, len(sorted))
	}
	m.Indices = make([]int32, 0, len(sorted))
	for k, e := range sorted {
		if k > 0 && e.Src == sorted[k-1].Src && e.Dst == sorted[k-1].Dst {
			if weighted {
				m.Values[len(m.Values)-1] += e.W
			}
			continue
		}
		m.Indices = append(m.Indices, int32(e.Dst))
		if weighted {
			m.Values = append(m.Values, e.W)
		}
		m.Indptr[e.Src+1]++
	}
	for i := 0; i < rows; i++ {
		m.Indptr[i+1] += m.Indptr[i]
	}
	return m, nil
}

// Edges returns the stored entries in row-major order.
func (m *CSR) Edges() []Edge {
	out := make([]Edge, 0, m.NNZ())
	for i := 0; i < m.Rows; i++ {
		for k := m.Indptr[i]; k < m.Indptr[i+1]; k++ {
			out = append(out, Edge{i, int(m.Indices[k]), m.Value(k)})
		}
	}
	return out
}

// Clone returns a deep copy, keeping the normalization mark.
func (m *CSR) Clone() *CSR {
	return &CSR{Rows: m.Rows, Cols: m.Cols, Indptr: slices.Clone(m.Indptr), Indices: slices.Clone(m.Indices), Values: slices.Clone(m.Values), norm: m.norm}
}

// Transpose returns mᵀ.
func (m *CSR) Transpose() *CSR {
	t := &CSR{Rows: m.Cols, Cols: m.Rows, Indptr: make([]int, m.Cols+1), Indices: make([]int32, m.NNZ()), norm: m.norm}
	if m.Values != nil {
		t.Values = make([]float32, m.NNZ())
	}
	for _, c := range m.Indices {
		t.Indptr[c+1]++
	}
	for i := 0; i < m.Cols; i++ {
		t.Indptr[i+1] += t.Indptr[i]
	}
	next := slices.Clone(t.Indptr[:m.Cols])
	for i := 0; i < m.Rows; i++ {
		for k := m.Indptr[i]; k < m.Indptr[i+1]; k++ {
			c := m.Indices[k]
			p := next[c]
			next[c]++
			t.Indices[p] = int32(i)
			if m.Values != nil {
				t.Values[p] = m.Values[k]
			}
		}
	}
	return t
}

// IsSymmetric reports whether m is square and equal to its transpose,
// values included.
func (m *CSR) IsSymmetric() bool {
	if m.Rows != m.Cols {
		return false
	}
	t := m.Transpose()
	if !slices.Equal(m.Indptr, t.Indptr) || !slices.Equal(m.Indices, t.Indices) {
		return false
	}
	for k := range m.Indices {
		if m.Value(k) != t.Value(k) {
			return false
		}
	}
	return true
}

// Symmetrize returns m + mᵀ with the union of the two patterns; where both
// m[i,j] and m[j,i] are stored, the larger value is kept, so an already
// symmetric matrix is returned unchanged (as a copy). It is PyG's
// to_undirected for unweighted graphs.
func (m *CSR) Symmetrize() (*CSR, error) {
	if m.Rows != m.Cols {
		return nil, fmt.Errorf("graph: cannot symmetrize a %d×%d matrix", m.Rows, m.Cols)
	}
	if m.norm != "" {
		return nil, fmt.Errorf("graph: cannot symmetrize a normalized (%s) adjacency; make the graph undirected first, then normalize", m.norm)
	}
	edges := m.Edges()
	for _, e := range m.Edges() {
		edges = append(edges, Edge{e.Dst, e.Src, e.W})
	}
	sort.SliceStable(edges, func(a, b int) bool {
		if edges[a].Src != edges[b].Src {
			return edges[a].Src < edges[b].Src
		}
		return edges[a].Dst < edges[b].Dst
	})
	merged := edges[:0]
	for _, e := range edges {
		if n := len(merged); n > 0 && merged[n-1].Src == e.Src && merged[n-1].Dst == e.Dst {
			merged[n-1].W = max(merged[n-1].W, e.W)
			continue
		}
		merged = append(merged, e)
	}
	return FromEdges(m.Rows, m.Cols, merged, m.Values != nil)
}

// Degrees returns the number of stored entries of each row (the out-degree;
// equal to the degree for a symmetric adjacency).
func (m *CSR) Degrees() []int {
	d := make([]int, m.Rows)
	for i := range d {
		d[i] = m.Indptr[i+1] - m.Indptr[i]
	}
	return d
}

// CountSelfLoops returns the number of stored diagonal entries.
func (m *CSR) CountSelfLoops() int {
	n := 0
	for i := 0; i < min(m.Rows, m.Cols); i++ {
		cols, _ := m.Row(i)
		if _, ok := slices.BinarySearch(cols, int32(i)); ok {
			n++
		}
	}
	return n
}

// Dense returns m as a row-major Rows×Cols slice.
func (m *CSR) Dense() []float32 {
	out := make([]float32, m.Rows*m.Cols)
	for i := 0; i < m.Rows; i++ {
		for k := m.Indptr[i]; k < m.Indptr[i+1]; k++ {
			out[i*m.Cols+int(m.Indices[k])] = m.Value(k)
		}
	}
	return out
}

// SelectRows returns the rows listed in rows, in that order.
func (m *CSR) SelectRows(rows []int) *CSR {
	out := &CSR{Rows: len(rows), Cols: m.Cols, Indptr: make([]int, len(rows)+1)}
	for i, r := range rows {
		out.Indptr[i+1] = out.Indptr[i] + m.Indptr[r+1] - m.Indptr[r]
	}
	out.Indices = make([]int32, out.Indptr[len(rows)])
	if m.Values != nil {
		out.Values = make([]float32, len(out.Indices))
	}
	for i, r := range rows {
		copy(out.Indices[out.Indptr[i]:], m.Indices[m.Indptr[r]:m.Indptr[r+1]])
		if m.Values != nil {
			copy(out.Values[out.Indptr[i]:], m.Values[m.Indptr[r]:m.Indptr[r+1]])
		}
	}
	return out
}
