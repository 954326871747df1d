package llm

import (
	"fmt"

	"pare/ops/llm/tokenizer"
	"pare/ops/tensor"
)

// LayerWeights holds one decoder block. Matrices are row-major [out, in]:
//
//	WQ [heads·head_dim, dim]     WK, WV [kv_heads·head_dim, dim]
//	WO [dim, heads·head_dim]     WGate, WUp [hidden, dim]   WDown [dim, hidden]
//
// Query head i of the layer reads KV head i / group_size, so KV group g
// owns rows [g·G·h, (g+1)·G·h) of WQ and columns of WO, and rows
// [g·h, (g+1)·h) of WK and WV. Within a head the rows follow the "rotate
// half" rotary layout. BQ, BK and BV are nil unless the config has QKVBias,
// BO unless it has OProjBias, and BDown unless it has DownProjBias.
type LayerWeights struct {
	AttnNorm       *tensor.Tensor // [dim]
	WQ, WK, WV, WO *tensor.Tensor
	BQ, BK, BV     *tensor.Tensor
	BO             *tensor.Tensor // o_proj bias [dim]
	MLPNorm        *tensor.Tensor // [dim]
	WGate, WUp     *tensor.Tensor
	WDown          *tensor.Tensor
	BDown          *tensor.Tensor // down_proj bias [dim]
	// MoE, when not nil, replaces the dense MLP (WGate, WUp and WDown are
	// then nil); see moe.go.
	MoE *MoEBlock
}

// Weights holds every parameter. When the embeddings are tied, Head is the
// same tensor as Embed.
type Weights struct {
	Embed     *tensor.Tensor // [vocab, dim]
	Layers    []LayerWeights
	FinalNorm *tensor.Tensor // [dim]
	Head      *tensor.Tensor // [vocab, dim]
}

// Model is a decoder with its tokenizer (which may be nil).
type Model struct {
	Config Config
	Weights
	Tokenizer tokenizer.Tokenizer
	// lora is set only while Finetune trains adapters; they are merged
	// into the weights before it returns.
	lora *LoRA
}

// Named is one parameter tensor with its Hugging Face name.
type Named struct {
	Name   string
	Tensor *tensor.Tensor
}

// Params lists the parameters with Hugging Face names
// (model.layers.{l}.self_attn.q_proj.weight, ...), each tensor once: a tied
// head is not listed separately.
func (w *Weights) Params() []Named {
	out := []Named{{"model.embed_tokens.weight", w.Embed}}
	for l := range w.Layers {
		p := fmt.Sprintf("model.layers.%d.", l)
		lw := &w.Layers[l]
		out = append(out,
			Named{p + "input_layernorm.weight", lw.AttnNorm},
			Named{p + "self_attn.q_proj.weight", lw.WQ},
			Named{p + "self_attn.k_proj.weight", lw.WK},
			Named{p + "self_attn.v_proj.weight", lw.WV},
			Named{p + "self_attn.o_proj.weight", lw.WO})
		if lw.BQ != nil {
			out = append(out,
				Named{p + "self_attn.q_proj.bias", lw.BQ},
				Named{p + "self_attn.k_proj.bias", lw.BK},
				Named{p + "self_attn.v_proj.bias", lw.BV})
		}
		if lw.BO != nil {
			out = append(out, Named{p + "self_attn.o_proj.bias", lw.BO})
		}
		out = append(out, Named{p + "post_attention_layernorm.weight", lw.MLPNorm})
		if lw.MoE != nil {
			out = append(out, lw.MoE.params(p)...)
			continue
		}
		out = append(out,
			Named{p + "mlp.gate_proj.weight", lw.WGate},
			Named{p + "mlp.up_proj.weight", lw.WUp},
			Named{p + "mlp.down_proj.weight", lw.WDown})
		if lw.BDown != nil {
			out = append(out, Named{p + "mlp.down_proj.bias", lw.BDown})
		}
	}
	out = append(out, Named{"model.norm.weight", w.FinalNorm})
	if w.Head != w.Embed {
		out = append(out, Named{"lm_head.weight", w.Head})
	}
	return out
}

// NumParams returns the number of parameters, counting a tied head once.
func (w *Weights) NumParams() int {
	n := 0
	for _, p := range w.Params() {
		n += p.Tensor.Size()
	}
	return n
}

