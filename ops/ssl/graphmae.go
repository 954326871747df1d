package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// NodeMask is one draw of GraphMAE's input masking. Masked lists every
// masked node. Token lists the masked nodes whose features are zeroed and
// get the learned mask token. Noise lists the masked nodes whose features
// are replaced by those of NoiseSource, in the same order.
type NodeMask struct {
	Masked, Token, Noise, NoiseSource []int
}

// DrawNodeMask picks ⌊rate·n⌋ nodes at random, as GraphMAE's
// encoding_mask_noise does. A replaceRate share of them (rounded down)
// become noise nodes fed another random node's features, the rest token
// nodes.
func DrawNodeMask(n int, rate, replaceRate float64, rng *rand.Rand) (NodeMask, error) {
	if !(rate > 0 && rate < 1) || !(replaceRate >= 0 && replaceRate < 1) {
		return NodeMask{}, fmt.Errorf("ssl: mask rate %v and replace rate %v; want rate in (0, 1) and replace rate in [0, 1)", rate, replaceRate)
	}
	perm := rng.Perm(n)
	k := int(rate * float64(n))
	m := NodeMask{Masked: perm[:k]}
	noise := int(replaceRate * float64(k))
	m.Token = m.Masked[:k-noise]
	m.Noise = m.Masked[k-noise:]
	src := rng.Perm(n)
	m.NoiseSource = src[:noise]
	return m, nil
}

// GraphMAE is the masked graph autoencoder (Hou et al., arXiv:2205.10803)
// with GCN encoder and decoder. The masked node features (a learned token
// on token nodes, other nodes' features on noise nodes) are encoded and
// mapped to the decoder by a bias-free Linear. The masked rows are zeroed
// again, one GCN layer decodes back to feature width, and the scaled
// cosine error on the masked nodes scores the reconstruction.
// NOTE: the GraphMAE paper's node-level encoder is a GAT; this model uses
// the GCN encoder of this package.
type GraphMAE struct {
	Encoder  *GCN
	EncToDec *autograd.Var // [d, d], no bias
	Decoder  *GCNLayer
	Token    *autograd.Var // [features]
	Gamma    float64
}

// NewGraphMAE builds the model for features of width in and encoder
// widths hidden, with SCE exponent gamma.
func NewGraphMAE(in int, hidden []int, gamma float64, rng *rand.Rand) (*GraphMAE, error) {
	enc, err := NewGCN(append([]int{in}, hidden...), ActPReLU, rng)
	if err != nil {
		return nil, err
	}
	d := hidden[len(hidden)-1]
	dec, err := NewGCNLayer(d, in, rng)
	if err != nil {
		return nil, err
	}
	e2d := tensor.New(d, d)
	if err := nn.XavierUniform(e2d, 1, rng); err != nil {
		return nil, err
	}
	return &GraphMAE{Encoder: enc, EncToDec: autograd.Param(e2d), Decoder: dec, Token: autograd.Param(tensor.New(in)), Gamma: gamma}, nil
}

// Params returns the encoder, mapping, decoder and token parameters.
func (m *GraphMAE) Params() []*autograd.Var {
	ps := append(m.Encoder.Params(), m.EncToDec, m.Decoder.W, m.Decoder.B)
	return append(ps, m.Token)
}

// Loss returns the reconstruction loss for dense features x [N, F] under
// propagation adj and one mask.
func (m *GraphMAE) Loss(adj autograd.SparseMatrix, x *tensor.Tensor, mask NodeMask) *autograd.Var {
	n, f := x.Shape()[0], x.Shape()[1]
	masked := x.Clone()
	md, xd := masked.Data(), x.Data()
	for _, v := range mask.Token {
		clear(md[v*f : (v+1)*f])
	}
	for i, v := range mask.Noise {
		s := mask.NoiseSource[i]
		copy(md[v*f:(v+1)*f], xd[s*f:(s+1)*f])
	}
	input := autograd.Const(masked)
	if len(mask.Token) > 0 {
		tokens := autograd.BroadcastTo(autograd.Reshape(m.Token, 1, f), len(mask.Token), f)
		input = autograd.IndexAdd(input, 0, mask.Token, tokens)
	}

	h := m.Encoder.Forward(adj, Input{Dense: input})
	rep := autograd.MatMul(h, m.EncToDec)
	keep := tensor.New(n, 1)
	for i := range keep.Data() {
		keep.Data()[i] = 1
	}
	for _, v := range mask.Masked {
		keep.Data()[v] = 0
	}
	rep = autograd.Mul(rep, autograd.Const(keep))
	recon := m.Decoder.Forward(adj, Input{Dense: rep})
	return SCELoss(autograd.Const(x), recon, mask.Masked, m.Gamma)
}

// Embed returns the encoder's embeddings of the unmasked graph.
func (m *GraphMAE) Embed(adj autograd.SparseMatrix, x *tensor.Tensor) *tensor.Tensor {
	return m.Encoder.Forward(adj, Input{Dense: autograd.Const(x)}).Detach().Value
}
