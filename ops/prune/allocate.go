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
	// AttnLayers and MLPLayers, when not nil, restrict the pruning of KV
	// groups and MLP channels to those layers; nil means every layer. Only
	// the uniform allocation accepts them.
	AttnLayers, MLPLayers *LayerRange
}

// LayerRange is the half-open range of layers [Start, End), as in
// LLM-Pruner's block_attention_layer_start/end and
// block_mlp_layer_start/end flags.
type LayerRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Contains reports whether layer l is in the range.
func (r LayerRange) Contains(l int) bool { return l >= r.Start && l < r.End }

func (r LayerRange) String() string { return fmt.Sprintf("[%d, %d)", r.Start, r.End) }

// DefaultPrunedLayers returns LLM-Pruner's pruned layers scaled to a model
// of n layers. The LLaMA-7B command of LLM-Pruner's README (Ma et al.,
// arXiv 2305.11627) prunes layers [4, 30) of 32, so the first 4/32 and the
// last 2/32 of the blocks stay whole. This keeps the first round(n·4/32)
// and the last round(n·2/32) layers: [4, 30) for 32 layers, [1, 5) for 5.
func DefaultPrunedLayers(n int) LayerRange {
	r := LayerRange{Start: int(math.Round(float64(n) * 4 / 32)), End: n - int(math.Round(float64(n)*2/32))}
	if r.Start >= r.End {
		return LayerRange{0, n}
	}
	return r
}

// checkLayerRange rejects a range that is empty or outside [0, n).
func checkLayerRange(name string, r *LayerRange, n int) error {
	if r == nil {
		return nil
	}
	if r.Start < 0 || r.End > n || r.Start >= r.End {
		return fmt.Errorf("prune: %s: got %v, want a non-empty range of layers within [0, %d)", name, *r, n)
	}
	return nil
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
	// AttnLayers and MLPLayers are the layer ranges the allocation was
	// restricted to (nil: every layer).
	AttnLayers, MLPLayers *LayerRange
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
	if err := CheckAlign(c, opt.Align, opt.MLPLayers); err != nil {
		return nil, err
	}
	if err := checkScoreShapes(c, s); err != nil {
		return nil, err
	}
	if err := checkLayerRange("attn_layers", opt.AttnLayers, c.NLayers); err != nil {
		return nil, err
	}
	if err := checkLayerRange("mlp_layers", opt.MLPLayers, c.NLayers); err != nil {
		return nil, err
	}
	protected := opt.AttnLayers != nil || opt.MLPLayers != nil
	if protected && opt.Allocation != AllocUniform {
		return nil, fmt.Errorf("prune: attn_layers and mlp_layers need the uniform allocation, got %q", opt.Allocation)
	}

	var pa, pm [][]bool
	switch opt.Allocation {
	case AllocUniform:
		if protected {
			pa, pm, err = protectedUniformMasks(s, b, opt.AttnLayers, opt.MLPLayers)
			if err != nil {
				return nil, err
			}
		} else {
			pa, pm = uniformMasks(c, s, b)
		}
	case AllocNirvana:
		pa = underThreshold(s.Attn, b.NAttn)
		pm = underThreshold(s.MLP, b.NMLP)
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
		PrunedAttn: countTrue(pa), PrunedMLP: countTrue(pm), AttnLayers: opt.AttnLayers, MLPLayers: opt.MLPLayers}
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
	if opt.Sparsity > 0 && countTrue(pa) == 0 && countTrue(pm) == 0 {
		return nil, unreachable(b, opt, p.PrunedMLP)
	}
	return p, nil
}

// CheckAlign rejects an MLP alignment larger than the narrowest MLP that
// can be pruned (the layers of mlpLayers, or all): rounding the kept
// channels of that layer up to a multiple of align would keep all of them.
func CheckAlign(c *llm.Config, align int, mlpLayers *LayerRange) error {
	minW, minL := 0, -1
	for l := 0; l < c.NLayers; l++ {
		if mlpLayers != nil && !mlpLayers.Contains(l) {
			continue
		}
		if w := c.LayerHidden[l]; minL < 0 || w < minW {
			minW, minL = w, l
		}
	}
	if minL >= 0 && align > minW {
		return fmt.Errorf("prune: align: got %d, larger than the MLP width %d of layer %d; rounding the kept channels up to a multiple of %d would keep every channel of that layer; want align <= %d (1 disables rounding)", align, minW, minL, align, minW)
	}
	return nil
}

