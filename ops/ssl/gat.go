package ssl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// GATLayer is a graph attention layer (Veličković et al.,
// arXiv:1710.10903) whose Heads heads of width Out are concatenated. Row i
// of adj lists the sources j of the edges j → i, self loops included, and
// per head
//
//	e_ij = LeakyReLU(a_dst·W xᵢ + a_src·W xⱼ, 0.2), α_ij = softmax_j e_ij,
//	outᵢ = Σⱼ α_ij W xⱼ + b,
//
// per head. W is [in, Heads·Out], a_src and a_dst are [Heads, Out], all
// Glorot-initialised as in PyG's GATConv, b zero.
// NOTE: attention dropout is not implemented, so this is GATConv with
// dropout=0.
type GATLayer struct {
	W, ASrc, ADst, B *autograd.Var
	Heads, Out       int
	Slope            float32
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

// Params returns W, a_src, a_dst and b.
func (l *GATLayer) Params() []*autograd.Var { return []*autograd.Var{l.W, l.ASrc, l.ADst, l.B} }

// Forward applies the layer; adj supplies the edge pattern (its values are
// ignored).
func (l *GATLayer) Forward(adj *autograd.CSR, x Input) *autograd.Var {
	var wx *autograd.Var
	if x.Sparse != nil {
		wx = autograd.SpMM(x.Sparse, l.W)
	} else {
		wx = autograd.MatMul(x.Dense, l.W)
	}
	n := wx.Shape()[0]
	heads := autograd.Reshape(wx, n, l.Heads, l.Out)
	dst := autograd.Sum(autograd.Mul(heads, l.ADst), []int{2}, false)
	src := autograd.Sum(autograd.Mul(heads, l.ASrc), []int{2}, false)
	return autograd.Add(EdgeAttention(adj, dst, src, wx, l.Heads, l.Slope), l.B)
}

// EdgeAttention is GAT's attention aggregation as one autograd op: dst and
// src are the per-node scores [N, H], values the messages [N, H·F]. For row
// i of adj and head h, out_i = Σⱼ softmax_j(LeakyReLU(dst_i + src_j))·values_j.
// A row without entries gives zeros.
func EdgeAttention(adj *autograd.CSR, dst, src, values *autograd.Var, heads int, slope float32) *autograd.Var {
	n := adj.Rows
	if adj.Cols != n || !sameInts(dst.Shape(), []int{n, heads}) || !sameInts(src.Shape(), []int{n, heads}) ||
		len(values.Shape()) != 2 || values.Shape()[0] != n || values.Shape()[1]%heads != 0 {
		panic(&autograd.Error{Op: "edge_attention", Msg: fmt.Sprintf("adjacency %d×%d, scores %s and %s, values %s; want N×N, (N, heads) twice and (N, heads·F) with heads %d",
			adj.Rows, adj.Cols, tensor.ShapeString(dst.Shape()), tensor.ShapeString(src.Shape()), tensor.ShapeString(values.Shape()), heads)})
	}
	f := values.Shape()[1] / heads
	width := heads * f
	dd, sd, vd := dst.Data(), src.Data(), values.Data()

	nnz := len(adj.Indices)
	alpha := make([]float32, nnz*heads) // softmax weights per edge and head
	positive := make([]bool, nnz*heads) // whether the LeakyReLU input was > 0
	outT := tensor.New(n, width)
	od := outT.Data()

	for i := 0; i < n; i++ {
		lo, hi := adj.Indptr[i], adj.Indptr[i+1]
		for h := 0; h < heads; h++ {
			m := float32(math.Inf(-1))
			for p := lo; p < hi; p++ {
				z := dd[i*heads+h] + sd[int(adj.Indices[p])*heads+h]
				positive[p*heads+h] = z > 0
				if z <= 0 {
					z *= slope
				}
				alpha[p*heads+h] = z
				m = max(m, z)
			}
			var sum float64
			for p := lo; p < hi; p++ {
				e := math.Exp(float64(alpha[p*heads+h] - m))
				alpha[p*heads+h] = float32(e)
				sum += e
			}
			dstRow := od[i*width+h*f : i*width+(h+1)*f]
			for p := lo; p < hi; p++ {
				a := float32(float64(alpha[p*heads+h]) / sum)
				alpha[p*heads+h] = a
				j := int(adj.Indices[p])
				axpy32(a, vd[j*width+h*f:j*width+(h+1)*f], dstRow)
			}
		}
	}

	return autograd.NewOp("edge_attention", outT, []*autograd.Var{dst, src, values}, func(g []float32) {
		gDst, gSrc, gVal := dst.GradBuffer(), src.GradBuffer(), values.GradBuffer()
		for i := 0; i < n; i++ {
			lo, hi := adj.Indptr[i], adj.Indptr[i+1]
			for h := 0; h < heads; h++ {
				gi := g[i*width+h*f : i*width+(h+1)*f]
				// dα_ij = gᵢ·v_j; de_ij = α_ij (dα_ij − Σ_k α_ik dα_ik).
				var mean float32
				for p := lo; p < hi; p++ {
					j := int(adj.Indices[p])
					mean += alpha[p*heads+h] * dot32(gi, vd[j*width+h*f:j*width+(h+1)*f])
				}
				for p := lo; p < hi; p++ {
					j := int(adj.Indices[p])
					vj := vd[j*width+h*f : j*width+(h+1)*f]
					a := alpha[p*heads+h]
					if gVal != nil {
						axpy32(a, gi, gVal[j*width+h*f:j*width+(h+1)*f])
					}
					de := a * (dot32(gi, vj) - mean)
					if !positive[p*heads+h] {
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
