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

// gemm1 is a single-threaded SGEMM for use inside parallel loops.
func gemm1(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if err := kernels.SgemmWith("", 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); err != nil {
		panic(err)
	}
}

// attentionForward computes causal softmax attention. q is [B·T, heads·hd],
// k and v are [B·T, kvHs·hd]; the result is [B·T, heads·hd]. When probs is
// not nil it receives the attention weights, [B, heads, T, T], zero above
// the diagonal. A query with no visible key gets a zero output. Each head is
// two GEMMs (scores = q·kᵀ, out = P·v) around a row softmax.
func attentionForward(q, k, v []float32, s attnShape, probs []float32) []float32 {
	T, hd := s.T, s.hd
	qw, kw := s.heads*hd, s.kvHs*hd
	out := tensor.Alloc(s.B*T*qw, s.B*T, qw)
	scale := float32(1 / math.Sqrt(float64(hd)))
	g := s.group()
	kernels.ParallelFor(s.B*s.heads, 1, func(lo, hi int) {
		var scratch []float32
		for bh := lo; bh < hi; bh++ {
			b, h := bh/s.heads, bh%s.heads
			kvh := h / g
			p := scratch
			if probs != nil {
				p = probs[bh*T*T : (bh+1)*T*T]
			} else if p == nil {
				scratch = make([]float32, T*T)
				p = scratch
			}
			qh := q[b*T*qw+h*hd:]
			kh := k[b*T*kw+kvh*hd:]
			vh := v[b*T*kw+kvh*hd:]
			gemm1(false, true, T, T, hd, scale, qh, qw, kh, kw, 0, p, T)
			var mask []bool
			if s.mask != nil {
				mask = s.mask[b*T : (b+1)*T]
			}
			for t := 0; t < T; t++ {
				softmaxCausalRow(p[t*T:(t+1)*T], t, mask)
			}
			gemm1(false, false, T, hd, T, 1, p, T, vh, kw, 0, out[b*T*qw+h*hd:], qw)
		}
	})
	return out
}

// softmaxCausalRow turns row (scores of query t) into probabilities over
// keys u <= t that the mask keeps, and zeros the rest.
func softmaxCausalRow(row []float32, t int, mask []bool) {
	maxv := float32(math.Inf(-1))
	for u := 0; u <= t; u++ {
		if mask != nil && !mask[u] {
			continue
		}
		maxv = max(maxv, row[u])
	}
	if math.IsInf(float64(maxv), -1) {
		clear(row)
		return
	}
	var sum float32
	for u := 0; u <= t; u++ {
		if mask != nil && !mask[u] {
			row[u] = 0
			continue
		}
		e := expf(row[u] - maxv)
		row[u] = e
		sum += e
	}
	inv := 1 / sum
	for u := 0; u <= t; u++ {
		row[u] *= inv
	}
	clear(row[t+1:])
}

// attentionBackward returns the gradients of q, k and v given the output
// gradient dOut and the weights probs saved by attentionForward. Work is
// split by (sequence, KV head), so every worker owns the k and v rows it
// writes. Per head, with P the weights and dO the output gradient:
// dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP))·scale,
// dQ = dS·K, dK += dSᵀ·Q.
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
		dp := make([]float32, T*T)
		for bk := lo; bk < hi; bk++ {
			b, kvh := bk/s.kvHs, bk%s.kvHs
			kh := k[b*T*kw+kvh*hd:]
			vh := v[b*T*kw+kvh*hd:]
			dkh := dk[b*T*kw+kvh*hd:]
			dvh := dv[b*T*kw+kvh*hd:]
			for h := kvh * g; h < (kvh+1)*g; h++ {
				bh := b*s.heads + h
				p := probs[bh*T*T : (bh+1)*T*T]
				doh := dOut[b*T*qw+h*hd:]
				qh := q[b*T*qw+h*hd:]
				gemm1(true, false, T, hd, T, 1, p, T, doh, qw, 1, dvh, kw)
				gemm1(false, true, T, T, hd, 1, doh, qw, vh, kw, 0, dp, T)
				for t := 0; t < T; t++ {
					pr, dr := p[t*T:t*T+t+1], dp[t*T:t*T+t+1]
					var sum float32
					for u, pu := range pr {
						sum += pu * dr[u]
					}
					for u, pu := range pr {
						dr[u] = pu * (dr[u] - sum) * scale
					}
					clear(dp[t*T+t+1 : (t+1)*T])
				}
				gemm1(false, false, T, hd, T, 1, dp, T, kh, kw, 0, dq[b*T*qw+h*hd:], qw)
				gemm1(true, false, T, hd, T, 1, dp, T, qh, qw, 1, dkh, kw)
			}
		}
	})
	return dq, dk, dv
}
