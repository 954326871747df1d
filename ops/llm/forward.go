package llm

import (
	"context"
	"fmt"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Cache holds what Backward needs from a forward pass over a [B, T] batch.
// Row i of every activation is token i = b·T + t.
type Cache struct {
	B, T int
	IDs  []int
	Mask []bool

	layers    []layerCache
	final     []float32 // residual stream entering the final norm [N, dim]
	finalRstd []float32
	finalOut  []float32 // normalised final hidden states [N, dim]
	cos, sin  []float32
}

// layerCache holds one block's activations. Only x is kept when the block
// is recomputed during the backward pass.
type layerCache struct {
	x       []float32 // block input [N, dim]
	rstd1   []float32
	xn1     []float32
	q, k, v []float32 // after the rotary embedding
	probs   []float32 // [B, heads, T, T]
	att     []float32 // attention output before o_proj [N, heads·hd]
	x2      []float32 // residual after attention
	rstd2   []float32
	xn2     []float32
	gate    []float32
	up      []float32
	act     []float32
	// lora holds the adapter activations by projection name.
	lora map[string]*loraCache
}

// checkBatch validates ids and mask for a [B, T] batch.
func (m *Model) checkBatch(ids []int, B, T int, mask []bool) error {
	if B <= 0 || T <= 0 {
		return fmt.Errorf("llm: batch shape [%d, %d]: want positive sizes", B, T)
	}
	if len(ids) != B*T {
		return fmt.Errorf("llm: %d token ids for a batch of shape [%d, %d]", len(ids), B, T)
	}
	if mask != nil && len(mask) != B*T {
		return fmt.Errorf("llm: attention mask has %d entries for a batch of shape [%d, %d]", len(mask), B, T)
	}
	v := m.Config.VocabSize
	for i, id := range ids {
		if id < 0 || id >= v {
			return fmt.Errorf("llm: token id %d at position %d is outside the vocabulary of %d tokens", id, i, v)
		}
	}
	return nil
}

// Forward returns the logits [B, T, vocab] of a batch of token ids (row
// major, B sequences of T tokens). mask, when not nil, has B·T entries and
// false hides a key position from every query (padding); attention is
// causal either way.
func (m *Model) Forward(ids []int, B, T int, mask []bool) (*tensor.Tensor, error) {
	logits, _, err := m.forward(context.Background(), ids, B, T, mask, false)
	return logits, err
}

// ForwardCache is Forward that also returns the activations Backward needs.
func (m *Model) ForwardCache(ids []int, B, T int, mask []bool) (*tensor.Tensor, *Cache, error) {
	return m.forward(context.Background(), ids, B, T, mask, true)
}

// ForwardContext is Forward that checks ctx between decoder layers and
// returns ctx.Err() when it is done, so that long passes over large models
// stop promptly.
func (m *Model) ForwardContext(ctx context.Context, ids []int, B, T int, mask []bool) (*tensor.Tensor, error) {
	logits, _, err := m.forward(ctx, ids, B, T, mask, false)
	return logits, err
}

func (m *Model) forward(ctx context.Context, ids []int, B, T int, mask []bool, keep bool) (*tensor.Tensor, *Cache, error) {
	if err := m.checkBatch(ids, B, T, mask); err != nil {
		return nil, nil, err
	}
	if keep && m.HasMoE() {
		return nil, nil, fmt.Errorf("llm: the backward pass does not support MoE layers")
	}
	c := &m.Config
	n, d := B*T, c.Dim
	cache := &Cache{B: B, T: T, IDs: ids, Mask: mask}
	cache.cos, cache.sin = ropeTables(c, T)

	x := m.embed(ids)
	if keep {
		cache.layers = make([]layerCache, c.NLayers)
	}
	for l := range m.Layers {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var lc *layerCache
		if keep {
			lc = &cache.layers[l]
		}
		x = m.blockForward(l, &m.Layers[l], x, cache, lc)
	}

	xn, rstd := rmsNorm(x, n, d, m.FinalNorm, c.NormEps)
	if keep {
		cache.final, cache.finalRstd, cache.finalOut = x, rstd, xn
	}
	logits := tensor.New(B, T, c.VocabSize)
	kernels.Sgemm(false, true, n, c.VocabSize, d, 1, xn, d, m.Head.Data(), d, 0, logits.Data(), c.VocabSize)
	if !keep {
		cache = nil
	}
	return logits, cache, nil
}

func (m *Model) embed(ids []int) []float32 {
	d := m.Config.Dim
	x := tensor.Alloc(len(ids)*d, len(ids), d)
	e := m.Embed.Data()
	for i, id := range ids {
		copy(x[i*d:(i+1)*d], e[id*d:(id+1)*d])
	}
	return x
}

// blockForward runs decoder block l on x [B·T, dim] and returns its output.
// When lc is not nil it receives the activations for the backward pass.
func (m *Model) blockForward(l int, lw *LayerWeights, x []float32, cache *Cache, lc *layerCache) []float32 {
	c := &m.Config
	B, T := cache.B, cache.T
	n, d, hd := B*T, c.Dim, c.HeadDim
	heads, kvHs := lw.WQ.Dim(0)/hd, lw.WK.Dim(0)/hd
	pos := func(i int) int { return i % T }

	var lcLoRA map[string]*loraCache
	if lc != nil && m.lora != nil {
		lcLoRA = map[string]*loraCache{}
	}
	proj := func(name string, x []float32, w, b *tensor.Tensor) []float32 {
		return m.project(l, name, x, n, w, b, lcLoRA)
	}

	xn1, rstd1 := rmsNorm(x, n, d, lw.AttnNorm, c.NormEps)
	q := proj("q", xn1, lw.WQ, lw.BQ)
	k := proj("k", xn1, lw.WK, lw.BK)
	v := proj("v", xn1, lw.WV, lw.BV)
	applyRope(q, n, heads, hd, pos, cache.cos, cache.sin, false)
	applyRope(k, n, kvHs, hd, pos, cache.cos, cache.sin, false)
	shape := attnShape{B: B, T: T, heads: heads, kvHs: kvHs, hd: hd, mask: cache.Mask}
	var probs []float32
	if lc != nil {
		probs = tensor.Alloc(B*heads*T*T, B, heads, T, T)
	}
	att := attentionForward(q, k, v, shape, probs)
	x2 := proj("o", att, lw.WO, lw.BO)
	addInto(x2, x)

	xn2, rstd2 := rmsNorm(x2, n, d, lw.MLPNorm, c.NormEps)
	if lw.MoE != nil {
		out := lw.MoE.forward(xn2, n, d)
		addInto(out, x2)
		return out
	}
	h := lw.WGate.Dim(0)
	gate := proj("gate", xn2, lw.WGate, nil)
	up := proj("up", xn2, lw.WUp, nil)
	act := swiglu(gate, up, n, h)
	out := proj("down", act, lw.WDown, lw.BDown)
	addInto(out, x2)

	if lc != nil {
		*lc = layerCache{x: x, rstd1: rstd1, xn1: xn1, q: q, k: k, v: v, probs: probs, att: att,
			x2: x2, rstd2: rstd2, xn2: xn2, gate: gate, up: up, act: act, lora: lcLoRA}
	}
	return out
}
