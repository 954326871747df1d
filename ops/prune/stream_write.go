package prune

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"pare/ops/llm"
	"pare/ops/store"
)

// StructuredStreamed is Structured for a model that stays in its
// safetensors files. It scores the units with ScoreStreamed, chunk
// sequences per pass (0 for all). It allocates the budget with the same
// Allocate call and guards as Structured. Then ApplyStreamed writes the
// pruned model to dir, one decoder layer in memory at a time. The
// criterion must be one ScoreStreamed supports. For the same model,
// calibration batch and options, the kept units and the written weights are
// those of Structured followed by Save, unless two unit scores lie within
// the float32 rounding that separates streamed from in-memory gradients.
// dtype is as for llm.Streamed.WriteHF ("" keeps the source's). It returns
// the report that is also written as pruning.json.
func StructuredStreamed(ctx context.Context, s *llm.Streamed, calib Calibration, opt Options, chunk int, dir, dtype string) (*Report, error) {
	if err := CheckSparsity(opt.Sparsity); err != nil {
		return nil, err
	}
	if err := CheckGamma(opt.Gamma); err != nil {
		return nil, err
	}
	if err := CheckReduction(opt.Criterion, opt.Reduction); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults(s.Config.NLayers)
	// Check the budget, the alignment and the output folder before the long
	// scoring pass, as Structured does.
	if _, err := NewBudget(&s.Config, opt.Sparsity, opt.Gamma); err != nil {
		return nil, err
	}
	if err := CheckAlign(&s.Config, opt.Align, opt.MLPLayers); err != nil {
		return nil, err
	}
	if err := checkOutputFolder(dir); err != nil {
		return nil, err
	}
	sc, err := ScoreStreamed(ctx, s, calib, ScoreOptions{Criterion: opt.Criterion, Reduction: opt.Reduction, Seed: opt.Seed}, chunk)
	if err != nil {
		return nil, err
	}
	plan, err := Allocate(&s.Config, sc, AllocOptions{Sparsity: opt.Sparsity, Gamma: opt.Gamma,
		Allocation: opt.Allocation, KeepGroup: opt.KeepGroup, Align: opt.Align,
		AttnLayers: opt.AttnLayers, MLPLayers: opt.MLPLayers})
	if err != nil {
		return nil, err
	}
	rep := newReport(opt, plan)
	if err := ApplyStreamed(ctx, s, plan.KeepAttn, plan.KeepMLP, rep, dir, dtype); err != nil {
		return nil, err
	}
	return rep, nil
}

// ApplyStreamed writes the model s with only the kept units as a Hugging
// Face folder at dir, sliced as Apply slices, reading and writing one
// decoder layer at a time. keepAttn[l] and keepMLP[l] are the increasing
// indices of the KV groups and MLP channels layer l keeps. When rep is not nil its parameter
// counts and widths are filled in and it is written as pruning.json inside
// the folder. config.json carries the per-layer widths as Save writes them.
// The folder appears complete or not at all (see llm.Streamed.WriteHF).
func ApplyStreamed(ctx context.Context, s *llm.Streamed, keepAttn, keepMLP [][]int, rep *Report, dir, dtype string) error {
	c := &s.Config
	if len(keepAttn) != c.NLayers || len(keepMLP) != c.NLayers {
		return fmt.Errorf("prune: plan covers %d and %d layers, the model has %d", len(keepAttn), len(keepMLP), c.NLayers)
	}
	pruned := *c
	pruned.LayerHeads = make([]int, c.NLayers)
	pruned.LayerHidden = make([]int, c.NLayers)
	for l := 0; l < c.NLayers; l++ {
		if err := checkKept(keepAttn[l], c.LayerKVHeads(l), l, "KV group"); err != nil {
			return err
		}
		if err := checkKept(keepMLP[l], c.LayerHidden[l], l, "MLP channel"); err != nil {
			return err
		}
		pruned.LayerHeads[l] = len(keepAttn[l]) * c.GroupSize()
		pruned.LayerHidden[l] = len(keepMLP[l])
	}
	var sidecar func(tmp string) error
	if rep != nil {
		rep.fillCounts(c, &pruned)
		sidecar = func(tmp string) error {
			return store.WriteFileAtomic(filepath.Join(tmp, SidecarName), rep.WriteJSON)
		}
	}
	slice := func(l int, src *llm.LayerWeights) (*llm.LayerWeights, error) {
		return sliceLayer(c, src, keepAttn[l], keepMLP[l])
	}
	return s.WriteHF(ctx, dir, pruned, dtype, slice, sidecar)
}

// sliceLayer returns the layer src keeps with the kept KV groups and MLP
// channels, as Apply slices each layer. Tensors with no input or output
// along a pruned unit (the norms, and any bias of o_proj or down_proj) are
// shared with src, not copied.
func sliceLayer(c *llm.Config, src *llm.LayerWeights, keepAttn, keepMLP []int) (*llm.LayerWeights, error) {
	if src.WGate == nil {
		return nil, fmt.Errorf("prune: a streamed mixture-of-experts layer cannot be sliced")
	}
	hd, G := c.HeadDim, c.GroupSize()
	qRows := expand(keepAttn, G*hd)
	kvRows := expand(keepAttn, hd)
	dst := *src
	dst.WQ = takeRows(src.WQ, qRows)
	dst.WK = takeRows(src.WK, kvRows)
	dst.WV = takeRows(src.WV, kvRows)
	dst.WO = takeCols(src.WO, qRows)
	if src.BQ != nil {
		dst.BQ = takeEntries(src.BQ, qRows)
		dst.BK = takeEntries(src.BK, kvRows)
		dst.BV = takeEntries(src.BV, kvRows)
	}
	dst.WGate = takeRows(src.WGate, keepMLP)
	dst.WUp = takeRows(src.WUp, keepMLP)
	dst.WDown = takeCols(src.WDown, keepMLP)
	return &dst, nil
}

// WithDefaults returns o with the defaults Structured fills in for a model
// of nLayers layers: the criterion's allocation when Allocation is empty,
// and DefaultPrunedLayers for the layer ranges LLM-Pruner leaves nil under
// the uniform allocation.
func (o Options) WithDefaults(nLayers int) Options {
	if o.Allocation == "" {
		o.Allocation = DefaultAllocation(o.Criterion)
	}
	if o.Criterion == LLMPruner && o.Allocation == AllocUniform {
		def := DefaultPrunedLayers(nLayers)
		if o.AttnLayers == nil {
			o.AttnLayers = &def
		}
		if o.MLPLayers == nil {
			o.MLPLayers = &def
		}
	}
	return o
}

// checkOutputFolder rejects an output path that exists and is a file or a
// non-empty folder, as the final rename would.
func checkOutputFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("prune: output folder %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("prune: output folder %s exists and is not empty; remove it or choose another name", dir)
	}
	return nil
}
