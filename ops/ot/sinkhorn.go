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
	// violation, ‖Pᵀ1 − b‖₂, falls below it (checked every 10 iterations, as
	// POT does); default 1e-9.
	StopThr float64
	// Tau is the absorption threshold: when a scaling factor leaves
	// [1/Tau, Tau] it is folded into the dual potentials and the kernel is
	// rebuilt; default 1e3.
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
	// Err is the last measured ‖Planᵀ1 − b‖₂.
	Err float64
	// Iterations counts all Sinkhorn iterations over all stages.
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
// [1/Tau, Tau], so no value overflows even for small reg. Epsilon scaling
// (same source) solves a sequence ε = max(M), max(M)/2, ..., reg, each warm
// started from the previous potentials, which cuts the number of iterations
// at small reg.
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
		opt.Tau = 1e3
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
	kv, ktu     []float64
	eps         float64
}

func newSinkhornState(a, b []float64, M Matrix, opt SinkhornOptions) *sinkhornState {
	n, m := M.Rows, M.Cols
	return &sinkhornState{a: a, b: b, M: M, opt: opt,
		alpha: make([]float64, n), beta: make([]float64, m),
		u: ones(n), v: ones(m), K: NewMatrix(n, m),
		kv: make([]float64, n), ktu: make([]float64, m)}
}

func ones(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 1
	}
	return x
}

// epsilonSchedule returns the decreasing regularizations of the stages,
// halving from the largest cost down to reg.
func (s *sinkhornState) epsilonSchedule(reg float64) []float64 {
	if s.opt.NoEpsilonScaling {
		return []float64{reg}
	}
	maxM := 0.0
	for _, x := range s.M.Data {
		maxM = max(maxM, x)
	}
	var eps []float64
	for e := maxM; e > 2*reg && len(eps) < 60; e /= 2 {
		eps = append(eps, e)
	}
	return append(eps, reg)
}

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
		for iter < limit {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.updateV()
			s.updateU()
			iter++
			if s.needsAbsorb() {
				s.absorb()
				s.buildKernel()
			}
			if iter%10 == 0 || iter == limit {
				errNorm = s.columnViolation()
				if errNorm < thr {
					if final {
						status = Optimal
					}
					break
				}
			}
		}
		s.absorb()
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
				krow[j] = math.Exp((ai + s.beta[j] - c) / eps)
			}
		}
	})
	for i := range s.u {
		s.u[i] = 1
	}
	for j := range s.v {
		s.v[j] = 1
	}
}

// updateV sets v = b / (Kᵀu). A column whose kernel underflowed to zero is
// repaired by a log-domain update of β.
func (s *sinkhornState) updateV() {
	s.multKt(s.u, s.ktu)
	for j, t := range s.ktu {
		if t > 0 {
			s.v[j] = s.b[j] / t
			continue
		}
		s.repair()
		s.multKt(s.u, s.ktu)
		for j, t := range s.ktu {
			s.v[j] = s.b[j] / t
		}
		return
	}
}

// updateU sets u = a / (Kv).
func (s *sinkhornState) updateU() {
	s.multK(s.v, s.kv)
	for i, t := range s.kv {
		if t > 0 {
			s.u[i] = s.a[i] / t
			continue
		}
		s.repair()
		s.multKt(s.u, s.ktu)
		for j, t := range s.ktu {
			s.v[j] = s.b[j] / t
		}
		s.multK(s.v, s.kv)
		for i, t := range s.kv {
			s.u[i] = s.a[i] / t
		}
		return
	}
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

func (s *sinkhornState) needsAbsorb() bool {
	tau := s.opt.Tau
	for _, x := range s.u {
		if x > tau || x < 1/tau {
			return true
		}
	}
	for _, x := range s.v {
		if x > tau || x < 1/tau {
			return true
		}
	}
	return false
}

// absorb folds the scalings into the potentials: α += ε log u, β += ε log v.
// Zero scalings (zero weights) are clamped so potentials stay finite.
func (s *sinkhornState) absorb() {
	for i, x := range s.u {
		s.alpha[i] += s.eps * safeLog(x)
		s.u[i] = 1
	}
	for j, x := range s.v {
		s.beta[j] += s.eps * safeLog(x)
		s.v[j] = 1
	}
}

// multK computes out = K·x, parallel over rows.
func (s *sinkhornState) multK(x, out []float64) {
	m := s.M.Cols
	kernels.ParallelFor(s.M.Rows, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			krow := s.K.Data[i*m : (i+1)*m]
			var acc float64
			for j, k := range krow {
				acc += k * x[j]
			}
			out[i] = acc
		}
	})
}

// multKt computes out = Kᵀ·x, parallel over column blocks so each worker
// owns its part of out.
func (s *sinkhornState) multKt(x, out []float64) {
	n, m := s.M.Rows, s.M.Cols
	kernels.ParallelFor(m, 256, func(lo, hi int) {
		acc := out[lo:hi]
		clear(acc)
		for i := 0; i < n; i++ {
			xi := x[i]
			if xi == 0 {
				continue
			}
			krow := s.K.Data[i*m+lo : i*m+hi]
			for j, k := range krow {
				acc[j] += xi * k
			}
		}
	})
}

// columnViolation returns ‖diag(v)·Kᵀu − b‖₂, the column-marginal error.
func (s *sinkhornState) columnViolation() float64 {
	s.multKt(s.u, s.ktu)
	var sum float64
	for j, t := range s.ktu {
		d := s.v[j]*t - s.b[j]
		sum += d * d
	}
	return math.Sqrt(sum)
}

func (s *sinkhornState) result(iter int, errNorm float64, status Status) *SinkhornResult {
	n, m := s.M.Rows, s.M.Cols
	res := &SinkhornResult{Plan: NewMatrix(n, m), F: s.alpha, G: s.beta,
		Err: errNorm, Iterations: iter, Status: status}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			c := s.M.Data[i*m+j]
			p := math.Exp((s.alpha[i] + s.beta[j] - c) / s.eps)
			res.Plan.Data[i*m+j] = p
			res.Cost += p * c
		}
	}
	return res
}
