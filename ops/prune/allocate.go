package prune

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"pare/ops/llm"
)

// Allocation names: how the budget is spread over layers and module types.
const (
	// AllocNirvana ranks KV groups of all layers in one pool and MLP
	// channels in another, pruning n_attn and n_mlp units of the Budget by
	// thresholds compared with ≤ (ties prune more). Layer widths are
	// whatever falls under the thresholds.
	AllocNirvana = "nirvana"
	// AllocUniform prunes the same fraction of every layer's projection
	// weights: round(N_l·p_a) KV groups, and MLP channels for the rest of
	// that layer's share.
	AllocUniform = "uniform"
	// AllocGlobal ranks every unit of both types in one pool by score per
	// weight and prunes the cheapest prefix that fits the budget.
	AllocGlobal = "global"
	// AllocStandardized is FLAP's allocation (An et al., arXiv 2312.11983):
	// scores are z-scored within each layer's attention and MLP, then
	// pooled, and units are pruned lowest first while their weights fit the
	// budget (a KV group counts its full size).
	AllocStandardized = "standardized"
)

// Allocations lists the allocation names.
var Allocations = []string{AllocNirvana, AllocUniform, AllocGlobal, AllocStandardized}

// Which KV group a layer keeps when every group falls under the threshold.
const (
	KeepBest      = "best"       // the highest-scoring group (default)
	KeepLastIndex = "last_index" // the group with the largest index, as the reference code does
)

// DefaultAllocation returns the allocation a criterion's paper uses:
// uniform per-layer ratios for Wanda-sp and LLM-Pruner, FLAP's
// standardized global ranking for FLAP, and NIRVANA's for the others.
func DefaultAllocation(criterion string) string {
	switch criterion {
	case WandaSP, LLMPruner:
		return AllocUniform
	case FLAP:
		return AllocStandardized
	}
	return AllocNirvana
}

// AllocOptions sets the allocation.
type AllocOptions struct {
	Sparsity, Gamma float64
	// Allocation is one of Allocations; "" means AllocNirvana.
	Allocation string
	// KeepGroup is KeepBest ("" too) or KeepLastIndex.
	KeepGroup string
	// Align rounds each layer's kept MLP channels up to a multiple of
	// Align, keeping at least Align (capped at the layer's width); 0 means
	// 8, 1 disables rounding.
	Align int
}

// Plan is the outcome of an allocation: the units each layer keeps, in
// ascending index order.
type Plan struct {
	Budget
	Allocation string
	KeepGroup  string
	Align      int
	KeepAttn   [][]int
	KeepMLP    [][]int
	// PrunedAttn and PrunedMLP count the units under the thresholds before
	// the per-layer guards; the kept lists are after the guards.
	PrunedAttn, PrunedMLP int
}

