package ssl

import (
	"fmt"
	"math"

	"pare/ops/autograd"
	"pare/ops/tensor"
)

// BYOLLoss returns BGRL's objective term mean over nodes of
// 2 − 2·cos(qᵢ, sg(tᵢ)) (Thakoor et al., arXiv:2102.06514): q is the online
// prediction and t the target projection, through which no gradient flows.
func BYOLLoss(q, t *autograd.Var) *autograd.Var {
	cos := autograd.CosineSimilarity(q, t.Detach(), 1e-8)
	return autograd.RSubScalar(autograd.MulScalar(autograd.MeanAll(cos), 2), 2)
}

// SCELoss returns GraphMAE's scaled cosine error (Hou et al.,
// arXiv:2205.10803) over the listed nodes: mean of (1 − cos(xᵥ, zᵥ))^γ with
// x the original features and z the reconstruction; γ ≥ 1 sharpens it.
func SCELoss(x, z *autograd.Var, nodes []int, gamma float64) *autograd.Var {
	xs := autograd.IndexSelect(x, 0, nodes)
	zs := autograd.IndexSelect(z, 0, nodes)
	cos := autograd.CosineSimilarity(xs, zs, 1e-12)
	return autograd.MeanAll(autograd.Pow(autograd.RSubScalar(cos, 1), float32(gamma)))
}

// NTXentLoss returns GraphCL's NT-Xent loss (You et al., arXiv:2010.13902)
// for two views of a batch, z1 and z2 [B, d]: the mean over n of
// −log( e^{sim(z1ₙ, z2ₙ)/τ} / Σ_{m≠n} e^{sim(z1ₙ, z2ₘ)/τ} ), with sim the
// cosine. The denominator leaves the positive pair out, as GraphCL's code
// does.
func NTXentLoss(z1, z2 *autograd.Var, tau float64) *autograd.Var {
	b := z1.Shape()[0]
	if b < 2 {
		panic(&autograd.Error{Op: "nt_xent", Msg: fmt.Sprintf("batch of %d graphs; want at least 2 so each has a negative", b)})
	}
	n1, n2 := autograd.Normalize(z1, 1e-12), autograd.Normalize(z2, 1e-12)
	sim := autograd.MulScalar(autograd.MatMul(n1, autograd.T(n2)), float32(1/tau))

	// The diagonal holds the positives. A large negative constant on it
	// removes them from the log-sum-exp of the negatives.
	maskData := make([]float32, b*b)
	diag := make([]int, b)
	for i := 0; i < b; i++ {
		maskData[i*b+i] = -1e30
		diag[i] = i
	}
	negatives := autograd.LogSumExp(autograd.Add(sim, autograd.Const(tensor.MustFromSlice(maskData, b, b))), 1, false)
	positives := autograd.Reshape(autograd.Gather(sim, 1, diag, []int{b, 1}), b)
	return autograd.MeanAll(autograd.Sub(negatives, positives))
}

// JSDLoss returns InfoGraph's Jensen-Shannon mutual-information objective
// (Sun et al., arXiv:1908.01000) for node ("local") embeddings [Nnodes, d]
// and graph ("global") embeddings [G, d], where graphOf[v] is node v's
// graph: with T = local·globalᵀ,
//
//	E_pos = mean over (v, own graph) of (log 2 − softplus(−T))
//	E_neg = mean over (v, other graph) of (softplus(−T) + T − log 2)
//	L = E_neg − E_pos.
func JSDLoss(local, global *autograd.Var, graphOf []int) *autograd.Var {
	nNodes, g := local.Shape()[0], global.Shape()[0]
	if len(graphOf) != nNodes {
		panic(&autograd.Error{Op: "jsd", Msg: fmt.Sprintf("%d graph ids for %d nodes", len(graphOf), nNodes)})
	}
	if g < 2 {
		panic(&autograd.Error{Op: "jsd", Msg: fmt.Sprintf("%d graphs; want at least 2 so negatives exist", g)})
	}
	pos := make([]float32, nNodes*g)
	neg := make([]float32, nNodes*g)
	for v, gi := range graphOf {
		if gi < 0 || gi >= g {
			panic(&autograd.Error{Op: "jsd", Msg: fmt.Sprintf("node %d belongs to graph %d, outside [0, %d)", v, gi, g)})
		}
		for c := 0; c < g; c++ {
			if c == gi {
				pos[v*g+c] = 1 / float32(nNodes)
			} else {
				neg[v*g+c] = 1 / float32(nNodes*(g-1))
			}
		}
	}
	t := autograd.MatMul(local, autograd.T(global))
	sp := autograd.Softplus(autograd.Neg(t))
	log2 := float32(math.Ln2)
	ePos := autograd.SumAll(autograd.Mul(autograd.Const(tensor.MustFromSlice(pos, nNodes, g)), autograd.RSubScalar(sp, log2)))
	eNeg := autograd.SumAll(autograd.Mul(autograd.Const(tensor.MustFromSlice(neg, nNodes, g)), autograd.AddScalar(autograd.Add(sp, t), -log2)))
	return autograd.Sub(eNeg, ePos)
}

// MVGRLLoss returns MVGRL's cross-view objective (Hassani and Khasahmadi,
// arXiv:2006.05582): with summaries cA = σ(mean hA) and cB = σ(mean hB) of
// the adjacency and diffusion views, the logits [D(hB, cA); D(hA, cB)] are
// labelled 1 and [D(h̃B, cA); D(h̃A, cB)] of the corrupted views 0, under
// one shared bilinear critic and binary cross-entropy.
func MVGRLLoss(d *Discriminator, hA, hB, hANeg, hBNeg *autograd.Var) *autograd.Var {
	cA, cB := Summary(hA), Summary(hB)
	logits := autograd.Concat([]*autograd.Var{
		d.Logits(hB, cA), d.Logits(hA, cB),
		d.Logits(hBNeg, cA), d.Logits(hANeg, cB),
	}, 0)
	nPos := hA.Shape()[0] + hB.Shape()[0]
	labels := tensor.New(logits.Shape()[0])
	for i := 0; i < nPos; i++ {
		labels.Data()[i] = 1
	}
	return autograd.BCEWithLogits(logits, labels)
}

// Readout pools node embeddings h [Nnodes, d] per graph, where graphOf[v]
// is node v's graph in [0, numGraphs): the sum, or with mean set the mean
// (an empty graph pools to zeros).
func Readout(h *autograd.Var, graphOf []int, numGraphs int, mean bool) *autograd.Var {
	d := h.Shape()[1]
	pooled := autograd.IndexAdd(autograd.Const(tensor.New(numGraphs, d)), 0, graphOf, h)
	if !mean {
		return pooled
	}
	inv := make([]float32, numGraphs)
	for _, g := range graphOf {
		inv[g]++
	}
	for g, c := range inv {
		if c > 0 {
			inv[g] = 1 / c
		}
	}
	return autograd.Mul(pooled, autograd.Const(tensor.MustFromSlice(inv, numGraphs, 1)))
}
