package llm

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/llm"
)

const randomDoc = `random_model(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, vocab_size=256, max_seq_len=512, qkv_bias=False, tied_embeddings=True, seed=0)

Return a Llama model with seeded random weights (matrices from N(0, 1/in),
norm scales near 1) and no tokenizer, for tests and benchmarks.`

const writeRandomDoc = `write_random(dir, dim=2048, n_layers=16, n_heads=32, n_kv_heads=8, hidden_dim=8192, vocab_size=32000, max_seq_len=2048, tied_embeddings=False, seed=0, dtype="bf16")

Write a Hugging Face folder with seeded random Llama weights of the given
shape (defaults: a 1B-parameter shape), one safetensors shard per decoder
layer, holding one shard in memory at a time, so checkpoints larger than
memory can be made. dir is under --out when relative. Returns the folder's
absolute path.`

// unpackRandom unpacks the shape arguments shared by random_model and
// write_random, after the extra leading parameters.
func unpackRandom(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, def llm.Config, tied bool, extra ...any) (llm.Config, int, error) {
	c := def
	seed := 0
	qkvBias := false
	c.TiedEmbeddings = tied
	pairs := []any{"dim?", &c.Dim, "n_layers?", &c.NLayers, "n_heads?", &c.NHeads, "n_kv_heads?", &c.NKVHeads,
		"hidden_dim?", &c.HiddenDim, "vocab_size?", &c.VocabSize, "max_seq_len?", &c.MaxSeqLen,
		"qkv_bias?", &qkvBias, "tied_embeddings?", &c.TiedEmbeddings, "seed?", &seed}
	pairs = append(extra, pairs...)
	if err := host.UnpackArgs(fn.Name(), args, kwargs, pairs...); err != nil {
		return c, 0, err
	}
	if seed < 0 {
		return c, 0, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	c.QKVBias = qkvBias
	if qkvBias {
		c.Arch = "qwen2"
	}
	return c, seed, nil
}

func randomModel(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	def := llm.Config{Dim: 64, NLayers: 2, NHeads: 4, NKVHeads: 2, HiddenDim: 128, VocabSize: 256, MaxSeqLen: 512}
	c, seed, err := unpackRandom(fn, args, kwargs, def, true)
	if err != nil {
		return nil, err
	}
	m, err := llm.NewRandom(c, uint64(seed))
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return WrapModel(m), nil
}

func writeRandom(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var dir string
	dtype := "bf16"
	def := llm.Config{Dim: 2048, NLayers: 16, NHeads: 32, NKVHeads: 8, HiddenDim: 8192, VocabSize: 32000, MaxSeqLen: 2048}
	c, seed, err := unpackRandom(fn, args, kwargs, def, false, "dir", &dir, "dtype?", &dtype)
	if err != nil {
		return nil, err
	}
	if dtype != "f32" && dtype != "bf16" && dtype != "f16" {
		return nil, host.Errorf(fn, "dtype: got %q, want \"f32\", \"bf16\" or \"f16\"", dtype)
	}
	abs, err := host.Get(thread).WritePath(fn.Name(), dir)
	if err != nil {
		return nil, err
	}
	if err := llm.WriteRandomCheckpoint(host.Context(thread), abs, c, uint64(seed), dtype); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(abs), nil
}
