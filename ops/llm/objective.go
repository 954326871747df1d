package llm

import (
	"fmt"
	"math"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Objective maps logits [B, T, vocab] to a scalar and its gradient with
// respect to the logits. It is the f of Model.Gradient: a training loss or
// an output proxy for saliency scores |w · ∂f/∂w|.
type Objective func(logits *tensor.Tensor) (value float64, dLogits *tensor.Tensor, err error)

// Gradient runs one forward and one backward pass of f over a [B, T] batch
// and accumulates ∂f/∂w into grads (nil allocates them). It returns f.
func (m *Model) Gradient(ids []int, B, T int, mask []bool, f Objective, grads *Weights) (float64, *Weights, error) {
	logits, cache, err := m.ForwardCache(ids, B, T, mask)
	if err != nil {
		return 0, nil, err
	}
	value, dl, err := f(logits)
	if err != nil {
		return 0, nil, err
	}
	grads, err = m.Backward(cache, dl, grads)
	return value, grads, err
}

// NextTokenTargets returns, for a [B, T] batch, the target of each position:
// the next token of the same sequence, or -1 for the last position and for
// positions whose next token is masked out.
func NextTokenTargets(ids []int, B, T int, mask []bool) []int {
	tg := make([]int, B*T)
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			i := b*T + t
			tg[i] = -1
			if t+1 < T && (mask == nil || (mask[i] && mask[i+1])) {
				tg[i] = ids[i+1]
			}
		}
	}
	return tg
}

// CrossEntropy returns the objective "mean next-token negative
// log-likelihood in nats over the positions with a target" for targets
// shaped like the logits' first two axes (-1 marks no target).
func CrossEntropy(targets []int) Objective {
	return func(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
		nll, count, dl, err := crossEntropy(logits, targets, true)
		if err != nil {
			return 0, nil, err
		}
		if count == 0 {
			return 0, nil, fmt.Errorf("llm: cross-entropy: no position has a target")
		}
		return nll / float64(count), dl, nil
	}
}

// crossEntropy returns the summed NLL (nats) and the number of scored
// positions; with grad it also returns ∂(mean NLL)/∂logits.
func crossEntropy(logits *tensor.Tensor, targets []int, grad bool) (float64, int, *tensor.Tensor, error) {
	V := logits.Dim(-1)
	n := logits.Size() / V
	if len(targets) != n {
		return 0, 0, nil, fmt.Errorf("llm: cross-entropy: %d targets for %d positions", len(targets), n)
	}
	count := 0
	for _, t := range targets {
		if t >= V {
			return 0, 0, nil, fmt.Errorf("llm: cross-entropy: target %d is outside the vocabulary of %d tokens", t, V)
		}
		if t >= 0 {
			count++
		}
	}
	z := logits.Data()
	var dl *tensor.Tensor
	if grad {
		dl = tensor.New(logits.Shape()...)
	}
	nll := make([]float64, n)
	kernels.ParallelFor(n, 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if targets[i] < 0 {
				continue
			}
			row := z[i*V : (i+1)*V]
			lse := logSumExp(row)
			nll[i] = lse - float64(row[targets[i]])
			if grad {
				g := dl.Data()[i*V : (i+1)*V]
				inv := 1 / float64(count)
				for j, v := range row {
					g[j] = float32(math.Exp(float64(v)-lse) * inv)
				}
				g[targets[i]] -= float32(inv)
			}
		}
	})
	var sum float64
	for _, v := range nll {
		sum += v
	}
	return sum, count, dl, nil
}

func logSumExp(row []float32) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// MaxOverPositions is NIRVANA's reference output proxy (arXiv 2509.14230,
// reference code): f = (1/(B·V)) Σ_b Σ_v max_t Z[b, t, v], the largest
// logit of each vocabulary entry over the positions of a sequence, averaged
// over batch and vocabulary. Ties take the first position.
func MaxOverPositions(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
	if logits.Ndim() != 3 {
		return 0, nil, fmt.Errorf("llm: max_over_positions: logits of shape %v, want [B, T, vocab]", logits.Shape())
	}
	B, T, V := logits.Dim(0), logits.Dim(1), logits.Dim(2)
	z := logits.Data()
	dl := tensor.New(B, T, V)
	g := dl.Data()
	scale := 1 / float64(B*V)
	var f float64
	for b := 0; b < B; b++ {
		for v := 0; v < V; v++ {
			best := 0
			for t := 1; t < T; t++ {
				if z[(b*T+t)*V+v] > z[(b*T+best)*V+v] {
					best = t
				}
			}
			f += float64(z[(b*T+best)*V+v])
			g[(b*T+best)*V+v] = float32(scale)
		}
	}
	return f * scale, dl, nil
}

// MaxOverVocab is the output proxy f = (1/(B·T)) Σ_{b,t} max_v Z[b, t, v].
func MaxOverVocab(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
	V := logits.Dim(-1)
	n := logits.Size() / V
	z := logits.Data()
	dl := tensor.New(logits.Shape()...)
	g := dl.Data()
	var f float64
	for i := 0; i < n; i++ {
		row := z[i*V : (i+1)*V]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		f += float64(row[best])
		g[i*V+best] = float32(1 / float64(n))
	}
	return f / float64(n), dl, nil
}

// SumLogits is the output proxy f = Σ Z, the sum of every logit.
func SumLogits(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
	var f float64
	for _, v := range logits.Data() {
		f += float64(v)
	}
	dl := tensor.New(logits.Shape()...)
	for i := range dl.Data() {
		dl.Data()[i] = 1
	}
	return f, dl, nil
}

// L2Norm is the output proxy f = ‖Z‖₂, the Euclidean norm of all logits.
func L2Norm(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
	z := logits.Data()
	var ss float64
	for _, v := range z {
		ss += float64(v) * float64(v)
	}
	f := math.Sqrt(ss)
	dl := tensor.New(logits.Shape()...)
	if f > 0 {
		g := dl.Data()
		for i, v := range z {
			g[i] = float32(float64(v) / f)
		}
	}
	return f, dl, nil
}