// NumParams returns the number of parameters, counting a tied head once.
func (m *Model) NumParams() int { return m.Weights.NumParams() }

// NewWeights allocates zero weights with the shapes of cfg (per-layer widths
// included). It is also the gradient buffer of a model.
func NewWeights(cfg *Config) *Weights {
	d, hd := cfg.Dim, cfg.HeadDim
	w := &Weights{
		Embed:     tensor.New(cfg.VocabSize, d),
		FinalNorm: tensor.New(d),
		Layers:    make([]LayerWeights, cfg.NLayers),
	}
	if cfg.TiedEmbeddings {
		w.Head = w.Embed
	} else {
		w.Head = tensor.New(cfg.VocabSize, d)
	}
	for l := range w.Layers {
		q := cfg.LayerHeads[l] * hd
		kv := cfg.LayerKVHeads(l) * hd
		h := cfg.LayerHidden[l]
		lw := &w.Layers[l]
		lw.AttnNorm = tensor.New(d)
		lw.WQ = tensor.New(q, d)
		lw.WK = tensor.New(kv, d)
		lw.WV = tensor.New(kv, d)
		lw.WO = tensor.New(d, q)
		if cfg.QKVBias {
			lw.BQ = tensor.New(q)
			lw.BK = tensor.New(kv)
			lw.BV = tensor.New(kv)
		}
		if cfg.OProjBias {
			lw.BO = tensor.New(d)
		}
		lw.MLPNorm = tensor.New(d)
		lw.WGate = tensor.New(h, d)
		lw.WUp = tensor.New(h, d)
		lw.WDown = tensor.New(d, h)
		if cfg.DownProjBias {
			lw.BDown = tensor.New(d)
		}
	}
	return w
}

// GradientsLike returns zero gradient buffers shaped like w, tied the same
// way.
func GradientsLike(cfg *Config) *Weights { return NewWeights(cfg) }

// SyncWidths sets the config's per-layer widths from the weight shapes and
// validates the result. Code that slices weights (structured pruning) calls
// it afterwards.
func (m *Model) SyncWidths() error {
	c := &m.Config
	c.NLayers = len(m.Layers)
	c.LayerHeads = make([]int, c.NLayers)
	c.LayerHidden = make([]int, c.NLayers)
	for l := range m.Layers {
		lw := &m.Layers[l]
		if c.HeadDim <= 0 || lw.WQ.Ndim() != 2 || lw.WQ.Dim(0)%c.HeadDim != 0 {
			return fmt.Errorf("llm: layer %d: q_proj shape %v is not a whole number of heads of size %d", l, lw.WQ.Shape(), c.HeadDim)
		}
		c.LayerHeads[l] = lw.WQ.Dim(0) / c.HeadDim
		if lw.MoE != nil {
			c.LayerHidden[l] = lw.MoE.ExpertWidth()
			continue
		}
		c.LayerHidden[l] = lw.WGate.Dim(0)
	}
	return m.Validate()
}

