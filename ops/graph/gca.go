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
// p_uv = min(P · (s_max − s_uv) / (s_max − s_mean), Cap) with s_uv = log deg(u),
// deg counted on the undirected version of the graph. Row u is the node
// that receives v's message in Â·H, so s is the degree of the receiving
// node, as in GCA's reference code (degree_drop_weights scores an edge by
// edge_index[1], the target of PyG's source-to-target message passing).
// High-degree nodes thus keep their incoming edges and low-degree nodes
// lose theirs more often.
func GCAEdgeDropProbs(a *CSR, p, cap float64) ([]float64, error) {
	sym, err := a.Symmetrize()
	if err != nil {
		return nil, err
	}
	deg := sym.Degrees()
	s := make([]float64, a.NNZ())
	for u := 0; u < a.Rows; u++ {
		su := math.Log(float64(max(deg[u], 1)))
		for k := a.Indptr[u]; k < a.Indptr[u+1]; k++ {
			s[k] = su
		}
	}
	return adaptiveProbs(s, p, cap), nil
}

// GCAFeatureDropProbs returns the drop probability of each feature column:
// p_i = min(P · (s_max − s_i) / (s_max − s_mean), Cap) with
// s_i = log Σ_u [x_ui ≠ 0] · deg(u), deg counted on the undirected version
// of the graph as in the reference code. A column that is zero for every
// node gets the smallest finite weight of the others, so its drop
// probability is the largest, not NaN.
func GCAFeatureDropProbs(x *Features, a *CSR, p, cap float64) ([]float64, error) {
	if x.Rows != a.Rows {
		return nil, fmt.Errorf("%d feature rows for %d nodes", x.Rows, a.Rows)
	}
	sym, err := a.Symmetrize()
	if err != nil {
		return nil, err
	}
	deg := sym.Degrees()
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
// Cap is the largest drop probability (0.7 in GCA). Probs, when set,
// contains the drop probability of each stored entry of the graph the
// augmentation is applied to, and NewGCAEdgeRemoving computes it once from
// the clean graph. When Probs is nil, Apply computes the probabilities from
// the graph it receives.
type GCAEdgeRemoving struct {
	P, Cap float64
	Probs  []float64
}

// NewGCAEdgeRemoving returns a GCAEdgeRemoving whose probabilities are
// computed once from g, for views of g drawn at every training step.
func NewGCAEdgeRemoving(g *Graph, p, cap float64) (GCAEdgeRemoving, error) {
	e := GCAEdgeRemoving{P: p, Cap: cap}
	if err := e.check(); err != nil {
		return e, err
	}
	probs, err := GCAEdgeDropProbs(g.Adj, p, cap)
	e.Probs = probs
	return e, err
}

func (GCAEdgeRemoving) Name() string { return "GCAEdgeRemoving" }

func (e GCAEdgeRemoving) check() error {
	if err := checkProb("p", e.P); err != nil {
		return err
	}
	return checkProb("cap", e.Cap)
}

func (e GCAEdgeRemoving) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	probs := e.Probs
	if probs == nil {
		var err error
		if probs, err = GCAEdgeDropProbs(g.Adj, e.P, e.Cap); err != nil {
			return nil, err
		}
	}
	if len(probs) != g.Adj.NNZ() {
		return nil, fmt.Errorf("%d precomputed edge probabilities for a graph with %d stored entries; build the augmentation from the graph it is applied to", len(probs), g.Adj.NNZ())
	}
	// GCA drops each directed entry independently.
	return g.WithAdj(dropEdges(g.Adj, func(k, _, _ int) float64 { return probs[k] }, false, rng)), nil
}

// GCAFeatureMasking zeroes feature columns with GCA's degree-adaptive
// probabilities (the same columns for every node). Probs, when set,
// contains one drop probability per column. GCA computes them once from the clean
// graph (NewGCAFeatureMasking), so an edge dropping applied before this
// augmentation does not change them. When Probs is nil, Apply computes
// them from the graph it receives, edges included.
type GCAFeatureMasking struct {
	P, Cap float64
	Probs  []float64
}

// NewGCAFeatureMasking returns a GCAFeatureMasking whose column
// probabilities are computed once from the features and degrees of g.
func NewGCAFeatureMasking(g *Graph, p, cap float64) (GCAFeatureMasking, error) {
	f := GCAFeatureMasking{P: p, Cap: cap}
	if err := f.check(g); err != nil {
		return f, err
	}
	probs, err := GCAFeatureDropProbs(g.X, g.Adj, p, cap)
	f.Probs = probs
	return f, err
}

func (GCAFeatureMasking) Name() string { return "GCAFeatureMasking" }

func (f GCAFeatureMasking) check(g *Graph) error {
	if err := checkProb("p", f.P); err != nil {
		return err
	}
	if err := checkProb("cap", f.Cap); err != nil {
		return err
	}
	return needFeatures(g)
}

func (f GCAFeatureMasking) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := f.check(g); err != nil {
		return nil, err
	}
	probs := f.Probs
	if probs == nil {
		var err error
		if probs, err = GCAFeatureDropProbs(g.X, g.Adj, f.P, f.Cap); err != nil {
			return nil, err
		}
	}
	if len(probs) != g.X.Cols {
		return nil, fmt.Errorf("%d precomputed column probabilities for %d feature columns; build the augmentation from the graph it is applied to", len(probs), g.X.Cols)
	}
	keep := make([]float32, len(probs))
	for j, p := range probs {
		if rng.Float64() >= p {
			keep[j] = 1
		}
	}
	return g.WithFeatures(scaleColumns(g.X, keep)), nil
}