// Allocate turns unit scores into a Plan for a model with config c.
func Allocate(c *llm.Config, s *Scores, opt AllocOptions) (*Plan, error) {
	if opt.Allocation == "" {
		opt.Allocation = AllocNirvana
	}
	if opt.KeepGroup == "" {
		opt.KeepGroup = KeepBest
	}
	if opt.KeepGroup != KeepBest && opt.KeepGroup != KeepLastIndex {
		return nil, fmt.Errorf("prune: keep_group: got %q, want %q or %q", opt.KeepGroup, KeepBest, KeepLastIndex)
	}
	if opt.Align == 0 {
		opt.Align = 8
	}
	if opt.Align < 0 {
		return nil, fmt.Errorf("prune: align: got %d, want a positive multiple (1 disables rounding)", opt.Align)
	}
	b, err := NewBudget(c, opt.Sparsity, opt.Gamma)
	if err != nil {
		return nil, err
	}
	if err := checkScoreShapes(c, s); err != nil {
		return nil, err
	}

	var pa, pm [][]bool
	switch opt.Allocation {
	case AllocNirvana:
		pa = underThreshold(s.Attn, b.NAttn)
		pm = underThreshold(s.MLP, b.NMLP)
	case AllocUniform:
		pa, pm = uniformMasks(c, s, b)
	case AllocGlobal:
		pa, pm = pooledMasks(s, b, func(v float64, attn bool) float64 {
			if attn {
				return v / float64(b.GroupWeights)
			}
			return v / float64(b.ChannelWeights)
		}, false)
	case AllocStandardized:
		pa, pm = pooledMasks(s, b, nil, true)
	default:
		return nil, fmt.Errorf("prune: allocation: got %q, want one of %s", opt.Allocation, strings.Join(Allocations, ", "))
	}

	p := &Plan{Budget: b, Allocation: opt.Allocation, KeepGroup: opt.KeepGroup, Align: opt.Align,
		PrunedAttn: countTrue(pa), PrunedMLP: countTrue(pm)}
	if p.PrunedAttn == b.AttnUnits {
		return nil, fmt.Errorf("prune: the %s allocation at sparsity %v prunes all %d KV groups; want a lower sparsity", opt.Allocation, opt.Sparsity, b.AttnUnits)
	}
	if p.PrunedMLP == b.MLPUnits {
		return nil, fmt.Errorf("prune: the %s allocation at sparsity %v prunes all %d MLP channels; want a lower sparsity", opt.Allocation, opt.Sparsity, b.MLPUnits)
	}
	for l := range pa {
		guardAttention(pa[l], s.Attn[l], opt.KeepGroup)
		guardMLP(pm[l], s.MLP[l], opt.Align)
		p.KeepAttn = append(p.KeepAttn, keptIndices(pa[l]))
		p.KeepMLP = append(p.KeepMLP, keptIndices(pm[l]))
	}
	return p, nil
}

func checkScoreShapes(c *llm.Config, s *Scores) error {
	if s == nil || len(s.Attn) != c.NLayers || len(s.MLP) != c.NLayers {
		return fmt.Errorf("prune: scores cover %d layers, want %d", scoreLayers(s), c.NLayers)
	}
	for l := 0; l < c.NLayers; l++ {
		if len(s.Attn[l]) != c.LayerKVHeads(l) || len(s.MLP[l]) != c.LayerHidden[l] {
			return fmt.Errorf("prune: layer %d has %d KV-group and %d channel scores, want %d and %d", l, len(s.Attn[l]), len(s.MLP[l]), c.LayerKVHeads(l), c.LayerHidden[l])
		}
	}
	return s.checkFinite()
}

func scoreLayers(s *Scores) int {
	if s == nil {
		return 0
	}
	return len(s.Attn)
}

// kthSmallest returns the k-th smallest value (1-based) of the pooled
// scores.
func kthSmallest(scores [][]float64, k int) float64 {
	var all []float64
	for _, row := range scores {
		all = append(all, row...)
	}
	sort.Float64s(all)
	return all[k-1]
}

// underThreshold marks every unit whose score is ≤ the n-th smallest score
// of the pool. n = 0 marks nothing (the reference code instead sets the
// threshold to 0, which prunes only units scoring exactly 0).
func underThreshold(scores [][]float64, n int) [][]bool {
	out := make([][]bool, len(scores))
	tau := math.Inf(-1)
	if n > 0 {
		tau = kthSmallest(scores, n)
	}
	for l, row := range scores {
		out[l] = make([]bool, len(row))
		for i, v := range row {
			out[l][i] = n > 0 && v <= tau
		}
	}
	return out
}

// uniformMasks prunes in each layer round(N_l·p_a) KV groups and enough
// channels to remove the layer's share s of its projection weights, each
// by the layer's own ≤ threshold.
func uniformMasks(c *llm.Config, s *Scores, b Budget) (pa, pm [][]bool) {
	pa = make([][]bool, len(s.Attn))
	pm = make([][]bool, len(s.MLP))
	for l := range s.Attn {
		N, I := len(s.Attn[l]), len(s.MLP[l])
		na := min(int(math.Round(float64(N)*b.PAttn)), N)
		share := b.Sparsity * float64(int64(N)*b.GroupWeights+int64(I)*b.ChannelWeights)
		nm := int(math.Round((share - float64(int64(na)*b.GroupWeights)) / float64(b.ChannelWeights)))
		nm = max(0, min(nm, I))
		pa[l] = underThreshold([][]float64{s.Attn[l]}, na)[0]
		pm[l] = underThreshold([][]float64{s.MLP[l]}, nm)[0]
	}
	return pa, pm
}

