package ssl

import (
	"fmt"
	"math"

	"pare/ops/graph"
)

// checkFiniteSettings rejects a NaN or infinite float setting, which would
// otherwise surface epochs later as a NaN loss.
func checkFiniteSettings(cfg Config) error {
	settings := []struct {
		name  string
		value float64
	}{
		{"lr", cfg.LR}, {"weight_decay", cfg.WeightDecay}, {"tau", cfg.Tau},
		{"pe1", cfg.PE1}, {"pe2", cfg.PE2}, {"pf1", cfg.PF1}, {"pf2", cfg.PF2},
		{"drop_cap", cfg.DropCap}, {"aug_ratio", cfg.AugRatio}, {"alpha", cfg.Alpha},
		{"tau0", cfg.Tau0}, {"mask_rate", cfg.MaskRate}, {"replace_rate", cfg.ReplaceRate},
		{"gamma", cfg.Gamma}, {"in_drop", cfg.InDrop}, {"attn_drop", cfg.AttnDrop},
	}
	for _, s := range settings {
		if math.IsNaN(s.value) || math.IsInf(s.value, 0) {
			return fmt.Errorf("ssl: %s is %g; want a finite number", s.name, s.value)
		}
	}
	return nil
}

// checkGraphInput rejects a graph that would make the first loss NaN for a
// reason no learning rate fixes: no nodes, or a NaN or infinite feature
// value or edge weight.
func checkGraphInput(g *graph.Graph, method string) error {
	if g.N() == 0 {
		return fmt.Errorf("ssl: %s: graph %q has no nodes; want at least one node", method, g.Name)
	}
	if g.X != nil {
		if err := checkFiniteFeatures(g.X); err != nil {
			return fmt.Errorf("ssl: %s: graph %q: %w", method, g.Name, err)
		}
	}
	for i := 0; i < g.Adj.Rows; i++ {
		cols, weights := g.Adj.Row(i)
		for k, w := range weights {
			if !isFinite(w) {
				return fmt.Errorf("ssl: %s: graph %q: edge (%d, %d) has weight %g; want finite edge weights", method, g.Name, i, cols[k], w)
			}
		}
	}
	return nil
}

func checkFiniteFeatures(x *graph.Features) error {
	if x.Sparse != nil {
		for i := 0; i < x.Sparse.Rows; i++ {
			cols, values := x.Sparse.Row(i)
			for k, v := range values {
				if !isFinite(v) {
					return fmt.Errorf("feature value at node %d, column %d is %g; want finite features", i, cols[k], v)
				}
			}
		}
		return nil
	}
	for k, v := range x.Dense {
		if !isFinite(v) {
			return fmt.Errorf("feature value at node %d, column %d is %g; want finite features", k/x.Cols, k%x.Cols, v)
		}
	}
	return nil
}

func isFinite(v float32) bool {
	f := float64(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}
