package llm

import (
	"fmt"
	"math"
	"slices"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Gating rules of a MoE block: how the router's logits weight the experts
// that a token is sent to.
const (
	// GatingSoftmax is Mixtral's rule: softmax over the top-k logits, so
	// the weights of the chosen experts sum to 1.
	GatingSoftmax = "softmax"
	// GatingSum is MoEfication's rule: the router only chooses the top-k
	// experts, and their outputs are added with weight 1. With top-k equal
	// to the number of experts the block is the dense MLP it was split from.
	GatingSum = "sum"
)

// MoEExpert is one SwiGLU expert: down · (silu(gate·x) ⊙ (up·x)), with
// WGate and WUp [width, dim] and WDown [dim, width].
type MoEExpert struct {
	WGate, WUp, WDown *tensor.Tensor
}

// Width returns the expert's hidden width.
func (e *MoEExpert) Width() int { return e.WGate.Dim(0) }

// MoEBlock is a sparse MLP in the form of Mixtral's block_sparse_moe. A
// router (Hugging Face "gate") of shape [experts, dim] scores every expert
// per token, and the TopK highest logits choose the experts, with ties
// going to the lower index. The block returns the gated sum of their
// outputs.
type MoEBlock struct {
	Router  *tensor.Tensor
	Experts []MoEExpert
	TopK    int
	Gating  string
}

// ExpertWidth returns the hidden width of the first expert; validate
// requires every expert to have it.
func (b *MoEBlock) ExpertWidth() int { return b.Experts[0].Width() }

// HasMoE reports whether any layer has a sparse MLP.
func (m *Model) HasMoE() bool {
	for l := range m.Layers {
		if m.Layers[l].MoE != nil {
			return true
		}
	}
	return false
}

// validate checks the block's shapes for model width d and names the
// offending tensor with its Hugging Face name under prefix.
func (b *MoEBlock) validate(prefix string, d int) error {
	if len(b.Experts) == 0 {
		return fmt.Errorf("llm: %sblock_sparse_moe has no experts", prefix)
	}
	n := len(b.Experts)
	if b.Router == nil || !sameShape(b.Router.Shape(), []int{n, d}) || !b.Router.IsContiguous() {
		got := "missing"
		if b.Router != nil {
			got = fmt.Sprint(b.Router.Shape())
		}
		return fmt.Errorf("llm: weight %sblock_sparse_moe.gate.weight is %s, want a contiguous [%d %d]", prefix, got, n, d)
	}
	if b.TopK < 1 || b.TopK > n {
		return fmt.Errorf("llm: %sblock_sparse_moe: top_k is %d, want 1..%d (the number of experts)", prefix, b.TopK, n)
	}
	if b.Gating != GatingSoftmax && b.Gating != GatingSum {
		return fmt.Errorf("llm: %sblock_sparse_moe: gating %q is not supported; want %q or %q", prefix, b.Gating, GatingSoftmax, GatingSum)
	}
	for e := range b.Experts {
		ex := &b.Experts[e]
		name := fmt.Sprintf("%sblock_sparse_moe.experts.%d.", prefix, e)
		if ex.WGate == nil || ex.WUp == nil || ex.WDown == nil {
			return fmt.Errorf("llm: weights of %s* are missing", name)
		}
		p := ex.WGate.Dim(0)
		if e > 0 && p != b.ExpertWidth() {
			return fmt.Errorf("llm: %sw1.weight has %d rows, want %d like expert 0; every expert of a layer must have the same width", name, p, b.ExpertWidth())
		}
		checks := []shapeCheck{{"w1.weight", ex.WGate, []int{p, d}}, {"w3.weight", ex.WUp, []int{p, d}}, {"w2.weight", ex.WDown, []int{d, p}}}
		for _, c := range checks {
			if !sameShape(c.t.Shape(), c.shape) || !c.t.IsContiguous() {
				return fmt.Errorf("llm: weight %s%s has shape %v, want a contiguous %v", name, c.name, c.t.Shape(), c.shape)
			}
		}
	}
	return nil
}

// params lists the block's tensors with Mixtral's Hugging Face names.
func (b *MoEBlock) params(prefix string) []Named {
	out := []Named{{prefix + "block_sparse_moe.gate.weight", b.Router}}
	for e := range b.Experts {
		ex := &b.Experts[e]
		p := fmt.Sprintf("%sblock_sparse_moe.experts.%d.", prefix, e)
		out = append(out, Named{p + "w1.weight", ex.WGate}, Named{p + "w2.weight", ex.WDown}, Named{p + "w3.weight", ex.WUp})
	}
	return out
}

// clone returns a deep copy.
func (b *MoEBlock) clone() *MoEBlock {
	out := &MoEBlock{Router: b.Router.Clone(), TopK: b.TopK, Gating: b.Gating, Experts: make([]MoEExpert, len(b.Experts))}
	for e, ex := range b.Experts {
		out.Experts[e] = MoEExpert{WGate: ex.WGate.Clone(), WUp: ex.WUp.Clone(), WDown: ex.WDown.Clone()}
	}
	return out
}

// route returns, for each of the n tokens of x [n, dim], the chosen experts
// in index order and their gate weights.
func (b *MoEBlock) route(x []float32, n int) (chosen [][]int, weights [][]float32) {
	N := len(b.Experts)
	logits := linear(x, n, b.Router, nil)
	chosen = make([][]int, n)
	weights = make([][]float32, n)
	order := make([]int, N)
	for i := 0; i < n; i++ {
		row := logits[i*N : (i+1)*N]
		for e := range order {
			order[e] = e
		}
		// Stable sort by descending logit: equal logits keep index order.
		slices.SortStableFunc(order, func(a, c int) int {
			switch {
			case row[a] > row[c]:
				return -1
			case row[a] < row[c]:
				return 1
			}
			return 0
		})
		top := append([]int(nil), order[:b.TopK]...)
		slices.Sort(top)
		w := make([]float32, len(top))
		if b.Gating == GatingSoftmax {
			mx := row[order[0]]
			var sum float64
			for j, e := range top {
				v := math.Exp(float64(row[e] - mx))
				w[j] = float32(v)
				sum += v
			}
			for j := range w {
				w[j] = float32(float64(w[j]) / sum)
			}
		} else {
			for j := range w {
				w[j] = 1
			}
		}
		chosen[i], weights[i] = top, w
	}
	return chosen, weights
}

// forward returns the block's output [n, dim] for the normalized input x
// [n, dim]. Each expert runs once on the rows routed to it. Every token
// adds its experts' outputs in expert-index order, so the result does not
// depend on scheduling.
func (b *MoEBlock) forward(x []float32, n, d int) []float32 {
	chosen, weights := b.route(x, n)
	out := tensor.Alloc(n*d, n, d)
	for e := range b.Experts {
		var rows []int
		var gates []float32
		for i := 0; i < n; i++ {
			if j := slices.Index(chosen[i], e); j >= 0 {
				rows = append(rows, i)
				gates = append(gates, weights[i][j])
			}
		}
		if len(rows) == 0 {
			continue
		}
		xe := x
		if len(rows) < n {
			xe = make([]float32, len(rows)*d)
			for r, i := range rows {
				copy(xe[r*d:(r+1)*d], x[i*d:(i+1)*d])
			}
		}
		ex := &b.Experts[e]
		m := len(rows)
		act := swiglu(linear(xe, m, ex.WGate, nil), linear(xe, m, ex.WUp, nil), m, ex.Width())
		y := linear(act, m, ex.WDown, nil)
		kernels.ParallelFor(m, rowGrain, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				dst, src, g := out[rows[r]*d:(rows[r]+1)*d], y[r*d:(r+1)*d], gates[r]
				for c, v := range src {
					dst[c] += g * v
				}
			}
		})
	}
	return out
}
