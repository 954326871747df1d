package eval

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEvaluationRejectsBadInput(t *testing.T) {
	const n, d, classes = 60, 3, 2
	x, y := blobs(n, d, classes, 5)
	withNaN := append([]float32(nil), x...)
	withNaN[7*d+1] = float32(math.NaN())
	withInf := append([]float32(nil), x...)
	withInf[11*d] = float32(math.Inf(-1))
	train, val, test := []int{0, 1, 2, 3, 4, 5}, []int{6, 7, 8, 9}, []int{10, 11, 12, 13}
	ctx := context.Background()

	cases := []struct {
		name   string
		run    func() error
		substr string
	}{
		{"probe NaN embedding", func() error {
			_, err := LinearProbe(withNaN, n, d, y, classes, train, val, test, LogRegOptions{})
			return err
		}, "embedding row 7 has the non-finite value NaN in column 1"},
		{"probe infinite embedding", func() error {
			_, err := LinearProbe(withInf, n, d, y, classes, train, val, test, LogRegOptions{})
			return err
		}, "embedding row 11 has the non-finite value -Inf in column 0"},
		{"probe more classes than rows", func() error {
			_, err := LinearProbe(x, n, d, y, 100000001, train, val, test, LogRegOptions{})
			return err
		}, "100000001 classes for 60 rows"},
		{"probe NaN lr", func() error {
			_, err := LinearProbe(x, n, d, y, classes, train, val, test, LogRegOptions{LR: math.NaN()})
			return err
		}, "must be finite numbers"},
		{"probe infinite weight decay", func() error {
			_, err := LinearProbe(x, n, d, y, classes, train, val, test, LogRegOptions{WeightDecay: math.Inf(1)})
			return err
		}, "must be finite numbers"},
		{"lbfgs infinite lr", func() error {
			_, err := TrainLogReg(x, n, d, y, classes, LogRegOptions{Solver: "lbfgs", LR: math.Inf(1)})
			return err
		}, "must be finite numbers"},
		{"cv NaN embedding", func() error {
			_, err := CrossValidate(withNaN, n, d, y, classes, CVOptions{Folds: 3, InnerFolds: 2})
			return err
		}, "embedding row 7"},
		{"cv infinite C", func() error {
			_, err := CrossValidate(x, n, d, y, classes, CVOptions{Folds: 3, InnerFolds: 2, Cs: []float64{1, math.Inf(1)}})
			return err
		}, "C grid value +Inf"},
		{"kmeans NaN embedding", func() error {
			_, _, err := KMeansNMI(ctx, withNaN, n, d, y, classes, 1, 0)
			return err
		}, "embedding row 7"},
		{"similarity NaN embedding", func() error {
			_, err := SimilaritySearch(ctx, withNaN, n, d, y, []int{5})
			return err
		}, "embedding row 7"},
		{"similarity without ks", func() error {
			_, err := SimilaritySearch(ctx, x, n, d, y, []int{})
			return err
		}, "no k values"},
		{"pca infinite embedding", func() error {
			_, _, err := PCA2(withInf, n, d)
			return err
		}, "embedding row 11"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.substr) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.substr)
		}
	}
}

func TestLinearProbeStopsOnCancel(t *testing.T) {
	x, y := blobs(60, 3, 2, 6)
	train, test := []int{0, 1, 2, 3, 4, 5}, []int{10, 11, 12, 13}
	// L-BFGS converges on these blobs within milliseconds, so its context
	// is cancelled before the call. Adam runs all 1e8 steps unless stopped.
	cases := []struct {
		solver string
		delay  time.Duration
	}{{"adam", 50 * time.Millisecond}, {"adam", 0}, {"lbfgs", 0}}
	for _, c := range cases {
		ctx, cancel := context.WithCancel(context.Background())
		if c.delay == 0 {
			cancel()
		} else {
			time.AfterFunc(c.delay, cancel)
		}
		start := time.Now()
		_, err := LinearProbe(x, 60, 3, y, 2, train, nil, test, LogRegOptions{Solver: c.solver, Steps: 100000000, Ctx: ctx})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with steps=1e8, cancelled after %v: got %v, want context.Canceled", c.solver, c.delay, err)
		}
		// At an estimated 100 ns or more per step, all 1e8 steps would take
		// at least 10 s. A cancelled probe stops within ctxCheckSteps steps.
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("%s cancelled after %v: returned after %v, want it to stop soon after", c.solver, c.delay, elapsed)
		}
		cancel()
	}
}
