// Package prune binds pare/ops/prune as the Starlark module "prune":
// NIRVANA structured pruning and its baselines on Llama-family models.
package prune

import (
	"context"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	llmb "pare/builtins/llm"
	tensorb "pare/builtins/tensor"
	"pare/ops/llm"
	"pare/ops/prune"
	"pare/ops/tensor"
)

func init() {
	host.Register(&host.Module{
		Name: "prune",
		Doc: "Structured pruning of Llama-family models: NIRVANA (arXiv 2509.14230) and the magnitude, SNIP, " +
			"Wanda-sp, FLAP, LLM-Pruner, ShortGPT and random baselines. Units are whole KV groups and MLP " +
			"channels; sparsity is the fraction of decoder projection weights removed.",
		Builtins: []host.Builtin{
			{Name: "nirvana", Fn: nirvana, Doc: nirvanaDoc},
			{Name: "structured", Fn: structured, Doc: structuredDoc},
			{Name: "select_calibration", Fn: selectCalibration, Doc: selectDoc},
			{Name: "scores", Fn: scores, Doc: scoresDoc},
			{Name: "stream_scores", Fn: streamScores, Doc: streamScoresDoc},
			{Name: "stream", Fn: stream, Doc: streamDoc},
			{Name: "budget", Fn: budget, Doc: budgetDoc},
			{Name: "save", Fn: save, Doc: saveDoc},
		},
	})
}

const nirvanaDoc = `nirvana(m, calib, sparsity=0.5, gamma=3.0, reduction="max_over_positions", allocation="nirvana", keep_group="best", align=8)

Prune m with NIRVANA: score each weight by |w · ∂f/∂w| (f the output proxy
named by reduction: max_over_positions, max_over_vocab, sum_logits or
ce_loss) from one forward and one backward pass over calib (a list of
equal-length token-id lists, e.g. from llm.sample_windows), sum the scores
per KV group and MLP channel in float64, and remove the fraction sparsity
(in [0, 1)) of the decoder projection weights with the MLP losing gamma (> 0)
times the attention fraction. allocation is nirvana (global per-type
thresholds), uniform, global or standardized; keep_group ("best" or
"last_index") picks the KV group a layer keeps when all fall under the
threshold; each layer's kept MLP channels round up to a multiple of align.
Returns a struct with model (the pruned copy; m is unchanged) and report
(a prune.report).`

const structuredDoc = `structured(m, calib=None, criterion="nirvana", allocation=None, sparsity=0.5, gamma=3.0, reduction=None, keep_group="best", align=8, seed=0, bias_compensation=True, attn_layers=None, mlp_layers=None)

Prune m with a criterion through NIRVANA's units, allocation and slicing:
nirvana (Ai et al., arXiv 2509.14230), magnitude (|w|, NIRVANA's ablation),
snip (|w · ∂L/∂w|, L the next-token cross-entropy; Lee et al., arXiv
1810.02340), wanda_sp (structured Wanda, Sun et al., arXiv 2306.11695, as
defined by An et al., arXiv 2312.11983), flap (An et al., arXiv
2312.11983), llm_pruner (|w·g − ½w²F| with F the mean over calibration
windows of each window's squared gradient, the diagonal Fisher estimate;
Ma et al., arXiv 2305.11627), random (seeded by seed) or shortgpt (removes
the ⌊sparsity · n_layers⌋ blocks of lowest block influence; Men et al.,
arXiv 2403.03853). allocation None uses the criterion's own: uniform for
wanda_sp and llm_pruner, standardized for flap, nirvana otherwise. calib
may be None for magnitude and random. reduction applies to nirvana only
(snip and llm_pruner also accept ce_loss, the loss they use); any other
criterion rejects it. align must not exceed the narrowest prunable MLP, and
a sparsity > 0 that would prune no unit at all (too few units, or align
sparing them all) is an error that says why. With bias_compensation (flap
only), the pruned model gets o_proj and down_proj biases b +=
W[:, removed] · mean(X[:, removed]) over the calibration batch, as FLAP
does; the report's bias_compensation says "applied" or "off". attn_layers
and mlp_layers, each None or a [start, end) pair, restrict the pruning of
KV groups and MLP channels to those layers (LLM-Pruner's
block_attention_layer_start/end and block_mlp_layer_start/end; uniform
allocation only), and the whole sparsity budget is spent in them. None
means the criterion's default: for llm_pruner under the uniform
allocation, layers [round(n·4/32), n − round(n·2/32)) of n (LLM-Pruner's
[4, 30) of 32), every layer otherwise. Returns a struct with model and
report; every report field is present, None (reduction, keep_group,
mlp_align, bias_compensation, attn_layers, mlp_layers, chosen_seed, kl)
or [] (removed_layers, candidate_kls) where the run did not use it.`

