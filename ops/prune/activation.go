package prune

import (
	"context"
	"math"

	"pare/ops/kernels"
	"pare/ops/llm"
)

// columnStats holds per-column statistics of a projection's input X
// [N, in] over the N calibration tokens, in float64.
type columnStats struct {
	Mean []float64 // mean_n X[n, j]
	Var  []float64 // population variance (1/N) of X[:, j]
	Norm []float64 // ‖X[:, j]‖₂
}

func statsOf(x []float32, n, in int) columnStats {
	s := columnStats{Mean: make([]float64, in), Var: make([]float64, in), Norm: make([]float64, in)}
	sq := make([]float64, in)
	for i := 0; i < n; i++ {
		row := x[i*in : (i+1)*in]
		for j, v := range row {
			s.Mean[j] += float64(v)
			sq[j] += float64(v) * float64(v)
		}
	}
	for j := range s.Mean {
		s.Norm[j] = math.Sqrt(sq[j])
		s.Mean[j] /= float64(n)
		s.Var[j] = max(sq[j]/float64(n)-s.Mean[j]*s.Mean[j], 0)
	}
	return s
}

// layerStats holds the input statistics of one block's o_proj and
// down_proj.
type layerStats struct {
	Attn, MLP columnStats
}

// activationScores runs one forward pass over the calibration batch and
// scores the input channels of o_proj and down_proj: Wanda-sp
// S_j = ‖X[:, j]‖₂ · Σ_i |W[i, j]|, or FLAP S_j = Var(X[:, j]) · ‖W[:, j]‖₂².
// A KV group's score sums its G·head_dim o_proj columns. It also returns
// the statistics, which FLAP's bias compensation uses.
func activationScores(ctx context.Context, m *llm.Model, calib Calibration, criterion string) (*Scores, []layerStats, error) {
	ids, B, T, err := calib.flatten(m)
	if err != nil {
		return nil, nil, err
	}
	_, cache, err := m.ForwardCache(ids, B, T, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	n := B * T
	c := &m.Config
	L := len(m.Layers)
	s := &Scores{Attn: make([][]float64, L), MLP: make([][]float64, L)}
	stats := make([]layerStats, L)
	kernels.ParallelFor(L, 1, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			lw := &m.Layers[l]
			qw, h := lw.WO.Dim(1), lw.WDown.Dim(1)
			stats[l].Attn = statsOf(cache.AttentionOutput(l), n, qw)
			stats[l].MLP = statsOf(cache.MLPActivation(l), n, h)
			attnCols := columnScores(lw.WO.Data(), c.Dim, qw, stats[l].Attn, criterion)
			s.MLP[l] = columnScores(lw.WDown.Data(), c.Dim, h, stats[l].MLP, criterion)
			width := c.GroupSize() * c.HeadDim
			s.Attn[l] = make([]float64, qw/width)
			for g := range s.Attn[l] {
				for j := g * width; j < (g+1)*width; j++ {
					s.Attn[l][g] += attnCols[j]
				}
			}
		}
	})
	return s, stats, nil
}

// columnScores scores each input column j of W [rows, cols] by the Wanda-sp
// or FLAP formula.
func columnScores(w []float32, rows, cols int, st columnStats, criterion string) []float64 {
	abs := make([]float64, cols)
	sq := make([]float64, cols)
	for r := 0; r < rows; r++ {
		row := w[r*cols : (r+1)*cols]
		for j, v := range row {
			abs[j] += math.Abs(float64(v))
			sq[j] += float64(v) * float64(v)
		}
	}
	out := make([]float64, cols)
	for j := range out {
		if criterion == FLAP {
			out[j] = st.Var[j] * sq[j]
		} else {
			out[j] = st.Norm[j] * abs[j]
		}
	}
	return out
}
