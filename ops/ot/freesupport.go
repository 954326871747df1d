package ot

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// FreeSupportOptions configures FreeSupportBarycenter. The zero value gives
// POT's defaults for ot.lp.free_support_barycenter.
type FreeSupportOptions struct {
	// B are the barycenter's atom weights (length k, fixed); uniform 1/k
	// when nil.
	B []float64
	// Weights are the measures' barycentric coordinates (length N, summing
	// to 1); uniform 1/N when nil.
	Weights []float64
	// MaxIter caps the fixed-point iterations; default 100.
	MaxIter int
	// StopThr stops when the squared displacement ‖X_new − X‖_F² is at most
	// StopThr (absolute, not normalized); default 1e-7.
	StopThr float64
	// EMDMaxIter caps the network-simplex pivots of each inner transport
	// problem; DefaultEMDMaxIter when <= 0.
	EMDMaxIter int
	// Progress, when set, is called after each iteration with the number
	// of iterations done and the squared displacement of the last one.
	Progress func(iteration int, displacement float64)
}

// FreeSupportResult is a free-support Wasserstein barycenter.
type FreeSupportResult struct {
	// X holds the k barycenter atoms (k×d).
	X Matrix
	// Displacement[t] is ‖X_{t+1} − X_t‖_F² after iteration t, POT's
	// displacement_square_norms log.
	Displacement []float64
	Iterations   int
	// Status is MaxIterReached when MaxIter iterations ran without the
	// displacement reaching StopThr.
	Status Status
	// InnerCapHits counts inner transport problems that stopped at
	// EMDMaxIter pivots with a non-optimal plan; it is 0 when
	// every inner problem was solved exactly.
	InnerCapHits int
}

// FreeSupportBarycenter computes the locations X (k×d) of a Wasserstein-2
// barycenter with fixed atom weights b of the measures Σ_l w_i[l]·δ(S_i[l])
// (locations[i] is k_i×d, measureWeights[i] has length k_i):
//
//	min_X Σ_i weights[i] · W₂²(Σ_j b[j] δ(X[j]), Σ_l w_i[l] δ(S_i[l]))
//
// by the fixed point of M. Cuturi and A. Doucet, "Fast computation of
// Wasserstein barycenters", ICML 2014, arXiv:1310.4375, Algorithm 2, with
// step θ = 1 and no weight update, i.e. the discrete form of the fixed-point
// iteration of P. C. Álvarez-Esteban, E. del Barrio, J. A. Cuesta-Albertos,
// C. Matrán, J. Math. Anal. Appl. 441(2) 2016, arXiv:1511.05355. This is
// POT's ot.lp.free_support_barycenter:
//
//	repeat: T_i = exact OT plan (b, w_i) for cost ‖X[j] − S_i[l]‖²
//	        X_new = Σ_i weights[i] · diag(1/b) · T_i · S_i
//	        stop when ‖X_new − X‖_F² <= StopThr
//
// Each inner problem is solved by EMD; when b and w_i are both uniform with
// k == k_i it is a linear assignment, solved exactly by LinearAssignment and
// applied as a row gather instead of a product with the plan. The N inner
// problems of an iteration run in parallel, up to GOMAXPROCS at once.
//
// All locations must be finite and share the width d of xInit; each
// measure's weights must be non-negative with the mass of b.
func FreeSupportBarycenter(ctx context.Context, locations []Matrix, measureWeights [][]float64, xInit Matrix, opt FreeSupportOptions) (*FreeSupportResult, error) {
	k, d := xInit.Rows, xInit.Cols
	if err := checkFinite("X_init", xInit); err != nil {
		return nil, err
	}
	if k == 0 {
		return nil, inputErr("X_init", "0 atoms", "at least one atom")
	}
	N := len(locations)
	if N == 0 {
		return nil, inputErr("measures_locations", "no measures", "at least one measure")
	}
	if len(measureWeights) != N {
		return nil, inputErr("measures_weights", fmt.Sprintf("%d weight vectors", len(measureWeights)), fmt.Sprintf("%d, one per measure", N))
	}
	b := opt.B
	if b == nil {
		b = Unif(k)
	}
	sumB, err := checkWeights("b", b, k)
	if err != nil {
		return nil, err
	}
	for j, x := range b {
		if x == 0 {
			return nil, inputErr(fmt.Sprintf("b[%d]", j), "0", "a positive atom weight (the update divides by b)")
		}
	}
	for i, loc := range locations {
		if err := checkFinite(fmt.Sprintf("measures_locations[%d]", i), loc); err != nil {
			return nil, err
		}
		if loc.Cols != d {
			return nil, inputErr(fmt.Sprintf("measures_locations[%d]", i), fmt.Sprintf("width %d", loc.Cols), fmt.Sprintf("width %d like X_init", d))
		}
		sum, err := checkWeights(fmt.Sprintf("measures_weights[%d]", i), measureWeights[i], loc.Rows)
		if err != nil {
			return nil, err
		}
		if _, err := checkBalanced(sumB, sum, nil); err != nil {
			return nil, inputErr(fmt.Sprintf("measures_weights[%d]", i), fmt.Sprintf("total mass %.12g", sum), fmt.Sprintf("the mass of b, %.12g", sumB))
		}
	}
	weights := opt.Weights
	if weights == nil {
		weights = Unif(N)
	}
	if err := checkSimplex("weights", weights, N); err != nil {
		return nil, err
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 100
	}
	if opt.StopThr <= 0 {
		opt.StopThr = 1e-7
	}

	X := Matrix{Rows: k, Cols: d, Data: append([]float64(nil), xInit.Data...)}
	res := &FreeSupportResult{Status: MaxIterReached}
	uniformB := isUniform(b)
	parts := make([]Matrix, N)
	for i := range parts {
		parts[i] = NewMatrix(k, d)
	}

	for it := 0; it < opt.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		capHits, err := transportAll(ctx, X, locations, measureWeights, b, uniformB, opt.EMDMaxIter, parts)
		if err != nil {
			return nil, err
		}
		res.InnerCapHits += capHits

		next := NewMatrix(k, d)
		for i, p := range parts {
			w := weights[i]
			for t, x := range p.Data {
				next.Data[t] += w * x
			}
		}
		var disp float64
		for t, x := range next.Data {
			diff := x - X.Data[t]
			disp += diff * diff
		}
		X = next
		res.Displacement = append(res.Displacement, disp)
		res.Iterations = it + 1
		if opt.Progress != nil {
			opt.Progress(it+1, disp)
		}
		if disp <= opt.StopThr {
			res.Status = Optimal
			break
		}
	}
	res.X = X
	return res, nil
}

