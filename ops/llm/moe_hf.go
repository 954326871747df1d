package llm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"pare/ops/store"
	"pare/ops/tensor"
)

// mixtralConfig holds the config.json keys that Mixtral adds to Mistral's.
// PareMoEGating is pare's own key: it records GatingSum for models split by
// MoEfy, which Hugging Face's Mixtral code does not implement, and is absent
// for Mixtral's softmax gating.
type mixtralConfig struct {
	NumLocalExperts  int    `json:"num_local_experts"`
	NumExpertsPerTok int    `json:"num_experts_per_tok"`
	PareMoEGating    string `json:"pare_moe_gating,omitempty"`
}

// loadMixtral reads a Hugging Face Mixtral folder (model_type "mixtral"):
// every layer's MLP is model.layers.{l}.block_sparse_moe with gate.weight
// [num_local_experts, hidden_size] and experts.{e}.w1/w3 [intermediate_size,
// hidden_size] and w2 [hidden_size, intermediate_size].
func loadMixtral(dir string, raw []byte, h *hfConfig) (*Model, error) {
	cfgPath := filepath.Join(dir, "config.json")
	var mc mixtralConfig
	if err := json.Unmarshal(raw, &mc); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", cfgPath, err)
	}
	if mc.NumLocalExperts < 1 || mc.NumLocalExperts > 1<<12 {
		return nil, fmt.Errorf("llm: %s: num_local_experts is %d, want 1..4096", cfgPath, mc.NumLocalExperts)
	}
	gating := GatingSoftmax
	if mc.PareMoEGating != "" {
		gating = mc.PareMoEGating
	}
	dense := *h
	dense.ModelType = "mistral"
	cfg, err := configFromHF(&dense)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	cfg.Arch = "mixtral"

	weights := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(weights); err != nil {
		weights = filepath.Join(dir, "model.safetensors.index.json")
	}
	r, err := store.OpenCheckpoint(weights)
	if err != nil {
		return nil, err
	}
	defer r.Close()

	var stored float64
	for _, name := range r.Names() {
		if info, err := r.Info(name); err == nil {
			stored += float64(info.End - info.Begin)
		}
	}
	p, d, N := float64(cfg.HiddenDim), float64(cfg.Dim), float64(mc.NumLocalExperts)
	perLayerMoE := N*3*p*d + N*d - 3*p*d
	if need := cfg.ParamCount() + float64(cfg.NLayers)*perLayerMoE; need*2 > stored {
		return nil, fmt.Errorf("llm: %s: the config implies %.0f parameters, more than the %.0f bytes of tensor data can hold", weights, need, stored)
	}

	m := &Model{Config: cfg}
	m.Weights = *NewWeights(&m.Config)
	for l := range m.Layers {
		lw := &m.Layers[l]
		block := &MoEBlock{Router: tensor.New(mc.NumLocalExperts, cfg.Dim), TopK: mc.NumExpertsPerTok, Gating: gating,
			Experts: make([]MoEExpert, mc.NumLocalExperts)}
		for e := range block.Experts {
			block.Experts[e] = MoEExpert{WGate: tensor.New(cfg.HiddenDim, cfg.Dim), WUp: tensor.New(cfg.HiddenDim, cfg.Dim),
				WDown: tensor.New(cfg.Dim, cfg.HiddenDim)}
		}
		lw.MoE, lw.WGate, lw.WUp, lw.WDown = block, nil, nil, nil
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if !cfg.TiedEmbeddings {
		if _, err := r.Info("lm_head.weight"); err != nil {
			return nil, fmt.Errorf("llm: %s: tensor lm_head.weight is missing and tie_word_embeddings is false", weights)
		}
	}
	for _, np := range m.Params() {
		if err := readInto(r, np, weights); err != nil {
			return nil, err
		}
	}
	m.Tokenizer, err = loadTokenizer(dir, &m.Config)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// saveMixtral writes a model whose layers are all MoE layers as a Hugging
// Face Mixtral folder, in the layout loadMixtral reads.
func (m *Model) saveMixtral(dir, dtype string) error {
	st, err := safetensorsDType(dtype)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Config.QKVBias {
		return fmt.Errorf("llm: save: the Mixtral format has no q/k/v biases, but this model has them")
	}
	if m.Config.OProjBias {
		return fmt.Errorf("llm: save: the Mixtral format has no o_proj biases, but this model has them")
	}
	first := m.Layers[0].MoE
	for l := range m.Layers {
		b := m.Layers[l].MoE
		if b == nil {
			return fmt.Errorf("llm: save: layer %d is dense; the Mixtral format needs a MoE block in every layer", l)
		}
		if len(b.Experts) != len(first.Experts) || b.TopK != first.TopK || b.Gating != first.Gating || b.ExpertWidth() != first.ExpertWidth() {
			return fmt.Errorf("llm: save: layer %d has %d experts of width %d (top_k %d, gating %s), but layer 0 has %d of width %d (top_k %d, gating %s); the Mixtral format needs the same in every layer",
				l, len(b.Experts), b.ExpertWidth(), b.TopK, b.Gating, len(first.Experts), first.ExpertWidth(), first.TopK, first.Gating)
		}
	}

	c := m.Config
	c.Arch = "mistral"
	c.HiddenDim = first.ExpertWidth()
	c.LayerHidden = nil
	c.fillDefaults()
	base, err := json.Marshal(hfConfigOf(&c, st))
	if err != nil {
		return err
	}
	var fields map[string]any
	if err := json.Unmarshal(base, &fields); err != nil {
		return err
	}
	fields["model_type"] = "mixtral"
	fields["architectures"] = []string{"MixtralForCausalLM"}
	fields["num_local_experts"] = len(first.Experts)
	fields["num_experts_per_tok"] = first.TopK
	if first.Gating != GatingSoftmax {
		fields["pare_moe_gating"] = first.Gating
	}
	cfgJSON, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return err
	}

	var tensors []store.NamedTensor
	for _, p := range m.Params() {
		tensors = append(tensors, store.NamedTensor{Name: p.Name, DType: st, Shape: p.Tensor.Shape(), Data: p.Tensor.Data()})
	}
	return store.WriteDirAtomic(dir, func(tmp string) error {
		if err := os.WriteFile(filepath.Join(tmp, "config.json"), append(cfgJSON, '\n'), 0o644); err != nil {
			return err
		}
		if err := store.WriteSafetensors(filepath.Join(tmp, "model.safetensors"), tensors, map[string]string{"format": "pt"}); err != nil {
			return err
		}
		return saveTokenizer(m.Tokenizer, tmp)
	})
}
