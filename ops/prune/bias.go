package prune

import (
	"fmt"

	"pare/ops/llm"
	"pare/ops/tensor"
)

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

// compensate applies FLAP's bias compensation to the pruned model (the
// output of Apply for plan p) when enabled, and returns the value of the
// report's bias_compensation field: "applied" or "off". Each layer's o_proj
// and down_proj bias becomes its old value (zero when the dense model has
// none) plus the compensation vector, so that a calibration token whose
// removed inputs equal their means gets the dense output exactly. A module
// type with no removed unit in any layer gets no new bias.
func compensate(dense, pruned *llm.Model, p *Plan, stats []layerStats, enabled bool) (string, error) {
	if !enabled {
		return "off", nil
	}
	attn, mlp := compensationBiases(dense, p, stats)
	c := &pruned.Config
	c.OProjBias = c.OProjBias || anyNonzero(attn)
	c.DownProjBias = c.DownProjBias || anyNonzero(mlp)
	for l := range pruned.Layers {
		lw := &pruned.Layers[l]
		if c.OProjBias {
			lw.BO = addBias(lw.BO, attn[l])
		}
		if c.DownProjBias {
			lw.BDown = addBias(lw.BDown, mlp[l])
		}
	}
	if err := pruned.Validate(); err != nil {
		return "", fmt.Errorf("prune: bias compensation left an inconsistent model: %w", err)
	}
	return "applied", nil
}

// addBias returns old + delta as a new tensor (old may be nil).
func addBias(old *tensor.Tensor, delta []float64) *tensor.Tensor {
	out := tensor.New(len(delta))
	dst := out.Data()
	for i, v := range delta {
		if old != nil {
			v += float64(old.Data()[i])
		}
		dst[i] = float32(v)
	}
	return out
}

func anyNonzero(rows [][]float64) bool {
	for _, row := range rows {
		for _, v := range row {
			if v != 0 {
				return true
			}
		}
	}
	return false
}
