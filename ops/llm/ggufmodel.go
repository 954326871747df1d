package llm

import (
	"fmt"
	"strings"

	"pare/ops/llm/gguf"
	"pare/ops/llm/tokenizer"
	"pare/ops/tensor"
)

// LoadGGUF reads a llama-architecture GGUF file with F32 or F16 tensors and
// its SentencePiece ("llama") tokenizer. llama.cpp stores the query and key
// rows with interleaved rotary pairs, so they are permuted to the
// rotate-half layout as for llama2.c checkpoints.
func LoadGGUF(path string) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	return modelFromGGUF(f)
}

func modelFromGGUF(f *gguf.File) (*Model, error) {
	arch, _ := f.String("general.architecture")
	if arch != "llama" {
		return nil, fmt.Errorf("llm: %s: general.architecture %q is not supported; want llama", f.Path, arch)
	}
	get := func(key string) int {
		v, _ := f.Int("llama." + key)
		return v
	}
	cfg := Config{Arch: "llama", Dim: get("embedding_length"), NLayers: get("block_count"), NHeads: get("attention.head_count"),
		NKVHeads: get("attention.head_count_kv"), HiddenDim: get("feed_forward_length"), MaxSeqLen: get("context_length"), BOS: 1, EOS: 2}
	if eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); ok {
		cfg.NormEps = eps
	}
	if theta, ok := f.Float("llama.rope.freq_base"); ok {
		cfg.RopeTheta = theta
	}
	if cfg.NHeads > 0 {
		cfg.HeadDim = cfg.Dim / cfg.NHeads
	}
	if rot := get("rope.dimension_count"); rot != 0 && rot != cfg.HeadDim {
		return nil, fmt.Errorf("llm: %s: llama.rope.dimension_count %d differs from the head size %d; partial rotary embeddings are not supported", f.Path, rot, cfg.HeadDim)
	}
	embed, ok := f.Info("token_embd.weight")
	if !ok || len(embed.Dims) != 2 {
		return nil, fmt.Errorf("llm: %s: tensor token_embd.weight is missing or not a matrix", f.Path)
	}
	cfg.VocabSize = int(embed.Dims[1])
	if v, ok := f.Int("tokenizer.ggml.bos_token_id"); ok {
		cfg.BOS = v
	}
	if v, ok := f.Int("tokenizer.ggml.eos_token_id"); ok {
		cfg.EOS = v
	}
	_, hasOutput := f.Info("output.weight")
	cfg.TiedEmbeddings = !hasOutput
	_, cfg.QKVBias = f.Info("blk.0.attn_q.bias")
	_, cfg.OProjBias = f.Info("blk.0.attn_output.bias")
	_, cfg.DownProjBias = f.Info("blk.0.ffn_down.bias")
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}

	if need := cfg.ParamCount() * 2; need > float64(f.DataBytes()) {
		return nil, fmt.Errorf("llm: %s: the metadata implies %.0f parameters, more than the %d bytes of tensor data can hold", f.Path, cfg.ParamCount(), f.DataBytes())
	}
	m := &Model{Config: cfg}
	m.Weights = *NewWeights(&m.Config)
	hd := cfg.HeadDim
	load := func(name string, dst *tensor.Tensor, permute bool) error {
		data, shape, err := f.Float32(name)
		if err != nil {
			return err
		}
		if !sameShape(shape, dst.Shape()) {
			return fmt.Errorf("llm: %s: tensor %s has shape %v, the metadata implies %v", f.Path, name, shape, dst.Shape())
		}
		copy(dst.Data(), data)
		if permute {
			copy(dst.Data(), interleavedToHalf(dst, hd).Data())
		}
		return nil
	}
	names := []ggufTensor{{"token_embd.weight", m.Embed, false}, {"output_norm.weight", m.FinalNorm, false}}
	if hasOutput {
		names = append(names, ggufTensor{"output.weight", m.Head, false})
	}
	for l := range m.Layers {
		lw := &m.Layers[l]
		p := fmt.Sprintf("blk.%d.", l)
		for _, n := range []ggufTensor{
			{p + "attn_norm.weight", lw.AttnNorm, false}, {p + "attn_q.weight", lw.WQ, true}, {p + "attn_k.weight", lw.WK, true},
			{p + "attn_v.weight", lw.WV, false}, {p + "attn_output.weight", lw.WO, false}, {p + "ffn_norm.weight", lw.MLPNorm, false},
			{p + "ffn_gate.weight", lw.WGate, false}, {p + "ffn_up.weight", lw.WUp, false}, {p + "ffn_down.weight", lw.WDown, false},
		} {
			names = append(names, n)
		}
		if cfg.QKVBias {
			names = append(names, ggufTensor{p + "attn_q.bias", lw.BQ, true}, ggufTensor{p + "attn_k.bias", lw.BK, true}, ggufTensor{p + "attn_v.bias", lw.BV, false})
		}
		if cfg.OProjBias {
			names = append(names, ggufTensor{p + "attn_output.bias", lw.BO, false})
		}
		if cfg.DownProjBias {
			names = append(names, ggufTensor{p + "ffn_down.bias", lw.BDown, false})
		}
	}
	for _, n := range names {
		if err := load(n.name, n.t, n.permute); err != nil {
			return nil, err
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	tok, err := ggufTokenizer(f)
	if err != nil {
		return nil, err
	}
	m.Tokenizer = tok
	return m, nil
}

type ggufTensor struct {
	name    string
	t       *tensor.Tensor
	permute bool
}

// ggufTokenizer builds the SentencePiece vocabulary of a GGUF file, with
// "▁" turned into spaces as in llama2.c's tokenizer.bin. A file without a
// tokenizer gives nil.
func ggufTokenizer(f *gguf.File) (tokenizer.Tokenizer, error) {
	kind, ok := f.String("tokenizer.ggml.model")
	if !ok {
		return nil, nil
	}
	if kind != "llama" {
		return nil, fmt.Errorf("llm: %s: tokenizer.ggml.model %q is not supported; want llama", f.Path, kind)
	}
	tokens, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok {
		return nil, fmt.Errorf("llm: %s: tokenizer.ggml.tokens is missing or not a string array", f.Path)
	}
	scores, ok := f.Floats("tokenizer.ggml.scores")
	if !ok || len(scores) != len(tokens) {
		return nil, fmt.Errorf("llm: %s: tokenizer.ggml.scores is missing or does not have one score per token (%d)", f.Path, len(tokens))
	}
	pieces := make([]string, len(tokens))
	sc := make([]float32, len(tokens))
	for i, t := range tokens {
		pieces[i] = strings.ReplaceAll(t, "▁", " ")
		sc[i] = float32(scores[i])
	}
	bos, eos, unk := 1, 2, 0
	if v, ok := f.Int("tokenizer.ggml.bos_token_id"); ok {
		bos = v
	}
	if v, ok := f.Int("tokenizer.ggml.eos_token_id"); ok {
		eos = v
	}
	if v, ok := f.Int("tokenizer.ggml.unknown_token_id"); ok {
		unk = v
	}
	t, err := tokenizer.NewSentencePiece(pieces, sc, bos, eos, unk, "sentencepiece")
	if err != nil {
		return nil, fmt.Errorf("llm: %s: %w", f.Path, err)
	}
	return t, nil
}
