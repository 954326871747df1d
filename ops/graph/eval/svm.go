package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SVMOptions configure TrainLinearSVM.
type SVMOptions struct {
	// C is the inverse regularization strength (default 1).
	C float64
	// MaxIter bounds the passes over the data (default 1000).
	MaxIter int
	// Tol stops when the largest projected-gradient violation of a pass is
	// below it (default 0.1, as liblinear uses for this solver).
	Tol float64
	// Seed orders the coordinate updates.
	Seed uint64
}

// TrainLinearSVM fits a one-vs-rest linear SVM with the squared hinge loss
// and an L2 penalty, min_w ½‖w‖² + C Σ max(0, 1 − y wᵀx)², the default of
// scikit-learn's LinearSVC, solved in the dual by coordinate descent (Hsieh
// et al., "A Dual Coordinate Descent Method for Large-scale Linear SVM",
// ICML 2008, algorithm 1 with the L2-loss diagonal term 1/(2C)). The bias is
// learned as the weight of a constant feature 1 and is penalized like the
// other weights, as in liblinear.
func TrainLinearSVM(x []float32, n, d int, y []int, numClasses int, opt SVMOptions) (*LinearModel, error) {
	if err := checkData(x, n, d, y, numClasses); err != nil {
		return nil, err
	}
	if opt.C == 0 {
		opt.C = 1
	}
	if opt.MaxIter == 0 {
		opt.MaxIter = 1000
	}
	if opt.Tol == 0 {
		opt.Tol = 0.1
	}
	if !(opt.C > 0) || opt.MaxIter < 0 || opt.Tol < 0 {
		return nil, fmt.Errorf("eval: linear SVM: C %g must be positive, max_iter %d and tol %g non-negative", opt.C, opt.MaxIter, opt.Tol)
	}
	m := &LinearModel{Classes: numClasses, Dim: d, W: make([]float64, numClasses*d), B: make([]float64, numClasses)}
	sqNorm := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 1.0 // the constant bias feature
		for _, v := range x[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		sqNorm[i] = s
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5f3))
	classes := numClasses
	if numClasses == 2 {
		classes = 1 // one binary problem; class 1 is the positive side
	}
	for c := 0; c < classes; c++ {
		pos := c
		if numClasses == 2 {
			pos = 1
		}
		w := make([]float64, d+1)
		dualCD(x, n, d, y, pos, sqNorm, w, opt, rng)
		if numClasses == 2 {
			for j := 0; j < d; j++ {
				m.W[d+j], m.W[j] = w[j], -w[j]
			}
			m.B[1], m.B[0] = w[d], -w[d]
			break
		}
		copy(m.W[c*d:(c+1)*d], w[:d])
		m.B[c] = w[d]
	}
	return m, nil
}

// dualCD solves one binary problem (label pos against the rest) into w
// (d weights and the bias).
func dualCD(x []float32, n, d int, y []int, pos int, sqNorm, w []float64, opt SVMOptions, rng *rand.Rand) {
	diag := 1 / (2 * opt.C)
	alpha := make([]float64, n)
	order := rng.Perm(n)
	for iter := 0; iter < opt.MaxIter; iter++ {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		worst := 0.0
		for _, i := range order {
			yi := -1.0
			if y[i] == pos {
				yi = 1
			}
			row := x[i*d : (i+1)*d]
			dot := w[d]
			for j, v := range row {
				dot += w[j] * float64(v)
			}
			g := yi*dot - 1 + diag*alpha[i]
			pg := g
			if alpha[i] == 0 {
				pg = math.Min(g, 0)
			}
			worst = math.Max(worst, math.Abs(pg))
			if pg == 0 {
				continue
			}
			old := alpha[i]
			alpha[i] = math.Max(old-g/(sqNorm[i]+diag), 0)
			step := (alpha[i] - old) * yi
			for j, v := range row {
				w[j] += step * float64(v)
			}
			w[d] += step
		}
		if worst < opt.Tol {
			return
		}
	}
}
