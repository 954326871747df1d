package ot

import (
	"context"
	"fmt"
	"math"

	"pare/ops/kernels"
)

// SinkhornOptions configures Sinkhorn and Sinkhorn2. The zero value gives
// POT's defaults.
type SinkhornOptions struct {
	// MaxIter caps the total number of Sinkhorn iterations (one update of
	// each scaling vector) over all epsilon stages; default 1000.
	MaxIter int
	// StopThr stops the final stage when the L2 norm of the column-marginal
	// violation, ‖Pᵀ·1 − b‖₂, is below it at a check. As in POT, the test
	// comes after the update of u, which makes the row marginals exact, and
	// runs every 10th iteration (iterations 1, 11, 21, ...). Default 1e-9.
	StopThr float64
	// Tau is the absorption threshold: when a scaling factor leaves
	// [1/Tau, Tau] it is folded into the dual potentials and the kernel is
	// rebuilt (n·m exponentials). Default 1e50: float64 scalings are safe
	// far beyond POT's 1e3, and each rebuild costs as much as several
	// iterations.
	Tau float64
	// NoEpsilonScaling solves directly at reg instead of through a
	// decreasing sequence of regularizations.
	NoEpsilonScaling bool
}

// SinkhornResult is an entropic optimal-transport solution.
type SinkhornResult struct {
	// Plan is P[i,j] = exp((F[i] + G[j] − M[i,j]) / reg).
	Plan Matrix
	// Cost is Σ Plan[i,j]·M[i,j] without the entropy term, the value POT's
	// ot.sinkhorn2 returns.
	Cost float64
	// F and G are the dual potentials (reg·log of the scalings).
	F, G []float64
	// Err is the column-marginal violation ‖Pᵀ·1 − b‖₂ of Plan, whose row
	// marginals are exact.
	Err float64
	// Iterations counts all Sinkhorn iterations (one update of v, then one
	// of u) over all stages. POT's log["niter"] is the 0-based index of its
	// last iteration, one less than this count for the same run.
	Iterations int
	// Status is MaxIterReached when MaxIter ran out before Err < StopThr.
	Status Status
}

// Sinkhorn solves entropy-regularized optimal transport
//
//	min_P ⟨P, M⟩ + reg·Σ P[i,j](log P[i,j] − 1)  s.t. P·1 = a, Pᵀ·1 = b
//
// by Sinkhorn–Knopp matrix scaling (M. Cuturi, "Sinkhorn distances:
// lightspeed computation of optimal transport", NeurIPS 2013,
// arXiv:1306.0895), stabilized in the log domain as in B. Schmitzer,
// "Stabilized sparse scaling algorithms for entropy regularized transport
// problems", SIAM J. Sci. Comput. 41(3) 2019, arXiv:1610.06519: the kernel
// is K = exp((α ⊕ β − M)/ε) with absorbed potentials α, β, iterations scale
// it by u and v, and u, v are absorbed into α, β whenever they leave
// [1/Tau, Tau]. A row or column whose product Kv or Kᵀu falls below the
// smallest normal float64 (all its kernel entries subnormal or 0) would
// overflow its scaling, so it triggers an exact log-sum-exp update of α
// and β instead. So no value overflows even for small reg. When reg is
// below max(M)/200, epsilon scaling (same source) first solves at
// ε = max(M)/100, max(M)/400, ... (each above 2·reg), each stage
// warm-started from the previous potentials, which cuts the number of
// iterations at small reg.
//
// Without epsilon scaling and with scalings that stay inside [1/Tau, Tau]
// (the case for reg >= max(M)/200 with default options), the iterates and
// the stopping test are POT's ot.sinkhorn (method "sinkhorn"): v = b/Kᵀu,
// then u = a/Kv, with the test every 10th iteration. So the plan matches
// POT's up to rounding (the kernel's exponentials come from an AVX2
// routine within 4.5e-16 relative of math.Exp), and the iteration count is
// POT's niter + 1. Each iteration reads the kernel once, where POT reads
// it twice, plus once per test.
//
// a, b and M are validated as for EMD; reg must be positive and finite.
func Sinkhorn(ctx context.Context, a, b []float64, M Matrix, reg float64, opt SinkhornOptions) (*SinkhornResult, error) {
	if err := checkCosts("M", M, true); err != nil {
		return nil, err
	}
	sumA, err := checkWeights("a", a, M.Rows)
	if err != nil {
		return nil, err
	}
	sumB, err := checkWeights("b", b, M.Cols)
	if err != nil {
		return nil, err
	}
	b, err = checkBalanced(sumA, sumB, b)
	if err != nil {
		return nil, err
	}
	if !(reg > 0) || math.IsInf(reg, 1) {
		return nil, inputErr("reg", fmt.Sprint(reg), "a finite regularization > 0")
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 1000
	}
	if opt.StopThr <= 0 {
		opt.StopThr = 1e-9
	}
	if opt.Tau <= 1 {
		opt.Tau = 1e50
	}
	s := newSinkhornState(a, b, M, opt)
	return s.run(ctx, reg)
}

