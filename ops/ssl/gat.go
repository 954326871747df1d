package ssl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/kernels"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// GATLayer is a graph attention layer (Veličković et al.,
// arXiv:1710.10903) whose Heads heads of width Out are concatenated. Row i
// of adj lists the sources j of the edges j → i, self loops included, and
// per head
//
//	e_ij = LeakyReLU(a_dst·W xᵢ + a_src·W xⱼ, 0.2), α_ij = softmax_j e_ij,
//	outᵢ = Σⱼ dropout(α_ij) W xⱼ + b.
//
// W is [in, Heads·Out] (no bias of its own), a_src and a_dst are
// [Heads, Out] and b is [Heads·Out]. NewGATLayer initialises W, a_src and
// a_dst Glorot-uniform as PyG's GATConv does. InitXavierNormal switches to
// the initialisation of GraphMAE's own GATConv. b starts at zero. AttnDrop
// is the dropout probability of the attention weights in training
// forwards. There is no residual connection.
type GATLayer struct {
	W, ASrc, ADst, B *autograd.Var
	Heads, Out       int
	Slope            float32
	AttnDrop         float64
}

// NewGATLayer returns a layer from in features to heads·out features.
func NewGATLayer(in, out, heads int, rng *rand.Rand) (*GATLayer, error) {
	if in <= 0 || out <= 0 || heads <= 0 {
		return nil, fmt.Errorf("ssl: GAT layer sizes in %d, out %d, heads %d; want positive sizes", in, out, heads)
	}
	w := tensor.New(in, heads*out)
	aSrc, aDst := tensor.New(heads, out), tensor.New(heads, out)
	for _, t := range []*tensor.Tensor{w, aSrc, aDst} {
		if err := nn.XavierUniform(t, 1, rng); err != nil {
			return nil, err
		}
	}
	return &GATLayer{
		W: autograd.Param(w), ASrc: autograd.Param(aSrc), ADst: autograd.Param(aDst),
		B: autograd.Param(tensor.New(heads * out)), Heads: heads, Out: out, Slope: 0.2,
	}, nil
}

// InitXavierNormal redraws W, a_src and a_dst as GATConv.reset_parameters
// in THUDM/GraphMAE graphmae/models/gat.py does: Xavier-normal with gain √2
// (the reference writes 1.414). W's fans are in and Heads·Out. An attention
// vector, stored there as [1, Heads, Out], has fans Heads·Out and Out.
func (l *GATLayer) InitXavierNormal(rng *rand.Rand) {
	gain := math.Sqrt2
	in := l.W.Shape()[0]
	nn.Normal(l.W.Value, gain*math.Sqrt(2/float64(in+l.Heads*l.Out)), rng)
	std := gain * math.Sqrt(2/float64(l.Heads*l.Out+l.Out))
	nn.Normal(l.ASrc.Value, std, rng)
	nn.Normal(l.ADst.Value, std, rng)
}

// Params returns W, a_src, a_dst and b.
func (l *GATLayer) Params() []*autograd.Var { return []*autograd.Var{l.W, l.ASrc, l.ADst, l.B} }

// Forward applies the layer without attention dropout (evaluation); adj
// supplies the edge pattern (its values are ignored).
func (l *GATLayer) Forward(adj *autograd.CSR, x Input) *autograd.Var {
	return l.ForwardTrain(adj, x, nil)
}

// ForwardTrain is Forward for training: with rng not nil the attention
// weights are dropped with probability AttnDrop; with rng nil they are not.
func (l *GATLayer) ForwardTrain(adj *autograd.CSR, x Input, rng *rand.Rand) *autograd.Var {
	var wx *autograd.Var
	if x.Sparse != nil {
		wx = autograd.SpMM(x.Sparse, l.W)
	} else {
		wx = autograd.MatMul(x.Dense, l.W)
	}
	return l.Attend(adj, wx, rng)
}

