package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// StratifiedKFold splits rows 0..len(y)-1 into k folds that keep the class
// proportions, as scikit-learn's StratifiedKFold(shuffle=True) aims to: the
// rows of each class are shuffled with seed and dealt to the folds in turn.
// It returns the test rows of each fold, sorted. Every class needs at least
// one row; k must be in [2, len(y)].
func StratifiedKFold(y []int, k int, seed uint64) ([][]int, error) {
	if k < 2 || k > len(y) {
		return nil, fmt.Errorf("eval: %d folds for %d rows, want 2 <= k <= rows", k, len(y))
	}
	byClass := map[int][]int{}
	var classes []int
	for i, c := range y {
		if _, ok := byClass[c]; !ok {
			classes = append(classes, c)
		}
		byClass[c] = append(byClass[c], i)
	}
	slices.Sort(classes)
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	folds := make([][]int, k)
	next := 0
	for _, c := range classes {
		rows := byClass[c]
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		for _, r := range rows {
			folds[next%k] = append(folds[next%k], r)
			next++
		}
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds, nil
}

// CVOptions configure CrossValidate.
type CVOptions struct {
	// Model is "svm" (TrainLinearSVM, default) or "logreg" (TrainLogReg with
	// L-BFGS, where C sets WeightDecay = 1/(C·n_train)).
	Model string
	// Folds is the number of outer folds (default 10).
	Folds int
	// Cs is the grid for C (default 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000).
	Cs []float64
	// InnerFolds is the number of folds of the inner grid search on each
	// outer training set (default 5).
	InnerFolds int
	Seed       uint64
	// Ctx, when not nil, is checked before every fit, so a caller can stop
	// a long cross-validation between fits.
	Ctx context.Context
}

// CVResult holds per-fold test accuracies (fractions) and the C each fold
// chose.
type CVResult struct {
	Accuracies []float64
	ChosenC    []float64
	Mean, Std  float64
}

// DefaultCs returns the C grid CrossValidate uses when none is given.
func DefaultCs() []float64 { return []float64{1e-3, 1e-2, 1e-1, 1, 10, 100, 1000} }

// CrossValidate runs stratified k-fold cross-validation of a linear model
// on x (n×d). For each outer fold, C is picked by an inner stratified
// k-fold grid search over the outer training rows only, the model is refit
// on all of them with that C, and the outer test fold is scored. Ties in the
// inner score go to the smaller C.
func CrossValidate(x []float32, n, d int, y []int, numClasses int, opt CVOptions) (*CVResult, error) {
	if err := checkData(x, n, d, y, numClasses); err != nil {
		return nil, err
	}
	if err := CheckFinite(x, n, d); err != nil {
		return nil, err
	}
	if opt.Model == "" {
		opt.Model = "svm"
	}
	if opt.Model != "svm" && opt.Model != "logreg" {
		return nil, fmt.Errorf("eval: cross-validation model %q, want \"svm\" or \"logreg\"", opt.Model)
	}
	if opt.Folds == 0 {
		opt.Folds = 10
	}
	if opt.InnerFolds == 0 {
		opt.InnerFolds = 5
	}
	if len(opt.Cs) == 0 {
		opt.Cs = DefaultCs()
	}
	for _, c := range opt.Cs {
		if !(c > 0) || math.IsInf(c, 1) {
			return nil, fmt.Errorf("eval: C grid value %g, want positive finite values", c)
		}
	}
	folds, err := StratifiedKFold(y, opt.Folds, opt.Seed)
	if err != nil {
		return nil, err
	}
	res := &CVResult{}
	for f, test := range folds {
		train := complement(n, test)
		bestC, bestScore := opt.Cs[0], math.Inf(-1)
		if len(opt.Cs) > 1 {
			for _, c := range opt.Cs {
				score, err := innerScore(x, d, y, numClasses, train, c, opt, uint64(f))
				if err != nil {
					return nil, err
				}
				if score > bestScore {
					bestC, bestScore = c, score
				}
			}
		}
		if opt.Ctx != nil && opt.Ctx.Err() != nil {
			return nil, opt.Ctx.Err()
		}
		acc, err := fitScore(x, d, y, numClasses, train, test, bestC, opt)
		if err != nil {
			return nil, err
		}
		res.Accuracies = append(res.Accuracies, acc)
		res.ChosenC = append(res.ChosenC, bestC)
	}
	res.Mean, res.Std = MeanStd(res.Accuracies)
	return res, nil
}

func complement(n int, rows []int) []int {
	in := make([]bool, n)
	for _, r := range rows {
		in[r] = true
	}
	out := make([]int, 0, n-len(rows))
	for i := 0; i < n; i++ {
		if !in[i] {
			out = append(out, i)
		}
	}
	return out
}

// innerScore returns the mean inner-fold accuracy of C on the rows train.
func innerScore(x []float32, d int, y []int, numClasses int, train []int, c float64, opt CVOptions, salt uint64) (float64, error) {
	sub := make([]int, len(train))
	for i, r := range train {
		sub[i] = y[r]
	}
	k := min(opt.InnerFolds, len(train))
	folds, err := StratifiedKFold(sub, k, opt.Seed^(salt+1)*0x9e3779b97f4a7c15)
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, f := range folds {
		inTest := make([]bool, len(train))
		for _, i := range f {
			inTest[i] = true
		}
		var tr, te []int
		for i, r := range train {
			if inTest[i] {
				te = append(te, r)
			} else {
				tr = append(tr, r)
			}
		}
		if opt.Ctx != nil && opt.Ctx.Err() != nil {
			return 0, opt.Ctx.Err()
		}
		acc, err := fitScore(x, d, y, numClasses, tr, te, c, opt)
		if err != nil {
			return 0, err
		}
		total += acc
	}
	return total / float64(len(folds)), nil
}

// fitScore trains on rows train with C and returns the accuracy on test.
func fitScore(x []float32, d int, y []int, numClasses int, train, test []int, c float64, opt CVOptions) (float64, error) {
	gather := func(rows []int) ([]float32, []int) {
		xs := make([]float32, 0, len(rows)*d)
		ys := make([]int, 0, len(rows))
		for _, r := range rows {
			xs = append(xs, x[r*d:(r+1)*d]...)
			ys = append(ys, y[r])
		}
		return xs, ys
	}
	xtr, ytr := gather(train)
	xte, yte := gather(test)
	var m *LinearModel
	var err error
	if opt.Model == "svm" {
		m, err = TrainLinearSVM(xtr, len(train), d, ytr, numClasses, SVMOptions{C: c, Seed: opt.Seed})
	} else {
		m, err = TrainLogReg(xtr, len(train), d, ytr, numClasses, LogRegOptions{Solver: "lbfgs", WeightDecay: 1 / (c * float64(len(train))), Steps: 200, Seed: opt.Seed})
	}
	if err != nil {
		return 0, err
	}
	return Accuracy(m.Predict(xte, len(test)), yte), nil
}