// Sinkhorn2 returns only the transport cost ⟨P, M⟩ of Sinkhorn's plan.
func Sinkhorn2(ctx context.Context, a, b []float64, M Matrix, reg float64, opt SinkhornOptions) (float64, Status, error) {
	res, err := Sinkhorn(ctx, a, b, M, reg, opt)
	if err != nil {
		return 0, 0, err
	}
	return res.Cost, res.Status, nil
}

type sinkhornState struct {
	a, b        []float64
	M           Matrix
	opt         SinkhornOptions
	alpha, beta []float64 // absorbed potentials
	u, v        []float64 // current scalings
	K           Matrix
	ktu         []float64
	partial     []float64 // per-chunk partial sums of Kᵀu
	eps         float64
}

func newSinkhornState(a, b []float64, M Matrix, opt SinkhornOptions) *sinkhornState {
	n, m := M.Rows, M.Cols
	return &sinkhornState{a: a, b: b, M: M, opt: opt,
		alpha: make([]float64, n), beta: make([]float64, m),
		u: ones(n), v: ones(m), K: NewMatrix(n, m),
		ktu: make([]float64, m)}
}

func ones(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 1
	}
	return x
}

// epsilonSchedule returns the decreasing regularizations of the stages:
// max(M)/100, then a quarter of that each stage while it stays above 2·reg,
// then reg. When reg is at least max(M)/200 there is one stage, because
// plain scaling converges fast there and each stage costs a kernel rebuild
// (n·m exponentials).
func (s *sinkhornState) epsilonSchedule(reg float64) []float64 {
	if s.opt.NoEpsilonScaling {
		return []float64{reg}
	}
	maxM := 0.0
	for _, x := range s.M.Data {
		// A plain comparison: the costs are finite, and max's NaN
		// handling makes this pass several times slower.
		if x > maxM {
			maxM = x
		}
	}
	var eps []float64
	for e := maxM / 100; e > 2*reg && len(eps) < 60; e /= 4 {
		eps = append(eps, e)
	}
	return append(eps, reg)
}

// checkEvery is how often the stopping test runs: every 10th iteration of a
// stage, starting with the first, as in POT's ot.sinkhorn.
const checkEvery = 10

func (s *sinkhornState) run(ctx context.Context, reg float64) (*SinkhornResult, error) {
	stages := s.epsilonSchedule(reg)
	// Intermediate stages only warm-start the next one: each stops at a
	// marginal error of 1e-3 or after its share of half the iteration
	// budget, so the final stage always keeps at least half.
	stageCap := s.opt.MaxIter
	if len(stages) > 1 {
		stageCap = max(10, s.opt.MaxIter/(2*(len(stages)-1)))
	}
	iter := 0
	errNorm := math.Inf(1)
	status := MaxIterReached
	for k, eps := range stages {
		s.eps = eps
		s.buildKernel()
		final := k == len(stages)-1
		thr, limit := s.opt.StopThr, s.opt.MaxIter
		if !final {
			thr, limit = math.Max(thr, 1e-3), min(iter+stageCap, s.opt.MaxIter)
		}
		if iter < limit {
			// The first half-iteration, v = b/Kᵀu.
			s.accumulate(false)
			s.updateV()
		}
		for stageIter := 0; iter < limit; {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// u = a/Kv, and Kᵀu for the test and the next v in the same
			// pass over K.
			ok := s.accumulate(true)
			iter++
			stageIter++
			if !ok {
				s.repair()
				errNorm = math.Inf(1)
				continue
			}
			errNorm = s.columnError()
			if stageIter%checkEvery == 1 && errNorm < thr {
				if final {
					status = Optimal
				}
				break
			}
			if iter == limit {
				break
			}
			if !s.updateV() {
				s.repair()
				errNorm = math.Inf(1)
				continue
			}
			if s.needsAbsorb() {
				s.absorb()
				s.buildKernel()
			}
		}
		if !final {
			s.absorb()
		}
	}
	return s.result(iter, errNorm, status), nil
}

