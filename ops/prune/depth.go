package prune

import (
	"context"
	"fmt"
	"math"
	"sort"

	"pare/ops/llm"
)

// BlockInfluence returns ShortGPT's block influence of every decoder block
// (Men et al., arXiv 2403.03853): BI_l = 1 − mean_t cos(x_l,t, x_{l+1,t}),
// the mean over all calibration tokens of one minus the cosine similarity
// between the residual stream entering and leaving block l. Blocks that
// barely change the stream score near 0.
func BlockInfluence(ctx context.Context, m *llm.Model, calib Calibration) ([]float64, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	ids, B, T, err := calib.flatten(m)
	if err != nil {
		return nil, err
	}
	_, cache, err := m.ForwardCache(ids, B, T, nil)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, d := B*T, m.Config.Dim
	bi := make([]float64, len(m.Layers))
	for l := range m.Layers {
		x, y := cache.BlockInput(l), cache.BlockOutput(l)
		var sum float64
		for i := 0; i < n; i++ {
			sum += cosine(x[i*d:(i+1)*d], y[i*d:(i+1)*d])
		}
		bi[l] = 1 - sum/float64(n)
	}
	return bi, nil
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i, v := range a {
		ab += float64(v) * float64(b[i])
		aa += float64(v) * float64(v)
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// LayersToRemove returns the ⌊s·L⌋ blocks with the lowest influence, in
// ascending index order (ties: lower index first). Every block has the
// same projection weights in a dense model, so this removes at most the
// fraction s of them.
func LayersToRemove(bi []float64, sparsity float64) ([]int, error) {
	if err := CheckSparsity(sparsity); err != nil {
		return nil, err
	}
	k := int(math.Floor(sparsity*float64(len(bi)) + 1e-9))
	if k >= len(bi) {
		return nil, fmt.Errorf("prune: sparsity %v removes all %d layers; want a lower sparsity", sparsity, len(bi))
	}
	order := make([]int, len(bi))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bi[order[a]] < bi[order[b]] })
	out := append([]int(nil), order[:k]...)
	sort.Ints(out)
	return out, nil
}

// RemoveLayers returns a copy of m without the given decoder blocks.
func RemoveLayers(m *llm.Model, layers []int) (*llm.Model, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	drop := map[int]bool{}
	for _, l := range layers {
		if l < 0 || l >= len(m.Layers) {
			return nil, fmt.Errorf("prune: layer %d does not exist; the model has layers 0..%d", l, len(m.Layers)-1)
		}
		drop[l] = true
	}
	if len(drop) >= len(m.Layers) {
		return nil, fmt.Errorf("prune: removing %d of %d layers leaves none", len(drop), len(m.Layers))
	}
	c := m.Clone()
	kept := c.Layers[:0]
	for l := range c.Layers {
		if !drop[l] {
			kept = append(kept, c.Layers[l])
		}
	}
	c.Layers = kept
	if err := c.SyncWidths(); err != nil {
		return nil, fmt.Errorf("prune: model without layers %v is inconsistent: %w", layers, err)
	}
	return c, nil
}
