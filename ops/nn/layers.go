package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/tensor"
)

// Linear is an affine layer y = x·W + b with W stored [in, out], so the
// forward pass is one GEMM without a transpose. (PyTorch stores [out, in].)
type Linear struct {
	W *autograd.Var
	B *autograd.Var // nil without bias
}

// NewLinear returns a Linear layer initialised as torch.nn.Linear: W and b
// from U(−1/√in, 1/√in), which is Kaiming-uniform with a = √5.
func NewLinear(in, out int, bias bool, rng *rand.Rand) (*Linear, error) {
	if in <= 0 || out <= 0 {
		return nil, fmt.Errorf("nn.linear: sizes %d → %d; want positive sizes", in, out)
	}
	bound := 1 / math.Sqrt(float64(in))
	w := tensor.New(in, out)
	Uniform(w, bound, rng)
	l := &Linear{W: autograd.Param(w)}
	if bias {
		b := tensor.New(out)
		Uniform(b, bound, rng)
		l.B = autograd.Param(b)
	}
	return l, nil
}

// Forward applies the layer to x of shape [..., in].
func (l *Linear) Forward(x *autograd.Var) *autograd.Var {
	y := autograd.MatMul(x, l.W)
	if l.B != nil {
		y = autograd.Add(y, l.B)
	}
	return y
}

// Params returns the layer's parameters (W, then b when present).
func (l *Linear) Params() []*autograd.Var {
	if l.B == nil {
		return []*autograd.Var{l.W}
	}
	return []*autograd.Var{l.W, l.B}
}

// Embedding maps integer ids to rows of a [vocab, dim] table.
type Embedding struct {
	Weight *autograd.Var
}

// NewEmbedding returns an embedding table initialised from N(0, 1), as
// torch.nn.Embedding.
func NewEmbedding(vocab, dim int, rng *rand.Rand) (*Embedding, error) {
	if vocab <= 0 || dim <= 0 {
		return nil, fmt.Errorf("nn.embedding: vocab %d and dim %d; want positive sizes", vocab, dim)
	}
	w := tensor.New(vocab, dim)
	Normal(w, 1, rng)
	return &Embedding{Weight: autograd.Param(w)}, nil
}

// Forward looks up ids of shape idsShape; the result is idsShape + [dim].
func (e *Embedding) Forward(ids []int, idsShape []int) *autograd.Var {
	return autograd.Embedding(e.Weight, ids, idsShape)
}

// Values returns the parameter tensors of vars, for building a Group.
func Values(vars []*autograd.Var) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(vars))
	for i, v := range vars {
		out[i] = v.Value
	}
	return out
}

// Grads returns the gradients of vars (nil where none reached a Var), in
// the order Step expects.
func Grads(vars []*autograd.Var) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(vars))
	for i, v := range vars {
		out[i] = v.Grad
	}
	return out
}

// ZeroGrads drops the gradients of vars before the next backward pass.
func ZeroGrads(vars []*autograd.Var) {
	for _, v := range vars {
		v.ZeroGrad()
	}
}