// Validate checks the config and that every weight has the shape the config
// implies.
func (m *Model) Validate() error {
	c := &m.Config
	if err := c.Validate(); err != nil {
		return err
	}
	if len(m.Layers) != c.NLayers {
		return fmt.Errorf("llm: %d layers of weights for n_layers %d", len(m.Layers), c.NLayers)
	}
	check := func(name string, t *tensor.Tensor, shape ...int) error {
		if t == nil {
			return fmt.Errorf("llm: weight %s is missing", name)
		}
		got := t.Shape()
		ok := len(got) == len(shape)
		for i := 0; ok && i < len(shape); i++ {
			ok = got[i] == shape[i]
		}
		if !ok {
			return fmt.Errorf("llm: weight %s has shape %v, want %v", name, got, shape)
		}
		if !t.IsContiguous() {
			return fmt.Errorf("llm: weight %s is not contiguous", name)
		}
		return nil
	}
	d, hd, v := c.Dim, c.HeadDim, c.VocabSize
	if err := check("model.embed_tokens.weight", m.Embed, v, d); err != nil {
		return err
	}
	if err := check("lm_head.weight", m.Head, v, d); err != nil {
		return err
	}
	if err := check("model.norm.weight", m.FinalNorm, d); err != nil {
		return err
	}
	for l := range m.Layers {
		lw := &m.Layers[l]
		q, kv, h := c.LayerHeads[l]*hd, c.LayerKVHeads(l)*hd, c.LayerHidden[l]
		p := fmt.Sprintf("model.layers.%d.", l)
		checks := []shapeCheck{
			{"input_layernorm.weight", lw.AttnNorm, []int{d}},
			{"self_attn.q_proj.weight", lw.WQ, []int{q, d}},
			{"self_attn.k_proj.weight", lw.WK, []int{kv, d}},
			{"self_attn.v_proj.weight", lw.WV, []int{kv, d}},
			{"self_attn.o_proj.weight", lw.WO, []int{d, q}},
			{"post_attention_layernorm.weight", lw.MLPNorm, []int{d}},
		}
		if lw.MoE != nil {
			if err := lw.MoE.validate(p, d); err != nil {
				return err
			}
		} else {
			checks = append(checks,
				shapeCheck{"mlp.gate_proj.weight", lw.WGate, []int{h, d}},
				shapeCheck{"mlp.up_proj.weight", lw.WUp, []int{h, d}},
				shapeCheck{"mlp.down_proj.weight", lw.WDown, []int{d, h}})
		}
		if c.QKVBias {
			checks = append(checks,
				shapeCheck{"self_attn.q_proj.bias", lw.BQ, []int{q}},
				shapeCheck{"self_attn.k_proj.bias", lw.BK, []int{kv}},
				shapeCheck{"self_attn.v_proj.bias", lw.BV, []int{kv}})
		} else if lw.BQ != nil || lw.BK != nil || lw.BV != nil {
			return fmt.Errorf("llm: layer %d has q/k/v biases but the config has none", l)
		}
		if c.OProjBias {
			checks = append(checks, shapeCheck{"self_attn.o_proj.bias", lw.BO, []int{d}})
		} else if lw.BO != nil {
			return fmt.Errorf("llm: layer %d has an o_proj bias but the config has none (set OProjBias)", l)
		}
		switch {
		case c.DownProjBias && lw.MoE != nil:
			return fmt.Errorf("llm: layer %d is a MoE layer, which has no down_proj bias, but the config has DownProjBias", l)
		case c.DownProjBias:
			checks = append(checks, shapeCheck{"mlp.down_proj.bias", lw.BDown, []int{d}})
		case lw.BDown != nil:
			return fmt.Errorf("llm: layer %d has a down_proj bias but the config has none (set DownProjBias)", l)
		}
		for _, ch := range checks {
			if err := check(p+ch.name, ch.t, ch.shape...); err != nil {
				return err
			}
		}
	}
	return nil
}

type shapeCheck struct {
	name  string
	t     *tensor.Tensor
	shape []int
}

// Clone returns a deep copy of the weights (the tokenizer is shared).
func (m *Model) Clone() *Model {
	c := m.Config
	c.LayerHeads = append([]int(nil), m.Config.LayerHeads...)
	c.LayerHidden = append([]int(nil), m.Config.LayerHidden...)
	out := &Model{Config: c, Tokenizer: m.Tokenizer}
	out.Weights = *m.Weights.clone()
	return out
}

func cloneOrNil(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return t.Clone()
}

func (w *Weights) clone() *Weights {
	out := &Weights{Embed: w.Embed.Clone(), FinalNorm: w.FinalNorm.Clone(), Layers: make([]LayerWeights, len(w.Layers))}
	if w.Head == w.Embed {
		out.Head = out.Embed
	} else {
		out.Head = w.Head.Clone()
	}
	for l, lw := range w.Layers {
		out.Layers[l] = LayerWeights{
			AttnNorm: lw.AttnNorm.Clone(), WQ: lw.WQ.Clone(), WK: lw.WK.Clone(), WV: lw.WV.Clone(), WO: lw.WO.Clone(),
			BQ: cloneOrNil(lw.BQ), BK: cloneOrNil(lw.BK), BV: cloneOrNil(lw.BV), BO: cloneOrNil(lw.BO),
			MLPNorm: lw.MLPNorm.Clone(), WGate: cloneOrNil(lw.WGate), WUp: cloneOrNil(lw.WUp), WDown: cloneOrNil(lw.WDown),
			BDown: cloneOrNil(lw.BDown),
		}
		if lw.MoE != nil {
			out.Layers[l].MoE = lw.MoE.clone()
		}
	}
	return out
}
