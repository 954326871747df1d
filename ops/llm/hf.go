package llm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"pare/ops/llm/tokenizer"
	"pare/ops/store"
	"pare/ops/tensor"
)

// hfConfig is the subset of a Hugging Face config.json that Llama, Mistral
// and Qwen2 use, plus the per-layer width lists that NIRVANA's reference
// code writes for pruned models (modified_head_num: query heads per layer;
// modified_intermediate_dimension: MLP width per layer).
type hfConfig struct {
	Architectures         []string        `json:"architectures,omitempty"`
	ModelType             string          `json:"model_type"`
	HiddenSize            int             `json:"hidden_size"`
	IntermediateSize      int             `json:"intermediate_size"`
	NumHiddenLayers       int             `json:"num_hidden_layers"`
	NumAttentionHeads     int             `json:"num_attention_heads"`
	NumKeyValueHeads      int             `json:"num_key_value_heads,omitempty"`
	HeadDim               int             `json:"head_dim,omitempty"`
	VocabSize             int             `json:"vocab_size"`
	MaxPositionEmbeddings int             `json:"max_position_embeddings,omitempty"`
	RMSNormEps            float64         `json:"rms_norm_eps,omitempty"`
	RopeTheta             float64         `json:"rope_theta,omitempty"`
	RopeScaling           map[string]any  `json:"rope_scaling,omitempty"`
	TieWordEmbeddings     bool            `json:"tie_word_embeddings"`
	AttentionBias         bool            `json:"attention_bias,omitempty"`
	MLPBias               bool            `json:"mlp_bias,omitempty"`
	HiddenAct             string          `json:"hidden_act,omitempty"`
	BOSTokenID            json.RawMessage `json:"bos_token_id,omitempty"`
	EOSTokenID            json.RawMessage `json:"eos_token_id,omitempty"`
	TorchDType            string          `json:"torch_dtype,omitempty"`
	ModifiedHeadNum       []int           `json:"modified_head_num,omitempty"`
	ModifiedIntermediate  []int           `json:"modified_intermediate_dimension,omitempty"`
	Pruned                bool            `json:"pruned,omitempty"`
	PrunedAttn            bool            `json:"pruned_attn,omitempty"`
}

// firstID reads a token id that may be a number, a list of numbers or null.
func firstID(raw json.RawMessage, def int) int {
	var n int
	if json.Unmarshal(raw, &n) == nil && len(raw) > 0 && string(raw) != "null" {
		return n
	}
	var list []int
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return def
}

func numberField(m map[string]any, key string) float64 {
	if v, ok := m[key].(float64); ok {
		return v
	}
	return 0
}