// Attend is the layer after its linear map: it takes wx = x·W [N, Heads·Out]
// computed by the caller (for instance only on the rows that are not zero)
// and applies the attention, dropout as in ForwardTrain, and the bias.
func (l *GATLayer) Attend(adj *autograd.CSR, wx *autograd.Var, rng *rand.Rand) *autograd.Var {
	n := wx.Shape()[0]
	heads := autograd.Reshape(wx, n, l.Heads, l.Out)
	dst := autograd.Sum(autograd.Mul(heads, l.ADst), []int{2}, false)
	src := autograd.Sum(autograd.Mul(heads, l.ASrc), []int{2}, false)
	drop := l.AttnDrop
	if rng == nil {
		drop = 0
	}
	return autograd.Add(EdgeAttentionDrop(adj, dst, src, wx, l.Heads, l.Slope, drop, rng), l.B)
}

// EdgeAttention is GAT's attention aggregation as one autograd op: dst and
// src are the per-node scores [N, H], values the messages [N, H·F]. For row
// i of adj and head h, out_i = Σⱼ softmax_j(LeakyReLU(dst_i + src_j))·values_j.
// A row without entries gives zeros.
func EdgeAttention(adj *autograd.CSR, dst, src, values *autograd.Var, heads int, slope float32) *autograd.Var {
	return EdgeAttentionDrop(adj, dst, src, values, heads, slope, 0, nil)
}

// EdgeAttentionDrop is EdgeAttention with dropout on the attention
// weights, as torch.nn.Dropout after DGL's edge_softmax: each α_ij is kept
// with probability 1 − p and then scaled by 1/(1 − p). p = 0 drops nothing
// and needs no rng.
func EdgeAttentionDrop(adj *autograd.CSR, dst, src, values *autograd.Var, heads int, slope float32, p float64, rng *rand.Rand) *autograd.Var {
	n := adj.Rows
	if adj.Cols != n || !sameInts(dst.Shape(), []int{n, heads}) || !sameInts(src.Shape(), []int{n, heads}) ||
		len(values.Shape()) != 2 || values.Shape()[0] != n || values.Shape()[1]%heads != 0 {
		panic(&autograd.Error{Op: "edge_attention", Msg: fmt.Sprintf("adjacency %d×%d, scores %s and %s, values %s; want N×N, (N, heads) twice and (N, heads·F) with heads %d",
			adj.Rows, adj.Cols, tensor.ShapeString(dst.Shape()), tensor.ShapeString(src.Shape()), tensor.ShapeString(values.Shape()), heads)})
	}
	if p < 0 || p >= 1 || math.IsNaN(p) || (p > 0 && rng == nil) {
		panic(&autograd.Error{Op: "edge_attention", Msg: fmt.Sprintf("attention dropout %v; want a value in [0, 1), and an rng when it is positive", p)})
	}
	f := values.Shape()[1] / heads
	width := heads * f
	dd, sd, vd := dst.Data(), src.Data(), values.Data()

	nnz := len(adj.Indices)
	alpha := make([]float32, nnz*heads) // softmax weights per edge and head
	positive := make([]bool, nnz*heads) // whether the LeakyReLU input was > 0
	var scale []float32                 // dropout factor per edge and head: 0 or 1/(1−p)
	if p > 0 {
		scale = make([]float32, nnz*heads)
		keep := float32(1 / (1 - p))
		for e := range scale {
			if rng.Float64() >= p {
				scale[e] = keep
			}
		}
	}
	outT := tensor.New(n, width)
	od := outT.Data()

	// Rows are independent in the forward pass.
	kernels.ParallelFor(n, 64, func(lo0, hi0 int) {
		for i := lo0; i < hi0; i++ {
			lo, hi := adj.Indptr[i], adj.Indptr[i+1]
			for h := 0; h < heads; h++ {
				m := float32(math.Inf(-1))
				for q := lo; q < hi; q++ {
					z := dd[i*heads+h] + sd[int(adj.Indices[q])*heads+h]
					positive[q*heads+h] = z > 0
					if z <= 0 {
						z *= slope
					}
					alpha[q*heads+h] = z
					m = max(m, z)
				}
				var sum float64
				for q := lo; q < hi; q++ {
					e := math.Exp(float64(alpha[q*heads+h] - m))
					alpha[q*heads+h] = float32(e)
					sum += e
				}
				dstRow := od[i*width+h*f : i*width+(h+1)*f]
				for q := lo; q < hi; q++ {
					a := float32(float64(alpha[q*heads+h]) / sum)
					alpha[q*heads+h] = a
					if scale != nil {
						a *= scale[q*heads+h]
						if a == 0 {
							continue
						}
					}
					j := int(adj.Indices[q])
					axpy32(a, vd[j*width+h*f:j*width+(h+1)*f], dstRow)
				}
			}
		}
	})

	return autograd.NewOp("edge_attention", outT, []*autograd.Var{dst, src, values}, func(g []float32) {
		gDst, gSrc, gVal := dst.GradBuffer(), src.GradBuffer(), values.GradBuffer()
		for i := 0; i < n; i++ {
			lo, hi := adj.Indptr[i], adj.Indptr[i+1]
			for h := 0; h < heads; h++ {
				gi := g[i*width+h*f : i*width+(h+1)*f]
				// With s_ij the dropout factor: dα_ij = s_ij·gᵢ·v_j and
				// de_ij = α_ij (dα_ij − Σ_k α_ik dα_ik).
				var mean float32
				for q := lo; q < hi; q++ {
					j := int(adj.Indices[q])
					d := dot32(gi, vd[j*width+h*f:j*width+(h+1)*f])
					if scale != nil {
						d *= scale[q*heads+h]
					}
					mean += alpha[q*heads+h] * d
				}
				for q := lo; q < hi; q++ {
					j := int(adj.Indices[q])
					vj := vd[j*width+h*f : j*width+(h+1)*f]
					a := alpha[q*heads+h]
					s := float32(1)
					if scale != nil {
						s = scale[q*heads+h]
					}
					if gVal != nil && s != 0 {
						axpy32(a*s, gi, gVal[j*width+h*f:j*width+(h+1)*f])
					}
					de := a * (s*dot32(gi, vj) - mean)
					if !positive[q*heads+h] {
						de *= slope
					}
					if gDst != nil {
						gDst[i*heads+h] += de
					}
					if gSrc != nil {
						gSrc[j*heads+h] += de
					}
				}
			}
		}
	})
}