// unreachable explains why a plan with sparsity > 0 prunes no unit at all.
func unreachable(b Budget, opt AllocOptions, mlpBeforeGuards int) error {
	var reasons []string
	if b.NAttn == 0 {
		reasons = append(reasons, fmt.Sprintf("the budget prunes 0 of %d KV groups", b.AttnUnits))
	}
	switch {
	case b.NMLP == 0:
		reasons = append(reasons, fmt.Sprintf("the budget prunes 0 of %d MLP channels", b.MLPUnits))
	case mlpBeforeGuards > 0:
		reasons = append(reasons, fmt.Sprintf("align %d rounds each layer's kept MLP channels back up to the layer width, sparing all %d channels under the threshold", opt.Align, mlpBeforeGuards))
	}
	return fmt.Errorf("prune: sparsity %v cannot be reached on this model: no unit would be pruned: %s; want a smaller align (1 disables rounding) or a higher sparsity", opt.Sparsity, strings.Join(reasons, "; "))
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

// protectedUniformMasks is the uniform allocation restricted to the KV
// groups of the attn layers and the channels of the mlp layers (nil: every
// layer). The whole budget is spent there. Each eligible attention layer
// loses the fraction p_a·A / A_eligible of its KV groups, so attention
// still loses p_a·A weights in all. The rest of s·(A + M), after the KV
// groups actually removed, is spread over the eligible MLP layers as the
// same fraction of each layer's channels. Layers outside the ranges keep
// every unit.
func protectedUniformMasks(s *Scores, b Budget, attn, mlp *LayerRange) (pa, pm [][]bool, err error) {
	L := len(s.Attn)
	all := &LayerRange{0, L}
	if attn == nil {
		attn = all
	}
	if mlp == nil {
		mlp = all
	}
	var attnAll, attnEligible, mlpEligible float64
	for l := 0; l < L; l++ {
		w := float64(int64(len(s.Attn[l])) * b.GroupWeights)
		attnAll += w
		if attn.Contains(l) {
			attnEligible += w
		}
		if mlp.Contains(l) {
			mlpEligible += float64(int64(len(s.MLP[l])) * b.ChannelWeights)
		}
	}

	fa := b.PAttn * attnAll / attnEligible
	if fa >= 1 {
		return nil, nil, fmt.Errorf("prune: attn_layers %v hold too few KV groups for sparsity %v: each would lose the fraction %.3f; want a wider range or a lower sparsity", *attn, b.Sparsity, fa)
	}
	pa = make([][]bool, L)
	pm = make([][]bool, L)
	var attnRemoved float64
	for l := 0; l < L; l++ {
		na := 0
		if attn.Contains(l) {
			N := len(s.Attn[l])
			na = min(int(math.Round(float64(N)*fa)), N)
		}
		attnRemoved += float64(int64(na) * b.GroupWeights)
		pa[l] = underThreshold([][]float64{s.Attn[l]}, na)[0]
	}

	fm := (b.Sparsity*float64(b.DecoderWeights) - attnRemoved) / mlpEligible
	if fm >= 1 {
		return nil, nil, fmt.Errorf("prune: mlp_layers %v hold too few channels for sparsity %v: each would lose the fraction %.3f; want a wider range or a lower sparsity", *mlp, b.Sparsity, fm)
	}
	fm = max(fm, 0)
	for l := 0; l < L; l++ {
		nm := 0
		if mlp.Contains(l) {
			I := len(s.MLP[l])
			nm = min(int(math.Round(float64(I)*fm)), I)
		}
		pm[l] = underThreshold([][]float64{s.MLP[l]}, nm)[0]
	}
	return pa, pm, nil
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
