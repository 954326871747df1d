package prune

import (
	"fmt"
	"math"

	"pare/ops/kernels"
	"pare/ops/llm"
)

// Scores holds one score per structural unit: Attn[l][g] for KV group g of
// layer l and MLP[l][j] for MLP channel j of layer l. Lower scores are
// pruned first. Indices refer to the units of the model that was scored.
type Scores struct {
	Criterion string
	Attn      [][]float64
	MLP       [][]float64
}

// Layers returns the number of layers scored.
func (s *Scores) Layers() int { return len(s.Attn) }

// groupCost returns the number of weights of one KV group,
// 2·head_dim·(G+1)·dim: G query heads and o_proj columns plus one K and
// one V head.
func groupCost(c *llm.Config) int64 {
	return int64(2*c.HeadDim*(c.GroupSize()+1)) * int64(c.Dim)
}

// channelCost returns the number of weights of one MLP channel, 3·dim.
func channelCost(c *llm.Config) int64 { return 3 * int64(c.Dim) }

// checkModel rejects a model whose weights do not have the shapes of a
// Llama-family decoder with the seven projections the pruner slices.
func checkModel(m *llm.Model) error {
	if m == nil {
		return fmt.Errorf("prune: model is nil")
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("prune: model does not have the expected projections: %w", err)
	}
	return nil
}

// weightScore maps a weight and its gradient to a per-weight score.
type weightScore func(w, g float32) float64

// aggregateWeights sums score(w, g) over each unit's weights, in float64:
// a KV group's q, k and v rows and o_proj columns, an MLP channel's gate and
// up rows and down_proj column. grads may be nil when score ignores g.
func aggregateWeights(m *llm.Model, grads *llm.Weights, score weightScore) *Scores {
	c := &m.Config
	L := len(m.Layers)
	s := &Scores{Attn: make([][]float64, L), MLP: make([][]float64, L)}
	kernels.ParallelFor(L, 1, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			lw := &m.Layers[l]
			var gw *llm.LayerWeights
			if grads != nil {
				gw = &grads.Layers[l]
			}
			s.Attn[l] = attentionUnitScores(c, lw, gw, score)
			s.MLP[l] = mlpUnitScores(lw, gw, score)
		}
	})
	return s
}

// gradData returns g's data, or nil when g is nil.
func gradData(g *llm.LayerWeights, pick func(*llm.LayerWeights) []float32) []float32 {
	if g == nil {
		return nil
	}
	return pick(g)
}

// sumRows returns Σ score(w, g) over rows [r0, r1) of a row-major matrix
// with cols columns.
func sumRows(w, g []float32, cols, r0, r1 int, score weightScore) float64 {
	var s float64
	for i := r0 * cols; i < r1*cols; i++ {
		var gi float32
		if g != nil {
			gi = g[i]
		}
		s += score(w[i], gi)
	}
	return s
}

// sumCols returns Σ score(w, g) over columns [c0, c1) of a row-major matrix
// with rows×cols entries.
func sumCols(w, g []float32, rows, cols, c0, c1 int, score weightScore) float64 {
	var s float64
	for r := 0; r < rows; r++ {
		for i := r*cols + c0; i < r*cols+c1; i++ {
			var gi float32
			if g != nil {
				gi = g[i]
			}
			s += score(w[i], gi)
		}
	}
	return s
}

func attentionUnitScores(c *llm.Config, lw, gw *llm.LayerWeights, score weightScore) []float64 {
	hd, G, d := c.HeadDim, c.GroupSize(), c.Dim
	groups := lw.WK.Dim(0) / hd
	qw := lw.WQ.Dim(0)
	out := make([]float64, groups)
	wq, wk, wv, wo := lw.WQ.Data(), lw.WK.Data(), lw.WV.Data(), lw.WO.Data()
	gq := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WQ.Data() })
	gk := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WK.Data() })
	gv := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WV.Data() })
	gO := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WO.Data() })
	for g := range out {
		q0, q1 := g*G*hd, (g+1)*G*hd
		k0, k1 := g*hd, (g+1)*hd
		out[g] = sumRows(wq, gq, d, q0, q1, score) +
			sumRows(wk, gk, d, k0, k1, score) +
			sumRows(wv, gv, d, k0, k1, score) +
			sumCols(wo, gO, d, qw, q0, q1, score)
	}
	return out
}

func mlpUnitScores(lw, gw *llm.LayerWeights, score weightScore) []float64 {
	h, d := lw.WGate.Dim(0), lw.WGate.Dim(1)
	out := make([]float64, h)
	wg, wu, wd := lw.WGate.Data(), lw.WUp.Data(), lw.WDown.Data()
	gg := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WGate.Data() })
	gu := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WUp.Data() })
	gd := gradData(gw, func(g *llm.LayerWeights) []float32 { return g.WDown.Data() })
	for j := range out {
		out[j] = sumRows(wg, gg, d, j, j+1, score) +
			sumRows(wu, gu, d, j, j+1, score) +
			sumCols(wd, gd, d, h, j, j+1, score)
	}
	return out
}

// checkFinite returns an error naming the first unit whose score is NaN or
// infinite (a diverged forward pass, or weights with NaN).
func (s *Scores) checkFinite() error {
	for l := range s.Attn {
		for g, v := range s.Attn[l] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("prune: %s score of layer %d KV group %d is %v; the model or calibration batch gives non-finite values", s.Criterion, l, g, v)
			}
		}
		for j, v := range s.MLP[l] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("prune: %s score of layer %d MLP channel %d is %v; the model or calibration batch gives non-finite values", s.Criterion, l, j, v)
			}
		}
	}
	return nil
}