type pooledUnit struct {
	key    float64
	attn   bool
	layer  int
	index  int
	weight int64
}

// pooledMasks ranks every unit of both types in one pool by key (the score
// mapped by perWeight, or z-scored within its layer's module when
// standardize is set) and prunes the longest lowest-key prefix whose
// weights fit the budget, plus any unit tied with the prefix's last key.
func pooledMasks(s *Scores, b Budget, perWeight func(v float64, attn bool) float64, standardize bool) (pa, pm [][]bool) {
	var units []pooledUnit
	add := func(row []float64, attn bool, l int, w int64) {
		keys := append([]float64(nil), row...)
		if standardize {
			zscore(keys)
		}
		for i, v := range keys {
			if perWeight != nil {
				v = perWeight(v, attn)
			}
			units = append(units, pooledUnit{key: v, attn: attn, layer: l, index: i, weight: w})
		}
	}
	for l := range s.Attn {
		add(s.Attn[l], true, l, b.GroupWeights)
		add(s.MLP[l], false, l, b.ChannelWeights)
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].key < units[j].key })

	target := int64(math.Floor(b.Sparsity * float64(b.DecoderWeights)))
	var removed int64
	n := 0
	for n < len(units) && removed+units[n].weight <= target {
		removed += units[n].weight
		n++
	}
	pa = make([][]bool, len(s.Attn))
	pm = make([][]bool, len(s.MLP))
	for l := range s.Attn {
		pa[l] = make([]bool, len(s.Attn[l]))
		pm[l] = make([]bool, len(s.MLP[l]))
	}
	if n == 0 {
		return pa, pm
	}
	tau := units[n-1].key
	for _, u := range units {
		if u.key > tau {
			break
		}
		if u.attn {
			pa[u.layer][u.index] = true
		} else {
			pm[u.layer][u.index] = true
		}
	}
	return pa, pm
}

// zscore standardizes x in place to zero mean and unit population
// variance; constant x becomes all zeros.
func zscore(x []float64) {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	std := math.Sqrt(ss / float64(len(x)))
	for i, v := range x {
		if std > 0 {
			x[i] = (v - mean) / std
		} else {
			x[i] = 0
		}
	}
}

// guardAttention keeps one KV group when every group of the layer is
// marked: the highest-scoring (ties: lowest index) or the last index.
func guardAttention(pruned []bool, scores []float64, keep string) {
	for _, p := range pruned {
		if !p {
			return
		}
	}
	best := len(pruned) - 1
	if keep == KeepBest {
		best = 0
		for g, v := range scores {
			if v > scores[best] {
				best = g
			}
		}
	}
	pruned[best] = false
}

// guardMLP rounds the layer's kept channels up to a multiple of align
// (at least align, at most the layer's width) by sparing the
// highest-scoring pruned channels.
func guardMLP(pruned []bool, scores []float64, align int) {
	width := len(pruned)
	kept := width - countTrue([][]bool{pruned})
	target := (kept + align - 1) / align * align
	target = min(max(target, align), width)
	if target <= kept {
		return
	}
	var cand []int
	for j, p := range pruned {
		if p {
			cand = append(cand, j)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return scores[cand[a]] > scores[cand[b]] })
	for _, j := range cand[:target-kept] {
		pruned[j] = false
	}
}

func countTrue(masks [][]bool) int {
	n := 0
	for _, row := range masks {
		for _, v := range row {
			if v {
				n++
			}
		}
	}
	return n
}

func keptIndices(pruned []bool) []int {
	out := []int{}
	for i, p := range pruned {
		if !p {
			out = append(out, i)
		}
	}
	return out
}