// GATNet is a stack of GAT layers over one fixed edge pattern, as in
// GraphMAE's GAT module: dropout with probability InDrop on each layer's
// input (training only), then the layer, then a PReLU with one learned
// slope (torch.nn.PReLU(), starting at 0.25) for each layer that has an
// entry in Slopes.
type GATNet struct {
	Adj    *autograd.CSR
	Layers []*GATLayer
	Slopes []*autograd.Var // Slopes[i] is layer i's PReLU slope, nil for none
	InDrop float64
}

// Forward returns the output of the last layer. rng not nil selects
// training (input and attention dropout drawn from rng); nil evaluates
// without dropout.
func (g *GATNet) Forward(x *autograd.Var, rng *rand.Rand) *autograd.Var {
	h := x
	for i, l := range g.Layers {
		if rng != nil && g.InDrop > 0 {
			h = autograd.Dropout(h, g.InDrop, rng)
		}
		h = l.ForwardTrain(g.Adj, Input{Dense: h}, rng)
		if g.Slopes[i] != nil {
			h = autograd.PReLU(h, g.Slopes[i])
		}
	}
	return h
}

// Params returns every layer's parameters, then the PReLU slopes.
func (g *GATNet) Params() []*autograd.Var {
	var ps []*autograd.Var
	for _, l := range g.Layers {
		ps = append(ps, l.Params()...)
	}
	for _, s := range g.Slopes {
		if s != nil {
			ps = append(ps, s)
		}
	}
	return ps
}

// NewPReLUSlope returns one learned PReLU slope starting at 0.25.
func NewPReLUSlope() *autograd.Var {
	return autograd.Param(tensor.MustFromSlice([]float32{0.25}, 1))
}

func dot32(a, b []float32) float32 {
	var s float32
	b = b[:len(a)]
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy32(w float32, src, dst []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += w * src[i]
	}
}
