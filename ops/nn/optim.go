// Package nn holds the training building blocks over pare tensors and
// autograd: parameter initialisation, Linear and Embedding layers,
// optimizers (SGD with momentum, Adam, AdamW) with parameter groups,
// gradient clipping and learning-rate schedules. Optimizers work on plain
// (parameter, gradient) tensor pairs, so Go code that uses autograd and
// Starlark code that receives gradients as tensors share them.
package nn

import (
	"fmt"
	"math"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Group is a set of parameters that share a learning rate and a weight
// decay, as PyTorch's parameter groups.
type Group struct {
	Params      []*tensor.Tensor
	LR          float64
	WeightDecay float64
}

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Step applies one update. grads lists one gradient per parameter, in
	// group order then parameter order; a nil gradient skips that
	// parameter (its state does not advance).
	Step(grads []*tensor.Tensor) error
	// Groups returns the parameter groups; callers may change LR and
	// WeightDecay between steps (a schedule does).
	Groups() []Group
	// SetLRScale multiplies every group's LR by scale from the next step
	// on, which is how a schedule drives the optimizer.
	SetLRScale(scale float64)
}

// paramState holds a parameter's contiguous data and optimizer buffers.
type paramState struct {
	data  []float32
	shape []int
	buf1  []float32 // momentum (SGD) or first moment (Adam)
	buf2  []float32 // second moment (Adam)
	steps int
	group int
}

type base struct {
	groups  []Group
	params  []paramState
	lrScale float64
}

// checkHyperparameter rejects a negative or non-finite value of a setting
// that must be a finite number >= 0, such as lr or eps.
func checkHyperparameter(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %v is not a finite number; want a finite number >= 0", name, v)
	}
	if v < 0 {
		return fmt.Errorf("%s %v is negative; want a finite number >= 0", name, v)
	}
	return nil
}

func newBase(op string, groups []Group) (base, error) {
	b := base{groups: groups, lrScale: 1}
	for gi, g := range groups {
		if err := checkHyperparameter("lr", g.LR); err != nil {
			return b, fmt.Errorf("%s: group %d: %w", op, gi, err)
		}
		if err := checkHyperparameter("weight decay", g.WeightDecay); err != nil {
			return b, fmt.Errorf("%s: group %d: %w", op, gi, err)
		}
		for pi, p := range g.Params {
			if !p.IsContiguous() {
				return b, fmt.Errorf("%s: group %d parameter %d is a non-contiguous view; pass a contiguous tensor so updates reach it", op, gi, pi)
			}
			b.params = append(b.params, paramState{data: p.Data(), shape: p.Shape(), group: gi})
		}
	}
	return b, nil
}

func (b *base) Groups() []Group          { return b.groups }
func (b *base) SetLRScale(scale float64) { b.lrScale = scale }

// checkGrads validates the gradient list against the parameters.
func (b *base) checkGrads(op string, grads []*tensor.Tensor) error {
	if len(grads) != len(b.params) {
		return fmt.Errorf("%s: got %d gradients, want %d (one per parameter)", op, len(grads), len(b.params))
	}
	for i, g := range grads {
		if g == nil {
			continue
		}
		if g.Size() != len(b.params[i].data) || !equalShape(g.Shape(), b.params[i].shape) {
			return fmt.Errorf("%s: gradient %d has shape %s, want %s like its parameter", op, i, tensor.ShapeString(g.Shape()), tensor.ShapeString(b.params[i].shape))
		}
	}
	return nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// elementGrain is the number of elements per worker-pool chunk in updates.
const elementGrain = 1 << 15

// SGD is stochastic gradient descent with optional momentum and Nesterov
// momentum, following torch.optim.SGD: weight decay adds wd·p to the
// gradient; the momentum buffer starts at the first gradient and then
// follows buf = μ·buf + (1 − dampening)·g; the step uses buf, or g + μ·buf
// with Nesterov.
type SGD struct {
	base
	Momentum  float64
	Dampening float64
	Nesterov  bool
}

// NewSGD returns an SGD optimizer. Nesterov needs momentum > 0 and zero
// dampening.
func NewSGD(groups []Group, momentum, dampening float64, nesterov bool) (*SGD, error) {
	b, err := newBase("sgd", groups)
	if err != nil {
		return nil, err
	}
	if err := checkHyperparameter("momentum", momentum); err != nil {
		return nil, fmt.Errorf("sgd: %w", err)
	}
	if nesterov && (momentum == 0 || dampening != 0) {
		return nil, fmt.Errorf("sgd: nesterov needs momentum > 0 and dampening 0, got momentum %v and dampening %v", momentum, dampening)
	}
	return &SGD{base: b, Momentum: momentum, Dampening: dampening, Nesterov: nesterov}, nil
}

// Step applies one SGD update.
func (o *SGD) Step(grads []*tensor.Tensor) error {
	if err := o.checkGrads("sgd", grads); err != nil {
		return err
	}
	mu, damp := float32(o.Momentum), float32(1-o.Dampening)
	for i := range o.params {
		if grads[i] == nil {
			continue
		}
		st := &o.params[i]
		grp := o.groups[st.group]
		lr, wd := float32(grp.LR*o.lrScale), float32(grp.WeightDecay)
		g := grads[i].Data()
		p := st.data
		if mu != 0 && st.buf1 == nil {
			st.buf1 = make([]float32, len(p))
		}
		first := st.steps == 0
		buf := st.buf1
		kernels.ParallelFor(len(p), elementGrain, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				d := g[j] + wd*p[j]
				if mu != 0 {
					if first {
						buf[j] = d
					} else {
						buf[j] = mu*buf[j] + damp*d
					}
					if o.Nesterov {
						d += mu * buf[j]
					} else {
						d = buf[j]
					}
				}
				p[j] -= lr * d
			}
		})
		st.steps++
	}
	return nil
}

