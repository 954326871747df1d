// Package eval scores frozen embeddings the way graph self-supervised
// learning papers do: a logistic-regression linear probe on fixed splits, a
// linear SVM or logistic regression under stratified k-fold cross-validation
// with C chosen on the training folds only, k-means NMI, similarity search,
// and a 2-D PCA projection for plots.
//
// Embeddings are row-major float32 matrices of n rows and d columns; labels
// are class ids in [0, numClasses).
package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/optimize"
)

// LogRegOptions configure TrainLogReg. Zero values take the defaults noted.
type LogRegOptions struct {
	// Solver is "adam" (default: full-batch Adam for exactly Steps steps, no
	// early stopping) or "lbfgs" (gonum's L-BFGS until convergence or Steps
	// iterations).
	Solver string
	// LR is Adam's learning rate (default 0.01).
	LR float64
	// WeightDecay adds WeightDecay·W to the gradient of the weights, as
	// torch.optim.Adam's weight_decay does, but leaves the bias undecayed.
	// Torch decays every parameter it is given, so GraphMAE's probe decays
	// its bias too. For L-BFGS it is the coefficient of (WeightDecay/2)·‖W‖².
	WeightDecay float64
	// Steps is the number of Adam steps (default 100) or the L-BFGS
	// iteration limit (default 1000).
	Steps int
	// Seed drives the Xavier-uniform initialization.
	Seed uint64
	// Select chooses the weights LinearProbe scores. "last" (default) keeps
	// those after the last step. "val" scores the validation rows after
	// every Adam step and keeps the weights of the step with the highest
	// validation accuracy, the latest on ties because GraphMAE's probe
	// compares with >=. That is the early-stopped figure GraphMAE's probe
	// reports next to the last step. "val" needs the Adam
	// solver and validation rows. TrainLogReg ignores Select.
	Select string
	// Ctx, when not nil, stops training early: Adam checks it every
	// ctxCheckSteps steps and L-BFGS every iteration, and TrainLogReg and
	// LinearProbe then return Ctx.Err().
	Ctx context.Context
}

// ctxCheckSteps is how many Adam steps run between checks of
// LogRegOptions.Ctx.
const ctxCheckSteps = 256

// LinearModel is a multinomial linear classifier: scores = x·Wᵀ + B with W
// of shape Classes×Dim (row-major).
type LinearModel struct {
	Classes, Dim int
	W, B         []float64
}

// Scores returns the n×Classes class scores of x (n×Dim).
func (m *LinearModel) Scores(x []float32, n int) []float64 {
	out := make([]float64, n*m.Classes)
	for i := 0; i < n; i++ {
		row := x[i*m.Dim : (i+1)*m.Dim]
		for c := 0; c < m.Classes; c++ {
			w := m.W[c*m.Dim : (c+1)*m.Dim]
			s := m.B[c]
			for j, v := range row {
				s += w[j] * float64(v)
			}
			out[i*m.Classes+c] = s
		}
	}
	return out
}

// Predict returns the class with the largest score for each row of x.
func (m *LinearModel) Predict(x []float32, n int) []int {
	return argmaxRows(m.Scores(x, n), n, m.Classes)
}

func argmaxRows(s []float64, n, c int) []int {
	out := make([]int, n)
	for i := range out {
		best := 0
		for k := 1; k < c; k++ {
			if s[i*c+k] > s[i*c+best] {
				best = k
			}
		}
		out[i] = best
	}
	return out
}

// Accuracy returns the fraction of positions where pred equals y.
func Accuracy(pred, y []int) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	hit := 0
	for i := range y {
		if pred[i] == y[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(y))
}

func checkData(x []float32, n, d int, y []int, numClasses int) error {
	if n <= 0 || d <= 0 || len(x) != n*d {
		return fmt.Errorf("eval: embeddings have %d values, want n×d = %d×%d with n, d > 0", len(x), n, d)
	}
	if len(y) != n {
		return fmt.Errorf("eval: %d labels for %d rows", len(y), n)
	}
	for i, c := range y {
		if c < 0 || c >= numClasses {
			return fmt.Errorf("eval: row %d has label %d, want a class in [0, %d)", i, c, numClasses)
		}
	}
	return nil
}

