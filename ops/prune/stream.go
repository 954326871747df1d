package prune

import (
	"context"
	"fmt"
	"math"

	"pare/ops/llm"
	"pare/ops/tensor"
)

// ScoreStreamed computes unit scores of a model that stays in its
// safetensors files, with one decoder layer resident at a time (see
// llm.Streamed.StreamGradients). nirvana, snip and llm_pruner run one
// streamed forward and backward pass over the calibration batch, chunk
// sequences at a time (0: all). llm_pruner's Fisher term is the mean of
// per-window squared gradients (see llmPrunerTerms), so streamed it takes a
// single window, for which that mean is the squared batch gradient. magnitude reads each layer once, and random
// reads no weights. wanda_sp, flap and shortgpt need activations, so they
// are not available streamed.
func ScoreStreamed(ctx context.Context, s *llm.Streamed, calib Calibration, opt ScoreOptions, chunk int) (*Scores, error) {
	c := &s.Config
	L := c.NLayers
	out := &Scores{Criterion: opt.Criterion, Attn: make([][]float64, L), MLP: make([][]float64, L)}
	if err := CheckReduction(opt.Criterion, opt.Reduction); err != nil {
		return nil, err
	}
	visit := func(score weightScore) func(l int, w, g *llm.LayerWeights) error {
		return func(l int, w, g *llm.LayerWeights) error {
			out.Attn[l] = attentionUnitScores(c, w, g, score)
			out.MLP[l] = mlpUnitScores(w, g, score)
			return nil
		}
	}

	switch opt.Criterion {
	case Random:
		m := &llm.Model{Config: *c}
		m.Weights = *shapeOnlyWeights(c)
		r := randomScores(m, opt.Seed)
		r.Criterion = Random
		return r, nil
	case Magnitude:
		f := visit(func(w, _ float32) float64 { return math.Abs(float64(w)) })
		for l := 0; l < L; l++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			lw, err := s.Layer(l)
			if err != nil {
				return nil, err
			}
			if err := f(l, lw, nil); err != nil {
				return nil, err
			}
		}
		return out, out.checkFinite()
	case Nirvana, SNIP, LLMPruner:
	case WandaSP, FLAP, ShortGPT:
		return nil, fmt.Errorf("prune: criterion %s reads activations and cannot be streamed; load the model instead", opt.Criterion)
	default:
		return nil, fmt.Errorf("prune: criterion %q is unknown; want one of %s", opt.Criterion, Criteria)
	}

	ids, B, T, err := calib.flattenFor(c)
	if err != nil {
		return nil, err
	}
	if opt.Criterion == LLMPruner && B > 1 {
		return nil, fmt.Errorf("prune: criterion llm_pruner needs one backward pass per calibration window for its Fisher term (got %d windows), which the streamed path does not run; load the model and use structured, or stream with a single window", B)
	}
	reduction := opt.Reduction
	if opt.Criterion != Nirvana {
		if reduction != "" && reduction != CELoss {
			return nil, fmt.Errorf("prune: criterion %s differentiates the cross-entropy loss; reduction %q applies only to nirvana", opt.Criterion, reduction)
		}
		reduction = CELoss
	}
	if _, err := objective(reduction, ids, B, T); err != nil {
		return nil, err
	}
	// StreamGradients weights each chunk by its share nb/B of the batch,
	// which suits objectives that are means over sequences. sum_logits is a
	// sum, so its chunk objective is scaled by B/nb to cancel the weight.
	f := func(chunkIDs []int, nb int) llm.Objective {
		obj, _ := objective(reduction, chunkIDs, nb, T)
		if reduction != SumLogits {
			return obj
		}
		return func(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
			v, dl, err := obj(logits)
			if err != nil {
				return 0, nil, err
			}
			scale := float64(B) / float64(nb)
			g := dl.Data()
			for i := range g {
				g[i] *= float32(scale)
			}
			return v * scale, dl, nil
		}
	}
	score := func(w, g float32) float64 { return math.Abs(float64(w) * float64(g)) }
	if opt.Criterion == LLMPruner { // one window: F = g²
		score = func(w, g float32) float64 {
			wg := float64(w) * float64(g)
			return math.Abs(wg - 0.5*wg*wg)
		}
	}
	if _, err := s.StreamGradients(ctx, ids, B, T, chunk, f, visit(score)); err != nil {
		return nil, err
	}
	return out, out.checkFinite()
}

// shapeOnlyWeights returns layer weights whose K and gate tensors have the
// config's shapes but no data, which is all randomScores reads.
func shapeOnlyWeights(c *llm.Config) *llm.Weights {
	w := &llm.Weights{Layers: make([]llm.LayerWeights, c.NLayers)}
	for l := range w.Layers {
		w.Layers[l].WK = tensor.New(c.LayerKVHeads(l)*c.HeadDim, 1)
		w.Layers[l].WGate = tensor.New(c.LayerHidden[l], 1)
	}
	return w
}
