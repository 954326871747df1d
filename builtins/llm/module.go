// Package llm binds pare/ops/llm as the Starlark module "llm": loading,
// running, evaluating, saving and fine-tuning Llama-family models.
package llm

import (
	"fmt"
	"os"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	"pare/ops/llm"
	"pare/ops/store"
)

func init() {
	host.Register(&host.Module{
		Name: "llm",
		Doc: "Llama-family language models (Llama, Mistral, Qwen2): loading llama2.c, GGUF and Hugging Face " +
			"checkpoints, logits, generation, perplexity and other evaluations, saving, and fine-tuning.",
		Builtins: []host.Builtin{
			{Name: "load_model", Fn: load, Doc: `load_model(path, tokenizer=None, dtype="f32")

Load a model (the name is not "load" because load is a Starlark keyword,
so llm.load cannot be written). path is a Hugging Face folder (config.json plus
model.safetensors or a sharded index; Llama, Mistral, Qwen2 or Mixtral in
f32, f16 or bf16, with Mixtral's sparse MoE blocks kept as experts for the moe
module), a .gguf file (llama, F32/F16) or a llama2.c checkpoint (.bin).
tokenizer is a llama2.c tokenizer.bin or a Hugging Face tokenizer.json and
replaces the model's own. Computation is float32; dtype="bf16" rounds every
weight to bfloat16 first, to measure a bf16 model. The result has fields
config (dim, n_layers, n_heads, n_kv_heads, head_dim, hidden_dim, vocab_size,
max_seq_len, layer_heads, layer_kv_heads, layer_hidden, ...) and tokenizer
(encode(text, bos=True, eos=False), decode(ids)), and methods logits(ids),
generate(prompt="", max_tokens=64, temperature=0.0, top_p=1.0, seed=0),
save(dir, dtype="bf16") and num_params().

Limit: Mistral's sliding-window attention is not applied; attention is fully
causal, which is exact only for sequences no longer than sliding_window.`},
			{Name: "perplexity", Fn: perplexity, Doc: `perplexity(m, text, window=512, stride=None, max_tokens=None)

Score text (a string, or the path of a text file) as one BOS-prefixed token
stream. Without stride the windows of window tokens do not overlap, each
predicts its tokens 1..window-1, and a final partial window is dropped (a
text shorter than one window is one window). With stride < window, windows
start every stride tokens and each scores only tokens no earlier window
scored. max_tokens keeps the first tokens of the stream. Returns a struct
with ppl, nll (nats per predicted token), tokens (predicted), windows,
window, stride and segmentation (a sentence to print next to the number).`},
			{Name: "kl", Fn: kl, Doc: `kl(p, q, ids)

Return KL(P‖Q) in nats between the next-token distributions of models p and
q, averaged over every position of ids (a list of ints, or a list of
equal-length lists of ints).`},
			{Name: "lastword_accuracy", Fn: lastword, Doc: `lastword_accuracy(m, text, max_passages=None)

Split text (a string or a file path) into passages at blank lines and count a
passage as correct when greedy teacher-forced prediction reproduces every
token of its final word (trailing punctuation removed). Returns a struct
with accuracy, correct and passages.`},
			{Name: "multiple_choice", Fn: multipleChoice, Doc: `multiple_choice(m, jsonl_path)

Score JSONL records {"context", "choices", "label"} by the log-likelihood of
each choice's tokens after the context. Returns a struct with acc (largest
summed log-likelihood), acc_norm (largest log-likelihood per byte of the
choice, as lm-evaluation-harness's acc_norm), items and scores (summed
log-likelihoods in nats, per item and choice).`},
			{Name: "sample_windows", Fn: sampleWindows, Doc: `sample_windows(m, text, n=32, length=128, seed=0)

Tokenize text (a string or a file path) with BOS and draw n windows of length
tokens at uniform random offsets, seeded. Returns a list of n lists of ids.
n × length is at most 4194304 tokens.`},
			{Name: "finetune", Fn: finetune, Doc: finetuneDoc},
			{Name: "random_model", Fn: randomModel, Doc: randomDoc},
			{Name: "write_random", Fn: writeRandom, Doc: writeRandomDoc},
			{Name: "stream_perplexity", Fn: streamPerplexity, Doc: streamPerplexityDoc},
		},
	})
}

