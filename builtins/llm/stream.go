package llm

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	"pare/ops/llm"
)

const streamPerplexityDoc = `stream_perplexity(path, text, tokenizer, window=512, chunk=4, max_tokens=None)

Perplexity of a Hugging Face model folder that need not fit in memory: the
weights stay in their safetensors files and one decoder layer is converted
at a time. text is a string or a file path, tokenized with tokenizer (a
llama2.c tokenizer.bin or a tokenizer.json) with BOS. Windows of window
tokens do not overlap and a final partial window is dropped; a text shorter
than window is scored as one window, as perplexity does. chunk windows run
per pass. Returns the same struct as perplexity.`

func streamPerplexity(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path, text, tokPath string
	window, chunk := 512, 4
	var maxV starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "text", &text, "tokenizer", &tokPath,
		"window?", &window, "chunk?", &chunk, "max_tokens?", &maxV); err != nil {
		return nil, err
	}
	if window < 2 {
		return nil, host.Errorf(fn, "window: got %d, want an int >= 2", window)
	}
	if chunk < 1 {
		return nil, host.Errorf(fn, "chunk: got %d, want an int >= 1", chunk)
	}
	maxTokens, err := optionalInt(fn, "max_tokens", maxV)
	if err != nil {
		return nil, err
	}
	s := host.Get(thread)
	dir, err := s.OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	absTok, err := s.OpenInput(fn.Name(), tokPath)
	if err != nil {
		return nil, err
	}
	files, err := llm.InputFiles(dir, absTok)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	for _, f := range files {
		if _, err := s.OpenInput(fn.Name(), f); err != nil {
			return nil, err
		}
	}
	sm, err := llm.OpenStreamed(dir)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	tok, err := llm.LoadTokenizer(absTok, &sm.Config)
	if err != nil {
		return nil, host.Errorf(fn, "tokenizer: %v", err)
	}
	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	ids := tok.Encode(text, true, false)
	if maxTokens > 0 && len(ids) > maxTokens {
		ids = ids[:maxTokens]
	}
	res, err := sm.Perplexity(host.Context(thread), ids, window, chunk)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlarkstruct.FromStringDict(starlark.String("llm.perplexity"), starlark.StringDict{
		"ppl":          starlark.Float(res.PPL),
		"nll":          starlark.Float(res.NLL),
		"tokens":       starlark.MakeInt(res.Tokens),
		"windows":      starlark.MakeInt(res.Windows),
		"window":       starlark.MakeInt(res.Window),
		"stride":       starlark.MakeInt(res.Stride),
		"segmentation": starlark.String("non-overlapping windows of " + starlark.MakeInt(res.Window).String() + " tokens, streamed layer by layer"),
	}), nil
}
