package prune

import (
	"fmt"

	"pare/ops/llm"
	"pare/ops/tensor"
)

// Apply returns a copy of m with only the plan's kept units: the rows of
// q_proj, k_proj, v_proj (and their biases), gate_proj and up_proj, and the
// columns of o_proj and down_proj, in their original order; the o_proj and
// down_proj biases are copied whole. Nothing else
// changes: no weight update, no rescaling. m is not modified.
func Apply(m *llm.Model, p *Plan) (*llm.Model, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	c := &m.Config
	if len(p.KeepAttn) != len(m.Layers) || len(p.KeepMLP) != len(m.Layers) {
		return nil, fmt.Errorf("prune: plan covers %d layers, the model has %d", len(p.KeepAttn), len(m.Layers))
	}
	cfg := *c
	out := &llm.Model{Config: cfg, Tokenizer: m.Tokenizer}
	out.Embed = m.Embed.Clone()
	out.Head = out.Embed
	if m.Head != m.Embed {
		out.Head = m.Head.Clone()
	}
	out.FinalNorm = m.FinalNorm.Clone()
	out.Layers = make([]llm.LayerWeights, len(m.Layers))
	hd, G := c.HeadDim, c.GroupSize()
	for l := range m.Layers {
		src := &m.Layers[l]
		groups, width := c.LayerKVHeads(l), c.LayerHidden[l]
		if err := checkKept(p.KeepAttn[l], groups, l, "KV group"); err != nil {
			return nil, err
		}
		if err := checkKept(p.KeepMLP[l], width, l, "MLP channel"); err != nil {
			return nil, err
		}
		qRows := expand(p.KeepAttn[l], G*hd)
		kvRows := expand(p.KeepAttn[l], hd)
		dst := &out.Layers[l]
		dst.AttnNorm = src.AttnNorm.Clone()
		dst.MLPNorm = src.MLPNorm.Clone()
		dst.WQ = takeRows(src.WQ, qRows)
		dst.WK = takeRows(src.WK, kvRows)
		dst.WV = takeRows(src.WV, kvRows)
		dst.WO = takeCols(src.WO, qRows)
		if src.BQ != nil {
			dst.BQ = takeEntries(src.BQ, qRows)
			dst.BK = takeEntries(src.BK, kvRows)
			dst.BV = takeEntries(src.BV, kvRows)
		}
		dst.WGate = takeRows(src.WGate, p.KeepMLP[l])
		dst.WUp = takeRows(src.WUp, p.KeepMLP[l])
		dst.WDown = takeCols(src.WDown, p.KeepMLP[l])
		// The o_proj and down_proj biases have one entry per output
		// (d_model), which pruning does not change.
		if src.BO != nil {
			dst.BO = src.BO.Clone()
		}
		if src.BDown != nil {
			dst.BDown = src.BDown.Clone()
		}
	}
	if err := out.SyncWidths(); err != nil {
		return nil, fmt.Errorf("prune: pruned model is inconsistent: %w", err)
	}
	return out, nil
}

// checkKept rejects a kept list that is empty, unsorted, repeats an index
// or points outside [0, n).
func checkKept(kept []int, n, layer int, unit string) error {
	if len(kept) == 0 {
		return fmt.Errorf("prune: layer %d keeps no %s; every layer needs at least one", layer, unit)
	}
	for i, k := range kept {
		if k < 0 || k >= n || (i > 0 && k <= kept[i-1]) {
			return fmt.Errorf("prune: layer %d: kept %s indices %v must be increasing and within [0, %d)", layer, unit, kept, n)
		}
	}
	return nil
}

// expand maps unit indices to the row (or column) indices of blocks of
// size rows each.
func expand(units []int, size int) []int {
	out := make([]int, 0, len(units)*size)
	for _, u := range units {
		for r := u * size; r < (u+1)*size; r++ {
			out = append(out, r)
		}
	}
	return out
}

func takeRows(w *tensor.Tensor, rows []int) *tensor.Tensor {
	cols := w.Dim(1)
	out := tensor.New(len(rows), cols)
	src, dst := w.Data(), out.Data()
	for i, r := range rows {
		copy(dst[i*cols:(i+1)*cols], src[r*cols:(r+1)*cols])
	}
	return out
}

func takeCols(w *tensor.Tensor, cols []int) *tensor.Tensor {
	rows, n := w.Dim(0), w.Dim(1)
	out := tensor.New(rows, len(cols))
	src, dst := w.Data(), out.Data()
	for r := 0; r < rows; r++ {
		for i, c := range cols {
			dst[r*len(cols)+i] = src[r*n+c]
		}
	}
	return out
}

func takeEntries(v *tensor.Tensor, idx []int) *tensor.Tensor {
	out := tensor.New(len(idx))
	src, dst := v.Data(), out.Data()
	for i, j := range idx {
		dst[i] = src[j]
	}
	return out
}
