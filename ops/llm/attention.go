package llm

import (
	"math"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// attnShape describes one layer's attention over a [B, T] batch.
type attnShape struct {
	B, T        int
	heads, kvHs int
	hd          int
	// mask[b·T + u] false hides key u of sequence b; nil hides nothing.
	mask []bool
}

func (s attnShape) group() int { return s.heads / s.kvHs }

// attentionForward computes causal softmax attention. q is [B·T, heads·hd],
// k and v are [B·T, kvHs·hd]; the result is [B·T, heads·hd]. When probs is
// not nil it receives the attention weights, [B, heads, T, T]. A query with
// no visible key gets a zero output.
func attentionForward(q, k, v []float32, s attnShape, probs []float32) []float32 {
	T, hd := s.T, s.hd
	qw, kw := s.heads*hd, s.kvHs*hd
	out := tensor.Alloc(s.B*T*qw, s.B*T, qw)
	scale := float32(1 / math.Sqrt(float64(hd)))
	g := s.group()
	kernels.ParallelFor(s.B*s.heads, 1, func(lo, hi int) {
		scratch := make([]float32, T)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/s.heads, bh%s.heads
			kvh := h / g
			for t := 0; t < T; t++ {
				p := scratch[:t+1]
				if probs != nil {
					p = probs[(bh*T+t)*T : (bh*T+t)*T+t+1]
				}
				qt := q[(b*T+t)*qw+h*hd : (b*T+t)*qw+(h+1)*hd]
				maxv := float32(math.Inf(-1))
				for u := 0; u <= t; u++ {
					if s.mask != nil && !s.mask[b*T+u] {
						p[u] = float32(math.Inf(-1))
						continue
					}
					ku := k[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
					var dot float32
					for j, x := range qt {
						dot += x * ku[j]
					}
					p[u] = dot * scale
					maxv = max(maxv, p[u])
				}
				ot := out[(b*T+t)*qw+h*hd : (b*T+t)*qw+(h+1)*hd]
				if math.IsInf(float64(maxv), -1) {
					clear(p)
					continue
				}
				var sum float32
				for u := range p {
					e := float32(math.Exp(float64(p[u] - maxv)))
					p[u] = e
					sum += e
				}
				inv := 1 / sum
				for u := range p {
					p[u] *= inv
					w := p[u]
					if w == 0 {
						continue
					}
					vu := v[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
					for j, x := range vu {
						ot[j] += w * x
					}
				}
			}
		}
	})
	return out
}

// attentionBackward returns the gradients of q, k and v given the output
// gradient dOut and the weights probs saved by attentionForward. Work is
// split by (sequence, KV head), so every worker owns the k and v rows it
// writes.
func attentionBackward(dOut, q, k, v, probs []float32, s attnShape) (dq, dk, dv []float32) {
	T, hd := s.T, s.hd
	qw, kw := s.heads*hd, s.kvHs*hd
	n := s.B * T
	dq = tensor.Alloc(n*qw, n, qw)
	dk = tensor.Alloc(n*kw, n, kw)
	dv = tensor.Alloc(n*kw, n, kw)
	scale := float32(1 / math.Sqrt(float64(hd)))
	g := s.group()
	kernels.ParallelFor(s.B*s.kvHs, 1, func(lo, hi int) {
		dp := make([]float32, T)
		for bk := lo; bk < hi; bk++ {
			b, kvh := bk/s.kvHs, bk%s.kvHs
			for h := kvh * g; h < (kvh+1)*g; h++ {
				bh := b*s.heads + h
				for t := 0; t < T; t++ {
					p := probs[(bh*T+t)*T : (bh*T+t)*T+t+1]
					do := dOut[(b*T+t)*qw+h*hd : (b*T+t)*qw+(h+1)*hd]
					var sum float32
					for u := range p {
						if p[u] == 0 {
							dp[u] = 0
							continue
						}
						vu := v[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
						dvu := dv[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
						var dot float32
						for j, x := range do {
							dot += x * vu[j]
							dvu[j] += p[u] * x
						}
						dp[u] = dot
						sum += p[u] * dot
					}
					qt := q[(b*T+t)*qw+h*hd : (b*T+t)*qw+(h+1)*hd]
					dqt := dq[(b*T+t)*qw+h*hd : (b*T+t)*qw+(h+1)*hd]
					for u := range p {
						if p[u] == 0 {
							continue
						}
						ds := p[u] * (dp[u] - sum) * scale
						ku := k[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
						dku := dk[(b*T+u)*kw+kvh*hd : (b*T+u)*kw+(kvh+1)*hd]
						for j := range qt {
							dqt[j] += ds * ku[j]
							dku[j] += ds * qt[j]
						}
					}
				}
			}
		}
	})
	return dq, dk, dv
}