const selectDoc = `select_calibration(m, text, seeds=[0, 1, 2, 3, 4, 5, 6, 7], n=32, length=128, probe=None, probe_n=128, probe_length=64, probe_seed=42, criterion="nirvana", allocation=None, sparsity=0.5, gamma=3.0, reduction=None, keep_group="best", align=8, documents=0, separator="\n\n", merge_top=0)

Select a calibration set by KL: for each seed, draw n windows of length
tokens from text (a string or file path) and prune m with it, then compute
KL(m ‖ pruned) in nats per token on the probe windows (a list of token-id
lists, or None to draw probe_n windows of probe_length tokens from text with
probe_seed) and keep the lowest. With documents > 0, the candidates are
instead that many single documents of text (split at separator, those with
at least length tokens, drawn with seeds[0]), each giving n windows; with
merge_top = k > 0 the final set merges the windows of the k lowest-KL
documents. seeds must be distinct. Returns a struct with model, report
(chosen_seed, kl and candidate_kls filled in), seed, kls (a list of dicts with seed, kl and
document) and chosen (the candidate index).`

const scoresDoc = `scores(m, calib=None, criterion="nirvana", reduction=None, seed=0)

Return the per-unit scores of a criterion (see structured) as a struct with
criterion, attn (a list with one tensor of KV-group scores per layer) and
mlp (one tensor of channel scores per layer); scores are summed in float64
and returned as float32. For shortgpt the struct has block_influence, a
tensor with one value per layer.`

const budgetDoc = `budget(m, sparsity=0.5, gamma=3.0)

Return NIRVANA's split of the budget for m's shapes as a struct with p_attn
and p_mlp (target fractions), n_attn and n_mlp (units the global thresholds
prune), attn_units and mlp_units (KV groups and channels of all layers), and
decoder_params and total_params.`

const saveDoc = `save(m, report, dir, dtype="f32")

Save a pruned model as a Hugging Face folder (config.json with the
per-layer widths, model.safetensors in dtype f32, bf16 or f16, and the
tokenizer) with report written as pruning.json inside it. A relative dir
goes under --out.`

// options holds the pruning arguments shared by nirvana, structured and
// select_calibration.
type options struct {
	criterion, reduction, allocation, keepGroup string
	sparsity, gamma                             float64
	align, seed                                 int
	biasCompensation                            bool
	attnLayers, mlpLayers                       *prune.LayerRange
}

func (o *options) check(fn *starlark.Builtin) (prune.Options, error) {
	if !(o.sparsity >= 0 && o.sparsity < 1) {
		return prune.Options{}, host.Errorf(fn, "sparsity: got %v, want a float in [0, 1)", o.sparsity)
	}
	if !(o.gamma > 0) || math.IsInf(o.gamma, 0) {
		return prune.Options{}, host.Errorf(fn, "gamma: got %v, want a positive float", o.gamma)
	}
	if err := checkChoice(fn, "criterion", o.criterion, prune.Criteria); err != nil {
		return prune.Options{}, err
	}
	if o.allocation != "" {
		if err := checkChoice(fn, "allocation", o.allocation, prune.Allocations); err != nil {
			return prune.Options{}, err
		}
	}
	if o.reduction != "" {
		if err := checkChoice(fn, "reduction", o.reduction, prune.Reductions); err != nil {
			return prune.Options{}, err
		}
		if err := prune.CheckReduction(o.criterion, o.reduction); err != nil {
			return prune.Options{}, opsError(fn, err)
		}
	}
	if err := checkChoice(fn, "keep_group", o.keepGroup, []string{prune.KeepBest, prune.KeepLastIndex}); err != nil {
		return prune.Options{}, err
	}
	if o.align <= 0 {
		return prune.Options{}, host.Errorf(fn, "align: got %d, want a positive int (1 disables rounding)", o.align)
	}
	if o.seed < 0 {
		return prune.Options{}, host.Errorf(fn, "seed: got %d, want an int >= 0", o.seed)
	}
	return prune.Options{Criterion: o.criterion, Reduction: o.reduction, Allocation: o.allocation,
		Sparsity: o.sparsity, Gamma: o.gamma, KeepGroup: o.keepGroup, Align: o.align,
		Seed: uint64(o.seed), BiasCompensation: o.biasCompensation, AttnLayers: o.attnLayers, MLPLayers: o.mlpLayers}, nil
}

