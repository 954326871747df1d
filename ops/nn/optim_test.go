package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/tensor"
)

func scalarParam(v float32) *tensor.Tensor { return tensor.MustFromSlice([]float32{v}, 1) }

// runSteps applies the optimizer to a single parameter starting at 1 with
// the given gradient sequence and returns the parameter after each step.
func runSteps(t *testing.T, opt Optimizer, p *tensor.Tensor, grads []float32) []float64 {
	t.Helper()
	var out []float64
	for _, g := range grads {
		if err := opt.Step([]*tensor.Tensor{scalarParam(g)}); err != nil {
			t.Fatal(err)
		}
		out = append(out, float64(p.Data()[0]))
	}
	return out
}

// float32 parameters carry about 7 significant digits.
const stepTol = 2e-6

func TestOptimizerHandSteps(t *testing.T) {
	grads := []float32{0.5, -0.25}
	cases := []struct {
		name string
		make func(p *tensor.Tensor) (Optimizer, error)
		want []float64
	}{
		// Plain SGD with L2 decay: d = 0.5 + 0.1·1 = 0.6, p = 1 − 0.1·0.6;
		// then d = −0.25 + 0.1·0.94 = −0.156, p = 0.94 + 0.0156.
		{"sgd weight decay", func(p *tensor.Tensor) (Optimizer, error) {
			return NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1, WeightDecay: 0.1}}, 0, 0, false)
		}, []float64{0.94, 0.9556}},
		// Momentum 0.9: buf = 0.5, p = 0.95; buf = 0.45 − 0.25 = 0.2, p = 0.93.
		{"sgd momentum", func(p *tensor.Tensor) (Optimizer, error) {
			return NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1}}, 0.9, 0, false)
		}, []float64{0.95, 0.93}},
		// Nesterov: buf = 0.5, d = 0.5 + 0.45, p = 0.905; buf = 0.2,
		// d = −0.25 + 0.18 = −0.07, p = 0.912.
		{"sgd nesterov", func(p *tensor.Tensor) (Optimizer, error) {
			return NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1}}, 0.9, 0, true)
		}, []float64{0.905, 0.912}},
		// Adam: m̂₁ = 0.5, v̂₁ = 0.25, p = 1 − 0.1·0.5/0.5; m₂ = 0.02,
		// v₂ = 0.00031225, m̂₂ = 0.02/0.19, v̂₂ = 0.00031225/0.001999,
		// p = 0.9 − 0.1·m̂₂/√v̂₂.
		{"adam", func(p *tensor.Tensor) (Optimizer, error) {
			return NewAdam([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1}}, DefaultAdamConfig())
		}, []float64{0.9, 0.8733662987}},
		// Adam with L2 decay 0.1 feeds g + 0.1·p into the moments.
		{"adam l2", func(p *tensor.Tensor) (Optimizer, error) {
			return NewAdam([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1, WeightDecay: 0.1}}, DefaultAdamConfig())
		}, []float64{0.9, 0.8544413675}},
		// AdamW: p ← p·(1 − 0.1·0.1) first, then the Adam step of the raw
		// gradient: 0.99 − 0.1 = 0.89; 0.89·0.99 − 0.1·m̂₂/√v̂₂.
		{"adamw", func(p *tensor.Tensor) (Optimizer, error) {
			return NewAdamW([]Group{{Params: []*tensor.Tensor{p}, LR: 0.1, WeightDecay: 0.1}}, DefaultAdamConfig())
		}, []float64{0.89, 0.8544662987}},
	}
	for _, c := range cases {
		p := scalarParam(1)
		opt, err := c.make(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := runSteps(t, opt, p, grads)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > stepTol {
				t.Errorf("%s: step %d got %.9f, want %.9f", c.name, i+1, got[i], c.want[i])
			}
		}
	}
}

