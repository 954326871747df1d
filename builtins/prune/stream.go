package prune

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/llm"
	"pare/ops/prune"
)

const streamScoresDoc = `stream_scores(path, calib, criterion="nirvana", reduction=None, chunk=1, seed=0, sparsity=None, gamma=3.0, allocation="nirvana", keep_group="best", align=8)

Score the units of a Hugging Face model folder without loading it: weights
stay in the safetensors files and one decoder layer is resident at a time
(llm.stream_perplexity uses the same path). criterion is nirvana, snip,
llm_pruner (one streamed forward and backward pass over calib, chunk
sequences at a time; llm_pruner's Fisher term needs a backward pass per
window, so streamed it takes a single window), magnitude or random. Returns a struct with
criterion, attn and mlp (one tensor of scores per layer, as prune.scores)
and, when sparsity is given, kept_kv_groups, kept_mlp_channels, n_attn and
n_mlp of the allocation, which applies structured's defaults (llm_pruner
under the uniform allocation keeps its first and last layers whole).
stream scores, allocates and writes the pruned model.`

func streamScores(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var calibV, reductionV, sparsityV starlark.Value = starlark.None, starlark.None, starlark.None
	criterion, chunk, seed := prune.Nirvana, 1, 0
	gamma, allocation, keepGroup, align := 3.0, prune.AllocNirvana, prune.KeepBest, 8
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "calib", &calibV, "criterion?", &criterion,
		"reduction?", &reductionV, "chunk?", &chunk, "seed?", &seed, "sparsity?", &sparsityV, "gamma?", &gamma,
		"allocation?", &allocation, "keep_group?", &keepGroup, "align?", &align); err != nil {
		return nil, err
	}
	if err := checkChoice(fn, "criterion", criterion, prune.Criteria); err != nil {
		return nil, err
	}
	reduction, err := optionalString(fn, "reduction", reductionV)
	if err != nil {
		return nil, err
	}
	if chunk < 0 || seed < 0 {
		return nil, host.Errorf(fn, "chunk and seed: got %d and %d, want ints >= 0", chunk, seed)
	}
	calib, err := calibArg(fn, "calib", calibV)
	if err != nil {
		return nil, err
	}
	session := host.Get(thread)
	s, err := openStreamedInput(session, fn, path)
	if err != nil {
		return nil, err
	}
	session.RecordSetting(fn.Name(), map[string]any{"criterion": criterion, "reduction": reduction, "chunk": chunk, "seed": seed})
	sc, err := prune.ScoreStreamed(host.Context(thread), s, calib, prune.ScoreOptions{Criterion: criterion, Reduction: reduction, Seed: uint64(seed)}, chunk)
	if err != nil {
		return nil, opsError(fn, err)
	}
	attn := make([]starlark.Value, len(sc.Attn))
	mlp := make([]starlark.Value, len(sc.MLP))
	for l := range sc.Attn {
		attn[l] = tensorOf(sc.Attn[l])
		mlp[l] = tensorOf(sc.MLP[l])
	}
	fields := starlark.StringDict{"criterion": starlark.String(criterion), "attn": starlark.NewList(attn), "mlp": starlark.NewList(mlp)}
	if sparsityV != starlark.None {
		sparsity, err := host.Float(fn, "sparsity", sparsityV)
		if err != nil {
			return nil, err
		}
		o := options{criterion: criterion, allocation: allocation, keepGroup: keepGroup, sparsity: sparsity, gamma: gamma, align: align}
		opt, err := o.check(fn)
		if err != nil {
			return nil, err
		}
		// LLM-Pruner under the uniform allocation keeps its first and last
		// layers whole, as structured does.
		opt = opt.WithDefaults(s.Config.NLayers)
		plan, err := prune.Allocate(&s.Config, sc, prune.AllocOptions{Sparsity: opt.Sparsity, Gamma: opt.Gamma,
			Allocation: opt.Allocation, KeepGroup: opt.KeepGroup, Align: opt.Align,
			AttnLayers: opt.AttnLayers, MLPLayers: opt.MLPLayers})
		if err != nil {
			return nil, opsError(fn, err)
		}
		fields["kept_kv_groups"] = nestedInts(plan.KeepAttn)
		fields["kept_mlp_channels"] = nestedInts(plan.KeepMLP)
		fields["n_attn"] = starlark.MakeInt(plan.NAttn)
		fields["n_mlp"] = starlark.MakeInt(plan.NMLP)
	}
	return host.Struct("prune.scores", fields), nil
}

