package eval

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// noisyPoints returns n points with random classes: class c adds 1.5 to
// dimension c under noise of standard deviation 3, so the classes overlap
// and validation accuracy moves from step to step of a probe.
func noisyPoints(n, d, numClasses int, seed uint64) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*d)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = rng.IntN(numClasses)
		for j := 0; j < d; j++ {
			v := 3 * rng.NormFloat64()
			if j == y[i] {
				v += 1.5
			}
			x[i*d+j] = float32(v)
		}
	}
	return x, y
}

// TestLinearProbeSelectsOnValidation checks select "val" against probes
// retrained for 1, 2, ..., steps steps: the chosen step is the last with
// the highest validation accuracy, and the reported accuracies are those of
// the probe stopped at that step.
func TestLinearProbeSelectsOnValidation(t *testing.T) {
	const n, d, classes, steps = 240, 6, 3, 60
	x, y := noisyPoints(n, d, classes, 11)
	var train, val, test []int
	for i := 0; i < n; i++ {
		switch {
		case i < 30:
			train = append(train, i)
		case i < 130:
			val = append(val, i)
		default:
			test = append(test, i)
		}
	}

	opt := LogRegOptions{LR: 0.05, Steps: steps, Seed: 3}
	bestStep, bestVal := 0, -1.0
	var perStep []ProbeResult
	for k := 1; k <= steps; k++ {
		o := opt
		o.Steps = k
		r, err := LinearProbe(x, n, d, y, classes, train, val, test, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Step != k {
			t.Fatalf("last-step probe of %d steps reports step %d", k, r.Step)
		}
		perStep = append(perStep, r)
		if r.ValAcc >= bestVal {
			bestStep, bestVal = k, r.ValAcc
		}
	}
	if bestStep == steps {
		t.Fatalf("validation accuracy peaks at the last step (%d); the data do not exercise selection", bestStep)
	}

	sel := opt
	sel.Select = "val"
	r, err := LinearProbe(x, n, d, y, classes, train, val, test, sel)
	if err != nil {
		t.Fatal(err)
	}
	want := perStep[bestStep-1]
	if r.Step != bestStep {
		t.Errorf("select val: step %d, want %d", r.Step, bestStep)
	}
	if r.ValAcc != want.ValAcc {
		t.Errorf("select val: validation accuracy %g, want %g", r.ValAcc, want.ValAcc)
	}
	if r.TestAcc != want.TestAcc {
		t.Errorf("select val: test accuracy %g, want %g", r.TestAcc, want.TestAcc)
	}
	if r.TrainAcc != want.TrainAcc {
		t.Errorf("select val: train accuracy %g, want %g", r.TrainAcc, want.TrainAcc)
	}
}

func TestLinearProbeSelectErrors(t *testing.T) {
	x, y := blobs(40, 3, 2, 1)
	train, val, test := []int{0, 1, 2, 3}, []int{4, 5, 6}, []int{7, 8, 9}
	cases := []struct {
		name string
		val  []int
		opt  LogRegOptions
		want string
	}{
		{"unknown select", val, LogRegOptions{Select: "best"}, `select "best"`},
		{"lbfgs", val, LogRegOptions{Select: "val", Solver: "lbfgs"}, `solver "lbfgs"`},
		{"no validation rows", nil, LogRegOptions{Select: "val"}, "needs validation rows"},
	}
	for _, c := range cases {
		_, err := LinearProbe(x, 40, 3, y, 2, train, c.val, test, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