func TestParameterGroupsAndSkippedGradients(t *testing.T) {
	a, b := scalarParam(1), scalarParam(1)
	opt, err := NewSGD([]Group{
		{Params: []*tensor.Tensor{a}, LR: 0.1},
		{Params: []*tensor.Tensor{b}, LR: 0.01, WeightDecay: 1},
	}, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := opt.Step([]*tensor.Tensor{scalarParam(1), scalarParam(1)}); err != nil {
		t.Fatal(err)
	}
	// a: 1 − 0.1·1; b: 1 − 0.01·(1 + 1·1).
	if got := a.Data()[0]; math.Abs(float64(got)-0.9) > stepTol {
		t.Errorf("group 0 got %g, want 0.9", got)
	}
	if got := b.Data()[0]; math.Abs(float64(got)-0.98) > stepTol {
		t.Errorf("group 1 got %g, want 0.98", got)
	}

	opt.SetLRScale(0.5)
	if err := opt.Step([]*tensor.Tensor{nil, scalarParam(0)}); err != nil {
		t.Fatal(err)
	}
	if got := a.Data()[0]; math.Abs(float64(got)-0.9) > stepTol {
		t.Errorf("nil gradient moved the parameter: got %g, want 0.9", got)
	}
	// b: 0.98 − 0.5·0.01·0.98.
	if got := b.Data()[0]; math.Abs(float64(got)-0.9751) > stepTol {
		t.Errorf("scaled lr step got %g, want 0.9751", got)
	}
}

func TestAdamSkippedGradientKeepsStepCount(t *testing.T) {
	a, b := scalarParam(1), scalarParam(1)
	opt, err := NewAdam([]Group{{Params: []*tensor.Tensor{a, b}, LR: 0.1}}, DefaultAdamConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := opt.Step([]*tensor.Tensor{scalarParam(0.5), nil}); err != nil {
		t.Fatal(err)
	}
	if err := opt.Step([]*tensor.Tensor{scalarParam(-0.25), scalarParam(0.5)}); err != nil {
		t.Fatal(err)
	}
	// b's first step uses t = 1 bias correction: 1 − 0.1.
	if got := b.Data()[0]; math.Abs(float64(got)-0.9) > stepTol {
		t.Errorf("b got %g, want 0.9 (its own first step)", got)
	}
	if got := a.Data()[0]; math.Abs(float64(got)-0.8733662987) > stepTol {
		t.Errorf("a got %g, want 0.8733662987", got)
	}
}

func TestOptimizerErrors(t *testing.T) {
	p := scalarParam(1)
	view := tensor.New(2, 3).T()
	cases := []struct {
		name string
		fn   func() error
	}{
		{"negative lr", func() error {
			_, err := NewAdam([]Group{{Params: []*tensor.Tensor{p}, LR: -1}}, DefaultAdamConfig())
			return err
		}},
		{"beta1 of 1", func() error {
			_, err := NewAdam([]Group{{Params: []*tensor.Tensor{p}, LR: 1}}, AdamConfig{Beta1: 1, Beta2: 0.9})
			return err
		}},
		{"nesterov without momentum", func() error { _, err := NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 1}}, 0, 0, true); return err }},
		{"non-contiguous parameter", func() error {
			_, err := NewSGD([]Group{{Params: []*tensor.Tensor{view}, LR: 1}}, 0, 0, false)
			return err
		}},
		{"gradient count", func() error {
			o, _ := NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 1}}, 0, 0, false)
			return o.Step(nil)
		}},
		{"gradient shape", func() error {
			o, _ := NewSGD([]Group{{Params: []*tensor.Tensor{p}, LR: 1}}, 0, 0, false)
			return o.Step([]*tensor.Tensor{tensor.New(2)})
		}},
	}
	for _, c := range cases {
		if err := c.fn(); err == nil {
			t.Errorf("%s: got no error, want one", c.name)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	g1 := tensor.MustFromSlice([]float32{3}, 1)
	g2 := tensor.MustFromSlice([]float32{4}, 1)
	norm := ClipGradNorm([]*tensor.Tensor{g1, nil, g2}, 1)
	if norm != 5 {
		t.Errorf("norm got %g, want 5", norm)
	}
	scale := 1 / (5 + 1e-6)
	if got := g1.Data()[0]; math.Abs(float64(got)-3*scale) > 1e-7 {
		t.Errorf("g1 got %g, want %g", got, 3*scale)
	}
	if got := g2.Data()[0]; math.Abs(float64(got)-4*scale) > 1e-7 {
		t.Errorf("g2 got %g, want %g", got, 4*scale)
	}
	small := tensor.MustFromSlice([]float32{0.3}, 1)
	ClipGradNorm([]*tensor.Tensor{small}, 1)
	if got := small.Data()[0]; got != 0.3 {
		t.Errorf("gradient under the limit changed: got %g, want 0.3", got)
	}
}

func TestWarmupCosine(t *testing.T) {
	s := WarmupCosine(2, 6, 0.1)
	cases := []struct {
		step int
		want float64
	}{
		{0, 0.5}, {1, 1}, {2, 1},
		{4, 0.1 + 0.9*0.5*(1+math.Cos(math.Pi*0.5))},
		{5, 0.1 + 0.9*0.5*(1+math.Cos(math.Pi*0.75))},
		{6, 0.1}, {100, 0.1},
	}
	for _, c := range cases {
		if got := s(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("step %d: got %g, want %g", c.step, got, c.want)
		}
	}
}

func TestInitBoundsAndSeeds(t *testing.T) {
	const in, out = 200, 300
	cases := []struct {
		name    string
		fill    func(t *tensor.Tensor, rng *rand.Rand) error
		bound   float64 // 0 for normal distributions
		wantVar float64
	}{
		{"xavier uniform", func(t *tensor.Tensor, r *rand.Rand) error { return XavierUniform(t, 1, r) }, math.Sqrt(6.0 / (in + out)), 2.0 / (in + out)},
		{"xavier normal", func(t *tensor.Tensor, r *rand.Rand) error { return XavierNormal(t, 1, r) }, 0, 2.0 / (in + out)},
		{"kaiming uniform", func(t *tensor.Tensor, r *rand.Rand) error { return KaimingUniform(t, 0, r) }, math.Sqrt(6.0 / in), 2.0 / in},
		{"kaiming normal", func(t *tensor.Tensor, r *rand.Rand) error { return KaimingNormal(t, 0, r) }, 0, 2.0 / in},
	}
	for _, c := range cases {
		a, b := tensor.New(in, out), tensor.New(in, out)
		if err := c.fill(a, rand.New(rand.NewPCG(5, 5))); err != nil {
			t.Fatal(err)
		}
		if err := c.fill(b, rand.New(rand.NewPCG(5, 5))); err != nil {
			t.Fatal(err)
		}
		var ss float64
		for i, v := range a.Data() {
			if v != b.Data()[i] {
				t.Fatalf("%s: same seed gave different values at %d", c.name, i)
			}
			if c.bound > 0 && math.Abs(float64(v)) > c.bound {
				t.Fatalf("%s: value %g outside ±%g", c.name, v, c.bound)
			}
			ss += float64(v) * float64(v)
		}
		// The sample variance of n = 60000 draws has relative standard
		// error √(2/n) ≈ 0.6% (normal) or less (uniform); allow 5σ.
		got := ss / (in * out)
		if math.Abs(got/c.wantVar-1) > 0.03 {
			t.Errorf("%s: variance got %g, want %g", c.name, got, c.wantVar)
		}
	}
}

func TestLinearRegressionConverges(t *testing.T) {
	// y = x·w* + 0.5 is realisable by a Linear layer, so Adam drives the
	// mean squared error towards 0.
	rng := rand.New(rand.NewPCG(9, 9))
	const n, d = 64, 3
	wStar := []float32{1.5, -2, 0.25}
	xd, yd := make([]float32, n*d), make([]float32, n)
	for i := 0; i < n; i++ {
		var s float32
		for j := 0; j < d; j++ {
			xd[i*d+j] = float32(rng.NormFloat64())
			s += xd[i*d+j] * wStar[j]
		}
		yd[i] = s + 0.5
	}
	x := autograd.Const(tensor.MustFromSlice(xd, n, d))
	y := autograd.Const(tensor.MustFromSlice(yd, n, 1))
	lin, err := NewLinear(d, 1, true, rng)
	if err != nil {
		t.Fatal(err)
	}
	params := lin.Params()
	opt, err := NewAdam([]Group{{Params: Values(params), LR: 0.05}}, DefaultAdamConfig())
	if err != nil {
		t.Fatal(err)
	}
	var loss float32
	for step := 0; step < 500; step++ {
		ZeroGrads(params)
		diff := autograd.Sub(lin.Forward(x), y)
		l := autograd.MeanAll(autograd.Mul(diff, diff))
		l.Backward()
		loss = l.Data()[0]
		if err := opt.Step(Grads(params)); err != nil {
			t.Fatal(err)
		}
	}
	if loss > 1e-4 {
		t.Errorf("final mean squared error got %g, want below 1e-4", loss)
	}
	for j, w := range lin.W.Data() {
		if math.Abs(float64(w-wStar[j])) > 0.01 {
			t.Errorf("w[%d] got %g, want %g", j, w, wStar[j])
		}
	}
}

func TestBatchNorm1dRunningStatistics(t *testing.T) {
	bn, err := NewBatchNorm1d(1, 0.1, 1e-5)
	if err != nil {
		t.Fatal(err)
	}
	x := autograd.Const(tensor.MustFromSlice([]float32{1, 2, 6}, 3, 1))
	bn.Forward(x, true)
	// Batch mean 3 and unbiased variance 7 blended with 0 and 1 at 0.1.
	if got, want := bn.RunningMean[0], float32(0.3); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("running mean got %g, want %g", got, want)
	}
	if got, want := bn.RunningVar[0], float32(0.9+0.7); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("running variance got %g, want %g", got, want)
	}
	// Evaluation uses the running statistics: (6 − 0.3)/√(1.6 + 1e-5).
	y := bn.Forward(x, false).Data()
	if want := (6 - 0.3) / math.Sqrt(1.6+1e-5); math.Abs(float64(y[2])-want) > 1e-5 {
		t.Errorf("evaluation output got %g, want %g", y[2], want)
	}
}