// TrainLogReg fits a multinomial logistic regression (softmax cross-entropy,
// mean over rows) to x (n×d) and y. The weights start Xavier-uniform
// (bound √(6/(d+C))) and the bias at zero, as a torch Linear probe with
// xavier_uniform_ does.
func TrainLogReg(x []float32, n, d int, y []int, numClasses int, opt LogRegOptions) (*LinearModel, error) {
	return trainLogReg(x, n, d, y, numClasses, opt, nil)
}

// trainLogReg is TrainLogReg with afterStep, when not nil, called after
// every Adam step with the step number (from 1).
func trainLogReg(x []float32, n, d int, y []int, numClasses int, opt LogRegOptions, afterStep func(m *LinearModel, step int)) (*LinearModel, error) {
	if err := checkData(x, n, d, y, numClasses); err != nil {
		return nil, err
	}
	if opt.LR == 0 {
		opt.LR = 0.01
	}
	if !isFinite(opt.LR) || !isFinite(opt.WeightDecay) {
		return nil, fmt.Errorf("eval: logistic regression: lr %g and weight decay %g must be finite numbers", opt.LR, opt.WeightDecay)
	}
	if opt.LR < 0 || opt.WeightDecay < 0 || opt.Steps < 0 {
		return nil, fmt.Errorf("eval: logistic regression: lr %g, weight decay %g and steps %d must not be negative", opt.LR, opt.WeightDecay, opt.Steps)
	}
	m := &LinearModel{Classes: numClasses, Dim: d, W: make([]float64, numClasses*d), B: make([]float64, numClasses)}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x10c))
	bound := math.Sqrt(6 / float64(d+numClasses))
	for i := range m.W {
		m.W[i] = (2*rng.Float64() - 1) * bound
	}
	switch opt.Solver {
	case "", "adam":
		if opt.Steps == 0 {
			opt.Steps = 100
		}
		if err := trainAdam(m, x, n, y, opt, afterStep); err != nil {
			return nil, err
		}
	case "lbfgs":
		if opt.Steps == 0 {
			opt.Steps = 1000
		}
		if err := trainLBFGS(m, x, n, y, opt); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("eval: logistic regression solver %q, want \"adam\" or \"lbfgs\"", opt.Solver)
	}
	return m, nil
}

// lossGrad returns the mean cross-entropy of m on (x, y) and writes its
// gradient with respect to W and B into gw and gb.
func lossGrad(m *LinearModel, x []float32, n int, y []int, gw, gb []float64) float64 {
	clear(gw)
	clear(gb)
	c, d := m.Classes, m.Dim
	scores := m.Scores(x, n)
	loss := 0.0
	inv := 1 / float64(n)
	for i := 0; i < n; i++ {
		s := scores[i*c : (i+1)*c]
		hi := s[0]
		for _, v := range s {
			hi = math.Max(hi, v)
		}
		sum := 0.0
		for k := range s {
			s[k] = math.Exp(s[k] - hi)
			sum += s[k]
		}
		loss -= math.Log(s[y[i]] / sum)
		row := x[i*d : (i+1)*d]
		for k := range s {
			g := s[k] / sum
			if k == y[i] {
				g--
			}
			g *= inv
			gb[k] += g
			w := gw[k*d : (k+1)*d]
			for j, v := range row {
				w[j] += g * float64(v)
			}
		}
	}
	return loss * inv
}