// textArg returns text itself, or the contents of the file it names (see
// host.Session.TextArg).
func textArg(thread *starlark.Thread, fn *starlark.Builtin, text string) (string, error) {
	return host.Get(thread).TextArg(fn.Name(), "text", text)
}

func modelArg(fn *starlark.Builtin, param string, v starlark.Value) (*llm.Model, error) {
	m, err := ModelOf(v)
	if err != nil {
		return nil, host.Errorf(fn, "%s: %v", param, err)
	}
	return m, nil
}

func encode(fn *starlark.Builtin, m *llm.Model, text string) ([]int, error) {
	ids, err := m.Encode(text, true)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return ids, nil
}

// optionalInt reads None or a positive int.
func optionalInt(fn *starlark.Builtin, param string, v starlark.Value) (int, error) {
	if v == nil || v == starlark.None {
		return 0, nil
	}
	n, err := starlark.AsInt32(v)
	if err != nil || n <= 0 {
		return 0, host.Errorf(fn, "%s: got %s, want None or a positive int", param, v)
	}
	return n, nil
}

func load(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var tokV starlark.Value = starlark.None
	dtype := "f32"
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "tokenizer?", &tokV, "dtype?", &dtype); err != nil {
		return nil, err
	}
	if dtype != "f32" && dtype != "bf16" {
		return nil, host.Errorf(fn, "dtype: got %q, want \"f32\" or \"bf16\"", dtype)
	}
	tokPath := ""
	if tokV != starlark.None {
		s, ok := starlark.AsString(tokV)
		if !ok {
			return nil, host.Errorf(fn, "tokenizer: got %s, want None or a path string", tokV.Type())
		}
		tokPath = s
	}
	s := host.Get(thread)
	absPath, err := s.OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	absTok := ""
	if tokPath != "" {
		if absTok, err = s.OpenInput(fn.Name(), tokPath); err != nil {
			return nil, err
		}
	}
	files, err := llm.InputFiles(absPath, absTok)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	for _, f := range files {
		if _, err := s.OpenInput(fn.Name(), f); err != nil {
			return nil, err
		}
	}
	m, err := llm.Load(absPath, absTok)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if dtype == "bf16" {
		for _, p := range m.Params() {
			x := p.Tensor.Data()
			for i, v := range x {
				x[i] = store.BFloat16ToFloat32(store.Float32ToBFloat16(v))
			}
		}
	}
	s.RecordSetting("llm.load_model", map[string]any{"path": absPath, "tokenizer": absTok, "dtype": dtype})
	return WrapModel(m), nil
}

func perplexity(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var text string
	window := 512
	var strideV, maxV starlark.Value = starlark.None, starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "text", &text, "window?", &window, "stride?", &strideV, "max_tokens?", &maxV); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	if window < 2 {
		return nil, host.Errorf(fn, "window: got %d, want an int >= 2", window)
	}
	stride, err := optionalInt(fn, "stride", strideV)
	if err != nil {
		return nil, err
	}
	if stride > window {
		return nil, host.Errorf(fn, "stride: got %d, want at most window (%d)", stride, window)
	}
	maxTokens, err := optionalInt(fn, "max_tokens", maxV)
	if err != nil {
		return nil, err
	}
	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	ids, err := encode(fn, m, text)
	if err != nil {
		return nil, err
	}
	if maxTokens > 0 && len(ids) > maxTokens {
		ids = ids[:maxTokens]
	}
	res, err := m.Perplexity(host.Context(thread), ids, window, stride)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	seg := fmt.Sprintf("non-overlapping windows of %d tokens", res.Window)
	if res.Stride != res.Window {
		seg = fmt.Sprintf("windows of %d tokens with stride %d", res.Window, res.Stride)
	}
	host.Get(thread).RecordSetting("llm.perplexity", map[string]any{"window": res.Window, "stride": res.Stride, "max_tokens": maxTokens})
	return starlarkstruct.FromStringDict(starlark.String("llm.perplexity"), starlark.StringDict{
		"ppl":          starlark.Float(res.PPL),
		"nll":          starlark.Float(res.NLL),
		"tokens":       starlark.MakeInt(res.Tokens),
		"windows":      starlark.MakeInt(res.Windows),
		"window":       starlark.MakeInt(res.Window),
		"stride":       starlark.MakeInt(res.Stride),
		"segmentation": starlark.String(seg),
	}), nil
}

