package llm

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	"pare/ops/llm"
)

const finetuneDoc = `finetune(m, text, steps=100, batch_size=8, seq_len=128, grad_accum=1, lr=1e-3, warmup=0, min_lr_ratio=0.1, weight_decay=0.0, grad_clip=1.0, held_out=0.1, eval_every=None, eval_windows=16, lora=False, rank=8, alpha=16.0, dropout=0.05, targets=["q", "k", "v", "o", "gate", "up", "down"], seed=0, plot="finetune_loss.png")

Fine-tune a copy of m on text (a string or a file path) and return a struct
with model (the fine-tuned copy; m is unchanged), train_loss and
held_out_loss (lists of [step, nats per token]), initial_held_out,
final_held_out, trainable_params and plot (the PNG path under --out, or None
without --out or with plot=None). Training draws batch_size random windows of seq_len tokens
from the first 1 - held_out of the tokens per micro-batch, accumulates
grad_accum micro-batches per step, clips the global gradient norm to
grad_clip (<= 0 turns clipping off) and applies AdamW with linear warm-up
over warmup steps and cosine decay to min_lr_ratio * lr. The held-out loss
is measured every eval_every steps (default steps/10) on up to eval_windows
non-overlapping windows from the end of the text. lora=True trains
low-rank adapters of the given rank, alpha and dropout on the target
projections instead of every weight, and merges them at the end.`

