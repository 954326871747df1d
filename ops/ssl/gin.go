package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/nn"
)

// MLP is a stack of Linear layers with an activation between consecutive
// layers and none after the last.
type MLP struct {
	Layers []*nn.Linear
	Act    Activation
}

// NewMLP returns an MLP with widths sizes (sizes[0] inputs), initialised as
// torch.nn.Linear.
func NewMLP(sizes []int, act Activation, rng *rand.Rand) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("ssl: MLP sizes %v; want the input width and at least one layer width", sizes)
	}
	m := &MLP{Act: act}
	for i := 0; i+1 < len(sizes); i++ {
		l, err := nn.NewLinear(sizes[i], sizes[i+1], true, rng)
		if err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, l)
	}
	return m, nil
}

// Forward applies the layers.
func (m *MLP) Forward(x *autograd.Var) *autograd.Var {
	for i, l := range m.Layers {
		x = l.Forward(x)
		if i+1 < len(m.Layers) {
			x = activate(m.Act, x)
		}
	}
	return x
}

// Params returns every layer's weight and bias.
func (m *MLP) Params() []*autograd.Var {
	var ps []*autograd.Var
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

func activate(act Activation, x *autograd.Var) *autograd.Var {
	switch act {
	case ActReLU:
		return autograd.ReLU(x)
	case ActELU:
		return autograd.ELU(x, 1)
	case ActPReLU:
		panic(&autograd.Error{Op: "mlp", Msg: "PReLU needs a learned slope; use a GCN layer's activation"})
	}
	return x
}

// GINLayer is a graph isomorphism layer h' = MLP((1 + ε)·h + Σ_{u∈N(v)} h_u)
// (Xu et al., arXiv:1810.00826) with a fixed ε, as PyG's GINConv with
// train_eps=False. adj is the raw adjacency (no self loops, no
// normalisation).
type GINLayer struct {
	MLP *MLP
	Eps float32
}

// Forward applies the layer to dense node states h [N, in].
func (l *GINLayer) Forward(adj autograd.SparseMatrix, h *autograd.Var) *autograd.Var {
	agg := autograd.Add(autograd.SpMM(adj, h), autograd.MulScalar(h, 1+l.Eps))
	return l.MLP.Forward(agg)
}

// GIN is InfoGraph's encoder: layers GINLayer(MLP(Linear–ReLU–Linear)) →
// ReLU → BatchNorm, whose node states are pooled per graph and
// concatenated over layers.
type GIN struct {
	Layers []*GINLayer
	Norms  []*nn.BatchNorm1d
}

// NewGIN returns a GIN with `layers` layers from in to hidden features.
func NewGIN(in, hidden, layers int, rng *rand.Rand) (*GIN, error) {
	if layers <= 0 {
		return nil, fmt.Errorf("ssl: GIN with %d layers; want at least one", layers)
	}
	g := &GIN{}
	width := in
	for i := 0; i < layers; i++ {
		mlp, err := NewMLP([]int{width, hidden, hidden}, ActReLU, rng)
		if err != nil {
			return nil, err
		}
		bn, err := nn.NewBatchNorm1d(hidden, 0.1, 1e-5)
		if err != nil {
			return nil, err
		}
		g.Layers = append(g.Layers, &GINLayer{MLP: mlp})
		g.Norms = append(g.Norms, bn)
		width = hidden
	}
	return g, nil
}

// Forward returns the node states after every layer; training selects batch
// or running statistics in the batch norms.
func (g *GIN) Forward(adj autograd.SparseMatrix, x *autograd.Var, training bool) []*autograd.Var {
	states := make([]*autograd.Var, len(g.Layers))
	h := x
	for i, l := range g.Layers {
		h = g.Norms[i].Forward(autograd.ReLU(l.Forward(adj, h)), training)
		states[i] = h
	}
	return states
}

// Params returns the MLPs' and batch norms' parameters.
func (g *GIN) Params() []*autograd.Var {
	var ps []*autograd.Var
	for i, l := range g.Layers {
		ps = append(ps, l.MLP.Params()...)
		ps = append(ps, g.Norms[i].Params()...)
	}
	return ps
}
