package moe

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"pare/ops/ot"
)

// Align returns the permutation σ that matches barycenter row j to expert
// row σ[j] with minimal Σ_j ‖X[j] − S[σ[j]]‖². Because Σ‖X[j]‖² and Σ‖S[l]‖²
// do not depend on σ, it maximizes Σ_j ⟨X[j], S[σ[j]]⟩ instead: one float64
// GEMM for X·Sᵀ and an exact linear assignment (Jonker–Volgenant), so σ is
// optimal, never an approximation or a capped network simplex.
func Align(X, S ot.Matrix) ([]int, error) {
	return AlignContext(context.Background(), X, S)
}

// AlignContext is Align with cancellation of the assignment.
func AlignContext(ctx context.Context, X, S ot.Matrix) ([]int, error) {
	if X.Rows != S.Rows || X.Cols != S.Cols {
		return nil, fmt.Errorf("moe: expert: got %d×%d, want %d×%d like the barycenter", S.Rows, S.Cols, X.Rows, X.Cols)
	}
	cost, err := ot.DotProducts(X, S)
	if err != nil {
		return nil, fmt.Errorf("moe: alignment: %w", err)
	}
	for t, v := range cost.Data {
		cost.Data[t] = -v
	}
	asg, err := ot.LinearAssignmentContext(ctx, cost, false)
	if err != nil {
		return nil, fmt.Errorf("moe: alignment: %w", err)
	}
	return asg.ColInd, nil
}

// BarycenterOptions configures Barycenter.
type BarycenterOptions struct {
	// Init is the index of the expert whose support points start the
	// iteration; the zero value starts from expert 0.
	Init int
	// MaxIter caps the iterations; default 100.
	MaxIter int
	// StopThr stops when ‖X_new − X‖_F² <= StopThr (absolute); 0 runs
	// until the alignments stop changing, the exact fixed point.
	StopThr float64
}

// BarycenterResult is a barycenter expert with the final alignments.
type BarycenterResult struct {
	// X is the p×D barycenter expert.
	X ot.Matrix
	// Perms[k] aligns expert k to the final X: row j of X is matched to
	// neuron Perms[k][j] of expert k. Each is a bijection.
	Perms [][]int
	// Displacement[t] is ‖X_{t+1} − X_t‖_F² after iteration t.
	Displacement []float64
	// Objective is (1/N) Σ_k ‖P_k·S_k − X‖_F², the mean squared residual
	// norm per expert at the final alignments.
	Objective  float64
	Iterations int
	// Converged is true when the alignments stopped changing or the
	// displacement reached StopThr before MaxIter.
	Converged bool
}

// Barycenter computes the free-support Wasserstein-2 barycenter of the
// experts S_1..S_N (each p×D, uniform weights on p atoms, uniform expert
// weights) with p atoms, by alternating minimization of
// Σ_k ‖P_k·S_k − X‖_F²: align every expert to X exactly, then set X to the
// mean of the aligned experts. This is the fixed point of Cuturi and Doucet
// (ICML 2014, arXiv:1310.4375, Algorithm 2 with θ = 1), which POT's
// ot.lp.free_support_barycenter runs; with equal uniform measures every
// optimal plan is a permutation divided by p, so an assignment solver
// replaces the network simplex. The objective never increases and there
// are finitely many permutations, so with exact assignments the loop stops
// when no alignment changes. Finally every expert is re-aligned to the
// final X.
//
// Experts are aligned in parallel, up to GOMAXPROCS at once.
func Barycenter(ctx context.Context, experts []ot.Matrix, opt BarycenterOptions) (*BarycenterResult, error) {
	if len(experts) == 0 {
		return nil, fmt.Errorf("moe: experts: got none, want at least one")
	}
	p, D := experts[0].Rows, experts[0].Cols
	for k, S := range experts {
		if S.Rows != p || S.Cols != D || len(S.Data) != p*D {
			return nil, fmt.Errorf("moe: experts[%d]: got %d×%d, want %d×%d like experts[0]; every expert must have the same width", k, S.Rows, S.Cols, p, D)
		}
	}
	if p == 0 || D == 0 {
		return nil, fmt.Errorf("moe: experts: got %d×%d, want at least one neuron and one weight", p, D)
	}
	if opt.Init < 0 || opt.Init >= len(experts) {
		return nil, fmt.Errorf("moe: init: got %d, want an expert index in [0, %d)", opt.Init, len(experts))
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 100
	}

	N := len(experts)
	X := ot.Matrix{Rows: p, Cols: D, Data: append([]float64(nil), experts[opt.Init].Data...)}
	res := &BarycenterResult{}
	var prev [][]int
	for it := 0; it < opt.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		perms, err := alignAll(ctx, X, experts)
		if err != nil {
			return nil, err
		}
		unchanged := prev != nil
		for k := range perms {
			if prev != nil && !slices.Equal(perms[k], prev[k]) {
				unchanged = false
			}
		}
		if unchanged {
			// Same alignments give the same mean: X is the fixed point.
			res.Converged = true
			break
		}
		prev = perms

		next := ot.NewMatrix(p, D)
		for k, S := range experts {
			for j, l := range perms[k] {
				dst, src := next.Row(j), S.Row(l)
				for c, v := range src {
					dst[c] += v
				}
			}
		}
		var disp float64
		for t := range next.Data {
			next.Data[t] /= float64(N)
			diff := next.Data[t] - X.Data[t]
			disp += diff * diff
		}
		X = next
		res.Displacement = append(res.Displacement, disp)
		res.Iterations = it + 1
		if disp <= opt.StopThr {
			res.Converged = true
			break
		}
	}

	perms, err := alignAll(ctx, X, experts)
	if err != nil {
		return nil, err
	}
	res.X, res.Perms = X, perms
	for k, S := range experts {
		for j, l := range perms[k] {
			for c, v := range S.Row(l) {
				diff := v - X.Row(j)[c]
				res.Objective += diff * diff
			}
		}
	}
	res.Objective /= float64(N)
	return res, nil
}

// alignAll aligns every expert to X.
func alignAll(ctx context.Context, X ot.Matrix, experts []ot.Matrix) ([][]int, error) {
	perms := make([][]int, len(experts))
	errs := make([]error, len(experts))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k := range experts {
		wg.Add(1)
		sem <- struct{}{}
		go func(k int) {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[k] = ctx.Err()
				return
			}
			perms[k], errs[k] = AlignContext(ctx, X, experts[k])
		}(k)
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("expert %d: %w", k, err)
		}
	}
	return perms, nil
}

// Residual returns S[perm] − X, the aligned expert minus the barycenter.
func Residual(S ot.Matrix, perm []int, X ot.Matrix) ot.Matrix {
	R := PermuteRows(S, perm)
	for t, x := range X.Data {
		R.Data[t] -= x
	}
	return R
}

// Average returns the element-wise mean of the experts in their own neuron
// order, the "average without alignment" baseline's center.
func Average(experts []ot.Matrix) ot.Matrix {
	X := ot.NewMatrix(experts[0].Rows, experts[0].Cols)
	for _, S := range experts {
		for t, v := range S.Data {
			X.Data[t] += v
		}
	}
	for t := range X.Data {
		X.Data[t] /= float64(len(experts))
	}
	return X
}
