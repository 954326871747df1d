package prune

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"pare/ops/kernels"
	"pare/ops/llm"
	"pare/ops/tensor"
)

// Criterion names. Each scores units; lower scores are pruned first.
const (
	// Nirvana is NIRVANA's output saliency (arXiv 2509.14230): Σ|w · ∂f/∂w|
	// with f an output proxy of the logits (see the Reduction names).
	Nirvana = "nirvana"
	// Magnitude is Σ|w|, NIRVANA's reference ablation ("--prune_type
	// magnitude"); no calibration data is used.
	Magnitude = "magnitude"
	// SNIP is the first-order Taylor score of the loss, Σ|w · ∂L/∂w| with L
	// the next-token cross-entropy (Lee et al., SNIP, arXiv 1810.02340;
	// Molchanov et al., arXiv 1906.10771).
	SNIP = "snip"
	// WandaSP is structured Wanda (Sun et al., arXiv 2306.11695) as defined
	// by the FLAP authors (An et al., arXiv 2312.11983):
	// S_j = Σ_i |W[i, j]| · ‖X[:, j]‖₂ over the input channels j of o_proj
	// and down_proj.
	WandaSP = "wanda_sp"
	// FLAP is the fluctuation score of An et al. (arXiv 2312.11983):
	// S_j = Var_n(X[n, j]) · ‖W[:, j]‖₂² over the input channels of o_proj
	// and down_proj.
	FLAP = "flap"
	// LLMPruner is LLM-Pruner's "param_mix" importance (Ma et al., arXiv
	// 2305.11627): Σ|w·g − ½·w²·g²| with g = ∂L/∂w of the cross-entropy,
	// first-order Taylor plus the diagonal second-order (Fisher) term.
	LLMPruner = "llm_pruner"
	// Random draws a seeded uniform score per unit.
	Random = "random"
	// ShortGPT removes whole decoder blocks with the lowest block
	// influence BI_l = 1 − mean_t cos(x_l, x_{l+1}) (Men et al., arXiv
	// 2403.03853). It is depth pruning: it has no unit scores.
	ShortGPT = "shortgpt"
)

// Criteria lists the unit criteria, then ShortGPT.
var Criteria = []string{Nirvana, Magnitude, SNIP, WandaSP, FLAP, LLMPruner, Random, ShortGPT}

// Output proxies f of the NIRVANA saliency.
const (
	// MaxOverPositions is the reference proxy: the largest logit of each
	// vocabulary entry over the positions of a sequence, averaged over
	// batch and vocabulary.
	MaxOverPositions = "max_over_positions"
	// MaxOverVocab averages the largest logit of each position.
	MaxOverVocab = "max_over_vocab"
	// SumLogits sums every logit.
	SumLogits = "sum_logits"
	// CELoss is the next-token cross-entropy (which makes NIRVANA equal to
	// SNIP).
	CELoss = "ce_loss"
)

// Reductions lists the output proxies.
var Reductions = []string{MaxOverPositions, MaxOverVocab, SumLogits, CELoss}

// CheckReduction rejects an unknown reduction, and a reduction given to a
// criterion that does not use it: only nirvana has an output proxy, and
// snip and llm_pruner accept ce_loss, the loss they differentiate anyway.
// "" (the criterion's default) is always accepted.
func CheckReduction(criterion, reduction string) error {
	if reduction == "" {
		return nil
	}
	if !slices.Contains(Reductions, reduction) {
		return fmt.Errorf("prune: reduction %q is unknown; want one of %s", reduction, strings.Join(Reductions, ", "))
	}
	switch criterion {
	case Nirvana:
		return nil
	case SNIP, LLMPruner:
		if reduction == CELoss {
			return nil
		}
		return fmt.Errorf("prune: criterion %s differentiates the cross-entropy loss; reduction %q applies only to nirvana", criterion, reduction)
	}
	return fmt.Errorf("prune: criterion %s does not differentiate an output proxy; reduction %q applies only to nirvana (leave reduction unset)", criterion, reduction)
}

