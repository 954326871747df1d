package prune

import "pare/ops/llm"

// FLAP's bias compensation (An et al., arXiv 2312.11983) adds to each
// pruned projection the expected contribution of its removed input
// channels, b += W[:, pruned] · mean_n X[n, pruned], for o_proj and
// down_proj.

// compensationBias returns W[:, removed] · mean[removed] for W [rows, cols],
// where removed are the columns not in kept (ascending).
func compensationBias(w []float32, rows, cols int, kept []int, mean []float64) []float64 {
	keep := make([]bool, cols)
	for _, j := range kept {
		keep[j] = true
	}
	out := make([]float64, rows)
	for r := 0; r < rows; r++ {
		row := w[r*cols : (r+1)*cols]
		for j, v := range row {
			if !keep[j] {
				out[r] += float64(v) * mean[j]
			}
		}
	}
	return out
}

// compensationBiases returns FLAP's o_proj and down_proj bias vectors
// ([dim] each, per layer) for the plan's removed units, from the column
// means of the projections' inputs on the calibration batch.
func compensationBiases(m *llm.Model, p *Plan, stats []layerStats) (attn, mlp [][]float64) {
	c := &m.Config
	width := c.GroupSize() * c.HeadDim
	for l := range m.Layers {
		lw := &m.Layers[l]
		attn = append(attn, compensationBias(lw.WO.Data(), c.Dim, lw.WO.Dim(1), expand(p.KeepAttn[l], width), stats[l].Attn.Mean))
		mlp = append(mlp, compensationBias(lw.WDown.Data(), c.Dim, lw.WDown.Dim(1), p.KeepMLP[l], stats[l].MLP.Mean))
	}
	return attn, mlp
}

// compensate reports whether FLAP's bias compensation was applied to the
// pruned model.
//
// NOTE: llm.LayerWeights has no o_proj or down_proj bias, so the
// compensation vectors cannot be stored in the model; FLAP runs without
// them until the runtime gains output-projection biases.
func compensate(dense, pruned *llm.Model, p *Plan, stats []layerStats, enabled bool) string {
	if !enabled {
		return "off"
	}
	_, _ = compensationBiases(dense, p, stats)
	return "not applied: the LLM runtime has no o_proj/down_proj biases"
}