func trainAdam(m *LinearModel, x []float32, n int, y []int, opt LogRegOptions, afterStep func(m *LinearModel, step int)) error {
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	params := [2][]float64{m.W, m.B}
	grads := [2][]float64{make([]float64, len(m.W)), make([]float64, len(m.B))}
	var mom, vel [2][]float64
	for p := range params {
		mom[p] = make([]float64, len(params[p]))
		vel[p] = make([]float64, len(params[p]))
	}
	for step := 1; step <= opt.Steps; step++ {
		if opt.Ctx != nil && step%ctxCheckSteps == 0 {
			if err := opt.Ctx.Err(); err != nil {
				return err
			}
		}
		lossGrad(m, x, n, y, grads[0], grads[1])
		c1 := 1 - math.Pow(beta1, float64(step))
		c2 := 1 - math.Pow(beta2, float64(step))
		for p := range params {
			for i, g := range grads[p] {
				if p == 0 {
					g += opt.WeightDecay * params[p][i]
				}
				mom[p][i] = beta1*mom[p][i] + (1-beta1)*g
				vel[p][i] = beta2*vel[p][i] + (1-beta2)*g*g
				params[p][i] -= opt.LR * (mom[p][i] / c1) / (math.Sqrt(vel[p][i]/c2) + eps)
			}
		}
		if afterStep != nil {
			afterStep(m, step)
		}
	}
	return nil
}

// ctxRecorder stops gonum's optimizer once ctx ends: Minimize stops when a
// Recorder returns an error.
type ctxRecorder struct{ ctx context.Context }

func (r ctxRecorder) Init() error { return nil }

func (r ctxRecorder) Record(*optimize.Location, optimize.Operation, *optimize.Stats) error {
	return r.ctx.Err()
}

func trainLBFGS(m *LinearModel, x []float32, n int, y []int, opt LogRegOptions) error {
	nw := len(m.W)
	unpack := func(theta []float64) {
		copy(m.W, theta[:nw])
		copy(m.B, theta[nw:])
	}
	gw, gb := make([]float64, nw), make([]float64, len(m.B))
	problem := optimize.Problem{
		Func: func(theta []float64) float64 {
			unpack(theta)
			f := lossGrad(m, x, n, y, gw, gb)
			for _, w := range m.W {
				f += 0.5 * opt.WeightDecay * w * w
			}
			return f
		},
		Grad: func(grad, theta []float64) {
			unpack(theta)
			lossGrad(m, x, n, y, gw, gb)
			for i, g := range gw {
				grad[i] = g + opt.WeightDecay*m.W[i]
			}
			copy(grad[nw:], gb)
		},
	}
	theta := append(append([]float64(nil), m.W...), m.B...)
	settings := &optimize.Settings{MajorIterations: opt.Steps, GradientThreshold: 1e-6}
	if opt.Ctx != nil {
		settings.Recorder = ctxRecorder{opt.Ctx}
	}
	res, err := optimize.Minimize(problem, theta, settings, &optimize.LBFGS{})
	if opt.Ctx != nil && opt.Ctx.Err() != nil {
		return opt.Ctx.Err()
	}
	if err != nil && res == nil {
		return fmt.Errorf("eval: L-BFGS: %w", err)
	}
	// Hitting the iteration limit is an ordinary stop for a probe.
	unpack(res.X)
	return nil
}

// ProbeResult holds the accuracies of one linear probe, as fractions.
type ProbeResult struct {
	TrainAcc, ValAcc, TestAcc float64
	// Step is the Adam step whose weights were scored: the last one, or the
	// one chosen on the validation rows with Select "val". It is 0 for
	// L-BFGS.
	Step int
}

