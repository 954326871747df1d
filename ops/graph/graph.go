package graph

import (
	"fmt"
	"slices"
)

// Features is a Rows×Cols float32 node-feature matrix, stored either dense
// (Dense, row-major) or sparse (Sparse, CSR); exactly one is non-nil.
type Features struct {
	Rows, Cols int
	Dense      []float32
	Sparse     *CSR
}

// NewDenseFeatures wraps data (not copied) as a rows×cols dense matrix.
func NewDenseFeatures(data []float32, rows, cols int) (*Features, error) {
	if rows < 0 || cols < 0 || len(data) != rows*cols {
		return nil, fmt.Errorf("graph: %d feature values do not fill %d×%d", len(data), rows, cols)
	}
	return &Features{Rows: rows, Cols: cols, Dense: data}, nil
}

// IsSparse reports whether the features are stored as CSR.
func (f *Features) IsSparse() bool { return f.Sparse != nil }

// ToDense returns the features as a row-major slice: the stored slice itself
// when dense (writes go through), a new slice when sparse.
func (f *Features) ToDense() []float32 {
	if f.Sparse == nil {
		return f.Dense
	}
	return f.Sparse.Dense()
}

// Clone returns a deep copy.
func (f *Features) Clone() *Features {
	out := &Features{Rows: f.Rows, Cols: f.Cols, Dense: slices.Clone(f.Dense)}
	if f.Sparse != nil {
		out.Sparse = f.Sparse.Clone()
	}
	return out
}

// DenseCopy returns dense features with a copy of the values.
func (f *Features) DenseCopy() *Features {
	d := f.ToDense()
	if f.Sparse == nil {
		d = slices.Clone(d)
	}
	return &Features{Rows: f.Rows, Cols: f.Cols, Dense: d}
}

// SelectRows returns the rows listed in rows, in that order, in the same
// storage (dense or sparse).
func (f *Features) SelectRows(rows []int) *Features {
	if f.Sparse != nil {
		return &Features{Rows: len(rows), Cols: f.Cols, Sparse: f.Sparse.SelectRows(rows)}
	}
	out := make([]float32, len(rows)*f.Cols)
	for i, r := range rows {
		copy(out[i*f.Cols:(i+1)*f.Cols], f.Dense[r*f.Cols:(r+1)*f.Cols])
	}
	return &Features{Rows: len(rows), Cols: f.Cols, Dense: out}
}

// RowNormalizeL1 returns features whose rows each sum to 1 in absolute
// value (rows of zeros stay zero): the preprocessing PyG calls
// NormalizeFeatures, used for the citation graphs.
func (f *Features) RowNormalizeL1() *Features {
	out := f.Clone()
	if out.Sparse != nil {
		s := out.Sparse
		if s.Values == nil {
			s.Values = make([]float32, s.NNZ())
			for k := range s.Values {
				s.Values[k] = 1
			}
		}
		for i := 0; i < s.Rows; i++ {
			normalizeL1(s.Values[s.Indptr[i]:s.Indptr[i+1]])
		}
		return out
	}
	for i := 0; i < out.Rows; i++ {
		normalizeL1(out.Dense[i*out.Cols : (i+1)*out.Cols])
	}
	return out
}

func normalizeL1(v []float32) {
	var sum float64
	for _, x := range v {
		if x < 0 {
			sum -= float64(x)
		} else {
			sum += float64(x)
		}
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / sum)
	for i := range v {
		v[i] *= inv
	}
}

// Split names the node ids of the training, validation and test sets.
type Split struct {
	Train, Val, Test []int
}

// Graph is one graph with its node data. Adj is the N×N adjacency; an
// undirected graph stores both directions of every edge. X, Y and Split are
// optional: X is nil for featureless graphs, Y is nil without labels
// (NumClasses is then 0), and Split is nil without a fixed split.
type Graph struct {
	Name       string
	Adj        *CSR
	X          *Features
	Y          []int
	NumClasses int
	Split      *Split
	// NodeNames and ClassNames are optional; when set they have N and
	// NumClasses entries.
	NodeNames  []string
	ClassNames []string
}

// N returns the number of nodes.
func (g *Graph) N() int { return g.Adj.Rows }

// NumEdges returns the number of stored (directed) adjacency entries; an
// undirected graph counts each edge twice, as PyG's num_edges does.
func (g *Graph) NumEdges() int { return g.Adj.NNZ() }