func kl(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pv, qv, idsV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &pv, "q", &qv, "ids", &idsV); err != nil {
		return nil, err
	}
	p, err := modelArg(fn, "p", pv)
	if err != nil {
		return nil, err
	}
	q, err := modelArg(fn, "q", qv)
	if err != nil {
		return nil, err
	}
	ids, B, T, err := batchIDs(idsV)
	if err != nil {
		return nil, host.Errorf(fn, "ids: %v", err)
	}
	v, err := llm.KL(host.Context(thread), p, q, ids, B, T)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.Float(v), nil
}

func lastword(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var text string
	var maxV starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "text", &text, "max_passages?", &maxV); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	maxP, err := optionalInt(fn, "max_passages", maxV)
	if err != nil {
		return nil, err
	}
	if m.Tokenizer == nil {
		return nil, host.Errorf(fn, "m: the model has no tokenizer; pass tokenizer= to llm.load_model")
	}
	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	res, err := m.LastWordAccuracy(host.Context(thread), text, maxP)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlarkstruct.FromStringDict(starlark.String("llm.lastword"), starlark.StringDict{
		"accuracy": starlark.Float(res.Accuracy),
		"correct":  starlark.MakeInt(res.Correct),
		"passages": starlark.MakeInt(res.Passages),
	}), nil
}

func multipleChoice(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var path string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "jsonl_path", &path); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	if m.Tokenizer == nil {
		return nil, host.Errorf(fn, "m: the model has no tokenizer; pass tokenizer= to llm.load_model")
	}
	abs, err := host.Get(thread).OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	defer f.Close()
	items, err := llm.ReadChoiceItems(f, abs)
	if err != nil {
		return nil, host.Errorf(fn, "jsonl_path: %v", err)
	}
	res, err := m.MultipleChoiceScores(host.Context(thread), items)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	scores := make([]starlark.Value, len(res.Scores))
	for i, row := range res.Scores {
		vals := make([]starlark.Value, len(row))
		for j, s := range row {
			vals[j] = starlark.Float(s)
		}
		scores[i] = starlark.NewList(vals)
	}
	return starlarkstruct.FromStringDict(starlark.String("llm.multiple_choice"), starlark.StringDict{
		"acc":      starlark.Float(res.Accuracy),
		"acc_norm": starlark.Float(res.AccuracyNorm),
		"items":    starlark.MakeInt(res.Items),
		"scores":   starlark.NewList(scores),
	}), nil
}

func sampleWindows(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var text string
	n, length, seed := 32, 128, 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "text", &text, "n?", &n, "length?", &length, "seed?", &seed); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, host.Errorf(fn, "n: got %d, want a positive int", n)
	}
	if length <= 0 {
		return nil, host.Errorf(fn, "length: got %d, want a positive int", length)
	}
	if n > llm.MaxSampleTokens/length {
		return nil, host.Errorf(fn, "n: got %d with length %d, want n × length <= %d tokens", n, length, llm.MaxSampleTokens)
	}
	if seed < 0 {
		return nil, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	ids, err := encode(fn, m, text)
	if err != nil {
		return nil, err
	}
	windows, err := llm.SampleWindows(ids, n, length, uint64(seed))
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	out := make([]starlark.Value, len(windows))
	for i, w := range windows {
		out[i] = intList(w)
	}
	return starlark.NewList(out), nil
}
