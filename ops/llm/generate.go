package llm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// KVCache holds the keys and values of the positions decoded so far, for
// one sequence.
type KVCache struct {
	k, v     [][]float32 // per layer [capacity, kv_heads·head_dim]
	Len      int
	capacity int
	cos, sin []float32
}

// NewKVCache returns an empty cache for up to capacity positions.
func (m *Model) NewKVCache(capacity int) *KVCache {
	c := &m.Config
	kv := &KVCache{capacity: capacity, k: make([][]float32, c.NLayers), v: make([][]float32, c.NLayers)}
	for l := range m.Layers {
		w := m.Layers[l].WK.Dim(0)
		kv.k[l] = tensor.Alloc(capacity*w, capacity, w)
		kv.v[l] = tensor.Alloc(capacity*w, capacity, w)
	}
	kv.cos, kv.sin = ropeTables(c, capacity)
	return kv
}

// Step feeds one token at position kv.Len, appends its keys and values to
// the cache and returns the logits of the next token (a fresh slice).
func (m *Model) Step(kv *KVCache, token int) ([]float32, error) {
	c := &m.Config
	if token < 0 || token >= c.VocabSize {
		return nil, fmt.Errorf("llm: token id %d is outside the vocabulary of %d tokens", token, c.VocabSize)
	}
	if kv.Len >= kv.capacity {
		return nil, fmt.Errorf("llm: KV cache is full at %d positions", kv.capacity)
	}
	pos := kv.Len
	d, hd := c.Dim, c.HeadDim
	x := m.embed([]int{token})
	at := func(int) int { return pos }
	for l := range m.Layers {
		lw := &m.Layers[l]
		heads, kvHs := lw.WQ.Dim(0)/hd, lw.WK.Dim(0)/hd
		kw := kvHs * hd
		xn, _ := rmsNorm(x, 1, d, lw.AttnNorm, c.NormEps)
		q := linear(xn, 1, lw.WQ, lw.BQ)
		k := linear(xn, 1, lw.WK, lw.BK)
		v := linear(xn, 1, lw.WV, lw.BV)
		applyRope(q, 1, heads, hd, at, kv.cos, kv.sin, false)
		applyRope(k, 1, kvHs, hd, at, kv.cos, kv.sin, false)
		copy(kv.k[l][pos*kw:], k)
		copy(kv.v[l][pos*kw:], v)
		att := decodeAttention(q, kv.k[l], kv.v[l], pos+1, heads, kvHs, hd)
		o := linear(att, 1, lw.WO, lw.BO)
		addInto(x, o)

		xn2, _ := rmsNorm(x, 1, d, lw.MLPNorm, c.NormEps)
		if lw.MoE != nil {
			addInto(x, lw.MoE.forward(xn2, 1, d))
			continue
		}
		h := lw.WGate.Dim(0)
		act := swiglu(linear(xn2, 1, lw.WGate, nil), linear(xn2, 1, lw.WUp, nil), 1, h)
		addInto(x, linear(act, 1, lw.WDown, lw.BDown))
	}
	xn, _ := rmsNorm(x, 1, d, m.FinalNorm, c.NormEps)
	logits := make([]float32, c.VocabSize)
	gemv(m.Head.Data(), c.VocabSize, d, xn, logits)
	kv.Len++
	return logits, nil
}

// decodeAttention attends one query [heads·hd] to the first n cached
// positions.
func decodeAttention(q, keys, values []float32, n, heads, kvHs, hd int) []float32 {
	out := make([]float32, heads*hd)
	g := heads / kvHs
	kw := kvHs * hd
	scale := float32(1 / math.Sqrt(float64(hd)))
	kernels.ParallelFor(heads, 1, func(lo, hi int) {
		p := make([]float32, n)
		for h := lo; h < hi; h++ {
			kvh := h / g
			qh := q[h*hd : (h+1)*hd]
			maxv := float32(math.Inf(-1))
			for u := 0; u < n; u++ {
				ku := keys[u*kw+kvh*hd : u*kw+(kvh+1)*hd]
				var dot float32
				for j, x := range qh {
					dot += x * ku[j]
				}
				p[u] = dot * scale
				maxv = max(maxv, p[u])
			}
			var sum float32
			for u := range p {
				p[u] = expf(p[u] - maxv)
				sum += p[u]
			}
			oh := out[h*hd : (h+1)*hd]
			for u := range p {
				w := p[u] / sum
				vu := values[u*kw+kvh*hd : u*kw+(kvh+1)*hd]
				for j, x := range vu {
					oh[j] += w * x
				}
			}
		}
	})
	return out
}

// SampleOptions controls Generate. Temperature 0 decodes greedily. Otherwise
// tokens are drawn from softmax(logits / Temperature), restricted to the
// smallest set of most likely tokens whose probability reaches TopP (1
// keeps all). Seed fixes the draws.
type SampleOptions struct {
	MaxTokens   int
	Temperature float64
	TopP        float64
	Seed        uint64
}

// Generate continues prompt (token ids, usually starting with BOS) for up to
// opt.MaxTokens tokens with a KV cache, stopping after an EOS or BOS token,
// which is not returned. It returns the new ids.
func (m *Model) Generate(ctx context.Context, prompt []int, opt SampleOptions) ([]int, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("llm: generate: the prompt is empty; start it with BOS")
	}
	if opt.MaxTokens < 0 {
		return nil, fmt.Errorf("llm: generate: max_tokens is %d, want >= 0", opt.MaxTokens)
	}
	if opt.Temperature < 0 || math.IsNaN(opt.Temperature) {
		return nil, fmt.Errorf("llm: generate: temperature is %g, want >= 0", opt.Temperature)
	}
	if opt.TopP == 0 {
		opt.TopP = 1
	}
	if opt.TopP < 0 || opt.TopP > 1 || math.IsNaN(opt.TopP) {
		return nil, fmt.Errorf("llm: generate: top_p is %g, want a value in (0, 1]", opt.TopP)
	}
	kv := m.NewKVCache(len(prompt) + opt.MaxTokens)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	var logits []float32
	var err error
	for _, id := range prompt {
		if logits, err = m.Step(kv, id); err != nil {
			return nil, err
		}
	}
	var out []int
	for len(out) < opt.MaxTokens {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		next := sampleToken(logits, opt, rng)
		if next == m.Config.EOS || next == m.Config.BOS {
			break
		}
		out = append(out, next)
		if len(out) == opt.MaxTokens {
			break
		}
		if logits, err = m.Step(kv, next); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

func sampleToken(logits []float32, opt SampleOptions, rng *rand.Rand) int {
	if opt.Temperature == 0 {
		return argmax(logits)
	}
	probs := make([]float64, len(logits))
	maxv := float64(logits[argmax(logits)])
	var sum float64
	for i, v := range logits {
		probs[i] = math.Exp((float64(v) - maxv) / opt.Temperature)
		sum += probs[i]
	}
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	if opt.TopP < 1 {
		sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
		var cum float64
		for i, id := range order {
			cum += probs[id] / sum
			if cum >= opt.TopP {
				order = order[:i+1]
				break
			}
		}
	}
	var kept float64
	for _, id := range order {
		kept += probs[id]
	}
	r := rng.Float64() * kept
	for _, id := range order {
		r -= probs[id]
		if r < 0 {
			return id
		}
	}
	return order[len(order)-1]
}