// LinearProbe trains TrainLogReg on the train rows of emb and returns the
// accuracies on train, val and test (Val is NaN when val is empty).
func LinearProbe(emb []float32, n, d int, y []int, numClasses int, train, val, test []int, opt LogRegOptions) (ProbeResult, error) {
	if len(emb) != n*d {
		return ProbeResult{}, fmt.Errorf("eval: embeddings have %d values, want %d×%d", len(emb), n, d)
	}
	if len(y) != n {
		return ProbeResult{}, fmt.Errorf("eval: %d labels for %d rows", len(y), n)
	}
	if numClasses > n {
		return ProbeResult{}, fmt.Errorf("eval: %d classes for %d rows; want at most one class per row", numClasses, n)
	}
	if err := CheckFinite(emb, n, d); err != nil {
		return ProbeResult{}, err
	}
	if len(train) == 0 || len(test) == 0 {
		return ProbeResult{}, fmt.Errorf("eval: the split has %d train and %d test nodes; the probe needs at least one of each", len(train), len(test))
	}
	pick := func(ids []int, what string) ([]float32, []int, error) {
		xs := make([]float32, 0, len(ids)*d)
		ys := make([]int, 0, len(ids))
		for _, i := range ids {
			if i < 0 || i >= n {
				return nil, nil, fmt.Errorf("eval: %s index %d outside [0, %d)", what, i, n)
			}
			if y[i] < 0 || y[i] >= numClasses {
				return nil, nil, fmt.Errorf("eval: %s node %d has label %d, want a class in [0, %d)", what, i, y[i], numClasses)
			}
			xs = append(xs, emb[i*d:(i+1)*d]...)
			ys = append(ys, y[i])
		}
		return xs, ys, nil
	}
	xtr, ytr, err := pick(train, "train")
	if err != nil {
		return ProbeResult{}, err
	}
	var r ProbeResult
	var afterStep func(m *LinearModel, step int)
	var bestW, bestB []float64
	switch opt.Select {
	case "", "last":
	case "val":
		if opt.Solver != "" && opt.Solver != "adam" {
			return ProbeResult{}, fmt.Errorf("eval: select \"val\" picks an Adam step, got solver %q; use solver \"adam\" or select \"last\"", opt.Solver)
		}
		if len(val) == 0 {
			return ProbeResult{}, fmt.Errorf("eval: select \"val\" needs validation rows, got none; use select \"last\"")
		}
		xval, yval, err := pick(val, "val")
		if err != nil {
			return ProbeResult{}, err
		}
		bestAcc := -1.0
		afterStep = func(m *LinearModel, step int) {
			if a := Accuracy(m.Predict(xval, len(val)), yval); a >= bestAcc {
				bestAcc, r.Step = a, step
				bestW, bestB = append(bestW[:0], m.W...), append(bestB[:0], m.B...)
			}
		}
	default:
		return ProbeResult{}, fmt.Errorf("eval: select %q, want \"last\" or \"val\"", opt.Select)
	}
	m, err := trainLogReg(xtr, len(train), d, ytr, numClasses, opt, afterStep)
	if err != nil {
		return ProbeResult{}, err
	}
	switch {
	case bestW != nil:
		copy(m.W, bestW)
		copy(m.B, bestB)
	case opt.Solver == "" || opt.Solver == "adam":
		r.Step = opt.Steps
		if r.Step == 0 {
			r.Step = 100
		}
	}
	acc := func(ids []int, what string) (float64, error) {
		xs, ys, err := pick(ids, what)
		if err != nil || len(ids) == 0 {
			return math.NaN(), err
		}
		return Accuracy(m.Predict(xs, len(ids)), ys), nil
	}
	if r.TrainAcc, err = acc(train, "train"); err != nil {
		return r, err
	}
	if r.ValAcc, err = acc(val, "val"); err != nil {
		return r, err
	}
	r.TestAcc, err = acc(test, "test")
	return r, err
}

// CheckFinite returns an error naming the first row of emb (n×d) that holds
// a NaN or an infinity, or nil when every value is finite.
func CheckFinite(emb []float32, n, d int) error {
	for i := 0; i < n; i++ {
		for j, v := range emb[i*d : (i+1)*d] {
			if !isFinite(float64(v)) {
				return fmt.Errorf("eval: embedding row %d has the non-finite value %g in column %d; want finite embeddings (a NaN training loss or NaN inputs produce such rows)", i, v, j)
			}
		}
	}
	return nil
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// MeanStd returns the mean and the population standard deviation of v.
func MeanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}