// opsError rewraps an ops/prune error under the builtin's name.
func opsError(fn *starlark.Builtin, err error) error {
	if err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	return host.Errorf(fn, "%s", strings.TrimPrefix(err.Error(), "prune: "))
}

func record(thread *starlark.Thread, fn *starlark.Builtin, o prune.Options) {
	host.Get(thread).RecordSetting(fn.Name(), map[string]any{
		"criterion": o.Criterion, "reduction": o.Reduction, "allocation": o.Allocation, "sparsity": o.Sparsity,
		"gamma": o.Gamma, "keep_group": o.KeepGroup, "align": o.Align, "seed": o.Seed, "bias_compensation": o.BiasCompensation,
		"attn_layers": o.AttnLayers, "mlp_layers": o.MLPLayers,
	})
}

func result(m *llm.Model, r *prune.Report, extra starlark.StringDict) (starlark.Value, error) {
	rv, err := newReport(r)
	if err != nil {
		return nil, err
	}
	fields := starlark.StringDict{"model": llmb.WrapModel(m), "report": rv}
	for k, v := range extra {
		fields[k] = v
	}
	return host.Struct("prune.result", fields), nil
}

func nirvana(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv, calibV starlark.Value
	o := options{criterion: prune.Nirvana, reduction: prune.MaxOverPositions, allocation: prune.AllocNirvana,
		keepGroup: prune.KeepBest, sparsity: 0.5, gamma: 3.0, align: 8}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "calib", &calibV, "sparsity?", &o.sparsity,
		"gamma?", &o.gamma, "reduction?", &o.reduction, "allocation?", &o.allocation, "keep_group?", &o.keepGroup,
		"align?", &o.align); err != nil {
		return nil, err
	}
	return runStructured(thread, fn, mv, calibV, o)
}

func structured(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var calibV, allocV, reductionV starlark.Value = starlark.None, starlark.None, starlark.None
	var attnV, mlpV starlark.Value = starlark.None, starlark.None
	o := options{criterion: prune.Nirvana, keepGroup: prune.KeepBest, sparsity: 0.5, gamma: 3.0, align: 8, biasCompensation: true}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "calib?", &calibV, "criterion?", &o.criterion,
		"allocation?", &allocV, "sparsity?", &o.sparsity, "gamma?", &o.gamma, "reduction?", &reductionV,
		"keep_group?", &o.keepGroup, "align?", &o.align, "seed?", &o.seed, "bias_compensation?", &o.biasCompensation,
		"attn_layers?", &attnV, "mlp_layers?", &mlpV); err != nil {
		return nil, err
	}
	var err error
	if o.attnLayers, err = layerRangeArg(fn, "attn_layers", attnV); err != nil {
		return nil, err
	}
	if o.mlpLayers, err = layerRangeArg(fn, "mlp_layers", mlpV); err != nil {
		return nil, err
	}
	if o.allocation, err = optionalString(fn, "allocation", allocV); err != nil {
		return nil, err
	}
	if o.reduction, err = optionalString(fn, "reduction", reductionV); err != nil {
		return nil, err
	}
	return runStructured(thread, fn, mv, calibV, o)
}