// ScoreOptions selects a criterion and its settings.
type ScoreOptions struct {
	Criterion string
	// Reduction is NIRVANA's output proxy; "" means MaxOverPositions.
	Reduction string
	// Seed seeds the random criterion.
	Seed uint64
}

// Calibration is a batch of B windows of T token ids each.
type Calibration [][]int

// flatten checks the windows against the model and returns them as one
// row-major [B, T] batch.
func (c Calibration) flatten(m *llm.Model) (ids []int, B, T int, err error) {
	return c.flattenFor(&m.Config)
}

// flattenFor is flatten against a config.
func (c Calibration) flattenFor(cfg *llm.Config) (ids []int, B, T int, err error) {
	if len(c) == 0 {
		return nil, 0, 0, fmt.Errorf("prune: calibration batch is empty; want at least one window")
	}
	T = len(c[0])
	if T < 2 {
		return nil, 0, 0, fmt.Errorf("prune: calibration windows have %d tokens, want at least 2", T)
	}
	if ctxLen := cfg.MaxSeqLen; ctxLen > 0 && T > ctxLen {
		return nil, 0, 0, fmt.Errorf("prune: calibration windows have %d tokens, longer than the model's context of %d", T, ctxLen)
	}
	ids = make([]int, 0, len(c)*T)
	for i, w := range c {
		if len(w) != T {
			return nil, 0, 0, fmt.Errorf("prune: calibration window %d has %d tokens, want %d like window 0", i, len(w), T)
		}
		for p, id := range w {
			if id < 0 || id >= cfg.VocabSize {
				return nil, 0, 0, fmt.Errorf("prune: calibration window %d position %d: token id %d is outside the vocabulary of %d", i, p, id, cfg.VocabSize)
			}
		}
		ids = append(ids, w...)
	}
	return ids, len(c), T, nil
}

// objective returns the llm objective of an output proxy name.
func objective(reduction string, ids []int, B, T int) (llm.Objective, error) {
	switch reduction {
	case "", MaxOverPositions:
		return llm.MaxOverPositions, nil
	case MaxOverVocab:
		return llm.MaxOverVocab, nil
	case SumLogits:
		return llm.SumLogits, nil
	case CELoss:
		return llm.CrossEntropy(llm.NextTokenTargets(ids, B, T, nil)), nil
	}
	return nil, fmt.Errorf("prune: reduction %q is unknown; want one of %s", reduction, strings.Join(Reductions, ", "))
}

// Score computes the unit scores of a criterion on a calibration batch
// (unused by magnitude and random). Gradient criteria run one forward and
// one backward pass over the whole batch; activation criteria run one
// forward pass.
func Score(ctx context.Context, m *llm.Model, calib Calibration, opt ScoreOptions) (*Scores, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	if err := CheckReduction(opt.Criterion, opt.Reduction); err != nil {
		return nil, err
	}
	var s *Scores
	var err error
	switch opt.Criterion {
	case Magnitude:
		s = aggregateWeights(m, nil, func(w, _ float32) float64 { return math.Abs(float64(w)) })
	case Random:
		s = randomScores(m, opt.Seed)
	case Nirvana, SNIP, LLMPruner:
		s, err = gradientScores(ctx, m, calib, opt)
	case WandaSP, FLAP:
		s, _, err = activationScores(ctx, m, calib, opt.Criterion)
	case ShortGPT:
		return nil, fmt.Errorf("prune: criterion shortgpt removes whole layers and has no unit scores; use BlockInfluence")
	default:
		return nil, fmt.Errorf("prune: criterion %q is unknown; want one of %s", opt.Criterion, strings.Join(Criteria, ", "))
	}
	if err != nil {
		return nil, err
	}
	s.Criterion = opt.Criterion
	return s, s.checkFinite()
}

