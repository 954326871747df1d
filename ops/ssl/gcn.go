// Package ssl holds graph self-supervised learning on pare's autograd:
// encoders (GCN, GAT, GIN, MLP) over constant sparse propagation matrices,
// the losses and models of DGI, GRACE, MVGRL, BGRL, GraphMAE, InfoGraph and
// GraphCL, a trainer with early stopping and the node linear probe. Losses
// are autograd ops, so a method composes an encoder, its views and a loss,
// and an optimizer from ops/nn trains it.
package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// Propagation returns a as an autograd sparse matrix sharing its arrays, for
// use as the fixed Â of GCN layers. a must not change afterwards.
func Propagation(a *graph.CSR) *autograd.CSR {
	return &autograd.CSR{Rows: a.Rows, Cols: a.Cols, Indptr: a.Indptr, Indices: a.Indices, Values: a.Values}
}

// Input is the node-feature input of an encoder: a dense Var (computed or
// constant) or a constant sparse matrix, such as bag-of-words features,
// whose products cost time proportional to the non-zeros.
type Input struct {
	Dense  *autograd.Var
	Sparse autograd.SparseMatrix
}

// Cols returns the feature width.
func (in Input) Cols() int {
	if in.Sparse != nil {
		_, c := in.Sparse.Dims()
		return c
	}
	return in.Dense.Shape()[1]
}

// Activation names the nonlinearity after a GCN layer.
type Activation int

const (
	ActNone Activation = iota
	ActReLU
	ActPReLU       // one learned slope per channel, as torch.nn.PReLU(C)
	ActPReLUShared // one learned slope per layer, as torch.nn.PReLU()
	ActELU
)

// GCNLayer is one graph convolution H' = Â·H·W + b (Kipf and Welling,
// arXiv:1609.02907, eq. 2) with W stored [in, out], initialised as PyG's
// GCNConv: Glorot-uniform W and zero b.
type GCNLayer struct {
	W, B *autograd.Var
}

// NewGCNLayer returns a layer from in to out features.
func NewGCNLayer(in, out int, rng *rand.Rand) (*GCNLayer, error) {
	if in <= 0 || out <= 0 {
		return nil, fmt.Errorf("ssl: GCN layer sizes %d → %d; want positive sizes", in, out)
	}
	w := tensor.New(in, out)
	if err := nn.XavierUniform(w, 1, rng); err != nil {
		return nil, err
	}
	return &GCNLayer{W: autograd.Param(w), B: autograd.Param(tensor.New(out))}, nil
}

// Transform returns H·W, the feature transform without propagation.
func (l *GCNLayer) Transform(x Input) *autograd.Var {
	if x.Sparse != nil {
		return autograd.SpMM(x.Sparse, l.W)
	}
	return autograd.MatMul(x.Dense, l.W)
}

// Propagate returns Â·xw + b for a transformed input xw.
func (l *GCNLayer) Propagate(adj autograd.SparseMatrix, xw *autograd.Var) *autograd.Var {
	return autograd.Add(autograd.SpMM(adj, xw), l.B)
}

// Forward returns Â·H·W + b. The product runs as Â·(H·W), which is the
// cheaper order when the layer narrows the features.
func (l *GCNLayer) Forward(adj autograd.SparseMatrix, x Input) *autograd.Var {
	return l.Propagate(adj, l.Transform(x))
}

// GCN is a stack of GCN layers, each followed by an activation (PReLU
// slopes start at 0.25 as in torch.nn.PReLU).
type GCN struct {
	Layers []*GCNLayer
	Act    Activation
	Slopes []*autograd.Var // PReLU slopes, one Var per layer for the PReLU activations
	// Norms, when set, holds one batch norm per layer applied between the
	// convolution and the activation (BGRL's encoder); Training selects
	// batch or running statistics in them.
	Norms    []*nn.BatchNorm1d
	Training bool
}

// NewGCN returns a GCN with the given widths: sizes[0] inputs, then one
// layer per following size.
func NewGCN(sizes []int, act Activation, rng *rand.Rand) (*GCN, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("ssl: GCN sizes %v; want the input width and at least one layer width", sizes)
	}
	g := &GCN{Act: act}
	for i := 0; i+1 < len(sizes); i++ {
		l, err := NewGCNLayer(sizes[i], sizes[i+1], rng)
		if err != nil {
			return nil, err
		}
		g.Layers = append(g.Layers, l)
		if act == ActPReLU || act == ActPReLUShared {
			width := sizes[i+1]
			if act == ActPReLUShared {
				width = 1
			}
			s := tensor.New(width)
			for j := range s.Data() {
				s.Data()[j] = 0.25
			}
			g.Slopes = append(g.Slopes, autograd.Param(s))
		}
	}
	return g, nil
}

// Activate applies layer i's activation.
func (g *GCN) Activate(i int, h *autograd.Var) *autograd.Var {
	switch g.Act {
	case ActReLU:
		return autograd.ReLU(h)
	case ActPReLU, ActPReLUShared:
		return autograd.PReLU(h, g.Slopes[i])
	case ActELU:
		return autograd.ELU(h, 1)
	}
	return h
}

// Forward returns the node embeddings of the last layer.
func (g *GCN) Forward(adj autograd.SparseMatrix, x Input) *autograd.Var {
	h := x
	var out *autograd.Var
	for i, l := range g.Layers {
		out = l.Forward(adj, h)
		if g.Norms != nil {
			out = g.Norms[i].Forward(out, g.Training)
		}
		out = g.Activate(i, out)
		h = Input{Dense: out}
	}
	return out
}

// AddBatchNorms inserts a batch norm with the given momentum after every
// layer and switches the encoder to training mode.
func (g *GCN) AddBatchNorms(momentum float32) error {
	g.Norms = nil
	for _, l := range g.Layers {
		bn, err := nn.NewBatchNorm1d(l.B.Shape()[0], momentum, 1e-5)
		if err != nil {
			return err
		}
		g.Norms = append(g.Norms, bn)
	}
	g.Training = true
	return nil
}

// Params returns every trainable Var: each layer's W and b, then the
// slopes, then the batch norms' scales and shifts.
func (g *GCN) Params() []*autograd.Var {
	var ps []*autograd.Var
	for _, l := range g.Layers {
		ps = append(ps, l.W, l.B)
	}
	ps = append(ps, g.Slopes...)
	for _, bn := range g.Norms {
		ps = append(ps, bn.Params()...)
	}
	return ps
}

// Clone returns a deep copy with its own parameter tensors, for a target
// network such as BGRL's.
func (g *GCN) Clone() *GCN {
	c := &GCN{Act: g.Act, Training: g.Training}
	for _, l := range g.Layers {
		c.Layers = append(c.Layers, &GCNLayer{W: cloneParam(l.W), B: cloneParam(l.B)})
	}
	for _, s := range g.Slopes {
		c.Slopes = append(c.Slopes, cloneParam(s))
	}
	for _, bn := range g.Norms {
		c.Norms = append(c.Norms, &nn.BatchNorm1d{
			Gamma: cloneParam(bn.Gamma), Beta: cloneParam(bn.Beta),
			RunningMean: append([]float32(nil), bn.RunningMean...), RunningVar: append([]float32(nil), bn.RunningVar...),
			Momentum: bn.Momentum, Eps: bn.Eps,
		})
	}
	return c
}

func cloneParam(v *autograd.Var) *autograd.Var { return autograd.Param(v.Value.Clone()) }
