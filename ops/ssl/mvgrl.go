package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// MVGRL is contrastive multi-view representation learning on graphs
// (Hassani and Khasahmadi, arXiv:2006.05582): one GCN encoder per view (the
// normalised adjacency and a diffusion matrix), one shared bilinear critic,
// and MVGRLLoss with feature-shuffled negatives.
type MVGRL struct {
	EncA, EncB *GCN
	Disc       *Discriminator
}

// NewMVGRL builds the model for features of width in and one PReLU GCN
// layer of width hidden per view (MVGRL: 512).
func NewMVGRL(in, hidden int, rng *rand.Rand) (*MVGRL, error) {
	a, err := NewGCN([]int{in, hidden}, ActPReLU, rng)
	if err != nil {
		return nil, err
	}
	b, err := NewGCN([]int{in, hidden}, ActPReLU, rng)
	if err != nil {
		return nil, err
	}
	d, err := NewDiscriminator(hidden, rng)
	if err != nil {
		return nil, err
	}
	return &MVGRL{EncA: a, EncB: b, Disc: d}, nil
}

// Params returns both encoders' and the critic's parameters.
func (m *MVGRL) Params() []*autograd.Var {
	ps := append(m.EncA.Params(), m.EncB.Params()...)
	return append(ps, m.Disc.Params()...)
}

// encodePair returns an encoder's embeddings of x and of x with its rows
// permuted by perm, sharing the feature transform as DGI.Loss does.
func encodePair(enc *GCN, adj autograd.SparseMatrix, x Input, perm []int) (h, hNeg *autograd.Var) {
	l := enc.Layers[0]
	xw := l.Transform(x)
	h = enc.Activate(0, l.Propagate(adj, xw))
	hNeg = enc.Activate(0, l.Propagate(adj, autograd.IndexSelect(xw, 0, perm)))
	return h, hNeg
}

// Loss returns the cross-view objective on one block, given the block's
// two propagation matrices adjA and adjB and its features x. The negatives
// permute x's rows with a permutation drawn from rng.
func (m *MVGRL) Loss(adjA, adjB autograd.SparseMatrix, x Input, rng *rand.Rand) *autograd.Var {
	rows, _ := adjA.Dims()
	perm := rng.Perm(rows)
	hA, hANeg := encodePair(m.EncA, adjA, x, perm)
	hB, hBNeg := encodePair(m.EncB, adjB, x, perm)
	return MVGRLLoss(m.Disc, hA, hB, hANeg, hBNeg)
}

// Embed returns hA + hB on the full graph, MVGRL's evaluation embedding.
func (m *MVGRL) Embed(adjA, adjB autograd.SparseMatrix, x Input) *tensor.Tensor {
	return autograd.Add(m.EncA.Forward(adjA, x), m.EncB.Forward(adjB, x)).Detach().Value
}

// Block returns the square sub-matrix of a on the consecutive node ids
// [start, start+size), MVGRL's training block (it samples blocks of
// consecutive ids, 1000 nodes on Cora).
func Block(a *graph.CSR, start, size int) (*graph.CSR, error) {
	if start < 0 || size <= 0 || start+size > a.Rows || start+size > a.Cols {
		return nil, fmt.Errorf("ssl: block [%d, %d) is outside a %d×%d matrix", start, start+size, a.Rows, a.Cols)
	}
	out := &graph.CSR{Rows: size, Cols: size, Indptr: make([]int, size+1)}
	if a.Values != nil {
		out.Values = []float32{}
	}
	for i := 0; i < size; i++ {
		cols, vals := a.Row(start + i)
		for k, c := range cols {
			if int(c) < start || int(c) >= start+size {
				continue
			}
			out.Indices = append(out.Indices, c-int32(start))
			if vals != nil {
				out.Values = append(out.Values, vals[k])
			}
		}
		out.Indptr[i+1] = len(out.Indices)
	}
	return out, nil
}
