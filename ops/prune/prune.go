package prune

import (
	"context"

	"pare/ops/llm"
)

// Options configures Structured.
type Options struct {
	Criterion string
	// Reduction is NIRVANA's output proxy ("" = max_over_positions).
	Reduction string
	// Allocation is "" for the criterion's default (DefaultAllocation).
	Allocation string
	Sparsity   float64
	Gamma      float64
	KeepGroup  string
	Align      int
	// Seed seeds the random criterion.
	Seed uint64
	// BiasCompensation applies FLAP's bias compensation (FLAP only): the
	// pruned model gets o_proj and down_proj biases that add back the
	// removed input channels' mean contribution. FLAP's paper always
	// applies it, and the Starlark binding defaults it to true; the Go zero
	// value leaves it off.
	BiasCompensation bool
	// AttnLayers and MLPLayers restrict pruning to the layers [Start, End)
	// of each module type (see AllocOptions). nil means the criterion's
	// default: DefaultPrunedLayers for LLM-Pruner under the uniform
	// allocation, every layer otherwise. LayerRange{0, n_layers} prunes
	// every layer.
	AttnLayers, MLPLayers *LayerRange
}

// Structured scores m's units with a criterion on a calibration batch,
// allocates the sparsity budget and slices the weights. It returns the
// pruned copy and its report; m is not modified. The ShortGPT criterion
// removes whole layers instead.
func Structured(ctx context.Context, m *llm.Model, calib Calibration, opt Options) (*llm.Model, *Report, error) {
	if err := CheckSparsity(opt.Sparsity); err != nil {
		return nil, nil, err
	}
	if err := CheckGamma(opt.Gamma); err != nil {
		return nil, nil, err
	}
	if err := checkModel(m); err != nil {
		return nil, nil, err
	}
	if err := CheckReduction(opt.Criterion, opt.Reduction); err != nil {
		return nil, nil, err
	}
	if opt.Criterion == ShortGPT {
		return depthPrune(ctx, m, calib, opt)
	}
	opt = opt.WithDefaults(m.Config.NLayers)
	// Check the budget and alignment before the (possibly long) scoring pass.
	if _, err := NewBudget(&m.Config, opt.Sparsity, opt.Gamma); err != nil {
		return nil, nil, err
	}
	if err := CheckAlign(&m.Config, opt.Align, opt.MLPLayers); err != nil {
		return nil, nil, err
	}
	s, stats, err := scoreWithStats(ctx, m, calib, opt)
	if err != nil {
		return nil, nil, err
	}
	plan, err := Allocate(&m.Config, s, AllocOptions{Sparsity: opt.Sparsity, Gamma: opt.Gamma,
		Allocation: opt.Allocation, KeepGroup: opt.KeepGroup, Align: opt.Align,
		AttnLayers: opt.AttnLayers, MLPLayers: opt.MLPLayers})
	if err != nil {
		return nil, nil, err
	}
	out, err := Apply(m, plan)
	if err != nil {
		return nil, nil, err
	}
	rep := newReport(opt, plan)
	if opt.Criterion == FLAP {
		if rep.BiasCompensation, err = compensate(m, out, plan, stats, opt.BiasCompensation); err != nil {
			return nil, nil, err
		}
	}
	rep.fillCounts(&m.Config, &out.Config)
	return out, rep, nil
}

// newReport returns the report of a unit pruning by plan under opt, before
// the parameter counts are filled in.
func newReport(opt Options, plan *Plan) *Report {
	rep := &Report{Criterion: opt.Criterion, Allocation: plan.Allocation, Gamma: opt.Gamma,
		TargetSparsity: opt.Sparsity, KeepGroup: plan.KeepGroup, MLPAlign: plan.Align,
		KeptKVGroups: plan.KeepAttn, KeptChannels: plan.KeepMLP,
		RequestedKVGroups: plan.NAttn, RequestedChannels: plan.NMLP, CandidateKLs: []CandidateKL{},
		AttnLayers: plan.AttnLayers, MLPLayers: plan.MLPLayers}
	if opt.Criterion == Nirvana {
		rep.Reduction = opt.Reduction
		if rep.Reduction == "" {
			rep.Reduction = MaxOverPositions
		}
	}
	return rep
}

// scoreWithStats is Score that also returns the activation statistics of
// the activation criteria.
func scoreWithStats(ctx context.Context, m *llm.Model, calib Calibration, opt Options) (*Scores, []layerStats, error) {
	if opt.Criterion == WandaSP || opt.Criterion == FLAP {
		s, stats, err := activationScores(ctx, m, calib, opt.Criterion)
		if err != nil {
			return nil, nil, err
		}
		s.Criterion = opt.Criterion
		return s, stats, s.checkFinite()
	}
	s, err := Score(ctx, m, calib, ScoreOptions{Criterion: opt.Criterion, Reduction: opt.Reduction, Seed: opt.Seed})
	return s, nil, err
}

func depthPrune(ctx context.Context, m *llm.Model, calib Calibration, opt Options) (*llm.Model, *Report, error) {
	bi, err := BlockInfluence(ctx, m, calib)
	if err != nil {
		return nil, nil, err
	}
	drop, err := LayersToRemove(bi, opt.Sparsity)
	if err != nil {
		return nil, nil, err
	}
	out, err := RemoveLayers(m, drop)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{Criterion: ShortGPT, Allocation: "layers", TargetSparsity: opt.Sparsity,
		RemovedLayers: append([]int{}, drop...), CandidateKLs: []CandidateKL{}}
	dropped := map[int]bool{}
	for _, l := range drop {
		dropped[l] = true
	}
	c := &m.Config
	for l := 0; l < c.NLayers; l++ {
		if dropped[l] {
			continue
		}
		rep.KeptKVGroups = append(rep.KeptKVGroups, seq(c.LayerKVHeads(l)))
		rep.KeptChannels = append(rep.KeptChannels, seq(c.LayerHidden[l]))
	}
	rep.fillCounts(c, &out.Config)
	return out, rep, nil
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