// Validate checks that the adjacency is square and well formed, that X, Y
// and the names have one row per node, that labels lie in [0, NumClasses),
// and that split ids are nodes that have a label.
func (g *Graph) Validate() error {
	if g.Adj == nil {
		return fmt.Errorf("graph %s: no adjacency", g.Name)
	}
	if g.Adj.Rows != g.Adj.Cols {
		return fmt.Errorf("graph %s: adjacency is %d×%d, want square", g.Name, g.Adj.Rows, g.Adj.Cols)
	}
	if err := g.Adj.Validate(); err != nil {
		return fmt.Errorf("graph %s: adjacency: %w", g.Name, err)
	}
	n := g.N()
	if g.X != nil {
		if g.X.Rows != n {
			return fmt.Errorf("graph %s: %d feature rows for %d nodes", g.Name, g.X.Rows, n)
		}
		if g.X.Sparse != nil {
			if g.X.Sparse.Rows != g.X.Rows || g.X.Sparse.Cols != g.X.Cols {
				return fmt.Errorf("graph %s: sparse features are %d×%d, declared %d×%d", g.Name, g.X.Sparse.Rows, g.X.Sparse.Cols, g.X.Rows, g.X.Cols)
			}
			if err := g.X.Sparse.Validate(); err != nil {
				return fmt.Errorf("graph %s: features: %w", g.Name, err)
			}
		} else if len(g.X.Dense) != g.X.Rows*g.X.Cols {
			return fmt.Errorf("graph %s: %d dense feature values for %d×%d", g.Name, len(g.X.Dense), g.X.Rows, g.X.Cols)
		}
	}
	if g.Y != nil {
		if len(g.Y) != n {
			return fmt.Errorf("graph %s: %d labels for %d nodes", g.Name, len(g.Y), n)
		}
		for i, y := range g.Y {
			if y < -1 || y >= g.NumClasses {
				return fmt.Errorf("graph %s: node %d has label %d, want -1 (unlabeled) or a class in [0, %d)", g.Name, i, y, g.NumClasses)
			}
		}
	}
	if g.NodeNames != nil && len(g.NodeNames) != n {
		return fmt.Errorf("graph %s: %d node names for %d nodes", g.Name, len(g.NodeNames), n)
	}
	if g.Split != nil {
		for _, part := range []struct {
			name string
			ids  []int
		}{{"train", g.Split.Train}, {"val", g.Split.Val}, {"test", g.Split.Test}} {
			for _, id := range part.ids {
				if id < 0 || id >= n {
					return fmt.Errorf("graph %s: %s split has node %d outside [0, %d)", g.Name, part.name, id, n)
				}
				if g.Y == nil || g.Y[id] < 0 {
					return fmt.Errorf("graph %s: %s split has node %d, which has no label", g.Name, part.name, id)
				}
			}
		}
	}
	return nil
}

// Subgraph returns the subgraph induced by keep (node ids, in the order
// given; the new node i is old node keep[i]), with features, labels and names
// restricted to it. The split is dropped because its ids no longer apply.
func (g *Graph) Subgraph(keep []int) (*Graph, error) {
	n := g.N()
	newID := make([]int32, n)
	for i := range newID {
		newID[i] = -1
	}
	for i, v := range keep {
		if v < 0 || v >= n {
			return nil, fmt.Errorf("graph: subgraph node %d outside [0, %d)", v, n)
		}
		if newID[v] >= 0 {
			return nil, fmt.Errorf("graph: subgraph lists node %d twice", v)
		}
		newID[v] = int32(i)
	}
	var edges []Edge
	for i, v := range keep {
		cols, vals := g.Adj.Row(v)
		for k, c := range cols {
			if j := newID[c]; j >= 0 {
				w := float32(1)
				if vals != nil {
					w = vals[k]
				}
				edges = append(edges, Edge{i, int(j), w})
			}
		}
	}
	adj, err := FromEdges(len(keep), len(keep), edges, g.Adj.Values != nil)
	if err != nil {
		return nil, err
	}
	adj.norm = g.Adj.norm
	out := &Graph{Name: g.Name, Adj: adj, NumClasses: g.NumClasses, ClassNames: g.ClassNames}
	if g.X != nil {
		out.X = g.X.SelectRows(keep)
	}
	if g.Y != nil {
		out.Y = make([]int, len(keep))
		for i, v := range keep {
			out.Y[i] = g.Y[v]
		}
	}
	if g.NodeNames != nil {
		out.NodeNames = make([]string, len(keep))
		for i, v := range keep {
			out.NodeNames[i] = g.NodeNames[v]
		}
	}
	return out, nil
}

// WithAdj returns a shallow copy of g whose adjacency is adj; node data are
// shared.
func (g *Graph) WithAdj(adj *CSR) *Graph {
	c := *g
	c.Adj = adj
	return &c
}

// WithFeatures returns a shallow copy of g whose features are x.
func (g *Graph) WithFeatures(x *Features) *Graph {
	c := *g
	c.X = x
	return &c
}