// configFromHF converts a parsed config.json.
func configFromHF(h *hfConfig) (Config, error) {
	c := Config{Arch: h.ModelType, Dim: h.HiddenSize, NLayers: h.NumHiddenLayers, NHeads: h.NumAttentionHeads,
		NKVHeads: h.NumKeyValueHeads, HeadDim: h.HeadDim, HiddenDim: h.IntermediateSize, VocabSize: h.VocabSize,
		MaxSeqLen: h.MaxPositionEmbeddings, NormEps: h.RMSNormEps, RopeTheta: h.RopeTheta,
		TiedEmbeddings: h.TieWordEmbeddings, QKVBias: h.AttentionBias,
		BOS: firstID(h.BOSTokenID, 1), EOS: firstID(h.EOSTokenID, 2)}
	switch h.ModelType {
	case "llama":
		// Hugging Face's Llama code gives q, k, v and o_proj a bias when
		// attention_bias is set, and gate, up and down_proj when mlp_bias
		// is set. ReadHFWeights reads the gate and up biases only to check
		// that they are zero.
		c.OProjBias = h.AttentionBias
		c.DownProjBias = h.MLPBias
	case "mistral":
		// NOTE: Mistral's sliding-window attention is not applied. Attention
		// is fully causal, which differs only on sequences longer than the
		// window (sliding_window in config.json, 4096 for Mistral 7B v0.1).
	case "qwen2":
		c.QKVBias = true
	default:
		return Config{}, fmt.Errorf("llm: config.json: model_type %q is not supported; want llama, mistral or qwen2", h.ModelType)
	}
	if h.HiddenAct != "" && h.HiddenAct != "silu" {
		return Config{}, fmt.Errorf("llm: config.json: hidden_act %q is not supported; want silu", h.HiddenAct)
	}
	if rs := h.RopeScaling; rs != nil {
		typ, _ := rs["rope_type"].(string)
		if typ == "" {
			typ, _ = rs["type"].(string)
		}
		if typ != "default" {
			c.RopeScaling = RopeScaling{Type: typ, Factor: numberField(rs, "factor"),
				LowFreqFactor: numberField(rs, "low_freq_factor"), HighFreqFactor: numberField(rs, "high_freq_factor"),
				OriginalMaxPositions: int(numberField(rs, "original_max_position_embeddings"))}
		}
	}
	if c.MaxSeqLen == 0 {
		c.MaxSeqLen = 2048
	}
	c.LayerHeads = h.ModifiedHeadNum
	c.LayerHidden = h.ModifiedIntermediate
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadHF reads a Hugging Face model folder: config.json, the weights from
// model.safetensors or a sharded model.safetensors.index.json (F32, F16 or
// BF16, converted to float32), and the tokenizer from tokenizer.bin
// (llama2.c format, as SaveHF writes it) or tokenizer.json. A folder
// without a tokenizer loads with a nil Tokenizer.
func LoadHF(dir string) (*Model, error) {
	cfgPath := filepath.Join(dir, "config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	var h hfConfig
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", cfgPath, err)
	}
	if h.ModelType == "mixtral" {
		return loadMixtral(dir, raw, &h)
	}
	cfg, err := configFromHF(&h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}

	weights := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(weights); err != nil {
		weights = filepath.Join(dir, "model.safetensors.index.json")
	}
	r, err := store.OpenCheckpoint(weights)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	m, err := ReadHFWeights(r, cfg, weights)
	if err != nil {
		return nil, err
	}

	m.Tokenizer, err = loadTokenizer(dir, &cfg)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func loadTokenizer(dir string, cfg *Config) (tokenizer.Tokenizer, error) {
	vocab := cfg.VocabSize
	if p := filepath.Join(dir, "tokenizer.bin"); fileExists(p) {
		t, err := tokenizer.LoadLlama2C(p, vocab)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	if p := filepath.Join(dir, "tokenizer.json"); fileExists(p) {
		t, err := tokenizer.LoadHF(p)
		if err != nil {
			return nil, err
		}
		if t.VocabSize() > vocab {
			return nil, fmt.Errorf("llm: %s has %d tokens, more than the model's vocabulary of %d", p, t.VocabSize(), vocab)
		}
		t.SetSpecialIDs(cfg.BOS, cfg.EOS)
		return t, nil
	}
	return nil, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// ReadHFWeights reads the weights named as in Hugging Face Llama checkpoints
// from r and checks each shape against cfg. file names the checkpoint in
// errors.
func ReadHFWeights(r store.TensorReader, cfg Config, file string) (*Model, error) {
	var stored float64
	for _, name := range r.Names() {
		if info, err := r.Info(name); err == nil {
			stored += float64(info.End - info.Begin)
		}
	}
	if need := cfg.ParamCount() * 2; need > stored {
		return nil, fmt.Errorf("llm: %s: the config implies %.0f parameters, more than the %.0f bytes of tensor data can hold", file, cfg.ParamCount(), stored)
	}
	if cfg.OProjBias && cfg.NLayers > 0 {
		// Folders that pare wrote before it supported o_proj biases set
		// attention_bias for q/k/v biases alone and have no o_proj.bias.
		if _, err := r.Info("model.layers.0.self_attn.o_proj.bias"); err != nil {
			cfg.OProjBias = false
		}
	}
	m := &Model{Config: cfg}
	m.Weights = *NewWeights(&m.Config)
	if !cfg.TiedEmbeddings {
		if _, err := r.Info("lm_head.weight"); err != nil {
			return nil, fmt.Errorf("llm: %s: tensor lm_head.weight is missing and tie_word_embeddings is false", file)
		}
	}
	for _, p := range m.Params() {
		if err := readInto(r, p, file); err != nil {
			return nil, err
		}
	}
	if cfg.DownProjBias {
		if err := checkZeroMLPInputBiases(r, &cfg, file); err != nil {
			return nil, err
		}
	}
	return m, m.Validate()
}

// checkZeroMLPInputBiases reads the gate_proj and up_proj biases that a
// Llama checkpoint with mlp_bias stores next to down_proj's. pare has no
// such biases, so it accepts them only when they are all zero (as SaveHF
// writes them), and a missing one counts as zero.
func checkZeroMLPInputBiases(r store.TensorReader, cfg *Config, file string) error {
	for l := 0; l < cfg.NLayers; l++ {
		for _, proj := range []string{"gate_proj", "up_proj"} {
			name := fmt.Sprintf("model.layers.%d.mlp.%s.bias", l, proj)
			if _, err := r.Info(name); err != nil {
				continue
			}
			b := Named{name, tensor.New(cfg.LayerHidden[l])}
			if err := readInto(r, b, file); err != nil {
				return err
			}
			for i, v := range b.Tensor.Data() {
				if v != 0 {
					return fmt.Errorf("llm: %s: tensor %s has the nonzero value %g at index %d; pare supports down_proj biases but no gate_proj or up_proj biases", file, name, v, i)
				}
			}
		}
	}
	return nil
}

func readInto(r store.TensorReader, p Named, file string) error {
	info, err := r.Info(p.Name)
	if err != nil {
		return fmt.Errorf("llm: %s: tensor %s is missing: %w", file, p.Name, err)
	}
	want := p.Tensor.Shape()
	if !sameShape(info.Shape, want) {
		return fmt.Errorf("llm: %s: tensor %s (data offset %d) has shape %v, the config implies %v", file, p.Name, info.Begin, info.Shape, want)
	}
	if err := r.Float32Into(p.Name, p.Tensor.Data()); err != nil {
		return fmt.Errorf("llm: %s: tensor %s: %w", file, p.Name, err)
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hfConfigOf builds the config.json of m. Per-layer widths are written only
// when some layer differs from the dense sizes.
func hfConfigOf(c *Config, dtype string) hfConfig {
	arch := map[string]string{"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}[c.Arch]
	torch := map[string]string{"F32": "float32", "BF16": "bfloat16", "F16": "float16"}[dtype]
	bos, _ := json.Marshal(c.BOS)
	eos, _ := json.Marshal(c.EOS)
	h := hfConfig{Architectures: []string{arch}, ModelType: c.Arch, HiddenSize: c.Dim, IntermediateSize: c.HiddenDim,
		NumHiddenLayers: c.NLayers, NumAttentionHeads: c.NHeads, NumKeyValueHeads: c.NKVHeads, HeadDim: c.HeadDim,
		VocabSize: c.VocabSize, MaxPositionEmbeddings: c.MaxSeqLen, RMSNormEps: c.NormEps, RopeTheta: c.RopeTheta,
		TieWordEmbeddings: c.TiedEmbeddings, HiddenAct: "silu", BOSTokenID: bos, EOSTokenID: eos, TorchDType: torch}
	if c.Arch == "llama" {
		h.AttentionBias = c.QKVBias || c.OProjBias
		h.MLPBias = c.DownProjBias
	}
	if s := c.RopeScaling; s.Type != "" {
		h.RopeScaling = map[string]any{"rope_type": s.Type, "factor": s.Factor}
		if s.Type == "llama3" {
			h.RopeScaling["low_freq_factor"] = s.LowFreqFactor
			h.RopeScaling["high_freq_factor"] = s.HighFreqFactor
			h.RopeScaling["original_max_position_embeddings"] = s.OriginalMaxPositions
		}
	}
	if c.Pruned() {
		h.ModifiedHeadNum = append([]int(nil), c.LayerHeads...)
		h.ModifiedIntermediate = append([]int(nil), c.LayerHidden...)
		h.Pruned = true
		h.PrunedAttn = true
	}
	return h
}

// SaveHF writes m as a Hugging Face folder at dir: config.json,
// model.safetensors with weights stored as dtype ("f32", "bf16" or "f16"),
// and the tokenizer as tokenizer.bin (llama2.c format, which pare reads
// back exactly) plus tokenizer.json for other tools when the tokenizer is a
// SentencePiece vocabulary. The folder appears complete or not at all; an
// existing non-empty dir is an error.
func (m *Model) SaveHF(dir, dtype string) error {
	if m.HasMoE() {
		return m.saveMixtral(dir, dtype)
	}
	st, err := safetensorsDType(dtype)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	c := &m.Config
	if c.Arch == "qwen2" && !c.QKVBias {
		return fmt.Errorf("llm: save: a qwen2 model must have q/k/v biases")
	}
	if c.Arch != "llama" && (c.OProjBias || c.DownProjBias) {
		return fmt.Errorf("llm: save: the Hugging Face %s architecture has no o_proj or down_proj biases, but this model has them (OProjBias %v, DownProjBias %v); only llama checkpoints can store them", c.Arch, c.OProjBias, c.DownProjBias)
	}
	cfgJSON, err := json.MarshalIndent(hfConfigOf(c, st), "", "  ")
	if err != nil {
		return err
	}
	var tensors []store.NamedTensor
	for _, p := range append(m.Params(), m.zeroBiasesForHF()...) {
		tensors = append(tensors, store.NamedTensor{Name: p.Name, DType: st, Shape: p.Tensor.Shape(), Data: p.Tensor.Data()})
	}
	return store.WriteDirAtomic(dir, func(tmp string) error {
		if err := os.WriteFile(filepath.Join(tmp, "config.json"), append(cfgJSON, '\n'), 0o644); err != nil {
			return err
		}
		meta := map[string]string{"format": "pt"}
		if err := store.WriteSafetensors(filepath.Join(tmp, "model.safetensors"), tensors, meta); err != nil {
			return err
		}
		return saveTokenizer(m.Tokenizer, tmp)
	})
}

// zeroBiasesForHF returns the zero biases that a Llama checkpoint needs
// next to m's own. Hugging Face's attention_bias gives all of q, k, v and
// o_proj a bias, and mlp_bias all of gate, up and down_proj, so a model
// with only some of them is written with zeros for the rest.
func (m *Model) zeroBiasesForHF() []Named {
	c := &m.Config
	if c.Arch != "llama" {
		return nil
	}
	var out []Named
	for l := range m.Layers {
		lw := &m.Layers[l]
		p := fmt.Sprintf("model.layers.%d.", l)
		if c.OProjBias && !c.QKVBias {
			out = append(out,
				Named{p + "self_attn.q_proj.bias", tensor.New(lw.WQ.Dim(0))},
				Named{p + "self_attn.k_proj.bias", tensor.New(lw.WK.Dim(0))},
				Named{p + "self_attn.v_proj.bias", tensor.New(lw.WV.Dim(0))})
		}
		if c.QKVBias && !c.OProjBias {
			out = append(out, Named{p + "self_attn.o_proj.bias", tensor.New(c.Dim)})
		}
		if c.DownProjBias {
			out = append(out,
				Named{p + "mlp.gate_proj.bias", tensor.New(lw.WGate.Dim(0))},
				Named{p + "mlp.up_proj.bias", tensor.New(lw.WUp.Dim(0))})
		}
	}
	return out
}

func safetensorsDType(dtype string) (string, error) {
	switch strings.ToLower(dtype) {
	case "f32", "float32":
		return "F32", nil
	case "bf16", "bfloat16":
		return "BF16", nil
	case "f16", "float16":
		return "F16", nil
	}
	return "", fmt.Errorf("llm: dtype %q is not supported; want f32, bf16 or f16", dtype)
}

func saveTokenizer(t tokenizer.Tokenizer, dir string) error {
	switch tok := t.(type) {
	case nil:
		return nil
	case *tokenizer.SentencePiece:
		if err := store.WriteFileAtomic(filepath.Join(dir, "tokenizer.bin"), tok.WriteLlama2C); err != nil {
			return err
		}
		return store.WriteFileAtomic(filepath.Join(dir, "tokenizer.json"), tok.WriteHFJSON)
	case *tokenizer.BPE:
		return store.WriteFileAtomic(filepath.Join(dir, "tokenizer.json"), tok.WriteJSON)
	default:
		return fmt.Errorf("llm: save: tokenizer of kind %q cannot be saved", t.Kind())
	}
}
