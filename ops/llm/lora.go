package llm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// LoRA adapts projections as W + (alpha/rank)·B·A (Hu et al., "LoRA:
// Low-Rank Adaptation of Large Language Models", arXiv 2106.09685), with A
// [rank, in] drawn from N(0, 1/in) and B [out, rank] zero, so training
// starts from the base model. Dropout with probability Dropout is applied
// to the adapter's input only, as PEFT does. Biases (q/k/v, o_proj,
// down_proj) stay frozen, like PEFT's default bias="none".
type LoRA struct {
	Rank    int
	Alpha   float64
	Dropout float64
	// Targets names the adapted projections: q, k, v, o, gate, up, down.
	Targets  []string
	adapters map[loraKey]*loraAdapter
	rng      *rand.Rand
	training bool
}

type loraKey struct {
	layer int
	proj  string
}

type loraAdapter struct {
	A, B   *tensor.Tensor
	gA, gB *tensor.Tensor
}

type loraCache struct {
	xd   []float32 // the adapter input after dropout
	mask []float32 // dropout scale per element, nil without dropout
	h    []float32 // xd·Aᵀ [n, rank]
}

// LoRAProjections lists the projection names LoRA can target.
var LoRAProjections = []string{"q", "k", "v", "o", "gate", "up", "down"}

func (m *Model) projWeight(l int, proj string) *tensor.Tensor {
	lw := &m.Layers[l]
	return map[string]*tensor.Tensor{"q": lw.WQ, "k": lw.WK, "v": lw.WV, "o": lw.WO, "gate": lw.WGate, "up": lw.WUp, "down": lw.WDown}[proj]
}

// attachLoRA creates the adapters of cfg on m.
func (m *Model) attachLoRA(cfg LoRA, seed uint64) error {
	if cfg.Rank <= 0 {
		return fmt.Errorf("llm: lora: rank is %d, want a positive int", cfg.Rank)
	}
	if cfg.Alpha <= 0 {
		return fmt.Errorf("llm: lora: alpha is %g, want a positive number", cfg.Alpha)
	}
	if cfg.Dropout < 0 || cfg.Dropout >= 1 {
		return fmt.Errorf("llm: lora: dropout is %g, want a value in [0, 1)", cfg.Dropout)
	}
	if len(cfg.Targets) == 0 {
		return fmt.Errorf("llm: lora: no target projections; want some of %v", LoRAProjections)
	}
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	cfg.adapters = map[loraKey]*loraAdapter{}
	cfg.rng = rng
	for l := range m.Layers {
		for _, p := range cfg.Targets {
			w := m.projWeight(l, p)
			if w == nil {
				return fmt.Errorf("llm: lora: target %q is not a projection; want some of %v", p, LoRAProjections)
			}
			out, in := w.Dim(0), w.Dim(1)
			a := &loraAdapter{A: tensor.New(cfg.Rank, in), B: tensor.New(out, cfg.Rank),
				gA: tensor.New(cfg.Rank, in), gB: tensor.New(out, cfg.Rank)}
			std := 1 / math.Sqrt(float64(in))
			for i := range a.A.Data() {
				a.A.Data()[i] = float32(rng.NormFloat64() * std)
			}
			cfg.adapters[loraKey{l, p}] = a
		}
	}
	m.lora = &cfg
	return nil
}

func (c *LoRA) scale() float32 { return float32(c.Alpha / float64(c.Rank)) }

// project computes x·Wᵀ (+ b) plus the LoRA term of projection proj of
// layer l, saving the adapter activations into caches when it is not nil.
func (m *Model) project(l int, proj string, x []float32, n int, w, b *tensor.Tensor, caches map[string]*loraCache) []float32 {
	y := linear(x, n, w, b)
	if m.lora == nil {
		return y
	}
	a := m.lora.adapters[loraKey{l, proj}]
	if a == nil {
		return y
	}
	r, in, out := m.lora.Rank, w.Dim(1), w.Dim(0)
	xd, mask := x, []float32(nil)
	if m.lora.training && m.lora.Dropout > 0 {
		xd = tensor.Alloc(n*in, n, in)
		mask = tensor.Alloc(n*in, n, in)
		keep := float32(1 / (1 - m.lora.Dropout))
		for i, v := range x {
			if m.lora.rng.Float64() >= m.lora.Dropout {
				mask[i] = keep
				xd[i] = v * keep
			}
		}
	}
	h := tensor.Alloc(n*r, n, r)
	kernels.Sgemm(false, true, n, r, in, 1, xd, in, a.A.Data(), in, 0, h, r)
	kernels.Sgemm(false, true, n, out, r, m.lora.scale(), h, r, a.B.Data(), r, 1, y, out)
	if caches != nil {
		caches[proj] = &loraCache{xd: xd, mask: mask, h: h}
	}
	return y
}

// projectBackward accumulates the adapter gradients of projection proj of
// layer l and adds the adapter's input gradient into dx. With s the scale
// and h = xd·Aᵀ: dB += s·dyᵀ·h, dh = s·dy·B, dA += dhᵀ·xd, dx += (dh·A)⊙mask.
func (m *Model) projectBackward(l int, proj string, dy, x []float32, n int, caches map[string]*loraCache, dx []float32) {
	if m.lora == nil || caches == nil {
		return
	}
	a := m.lora.adapters[loraKey{l, proj}]
	c := caches[proj]
	if a == nil || c == nil {
		return
	}
	r, in, out := m.lora.Rank, a.A.Dim(1), a.B.Dim(0)
	s := m.lora.scale()
	kernels.Sgemm(true, false, out, r, n, s, dy, out, c.h, r, 1, a.gB.Data(), r)
	dh := tensor.Alloc(n*r, n, r)
	kernels.Sgemm(false, false, n, r, out, s, dy, out, a.B.Data(), r, 0, dh, r)
	kernels.Sgemm(true, false, r, in, n, 1, dh, r, c.xd, in, 1, a.gA.Data(), in)
	if c.mask == nil {
		kernels.Sgemm(false, false, n, in, r, 1, dh, r, a.A.Data(), in, 1, dx, in)
		return
	}
	dxd := tensor.Alloc(n*in, n, in)
	kernels.Sgemm(false, false, n, in, r, 1, dh, r, a.A.Data(), in, 0, dxd, in)
	for i, v := range dxd {
		dx[i] += v * c.mask[i]
	}
}

// loraParams returns the adapter tensors and their gradients in a fixed
// order.
func (m *Model) loraParams() (params, grads []*tensor.Tensor) {
	for l := range m.Layers {
		for _, p := range m.lora.Targets {
			a := m.lora.adapters[loraKey{l, p}]
			params = append(params, a.A, a.B)
			grads = append(grads, a.gA, a.gB)
		}
	}
	return params, grads
}

// mergeLoRA adds (alpha/rank)·B·A into every adapted weight and removes the
// adapters, leaving a plain model.
func (m *Model) mergeLoRA() {
	if m.lora == nil {
		return
	}
	s := m.lora.scale()
	for k, a := range m.lora.adapters {
		w := m.projWeight(k.layer, k.proj)
		out, in := w.Dim(0), w.Dim(1)
		kernels.Sgemm(false, false, out, in, m.lora.Rank, s, a.B.Data(), m.lora.Rank, a.A.Data(), in, 1, w.Data(), in)
	}
	m.lora = nil
}