// transportAll sets parts[i] = diag(1/b)·T_i·S_i for every measure, where
// T_i is the exact plan from the atoms X to measure i, solving up to
// GOMAXPROCS measures at once. It returns how many inner EMDs hit their cap.
func transportAll(ctx context.Context, X Matrix, locations []Matrix, measureWeights [][]float64, b []float64, uniformB bool, emdMaxIter int, parts []Matrix) (int, error) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		hits    int
	)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range locations {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			hit, err := transportOne(ctx, X, locations[i], measureWeights[i], b, uniformB, emdMaxIter, parts[i])
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstEr == nil {
				firstEr = fmt.Errorf("measure %d: %w", i, err)
			}
			if hit {
				hits++
			}
		}(i)
	}
	wg.Wait()
	return hits, firstEr
}

// transportOne computes diag(1/b)·T·S for one measure into out.
func transportOne(ctx context.Context, X, S Matrix, w, b []float64, uniformB bool, emdMaxIter int, out Matrix) (bool, error) {
	cost := sqEuclidean(X, S)
	if uniformB && S.Rows == X.Rows && isUniform(w) {
		// The plan is a permutation divided by k: atom j moves to S[σ(j)].
		asg, err := LinearAssignmentContext(ctx, cost, false)
		if err != nil {
			return false, err
		}
		for j, l := range asg.ColInd {
			copy(out.Row(asg.RowInd[j]), S.Row(l))
		}
		return false, nil
	}

	res, err := EMD(ctx, b, w, cost, emdMaxIter)
	if err != nil {
		return false, err
	}
	// A basic optimal plan has at most k + k_i − 1 nonzeros, so the product
	// diag(1/b)·T·S is accumulated over them instead of as a dense GEMM.
	clear(out.Data)
	for j := range b {
		dst := out.Row(j)
		for l, t := range res.Plan.Row(j) {
			if t == 0 {
				continue
			}
			axpy(t/b[j], S.Row(l), dst)
		}
	}
	return res.Status == MaxIterReached, nil
}
