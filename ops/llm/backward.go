package llm

import (
	"fmt"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Backward accumulates into grads the gradient of a scalar f with respect
// to every weight, given dLogits = ∂f/∂logits [B, T, vocab] and the cache
// of the forward pass that produced the logits. grads must have the
// model's shapes (see GradientsLike); nil allocates zero buffers. Gradients
// add up across calls, which is gradient accumulation. A tied head's
// gradient lands in the embedding's buffer. While Finetune trains LoRA
// adapters the base weights are frozen, get no gradient, and grads may
// stay nil.
func (m *Model) Backward(cache *Cache, dLogits *tensor.Tensor, grads *Weights) (*Weights, error) {
	c := &m.Config
	if cache == nil || cache.layers == nil {
		return nil, fmt.Errorf("llm: backward needs the cache of ForwardCache")
	}
	n, d, V := cache.B*cache.T, c.Dim, c.VocabSize
	if dLogits.Size() != n*V {
		return nil, fmt.Errorf("llm: logit gradient of shape %v for a batch of %d tokens and vocabulary %d", dLogits.Shape(), n, V)
	}
	frozen := m.lora != nil
	if grads == nil && !frozen {
		grads = GradientsLike(c)
	}
	dl := dLogits.Data()

	var gFinal *tensor.Tensor
	if !frozen {
		kernels.Sgemm(true, false, V, d, n, 1, dl, V, cache.finalOut, d, 1, grads.Head.Data(), d)
		gFinal = grads.FinalNorm
	}
	dxn := tensor.Alloc(n*d, n, d)
	kernels.Sgemm(false, false, n, d, V, 1, dl, V, m.Head.Data(), d, 0, dxn, d)
	dx := tensor.Alloc(n*d, n, d)
	rmsNormBackward(dxn, cache.final, cache.finalRstd, n, d, m.FinalNorm, gFinal, dx)

	for l := len(m.Layers) - 1; l >= 0; l-- {
		g := &LayerWeights{}
		if !frozen {
			g = &grads.Layers[l]
		}
		dx = m.blockBackward(l, &m.Layers[l], g, &cache.layers[l], cache, dx)
	}

	if !frozen {
		ge := grads.Embed.Data()
		for i, id := range cache.IDs {
			addInto(ge[id*d:(id+1)*d], dx[i*d:(i+1)*d])
		}
	}
	return grads, nil
}

// blockBackward accumulates the block's weight gradients into g and returns
// the gradient of the block input, given dOut, the gradient of its output.
// Fields of g that are nil are frozen weights and get no gradient.
func (m *Model) blockBackward(l int, lw, g *LayerWeights, lc *layerCache, cache *Cache, dOut []float32) []float32 {
	c := &m.Config
	B, T := cache.B, cache.T
	n, d, hd := B*T, c.Dim, c.HeadDim
	heads, kvHs := lw.WQ.Dim(0)/hd, lw.WK.Dim(0)/hd
	h := lw.WGate.Dim(0)
	pos := func(i int) int { return i % T }

	back := func(name string, dy, x []float32, w, dw, db *tensor.Tensor, dx []float32) []float32 {
		dx = linearBackward(dy, x, n, w, dw, db, dx)
		m.projectBackward(l, name, dy, x, n, lc.lora, dx)
		return dx
	}

	dAct := back("down", dOut, lc.act, lw.WDown, g.WDown, g.BDown, nil)
	dGate, dUp := swigluBackward(dAct, lc.gate, lc.up, n, h)
	dxn2 := back("gate", dGate, lc.xn2, lw.WGate, g.WGate, nil, nil)
	back("up", dUp, lc.xn2, lw.WUp, g.WUp, nil, dxn2)
	dx2 := dOut
	rmsNormBackward(dxn2, lc.x2, lc.rstd2, n, d, lw.MLPNorm, g.MLPNorm, dx2)

	dAtt := back("o", dx2, lc.att, lw.WO, g.WO, g.BO, nil)
	shape := attnShape{B: B, T: T, heads: heads, kvHs: kvHs, hd: hd, mask: cache.Mask}
	dq, dk, dv := attentionBackward(dAtt, lc.q, lc.k, lc.v, lc.probs, shape)
	applyRope(dq, n, heads, hd, pos, cache.cos, cache.sin, true)
	applyRope(dk, n, kvHs, hd, pos, cache.cos, cache.sin, true)
	dxn1 := back("q", dq, lc.xn1, lw.WQ, g.WQ, g.BQ, nil)
	back("k", dk, lc.xn1, lw.WK, g.WK, g.BK, dxn1)
	back("v", dv, lc.xn1, lw.WV, g.WV, g.BV, dxn1)
	dx := dx2
	rmsNormBackward(dxn1, lc.x, lc.rstd1, n, d, lw.AttnNorm, g.AttnNorm, dx)
	return dx
}
