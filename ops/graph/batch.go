package graph

import (
	"fmt"
	"slices"
)

// Batch is a collection of small graphs for graph-level tasks, stored as one
// block-diagonal graph: graph g owns nodes Ptr[g]..Ptr[g+1]-1, and
// GraphIndex[v] is the graph of node v (PyG's batch vector).
type Batch struct {
	Union      *Graph
	GraphIndex []int32
	Ptr        []int
	// Labels holds one class id per graph (nil without graph labels), in
	// [0, NumClasses).
	Labels     []int
	NumClasses int
}

// NumGraphs returns the number of graphs.
func (b *Batch) NumGraphs() int { return len(b.Ptr) - 1 }

// NewBatch joins graphs into one block-diagonal batch. All graphs must have
// features of the same width, or none; the joined features are dense, since
// graphs in a batch are small. labels is nil or has one entry per
// graph.
func NewBatch(graphs []*Graph, labels []int, numClasses int) (*Batch, error) {
	if labels != nil && len(labels) != len(graphs) {
		return nil, fmt.Errorf("graph: %d labels for %d graphs", len(labels), len(graphs))
	}
	b := &Batch{Ptr: make([]int, len(graphs)+1), Labels: slices.Clone(labels), NumClasses: numClasses}
	total, nnz := 0, 0
	featCols, weighted := -1, false
	norm := ""
	for i, g := range graphs {
		if i == 0 {
			norm = g.Adj.norm
		} else if g.Adj.norm != norm {
			return nil, fmt.Errorf("graph: graph %d has normalization %q, graph 0 has %q", i, g.Adj.norm, norm)
		}
		total += g.N()
		nnz += g.Adj.NNZ()
		b.Ptr[i+1] = total
		weighted = weighted || g.Adj.Values != nil
		switch {
		case g.X == nil && featCols > 0, g.X != nil && featCols == 0:
			return nil, fmt.Errorf("graph: graph %d differs from the others in having features", i)
		case g.X == nil:
			featCols = 0
		case featCols > 0 && g.X.Cols != featCols:
			return nil, fmt.Errorf("graph: graph %d has %d feature columns, graph 0 has %d", i, g.X.Cols, featCols)
		default:
			featCols = g.X.Cols
		}
	}
	adj := &CSR{Rows: total, Cols: total, Indptr: make([]int, 1, total+1), Indices: make([]int32, 0, nnz), norm: norm}
	if weighted {
		adj.Values = make([]float32, 0, nnz)
	}
	b.GraphIndex = make([]int32, total)
	var dense []float32
	if featCols > 0 {
		dense = make([]float32, 0, total*featCols)
	}
	for i, g := range graphs {
		off := b.Ptr[i]
		for v := 0; v < g.N(); v++ {
			b.GraphIndex[off+v] = int32(i)
			cols, vals := g.Adj.Row(v)
			for k, c := range cols {
				adj.Indices = append(adj.Indices, c+int32(off))
				if weighted {
					w := float32(1)
					if vals != nil {
						w = vals[k]
					}
					adj.Values = append(adj.Values, w)
				}
			}
			adj.Indptr = append(adj.Indptr, len(adj.Indices))
		}
		if featCols > 0 {
			dense = append(dense, g.X.ToDense()...)
		}
	}
	b.Union = &Graph{Adj: adj}
	if featCols > 0 {
		b.Union.X = &Features{Rows: total, Cols: featCols, Dense: dense}
	}
	if len(graphs) > 0 {
		b.Union.Name = graphs[0].Name
	}
	return b, nil
}

// Graph returns graph i as a standalone graph (a copy).
func (b *Batch) Graph(i int) (*Graph, error) {
	if i < 0 || i >= b.NumGraphs() {
		return nil, fmt.Errorf("graph: graph %d outside [0, %d)", i, b.NumGraphs())
	}
	keep := make([]int, b.Ptr[i+1]-b.Ptr[i])
	for k := range keep {
		keep[k] = b.Ptr[i] + k
	}
	return b.Union.Subgraph(keep)
}

// Graphs returns every graph of the batch as standalone graphs.
func (b *Batch) Graphs() ([]*Graph, error) {
	out := make([]*Graph, b.NumGraphs())
	for i := range out {
		g, err := b.Graph(i)
		if err != nil {
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}

// Select returns a new batch of the graphs listed in ids, in that order
// (for minibatches and cross-validation folds).
func (b *Batch) Select(ids []int) (*Batch, error) {
	graphs := make([]*Graph, len(ids))
	var labels []int
	if b.Labels != nil {
		labels = make([]int, len(ids))
	}
	for k, i := range ids {
		g, err := b.Graph(i)
		if err != nil {
			return nil, err
		}
		graphs[k] = g
		if labels != nil {
			labels[k] = b.Labels[i]
		}
	}
	return NewBatch(graphs, labels, b.NumClasses)
}