func finetune(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var text string
	o := llm.FinetuneOptions{Steps: 100, BatchSize: 8, SeqLen: 128, GradAccum: 1, LR: 1e-3, MinLRRatio: 0.1, GradClip: 1, HeldOut: 0.1, EvalWindows: 16}
	var evalEveryV starlark.Value = starlark.None
	useLoRA := false
	rank, alpha, dropout := 8, 16.0, 0.05
	var targetsV starlark.Value = starlark.None
	seed := 0
	var plotV starlark.Value = starlark.String("finetune_loss.png")
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "text", &text,
		"steps?", &o.Steps, "batch_size?", &o.BatchSize, "seq_len?", &o.SeqLen, "grad_accum?", &o.GradAccum,
		"lr?", &o.LR, "warmup?", &o.WarmupSteps, "min_lr_ratio?", &o.MinLRRatio, "weight_decay?", &o.WeightDecay,
		"grad_clip?", &o.GradClip, "held_out?", &o.HeldOut, "eval_every?", &evalEveryV, "eval_windows?", &o.EvalWindows,
		"lora?", &useLoRA, "rank?", &rank, "alpha?", &alpha, "dropout?", &dropout, "targets?", &targetsV,
		"seed?", &seed, "plot?", &plotV); err != nil {
		return nil, err
	}
	var plotName string
	switch p := plotV.(type) {
	case starlark.String:
		plotName = string(p)
	case starlark.NoneType:
	default:
		return nil, host.Errorf(fn, "plot: got %s, want a file name under --out or None for no plot", plotV.Type())
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	checks := []struct {
		name string
		v    int
		min  int
	}{{"steps", o.Steps, 1}, {"batch_size", o.BatchSize, 1}, {"seq_len", o.SeqLen, 2}, {"grad_accum", o.GradAccum, 1},
		{"warmup", o.WarmupSteps, 0}, {"eval_windows", o.EvalWindows, 1}, {"rank", rank, 1}, {"seed", seed, 0}}
	for _, c := range checks {
		if c.v < c.min {
			return nil, host.Errorf(fn, "%s: got %d, want an int >= %d", c.name, c.v, c.min)
		}
	}
	if o.BatchSize > llm.MaxBatchTokens/o.SeqLen {
		return nil, host.Errorf(fn, "batch_size: got %d with seq_len %d, want batch_size × seq_len <= %d tokens; lower batch_size and raise grad_accum to train on as many tokens per step",
			o.BatchSize, o.SeqLen, llm.MaxBatchTokens)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 1) {
		return nil, host.Errorf(fn, "lr: got %g, want a finite float > 0", o.LR)
	}
	if !(o.MinLRRatio >= 0 && o.MinLRRatio <= 1) {
		return nil, host.Errorf(fn, "min_lr_ratio: got %g, want a float in [0, 1]", o.MinLRRatio)
	}
	if !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 1) {
		return nil, host.Errorf(fn, "weight_decay: got %g, want a finite float >= 0", o.WeightDecay)
	}
	if !(o.HeldOut > 0 && o.HeldOut < 1) {
		return nil, host.Errorf(fn, "held_out: got %g, want a float in (0, 1)", o.HeldOut)
	}
	if math.IsNaN(o.GradClip) || math.IsInf(o.GradClip, 1) {
		return nil, host.Errorf(fn, "grad_clip: got %g, want a finite float (<= 0 turns clipping off)", o.GradClip)
	}
	if o.GradClip <= 0 {
		o.GradClip = -1
	}
	if o.EvalEvery, err = optionalInt(fn, "eval_every", evalEveryV); err != nil {
		return nil, err
	}
	if useLoRA {
		if !(alpha > 0) || math.IsInf(alpha, 1) {
			return nil, host.Errorf(fn, "alpha: got %g, want a finite float > 0", alpha)
		}
		if !(dropout >= 0 && dropout < 1) {
			return nil, host.Errorf(fn, "dropout: got %g, want a float in [0, 1)", dropout)
		}
		targets := llm.LoRAProjections
		if targetsV != starlark.None {
			if targets, err = stringsOf(targetsV); err != nil {
				return nil, host.Errorf(fn, "targets: %v", err)
			}
			for _, t := range targets {
				if !contains(llm.LoRAProjections, t) {
					return nil, host.Errorf(fn, "targets: got %q, want names from %v", t, llm.LoRAProjections)
				}
			}
		}
		o.LoRA = &llm.LoRA{Rank: rank, Alpha: alpha, Dropout: dropout, Targets: targets}
	}
	o.Seed = uint64(seed)

	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	ids, err := encode(fn, m, text)
	if err != nil {
		return nil, err
	}
	s := host.Get(thread)
	var plotPath string
	if s.OutDir != "" && plotName != "" {
		if plotPath, err = s.OutputPath(fn.Name(), plotName); err != nil {
			return nil, err
		}
	}
	progress := s.NewProgress("llm.finetune", o.Steps)
	o.Progress = func(step int, loss float64) { progress.Add(1, fmt.Sprintf("loss %.4f", loss)) }
	tuned := m.Clone()
	res, err := tuned.Finetune(host.Context(thread), ids, o)
	progress.Done()
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	settings := map[string]any{"steps": o.Steps, "batch_size": o.BatchSize, "seq_len": o.SeqLen, "grad_accum": o.GradAccum,
		"lr": o.LR, "warmup": o.WarmupSteps, "min_lr_ratio": o.MinLRRatio, "weight_decay": o.WeightDecay, "grad_clip": o.GradClip,
		"held_out": o.HeldOut, "eval_every": res.Options.EvalEvery, "eval_windows": o.EvalWindows, "seed": seed, "lora": useLoRA}
	if o.LoRA != nil {
		settings["rank"], settings["alpha"], settings["dropout"], settings["targets"] = rank, alpha, dropout, o.LoRA.Targets
	}
	s.RecordSetting("llm.finetune", settings)

	var plotOut starlark.Value = starlark.None
	if plotPath != "" {
		if err := llm.WriteLossPlot(plotPath, res); err != nil {
			return nil, host.Errorf(fn, "plot: %v", err)
		}
		plotOut = starlark.String(plotPath)
	}
	return starlarkstruct.FromStringDict(starlark.String("llm.finetune"), starlark.StringDict{
		"model":            WrapModel(tuned),
		"train_loss":       lossList(res.TrainLoss),
		"held_out_loss":    lossList(res.HeldOutLoss),
		"initial_held_out": starlark.Float(res.HeldOutLoss[0].Loss),
		"final_held_out":   starlark.Float(res.HeldOutLoss[len(res.HeldOutLoss)-1].Loss),
		"trainable_params": starlark.MakeInt(res.TrainableParams),
		"plot":             plotOut,
	}), nil
}

func lossList(pts []llm.LossPoint) *starlark.List {
	out := make([]starlark.Value, len(pts))
	for i, p := range pts {
		out[i] = starlark.NewList([]starlark.Value{starlark.MakeInt(p.Step), starlark.Float(p.Loss)})
	}
	return starlark.NewList(out)
}

func stringsOf(v starlark.Value) ([]string, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("got %s, want a list of strings", v.Type())
	}
	out := make([]string, seq.Len())
	for i := range out {
		s, ok := starlark.AsString(seq.Index(i))
		if !ok {
			return nil, fmt.Errorf("element %d: got %s, want a string", i, seq.Index(i).Type())
		}
		out[i] = s
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
