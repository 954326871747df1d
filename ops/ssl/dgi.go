package ssl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// Discriminator is DGI's bilinear critic D(h, s) = hᵀ·W·s + b (Veličković
// et al., arXiv:1809.10341) with b = 0 at the start.
type Discriminator struct {
	W, B *autograd.Var
}

// NewDiscriminator returns a critic for embeddings of width dim. W starts
// from U(−a, a) with a = √(6 / (dim² + dim)): DGI's reference code applies
// Xavier-uniform to torch.nn.Bilinear's weight of shape [1, dim, dim],
// whose fans are dim·dim and dim. (A plain [dim, dim] Xavier bound would be
// about √dim times larger.)
func NewDiscriminator(dim int, rng *rand.Rand) (*Discriminator, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("ssl: discriminator width %d; want a positive width", dim)
	}
	w := tensor.New(dim, dim)
	nn.Uniform(w, math.Sqrt(6/float64(dim*dim+dim)), rng)
	return &Discriminator{W: autograd.Param(w), B: autograd.Param(tensor.New(1))}, nil
}

// Params returns W and b.
func (d *Discriminator) Params() []*autograd.Var { return []*autograd.Var{d.W, d.B} }

// Summary returns DGI's readout s = σ(mean over nodes of h), shape [dim].
func Summary(h *autograd.Var) *autograd.Var {
	return autograd.Sigmoid(autograd.Mean(h, []int{0}, false))
}

// Logits returns D(hᵢ, s) for every row of h, shape [N].
func (d *Discriminator) Logits(h, s *autograd.Var) *autograd.Var {
	dim := s.Shape()[0]
	ws := autograd.MatMul(d.W, autograd.Reshape(s, dim, 1))
	return autograd.Reshape(autograd.Add(autograd.MatMul(h, ws), d.B), -1)
}

// DGILoss returns DGI's objective for embeddings h of the graph and hNeg of
// its corruption (feature rows shuffled): binary cross-entropy with logits
// over [D(hᵢ, s); D(h̃ⱼ, s)] labelled [1; 0], i.e.
// −(1/2N)[Σᵢ log σ(D(hᵢ, s)) + Σⱼ log(1 − σ(D(h̃ⱼ, s)))] with s = Summary(h).
func DGILoss(d *Discriminator, h, hNeg *autograd.Var) *autograd.Var {
	s := Summary(h)
	logits := autograd.Concat([]*autograd.Var{d.Logits(h, s), d.Logits(hNeg, s)}, 0)
	n, m := h.Shape()[0], hNeg.Shape()[0]
	labels := tensor.New(n + m)
	for i := 0; i < n; i++ {
		labels.Data()[i] = 1
	}
	return autograd.BCEWithLogits(logits, labels)
}