func runStructured(thread *starlark.Thread, fn *starlark.Builtin, mv, calibV starlark.Value, o options) (starlark.Value, error) {
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	opt, err := o.check(fn)
	if err != nil {
		return nil, err
	}
	calib, err := calibArg(fn, "calib", calibV)
	if err != nil {
		return nil, err
	}
	record(thread, fn, opt)
	pm, rep, err := prune.Structured(host.Context(thread), m, calib, opt)
	if err != nil {
		return nil, opsError(fn, err)
	}
	return result(pm, rep, nil)
}

func scores(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var calibV, reductionV starlark.Value = starlark.None, starlark.None
	criterion, seed := prune.Nirvana, 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "calib?", &calibV, "criterion?", &criterion,
		"reduction?", &reductionV, "seed?", &seed); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	if err := checkChoice(fn, "criterion", criterion, prune.Criteria); err != nil {
		return nil, err
	}
	reduction, err := optionalString(fn, "reduction", reductionV)
	if err != nil {
		return nil, err
	}
	if reduction != "" {
		if err := checkChoice(fn, "reduction", reduction, prune.Reductions); err != nil {
			return nil, err
		}
		if err := prune.CheckReduction(criterion, reduction); err != nil {
			return nil, opsError(fn, err)
		}
	}
	if seed < 0 {
		return nil, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	calib, err := calibArg(fn, "calib", calibV)
	if err != nil {
		return nil, err
	}
	ctx := host.Context(thread)
	if criterion == prune.ShortGPT {
		bi, err := prune.BlockInfluence(ctx, m, calib)
		if err != nil {
			return nil, opsError(fn, err)
		}
		return host.Struct("prune.scores", starlark.StringDict{
			"criterion":       starlark.String(criterion),
			"block_influence": tensorOf(bi),
		}), nil
	}
	s, err := prune.Score(ctx, m, calib, prune.ScoreOptions{Criterion: criterion, Reduction: reduction, Seed: uint64(seed)})
	if err != nil {
		return nil, opsError(fn, err)
	}
	attn := make([]starlark.Value, len(s.Attn))
	mlp := make([]starlark.Value, len(s.MLP))
	for l := range s.Attn {
		attn[l] = tensorOf(s.Attn[l])
		mlp[l] = tensorOf(s.MLP[l])
	}
	return host.Struct("prune.scores", starlark.StringDict{
		"criterion": starlark.String(criterion),
		"attn":      starlark.NewList(attn),
		"mlp":       starlark.NewList(mlp),
	}), nil
}

func tensorOf(x []float64) starlark.Value {
	t := tensor.New(len(x))
	for i, v := range x {
		t.Data()[i] = float32(v)
	}
	return tensorb.Wrap(t)
}

func budget(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	sparsity, gamma := 0.5, 3.0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "sparsity?", &sparsity, "gamma?", &gamma); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	b, err := prune.NewBudget(&m.Config, sparsity, gamma)
	if err != nil {
		return nil, opsError(fn, err)
	}
	dec, total := prune.ParamCounts(&m.Config)
	return host.Struct("prune.budget", starlark.StringDict{
		"p_attn":         starlark.Float(b.PAttn),
		"p_mlp":          starlark.Float(b.PMLP),
		"n_attn":         starlark.MakeInt(b.NAttn),
		"n_mlp":          starlark.MakeInt(b.NMLP),
		"attn_units":     starlark.MakeInt(b.AttnUnits),
		"mlp_units":      starlark.MakeInt(b.MLPUnits),
		"decoder_params": starlark.MakeInt64(dec),
		"total_params":   starlark.MakeInt64(total),
	}), nil
}

func save(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv, rv starlark.Value
	var dir string
	dtype := "f32"
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "report", &rv, "dir", &dir, "dtype?", &dtype); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	rep, ok := rv.(*Report)
	if !ok {
		return nil, host.Errorf(fn, "report: got %s, want a prune.report", rv.Type())
	}
	path, err := host.Get(thread).WritePath(fn.Name(), dir)
	if err != nil {
		return nil, err
	}
	if err := prune.Save(m, rep.r, path, dtype); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(path), nil
}