func nestedInts(rows [][]int) starlark.Value {
	out := make([]starlark.Value, len(rows))
	for i, r := range rows {
		vals := make([]starlark.Value, len(r))
		for j, v := range r {
			vals[j] = starlark.MakeInt(v)
		}
		out[i] = starlark.NewList(vals)
	}
	return starlark.NewList(out)
}

const streamDoc = `stream(path, calib, dir, criterion="nirvana", allocation=None, sparsity=0.5, gamma=3.0, reduction=None, keep_group="best", align=8, seed=0, attn_layers=None, mlp_layers=None, chunk=1, dtype=None)

Prune a Hugging Face model folder without loading it and write the pruned
model to dir. The units are scored as stream_scores does (criterion
nirvana, snip, llm_pruner, magnitude or random; chunk sequences of calib
per pass), the budget is allocated as structured allocates it (same
options, attn_layers and mlp_layers included, so the kept units are those
structured keeps on the loaded model), and the pruned model is written one decoder layer at a time: read
from path, sliced, written as its own safetensors shard. dir receives
config.json with the per-layer widths, the shards and their index, the
tokenizer files of path, and the report as pruning.json, as save writes
them. dtype is f32, bf16 or f16 (None keeps the stored dtype). The folder
appears complete or not at all, and a relative dir goes under --out.
Returns a struct with path (the written folder) and report (a
prune.report).`

func stream(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path, out string
	var calibV, allocV, reductionV, dtypeV starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	var attnV, mlpV starlark.Value = starlark.None, starlark.None
	chunk := 1
	o := options{criterion: prune.Nirvana, keepGroup: prune.KeepBest, sparsity: 0.5, gamma: 3.0, align: 8}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "calib", &calibV, "dir", &out,
		"criterion?", &o.criterion, "allocation?", &allocV, "sparsity?", &o.sparsity, "gamma?", &o.gamma,
		"reduction?", &reductionV, "keep_group?", &o.keepGroup, "align?", &o.align, "seed?", &o.seed,
		"attn_layers?", &attnV, "mlp_layers?", &mlpV, "chunk?", &chunk, "dtype?", &dtypeV); err != nil {
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
	dtype, err := optionalString(fn, "dtype", dtypeV)
	if err != nil {
		return nil, err
	}
	if dtype != "" {
		if err := checkChoice(fn, "dtype", dtype, []string{"f32", "bf16", "f16"}); err != nil {
			return nil, err
		}
	}
	if chunk < 0 {
		return nil, host.Errorf(fn, "chunk: got %d, want an int >= 0", chunk)
	}
	opt, err := o.check(fn)
	if err != nil {
		return nil, err
	}
	calib, err := calibArg(fn, "calib", calibV)
	if err != nil {
		return nil, err
	}

	session := host.Get(thread)
	s, err := openStreamedInput(session, fn, path)
	if err != nil {
		return nil, err
	}
	dst, err := session.WritePath(fn.Name(), out)
	if err != nil {
		return nil, err
	}

	record(thread, fn, opt)
	session.RecordSetting(fn.Name(), map[string]any{"chunk": chunk, "dtype": dtype, "dir": dst})
	rep, err := prune.StructuredStreamed(host.Context(thread), s, calib, opt, chunk, dst, dtype)
	if err != nil {
		return nil, opsError(fn, err)
	}
	rv, err := newReport(rep)
	if err != nil {
		return nil, err
	}
	return host.Struct("prune.stream_result", starlark.StringDict{"path": starlark.String(dst), "report": rv}), nil
}

// openStreamedInput records every file of the model folder at path as an
// input (weights, config and tokenizer files) and opens it for streaming.
func openStreamedInput(session *host.Session, fn *starlark.Builtin, path string) (*llm.Streamed, error) {
	dir, err := session.OpenInput(fn.Name(), path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, host.Errorf(fn, "path: got %q, which does not exist; want a Hugging Face model folder (config.json and safetensors shards)", path)
		}
		return nil, err
	}
	files, err := llm.InputFiles(dir, "")
	if err != nil {
		return nil, host.Errorf(fn, "path: %v", err)
	}
	for _, f := range files {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			return nil, host.Errorf(fn, "path: the model folder %s lacks %s, a file its config or safetensors index lists; want the complete folder (copy or download the missing shard or file)", dir, filepath.Base(f))
		}
		if _, err := session.OpenInput(fn.Name(), f); err != nil {
			return nil, err
		}
	}
	s, err := llm.OpenStreamed(dir)
	if err != nil {
		return nil, host.Errorf(fn, "path: %v", err)
	}
	for _, f := range s.TokenizerFiles() {
		if _, err := session.OpenInput(fn.Name(), f); err != nil {
			return nil, err
		}
	}
	return s, nil
}
