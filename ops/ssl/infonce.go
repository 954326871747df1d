package ssl

import (
	"fmt"
	"math"

	"pare/ops/autograd"
	"pare/ops/kernels"
	"pare/ops/tensor"
)

// DefaultBlockRows is the row-block size of InfoNCE, as GRACE's reference
// code uses (batch_size 1024 in its batched loss).
const DefaultBlockRows = 1024

// GRACELoss returns GRACE's symmetric InfoNCE objective (Zhu et al.,
// arXiv:2006.04131) for projected embeddings z1, z2 of two views, shape
// [N, d]. With θ the cosine similarity and temperature tau,
//
//	ℓ(uᵢ, vᵢ) = −log( e^{θ(uᵢ,vᵢ)/τ} / (Σ_k e^{θ(uᵢ,v_k)/τ} + Σ_{k≠i} e^{θ(uᵢ,u_k)/τ}) )
//	L = (1/2N) Σᵢ [ℓ(uᵢ, vᵢ) + ℓ(vᵢ, uᵢ)],
//
// so the other nodes of both views are negatives. Rows are processed in
// blocks of blockRows, so the similarity scratch is 2·blockRows·N floats
// instead of N².
func GRACELoss(z1, z2 *autograd.Var, tau float64, blockRows int) *autograd.Var {
	return InfoNCE(autograd.Normalize(z1, 1e-12), autograd.Normalize(z2, 1e-12), tau, blockRows)
}

// InfoNCE is GRACELoss on rows that are already L2-normalised, so the dot
// products are the cosines. It panics with *autograd.Error on mismatched
// shapes or a non-positive tau or block size.
//
// The forward pass also computes the gradients with respect to u and v
// for a unit upstream gradient, block by block: each block holds every
// column of its rows and so completes their softmax denominators. Backward
// then only scales those gradients. That costs no more GEMM work than
// PyTorch's autograd over the full N×N matrices and needs no recomputation.
func InfoNCE(u, v *autograd.Var, tau float64, blockRows int) *autograd.Var {
	us, vs := u.Shape(), v.Shape()
	if len(us) != 2 || !sameInts(us, vs) {
		panic(&autograd.Error{Op: "info_nce", Msg: fmt.Sprintf("views have shapes %s and %s; want equal (N, d) shapes", tensor.ShapeString(us), tensor.ShapeString(vs))})
	}
	if !(tau > 0) || blockRows <= 0 {
		panic(&autograd.Error{Op: "info_nce", Msg: fmt.Sprintf("tau %v and block size %d; want positive values", tau, blockRows)})
	}
	n, d := us[0], us[1]
	if n == 0 {
		panic(&autograd.Error{Op: "info_nce", Msg: "needs at least one node"})
	}
	ud, vd := u.Data(), v.Data()
	needGrad := u.RequiresGrad() || v.RequiresGrad()
	var gu, gv []float32
	if needGrad {
		gu = make([]float32, n*d)
		gv = make([]float32, n*d)
	}
	s := &infoNCEScratch{n: n, d: d, tau: tau, block: min(blockRows, n)}
	s.ab = make([]float32, s.block*n)
	s.aa = make([]float32, s.block*n)
	total := s.half(ud, vd, gu, gv, needGrad) + s.half(vd, ud, gv, gu, needGrad)
	loss := tensor.Scalar(float32(total / float64(2*n)))

	return autograd.NewOp("info_nce", loss, []*autograd.Var{u, v}, func(g []float32) {
		scale := g[0] / float32(2*n)
		for _, pair := range []struct {
			in  *autograd.Var
			acc []float32
		}{{u, gu}, {v, gv}} {
			dst := pair.in.GradBuffer()
			if dst == nil {
				continue
			}
			for i, x := range pair.acc {
				dst[i] += scale * x
			}
		}
	})
}

type infoNCEScratch struct {
	n, d, block int
	tau         float64
	ab, aa      []float32 // block × n similarity (then gradient) scratch
}

// half returns Σᵢ ℓ(aᵢ, bᵢ) and, when grad is set, adds ∂/∂a and ∂/∂b of
// that sum into ga and gb.
func (s *infoNCEScratch) half(a, b, ga, gb []float32, grad bool) float64 {
	n, d := s.n, s.d
	invTau := 1 / s.tau
	var total float64
	for r0 := 0; r0 < n; r0 += s.block {
		rows := min(s.block, n-r0)
		ab, aa := s.ab[:rows*n], s.aa[:rows*n]
		aBlock := a[r0*d:]
		kernels.Sgemm(false, true, rows, n, d, 1, aBlock, d, b, d, 0, ab, n)
		kernels.Sgemm(false, true, rows, n, d, 1, aBlock, d, a, d, 0, aa, n)

		// Turn each row of similarities into softmax weights in place:
		// p = e^{θ/τ} / D with the shift by 1/τ (θ ≤ 1) keeping every
		// exponent ≤ 0. ab becomes (p − δ)/τ and aa becomes p/τ off the
		// diagonal and 0 on it: the gradient of ℓ with respect to θ.
		losses := make([]float64, rows)
		kernels.ParallelFor(rows, 16, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				rowAB, rowAA := ab[i*n:(i+1)*n], aa[i*n:(i+1)*n]
				self := r0 + i
				var den float64
				for k, x := range rowAB {
					e := expApprox((float64(x) - 1) * invTau)
					rowAB[k] = float32(e)
					den += e
				}
				for k, x := range rowAA {
					e := 0.0
					if k != self {
						e = expApprox((float64(x) - 1) * invTau)
					}
					rowAA[k] = float32(e)
					den += e
				}
				pos := float64(rowAB[self])
				losses[i] = math.Log(den) - math.Log(pos)
				if !grad {
					continue
				}
				w := float32(invTau / den)
				for k := range rowAB {
					rowAB[k] *= w
					rowAA[k] *= w
				}
				rowAB[self] -= float32(invTau)
			}
		})
		for _, l := range losses {
			total += l
		}
		if !grad {
			continue
		}
		// θ_ab = a_B·bᵀ: ∂a_B += G_ab·b and ∂b += G_abᵀ·a_B.
		// θ_aa = a_B·aᵀ: ∂a_B += G_aa·a and ∂a += G_aaᵀ·a_B.
		gaBlock := ga[r0*d:]
		kernels.Sgemm(false, false, rows, d, n, 1, ab, n, b, d, 1, gaBlock, d)
		kernels.Sgemm(true, false, n, d, rows, 1, ab, n, aBlock, d, 1, gb, d)
		kernels.Sgemm(false, false, rows, d, n, 1, aa, n, a, d, 1, gaBlock, d)
		kernels.Sgemm(true, false, n, d, rows, 1, aa, n, aBlock, d, 1, ga, d)
	}
	return total
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
