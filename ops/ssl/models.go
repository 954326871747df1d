package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// FeatureInput returns a graph's node features as an encoder input: sparse
// features stay sparse, dense ones become a constant Var.
func FeatureInput(x *graph.Features) (Input, error) {
	if x == nil {
		return Input{}, fmt.Errorf("ssl: the graph has no node features")
	}
	if x.Sparse != nil {
		return Input{Sparse: Propagation(x.Sparse)}, nil
	}
	t, err := tensor.FromSlice(x.Dense, x.Rows, x.Cols)
	if err != nil {
		return Input{}, err
	}
	return Input{Dense: autograd.Const(t)}, nil
}

// DGI is Deep Graph Infomax (Veličković et al., arXiv:1809.10341): a GCN
// encoder trained to tell node embeddings of the graph from those of a
// corruption with shuffled feature rows, against the sigmoid of the mean
// embedding.
type DGI struct {
	Encoder *GCN
	Disc    *Discriminator
	Adj     autograd.SparseMatrix
	X       Input
}

// NewDGI builds DGI for propagation matrix adj (already normalised, for
// example by graph.GCNNorm) and features x, with one GCN layer per entry of
// hidden and activation act. DGI uses one layer of 512; its original code
// learns one PReLU slope (ActPReLUShared) and PyG's example one per channel
// (ActPReLU).
func NewDGI(adj autograd.SparseMatrix, x Input, hidden []int, act Activation, rng *rand.Rand) (*DGI, error) {
	enc, err := NewGCN(append([]int{x.Cols()}, hidden...), act, rng)
	if err != nil {
		return nil, err
	}
	disc, err := NewDiscriminator(hidden[len(hidden)-1], rng)
	if err != nil {
		return nil, err
	}
	return &DGI{Encoder: enc, Disc: disc, Adj: adj, X: x}, nil
}

// Params returns the encoder's and the discriminator's parameters.
func (m *DGI) Params() []*autograd.Var {
	return append(m.Encoder.Params(), m.Disc.Params()...)
}

// Loss runs one forward pass with a corruption drawn from rng. Shuffling
// feature rows commutes with the first layer's transform, P·X·W = P·(X·W),
// so X·W is computed once and its rows are permuted for the negative view.
func (m *DGI) Loss(rng *rand.Rand) *autograd.Var {
	first := m.Encoder.Layers[0]
	xw := first.Transform(m.X)
	perm := rng.Perm(xw.Shape()[0])
	h := m.Encoder.Activate(0, first.Propagate(m.Adj, xw))
	hNeg := m.Encoder.Activate(0, first.Propagate(m.Adj, autograd.IndexSelect(xw, 0, perm)))
	for i, l := range m.Encoder.Layers[1:] {
		h = m.Encoder.Activate(i+1, l.Forward(m.Adj, Input{Dense: h}))
		hNeg = m.Encoder.Activate(i+1, l.Forward(m.Adj, Input{Dense: hNeg}))
	}
	return DGILoss(m.Disc, h, hNeg)
}

// Embed returns the encoder's node embeddings of the clean graph.
func (m *DGI) Embed() *tensor.Tensor {
	return m.Encoder.Forward(m.Adj, m.X).Detach().Value
}

// GRACE is graph contrastive learning with two augmented views (Zhu et al.,
// arXiv:2006.04131): a GCN encoder, a two-layer ELU projection head and the
// symmetric InfoNCE loss.
type GRACE struct {
	Encoder      *GCN
	Proj1, Proj2 *nn.Linear
	Tau          float64
	BlockRows    int
}

// NewGRACE builds GRACE for features of width in, encoder widths hidden
// (GRACE uses [2d, d]) and a projection head d → projHidden → d.
func NewGRACE(in int, hidden []int, projHidden int, act Activation, tau float64, rng *rand.Rand) (*GRACE, error) {
	enc, err := NewGCN(append([]int{in}, hidden...), act, rng)
	if err != nil {
		return nil, err
	}
	d := hidden[len(hidden)-1]
	p1, err := nn.NewLinear(d, projHidden, true, rng)
	if err != nil {
		return nil, err
	}
	p2, err := nn.NewLinear(projHidden, d, true, rng)
	if err != nil {
		return nil, err
	}
	return &GRACE{Encoder: enc, Proj1: p1, Proj2: p2, Tau: tau, BlockRows: DefaultBlockRows}, nil
}

// Params returns the encoder's and the projection head's parameters.
func (m *GRACE) Params() []*autograd.Var {
	ps := m.Encoder.Params()
	ps = append(ps, m.Proj1.Params()...)
	return append(ps, m.Proj2.Params()...)
}

// Project applies the projection head.
func (m *GRACE) Project(z *autograd.Var) *autograd.Var {
	return m.Proj2.Forward(autograd.ELU(m.Proj1.Forward(z), 1))
}

// Loss returns the InfoNCE loss of two views, each normalised with
// graph.GCNNorm (self loops added once) before propagation.
func (m *GRACE) Loss(v1, v2 *graph.Graph) (*autograd.Var, error) {
	var zs [2]*autograd.Var
	for i, v := range []*graph.Graph{v1, v2} {
		adj, err := graph.GCNNorm(v.Adj)
		if err != nil {
			return nil, err
		}
		x, err := FeatureInput(v.X)
		if err != nil {
			return nil, err
		}
		zs[i] = m.Project(m.Encoder.Forward(Propagation(adj), x))
	}
	var loss *autograd.Var
	err := autograd.Catch(func() { loss = GRACELoss(zs[0], zs[1], m.Tau, m.BlockRows) })
	return loss, err
}