// buildKernel sets K = exp((α_i + β_j − M_ij)/ε) and resets u = v = 1.
func (s *sinkhornState) buildKernel() {
	m := s.M.Cols
	eps := s.eps
	kernels.ParallelFor(s.M.Rows, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			krow, mrow := s.K.Data[i*m:(i+1)*m], s.M.Data[i*m:(i+1)*m]
			ai := s.alpha[i]
			for j, c := range mrow {
				krow[j] = (ai + s.beta[j] - c) / eps
			}
			expInPlace(krow)
		}
	})
	for i := range s.u {
		s.u[i] = 1
	}
	for j := range s.v {
		s.v[j] = 1
	}
}

// chunkRows is the number of rows of K summed into one partial Kᵀu. It does
// not depend on the thread count, so the sums match on every machine. It is
// a multiple of 4 for the four-row loop of accumulate.
const chunkRows = 128

// accumulate sets ktu = Kᵀu in one pass over K, split into row chunks of
// chunkRows rows whose partial sums are added in chunk order at the end. With updateU it first sets
// u_i = a_i/(Kv)_i for each row, so K is read once per iteration where two
// matrix-vector products would read it twice, which bounds the speed at
// large n·m. It returns false when some row of positive weight has a
// (Kv)_i that is 0 or subnormal, because the kernel underflowed on that
// row. Dividing by such a value loses precision or overflows u_i to +Inf,
// and Inf·0 in Kᵀu then spreads NaN. So that row's u_i keeps its old
// value, and the caller repairs the potentials in the log domain. A
// zero-weight row gets u_i = 0.
func (s *sinkhornState) accumulate(updateU bool) bool {
	n, m := s.M.Rows, s.M.Cols
	chunks := max(1, (n+chunkRows-1)/chunkRows)
	if len(s.partial) != chunks*m {
		s.partial = make([]float64, chunks*m)
	}
	zeroRow := false
	kernels.ParallelFor(chunks, 1, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			acc := s.partial[c*m : (c+1)*m]
			clear(acc)
			lo, hi := c*chunkRows, min((c+1)*chunkRows, n)
			// Four rows at a time: the dot products share each load of v,
			// and acc is read and written once for the four.
			for ; lo+4 <= hi; lo += 4 {
				var rows [4][]float64
				for r := range rows {
					rows[r] = s.K.Data[(lo+r)*m : (lo+r+1)*m]
				}
				if updateU {
					kv := dot4(&rows, s.v)
					for r, x := range kv {
						if !s.setU(lo+r, x) {
							zeroRow = true
						}
					}
				}
				u := [4]float64{s.u[lo], s.u[lo+1], s.u[lo+2], s.u[lo+3]}
				axpy4(&u, &rows, acc)
			}
			for i := lo; i < hi; i++ {
				krow := s.K.Data[i*m : (i+1)*m]
				if updateU {
					if !s.setU(i, dot(krow, s.v)) {
						zeroRow = true
						continue
					}
				}
				if ui := s.u[i]; ui != 0 {
					axpy(ui, krow, acc)
				}
			}
		}
	})

	// Each column adds its chunks' partial sums in chunk order, so the
	// split of columns among threads does not change the result.
	kernels.ParallelFor(m, 1024, func(jlo, jhi int) {
		ktu := s.ktu[jlo:jhi]
		copy(ktu, s.partial[jlo:jhi])
		for c := 1; c < chunks; c++ {
			for j, x := range s.partial[c*m+jlo : c*m+jhi] {
				ktu[j] += x
			}
		}
	})
	return !zeroRow
}

// setU sets u_i = a_i/kv, or 0 for a zero weight a_i. It returns false,
// leaving u_i unchanged, when the quotient is unsafe (see scaling).
func (s *sinkhornState) setU(i int, kv float64) bool {
	u, ok := scaling(s.a[i], kv)
	if ok {
		s.u[i] = u
	}
	return ok
}

// scaling returns the Sinkhorn scaling w/t for a weight w and a kernel
// product t, or 0 when w is 0. It reports false for w > 0 when t is below
// the smallest normal float64 (0, subnormal or NaN), where the quotient
// loses precision or overflows, and when the quotient is +Inf or 0. A
// subnormal t passes when it is at least w, a subnormal weight, because
// the repair that follows a rejection cannot lift such a row or column
// above w.
func scaling(w, t float64) (float64, bool) {
	if w == 0 {
		return 0, true
	}
	x := w / t
	if !(t >= minNormal || (t > 0 && t >= w)) || !(x > 0 && x <= math.MaxFloat64) {
		return 0, false
	}
	return x, true
}

// minNormal is the smallest positive normal float64, 2⁻¹⁰²².
const minNormal = 0x1p-1022