// AdamConfig holds Adam's moment decay rates and the denominator epsilon.
type AdamConfig struct {
	Beta1, Beta2, Eps float64
}

// DefaultAdamConfig returns β₁ = 0.9, β₂ = 0.999, ε = 1e-8, the defaults of
// Kingma and Ba (arXiv:1412.6980) and of torch.optim.Adam.
func DefaultAdamConfig() AdamConfig { return AdamConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Adam is the Adam optimizer (Kingma and Ba, arXiv:1412.6980) with bias
// correction. With Decoupled it is AdamW (Loshchilov and Hutter,
// arXiv:1711.05101): weight decay multiplies the parameter by 1 − lr·wd
// before the Adam step instead of adding wd·p to the gradient.
type Adam struct {
	base
	AdamConfig
	Decoupled bool
}

// NewAdam returns Adam with L2 weight decay added to the gradient, as
// torch.optim.Adam.
func NewAdam(groups []Group, cfg AdamConfig) (*Adam, error) {
	return newAdam("adam", groups, cfg, false)
}

// NewAdamW returns AdamW with decoupled weight decay, as torch.optim.AdamW.
func NewAdamW(groups []Group, cfg AdamConfig) (*Adam, error) {
	return newAdam("adamw", groups, cfg, true)
}

func newAdam(op string, groups []Group, cfg AdamConfig, decoupled bool) (*Adam, error) {
	b, err := newBase(op, groups)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"beta1", cfg.Beta1}, {"beta2", cfg.Beta2}} {
		if !(c.v >= 0 && c.v < 1) {
			return nil, fmt.Errorf("%s: %s %v is outside [0, 1)", op, c.name, c.v)
		}
	}
	if err := checkHyperparameter("eps", cfg.Eps); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &Adam{base: b, AdamConfig: cfg, Decoupled: decoupled}, nil
}

// Step applies one Adam or AdamW update:
// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂ / (√v̂ + ε) with
// m̂ = m/(1−β₁ᵗ) and v̂ = v/(1−β₂ᵗ), t counting this parameter's steps.
func (o *Adam) Step(grads []*tensor.Tensor) error {
	name := "adam"
	if o.Decoupled {
		name = "adamw"
	}
	if err := o.checkGrads(name, grads); err != nil {
		return err
	}
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	for i := range o.params {
		if grads[i] == nil {
			continue
		}
		st := &o.params[i]
		grp := o.groups[st.group]
		lr := grp.LR * o.lrScale
		p, g := st.data, grads[i].Data()
		if st.buf1 == nil {
			st.buf1 = make([]float32, len(p))
			st.buf2 = make([]float32, len(p))
		}
		st.steps++
		t := float64(st.steps)
		bc1 := 1 - math.Pow(o.Beta1, t)
		bc2 := 1 - math.Pow(o.Beta2, t)
		stepSize := float32(lr / bc1)
		rsqrtBc2 := float32(1 / math.Sqrt(bc2))
		eps := float32(o.Eps)
		decay := float32(1)
		l2 := float32(0)
		if o.Decoupled {
			decay = float32(1 - lr*grp.WeightDecay)
		} else {
			l2 = float32(grp.WeightDecay)
		}
		m, v := st.buf1, st.buf2
		kernels.ParallelFor(len(p), elementGrain, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				d := g[j] + l2*p[j]
				m[j] = b1*m[j] + (1-b1)*d
				v[j] = b2*v[j] + (1-b2)*d*d
				denom := float32(math.Sqrt(float64(v[j])))*rsqrtBc2 + eps
				p[j] = p[j]*decay - stepSize*m[j]/denom
			}
		})
	}
	return nil
}

// ClipGradNorm scales grads in place so that their global L2 norm (over all
// tensors together) is at most maxNorm, as torch.nn.utils.clip_grad_norm_:
// the scale is maxNorm / (norm + 1e-6) when it is below 1. It returns the
// norm before clipping. Nil entries are skipped.
// NOTE: the gradients must be contiguous; Data of a view is a copy, so a
// strided gradient would be measured but not scaled.
func ClipGradNorm(grads []*tensor.Tensor, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		if g == nil {
			continue
		}
		for _, v := range g.Data() {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	scale := maxNorm / (norm + 1e-6)
	if scale < 1 {
		s := float32(scale)
		for _, g := range grads {
			if g == nil {
				continue
			}
			d := g.Data()
			for i := range d {
				d[i] *= s
			}
		}
	}
	return norm
}
