package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GCA's degree-adaptive augmentations (Zhu et al., "Graph Contrastive
// Learning with Adaptive Augmentation", arXiv 2010.14945, section 3.2, the
// degree-centrality variant). Important edges and feature dimensions, those
// touching high-degree nodes, are dropped less often.

// GCAEdgeDropProbs returns the drop probability of each stored entry (u, v):
// p_uv = min(P · (s_max − s_uv) / (s_max − s_mean), Cap) with s_uv = log deg(v),
// deg counted on the undirected version of the graph, as in the reference
// code (degree of the edge's target).
func GCAEdgeDropProbs(a *CSR, p, cap float64) ([]float64, error) {
	sym, err := a.Symmetrize()
	if err != nil {
		return nil, err
	}
	deg := sym.Degrees()
	s := make([]float64, a.NNZ())
	for k, v := range a.Indices {
		s[k] = math.Log(float64(max(deg[v], 1)))
	}
	return adaptiveProbs(s, p, cap), nil
}

// GCAFeatureDropProbs returns the drop probability of each feature column:
// p_i = min(P · (s_max − s_i) / (s_max − s_mean), Cap) with
// s_i = log Σ_u [x_ui ≠ 0] · deg(u). A column that is zero for every node
// gets the smallest finite weight of the others, so its drop probability is
// the largest, not NaN.
func GCAFeatureDropProbs(x *Features, a *CSR, p, cap float64) ([]float64, error) {
	if x.Rows != a.Rows {
		return nil, fmt.Errorf("%d feature rows for %d nodes", x.Rows, a.Rows)
	}
	deg := a.Degrees()
	w := make([]float64, x.Cols)
	if x.Sparse != nil {
		for u := 0; u < x.Rows; u++ {
			cols, vals := x.Sparse.Row(u)
			for k, c := range cols {
				if vals == nil || vals[k] != 0 {
					w[c] += float64(deg[u])
				}
			}
		}
	} else {
		for u := 0; u < x.Rows; u++ {
			row := x.Dense[u*x.Cols : (u+1)*x.Cols]
			for j, v := range row {
				if v != 0 {
					w[j] += float64(deg[u])
				}
			}
		}
	}
	minLog := math.Inf(1)
	for j := range w {
		if w[j] > 0 {
			w[j] = math.Log(w[j])
			minLog = math.Min(minLog, w[j])
		}
	}
	for j := range w {
		if w[j] == 0 && !math.IsInf(minLog, 1) {
			w[j] = minLog
		}
	}
	return adaptiveProbs(w, p, cap), nil
}

// adaptiveProbs maps centrality scores s to min(p·(max−s)/(max−mean), cap).
// When every score is equal the probabilities are p (capped).
func adaptiveProbs(s []float64, p, cap float64) []float64 {
	out := make([]float64, len(s))
	if len(s) == 0 {
		return out
	}
	hi, mean := math.Inf(-1), 0.0
	for _, v := range s {
		hi = math.Max(hi, v)
		mean += v
	}
	mean /= float64(len(s))
	for i, v := range s {
		w := 1.0
		if hi > mean {
			w = (hi - v) / (hi - mean)
		}
		out[i] = math.Min(p*w, cap)
	}
	return out
}

// GCAEdgeRemoving drops edges with GCA's degree-adaptive probabilities.
// Cap is the largest drop probability (0.7 in GCA). The probabilities depend
// only on the input graph, so they are computed on each call from the graph
// it receives.
type GCAEdgeRemoving struct {
	P, Cap float64
}

func (GCAEdgeRemoving) Name() string { return "GCAEdgeRemoving" }

func (e GCAEdgeRemoving) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", e.P); err != nil {
		return nil, err
	}
	if err := checkProb("cap", e.Cap); err != nil {
		return nil, err
	}
	probs, err := GCAEdgeDropProbs(g.Adj, e.P, e.Cap)
	if err != nil {
		return nil, err
	}
	// GCA drops each directed entry independently.
	return g.WithAdj(dropEdges(g.Adj, func(k, _, _ int) float64 { return probs[k] }, false, rng)), nil
}

// GCAFeatureMasking zeroes feature columns with GCA's degree-adaptive
// probabilities (the same columns for every node).
type GCAFeatureMasking struct {
	P, Cap float64
}

func (GCAFeatureMasking) Name() string { return "GCAFeatureMasking" }

func (f GCAFeatureMasking) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", f.P); err != nil {
		return nil, err
	}
	if err := checkProb("cap", f.Cap); err != nil {
		return nil, err
	}
	if err := needFeatures(g); err != nil {
		return nil, err
	}
	probs, err := GCAFeatureDropProbs(g.X, g.Adj, f.P, f.Cap)
	if err != nil {
		return nil, err
	}
	keep := make([]float32, len(probs))
	for j, p := range probs {
		if rng.Float64() >= p {
			keep[j] = 1
		}
	}
	return g.WithFeatures(scaleColumns(g.X, keep)), nil
}