func gradientScores(ctx context.Context, m *llm.Model, calib Calibration, opt ScoreOptions) (*Scores, error) {
	ids, B, T, err := calib.flatten(m)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	reduction := opt.Reduction
	if opt.Criterion != Nirvana {
		if reduction != "" && reduction != CELoss {
			return nil, fmt.Errorf("prune: criterion %s differentiates the cross-entropy loss; reduction %q applies only to nirvana", opt.Criterion, reduction)
		}
		reduction = CELoss
	}
	f, err := objective(reduction, ids, B, T)
	if err != nil {
		return nil, err
	}
	_, grads, err := m.Gradient(ids, B, T, nil, f, nil)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opt.Criterion == LLMPruner {
		if err := llmPrunerTerms(ctx, m, ids, B, T, grads); err != nil {
			return nil, err
		}
		return aggregateWeights(m, grads, func(_, e float32) float64 { return math.Abs(float64(e)) }), nil
	}
	return aggregateWeights(m, grads, func(w, g float32) float64 { return math.Abs(float64(w) * float64(g)) }), nil
}

// projections lists a layer's seven projection weights (the scored ones).
func projections(lw *llm.LayerWeights) []*tensor.Tensor {
	return []*tensor.Tensor{lw.WQ, lw.WK, lw.WV, lw.WO, lw.WGate, lw.WUp, lw.WDown}
}

// llmPrunerTerms overwrites the projection gradients g (of the batch-mean
// cross-entropy) with LLM-Pruner's per-weight "param_mix" term
// w·g − ½·w²·F, where F is the diagonal Fisher estimate of the Hessian:
// the mean over the B calibration windows of each window's squared
// gradient, F = (1/B)·Σ_i g_i², accumulated in float64 with one backward
// pass per window. This is what LLM-Pruner's hf_prune.py computes
// (acc_grad += grad²/num_examples, one sample per backward pass; Ma et
// al., arXiv 2305.11627, approximate the Hessian diagonal by the Fisher
// information over the samples). Squaring the batch gradient instead
// would give (Σ_i g_i / B)², which drops the per-sample variance and
// makes the term nearly vanish.
func llmPrunerTerms(ctx context.Context, m *llm.Model, ids []int, B, T int, grads *llm.Weights) error {
	L := len(m.Layers)
	fisher := make([][][]float64, L)
	for l := range m.Layers {
		for _, w := range projections(&m.Layers[l]) {
			fisher[l] = append(fisher[l], make([]float64, w.Size()))
		}
	}
	buf := llm.GradientsLike(&m.Config)
	for b := 0; b < B; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, p := range buf.Params() {
			clear(p.Tensor.Data())
		}
		win := ids[b*T : (b+1)*T]
		f := llm.CrossEntropy(llm.NextTokenTargets(win, 1, T, nil))
		if _, _, err := m.Gradient(win, 1, T, nil, f, buf); err != nil {
			return err
		}
		kernels.ParallelFor(L, 1, func(lo, hi int) {
			for l := lo; l < hi; l++ {
				for k, g := range projections(&buf.Layers[l]) {
					acc := fisher[l][k]
					for i, v := range g.Data() {
						acc[i] += float64(v) * float64(v)
					}
				}
			}
		})
	}
	inv := 1 / float64(B)
	kernels.ParallelFor(L, 1, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			ws, gs := projections(&m.Layers[l]), projections(&grads.Layers[l])
			for k := range ws {
				w, g, acc := ws[k].Data(), gs[k].Data(), fisher[l][k]
				for i := range w {
					wi := float64(w[i])
					g[i] = float32(wi*float64(g[i]) - 0.5*wi*wi*acc[i]*inv)
				}
			}
		}
	})
	return nil
}

// randomScores draws one uniform score per unit from a PCG stream seeded
// by seed, layer by layer, attention before MLP.
func randomScores(m *llm.Model, seed uint64) *Scores {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	L := len(m.Layers)
	s := &Scores{Attn: make([][]float64, L), MLP: make([][]float64, L)}
	hd := m.Config.HeadDim
	for l := range m.Layers {
		lw := &m.Layers[l]
		s.Attn[l] = make([]float64, lw.WK.Dim(0)/hd)
		for g := range s.Attn[l] {
			s.Attn[l][g] = rng.Float64()
		}
		s.MLP[l] = make([]float64, lw.WGate.Dim(0))
		for j := range s.MLP[l] {
			s.MLP[l][j] = rng.Float64()
		}
	}
	return s
}
