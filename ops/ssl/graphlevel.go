package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// batchInputs returns a batch's raw adjacency, dense node features (a
// constant column of ones for featureless graphs, as InfoGraph uses) and
// graph index per node.
func batchInputs(b *graph.Batch) (*autograd.CSR, *autograd.Var, []int, error) {
	u := b.Union
	n := u.N()
	var x *tensor.Tensor
	if u.X == nil {
		x = tensor.New(n, 1)
		for i := range x.Data() {
			x.Data()[i] = 1
		}
	} else {
		var err error
		if x, err = tensor.FromSlice(u.X.ToDense(), n, u.X.Cols); err != nil {
			return nil, nil, nil, err
		}
	}
	graphOf := make([]int, n)
	for v, g := range b.GraphIndex {
		graphOf[v] = int(g)
	}
	if len(graphOf) != n {
		return nil, nil, nil, fmt.Errorf("ssl: batch has %d graph ids for %d nodes", len(b.GraphIndex), n)
	}
	return Propagation(u.Adj), autograd.Const(x), graphOf, nil
}

// residualMLP is InfoGraph's head: a three-layer ReLU MLP plus a linear
// shortcut.
type residualMLP struct {
	Block    *MLP
	Shortcut *MLP
}

func newResidualMLP(in, out int, rng *rand.Rand) (*residualMLP, error) {
	block, err := NewMLP([]int{in, out, out, out}, ActReLU, rng)
	if err != nil {
		return nil, err
	}
	short, err := NewMLP([]int{in, out}, ActNone, rng)
	if err != nil {
		return nil, err
	}
	return &residualMLP{Block: block, Shortcut: short}, nil
}

func (r *residualMLP) Forward(x *autograd.Var) *autograd.Var {
	return autograd.Add(autograd.ReLU(r.Block.Forward(x)), r.Shortcut.Forward(x))
}

func (r *residualMLP) Params() []*autograd.Var {
	return append(r.Block.Params(), r.Shortcut.Params()...)
}

// InfoGraph maximises the Jensen-Shannon mutual information between node
// ("patch") and graph summaries (Sun et al., arXiv:1908.01000): a GIN
// whose layer states are concatenated per node and sum-pooled per graph,
// local and global heads, and JSDLoss.
type InfoGraph struct {
	Encoder       *GIN
	Local, Global *residualMLP
}

// NewInfoGraph builds the model for node features of width in (1 for
// featureless graphs), GIN width hidden and the given number of layers
// (InfoGraph: 32 and 3).
func NewInfoGraph(in, hidden, layers int, rng *rand.Rand) (*InfoGraph, error) {
	enc, err := NewGIN(in, hidden, layers, rng)
	if err != nil {
		return nil, err
	}
	width := hidden * layers
	local, err := newResidualMLP(width, width, rng)
	if err != nil {
		return nil, err
	}
	global, err := newResidualMLP(width, width, rng)
	if err != nil {
		return nil, err
	}
	return &InfoGraph{Encoder: enc, Local: local, Global: global}, nil
}

// Params returns the encoder's and both heads' parameters.
func (m *InfoGraph) Params() []*autograd.Var {
	ps := append(m.Encoder.Params(), m.Local.Params()...)
	return append(ps, m.Global.Params()...)
}

// encode returns the per-node concatenated states and the per-graph sums.
func (m *InfoGraph) encode(b *graph.Batch, training bool) (nodes, graphs *autograd.Var, graphOf []int, err error) {
	adj, x, graphOf, err := batchInputs(b)
	if err != nil {
		return nil, nil, nil, err
	}
	err = autograd.Catch(func() {
		states := m.Encoder.Forward(adj, x, training)
		nodes = autograd.Concat(states, 1)
		graphs = Readout(nodes, graphOf, b.NumGraphs(), false)
	})
	return nodes, graphs, graphOf, err
}

// Loss returns the JSD objective on one batch of at least two graphs.
func (m *InfoGraph) Loss(b *graph.Batch) (*autograd.Var, error) {
	nodes, graphs, graphOf, err := m.encode(b, true)
	if err != nil {
		return nil, err
	}
	var loss *autograd.Var
	err = autograd.Catch(func() { loss = JSDLoss(m.Local.Forward(nodes), m.Global.Forward(graphs), graphOf) })
	return loss, err
}

// Embed returns the graph embeddings (pooled, concatenated GIN states) with
// the batch norms in evaluation mode.
func (m *InfoGraph) Embed(b *graph.Batch) (*tensor.Tensor, error) {
	_, graphs, _, err := m.encode(b, false)
	if err != nil {
		return nil, err
	}
	return graphs.Detach().Value, nil
}

// GraphCL contrasts two augmented views of each graph in a batch (You et
// al., arXiv:2010.13902): a GIN encoder, sum pooling of the concatenated
// layer states, a two-layer ReLU projection and NTXentLoss.
type GraphCL struct {
	Encoder *GIN
	Proj    *MLP
	Tau     float64
}

// NewGraphCL builds the model (GraphCL: hidden 32, 3 layers, τ = 0.2).
func NewGraphCL(in, hidden, layers int, tau float64, rng *rand.Rand) (*GraphCL, error) {
	enc, err := NewGIN(in, hidden, layers, rng)
	if err != nil {
		return nil, err
	}
	width := hidden * layers
	proj, err := NewMLP([]int{width, width, width}, ActReLU, rng)
	if err != nil {
		return nil, err
	}
	return &GraphCL{Encoder: enc, Proj: proj, Tau: tau}, nil
}

// Params returns the encoder's and the projection's parameters.
func (m *GraphCL) Params() []*autograd.Var { return append(m.Encoder.Params(), m.Proj.Params()...) }

func (m *GraphCL) pooled(b *graph.Batch, training bool) (*autograd.Var, error) {
	adj, x, graphOf, err := batchInputs(b)
	if err != nil {
		return nil, err
	}
	var out *autograd.Var
	err = autograd.Catch(func() {
		out = Readout(autograd.Concat(m.Encoder.Forward(adj, x, training), 1), graphOf, b.NumGraphs(), false)
	})
	return out, err
}

// Loss returns NT-Xent between the projected embeddings of two views of the
// same graphs (view1 graph i and view2 graph i are a positive pair).
func (m *GraphCL) Loss(view1, view2 *graph.Batch) (*autograd.Var, error) {
	if view1.NumGraphs() != view2.NumGraphs() {
		return nil, fmt.Errorf("ssl: views hold %d and %d graphs; want the same graphs in both", view1.NumGraphs(), view2.NumGraphs())
	}
	z1, err := m.pooled(view1, true)
	if err != nil {
		return nil, err
	}
	z2, err := m.pooled(view2, true)
	if err != nil {
		return nil, err
	}
	var loss *autograd.Var
	err = autograd.Catch(func() { loss = NTXentLoss(m.Proj.Forward(z1), m.Proj.Forward(z2), m.Tau) })
	return loss, err
}

// Embed returns the pooled graph embeddings with the batch norms in
// evaluation mode.
func (m *GraphCL) Embed(b *graph.Batch) (*tensor.Tensor, error) {
	z, err := m.pooled(b, false)
	if err != nil {
		return nil, err
	}
	return z.Detach().Value, nil
}