// columnError returns ‖diag(v)·Kᵀu − b‖₂, the column-marginal violation of
// the current plan.
func (s *sinkhornState) columnError() float64 {
	var e2 float64
	for j, t := range s.ktu {
		d := s.v[j]*t - s.b[j]
		e2 += d * d
	}
	return math.Sqrt(e2)
}

// updateV sets v = b/Kᵀu from the last accumulate, with v_j = 0 for a zero
// weight b_j. It returns false, and leaves v unchanged, when some b_j/(Kᵀu)_j
// is unsafe (see scaling): a column on which the kernel underflowed.
func (s *sinkhornState) updateV() bool {
	for j, t := range s.ktu {
		if _, ok := scaling(s.b[j], t); !ok {
			return false
		}
	}
	for j, t := range s.ktu {
		s.v[j], _ = scaling(s.b[j], t)
	}
	return true
}

// repair runs one exact log-sum-exp update of β and then α, which makes
// every row and column of the rebuilt kernel carry its marginal, so no
// product Kv or Kᵀu is zero afterwards.
func (s *sinkhornState) repair() {
	s.absorb()
	n, m, eps := s.M.Rows, s.M.Cols, s.eps
	for j := 0; j < m; j++ {
		mx := math.Inf(-1)
		for i := 0; i < n; i++ {
			mx = max(mx, (s.alpha[i]-s.M.Data[i*m+j])/eps)
		}
		var sum float64
		for i := 0; i < n; i++ {
			sum += math.Exp((s.alpha[i]-s.M.Data[i*m+j])/eps - mx)
		}
		s.beta[j] = eps * (safeLog(s.b[j]) - mx - math.Log(sum))
	}
	for i := 0; i < n; i++ {
		mrow := s.M.Row(i)
		mx := math.Inf(-1)
		for j, c := range mrow {
			mx = max(mx, (s.beta[j]-c)/eps)
		}
		var sum float64
		for j, c := range mrow {
			sum += math.Exp((s.beta[j]-c)/eps - mx)
		}
		s.alpha[i] = eps * (safeLog(s.a[i]) - mx - math.Log(sum))
	}
	s.buildKernel()
}

// safeLog returns log(x), with a large negative finite value for x == 0 so
// zero-weight points stay representable.
func safeLog(x float64) float64 {
	if x <= 0 {
		return -700
	}
	return math.Log(x)
}

// needsAbsorb reports whether a nonzero scaling left [1/Tau, Tau]. Zero
// scalings belong to zero weights and stay zero.
func (s *sinkhornState) needsAbsorb() bool {
	tau := s.opt.Tau
	for _, x := range s.u {
		if x > tau || (x < 1/tau && x != 0) {
			return true
		}
	}
	for _, x := range s.v {
		if x > tau || (x < 1/tau && x != 0) {
			return true
		}
	}
	return false
}

// absorb folds the nonzero scalings into the potentials, α += ε log u and
// β += ε log v, and resets them to 1. A zero scaling (zero weight) stays
// zero, so its row or column of the plan stays empty.
func (s *sinkhornState) absorb() {
	for i, x := range s.u {
		if x != 0 {
			s.alpha[i] += s.eps * math.Log(x)
			s.u[i] = 1
		}
	}
	for j, x := range s.v {
		if x != 0 {
			s.beta[j] += s.eps * math.Log(x)
			s.v[j] = 1
		}
	}
}

// result forms the plan diag(u)·K·diag(v) of the final stage and the dual
// potentials F = α + ε log u, G = β + ε log v.
func (s *sinkhornState) result(iter int, errNorm float64, status Status) *SinkhornResult {
	n, m := s.M.Rows, s.M.Cols
	res := &SinkhornResult{Plan: NewMatrix(n, m), F: make([]float64, n), G: make([]float64, m),
		Err: errNorm, Iterations: iter, Status: status}
	costs := make([]float64, n)
	kernels.ParallelFor(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			krow, prow, mrow := s.K.Data[i*m:(i+1)*m], res.Plan.Data[i*m:(i+1)*m], s.M.Data[i*m:(i+1)*m]
			var c float64
			for j, k := range krow {
				p := s.u[i] * k * s.v[j]
				prow[j] = p
				c += p * mrow[j]
			}
			costs[i] = c
		}
	})
	for _, c := range costs {
		res.Cost += c
	}
	for i, x := range s.u {
		res.F[i] = s.alpha[i] + s.eps*safeLog(x)
	}
	for j, x := range s.v {
		res.G[j] = s.beta[j] + s.eps*safeLog(x)
	}
	return res
}
