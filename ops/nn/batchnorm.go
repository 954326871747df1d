package nn

import (
	"fmt"
	"math"

	"pare/ops/autograd"
	"pare/ops/tensor"
)

// BatchNorm1d is batch normalisation over the rows of an [N, C] input with
// a learned scale and shift and running statistics, as torch.nn.BatchNorm1d.
// In training the batch statistics normalise, and the running ones are
// updated as running = (1 − Momentum)·running + Momentum·batch (unbiased
// variance). In evaluation the running statistics normalise.
type BatchNorm1d struct {
	Gamma, Beta *autograd.Var
	RunningMean []float32
	RunningVar  []float32
	Momentum    float32
	Eps         float32
}

// NewBatchNorm1d returns a layer for c channels with gamma 1, beta 0,
// running mean 0 and running variance 1.
func NewBatchNorm1d(c int, momentum, eps float32) (*BatchNorm1d, error) {
	if c <= 0 || !(momentum >= 0 && momentum <= 1) || !(eps > 0) {
		return nil, fmt.Errorf("nn.batch_norm: channels %d, momentum %v, eps %v; want channels > 0, momentum in [0, 1], eps > 0", c, momentum, eps)
	}
	gamma := tensor.New(c)
	rv := make([]float32, c)
	for i := range rv {
		gamma.Data()[i] = 1
		rv[i] = 1
	}
	return &BatchNorm1d{
		Gamma: autograd.Param(gamma), Beta: autograd.Param(tensor.New(c)),
		RunningMean: make([]float32, c), RunningVar: rv, Momentum: momentum, Eps: eps,
	}, nil
}

// Forward normalises x with batch statistics when training and with the
// running statistics otherwise.
func (b *BatchNorm1d) Forward(x *autograd.Var, training bool) *autograd.Var {
	if training {
		y, mean, variance := autograd.BatchNorm(x, b.Gamma, b.Beta, b.Eps)
		for j := range mean {
			b.RunningMean[j] = (1-b.Momentum)*b.RunningMean[j] + b.Momentum*mean[j]
			b.RunningVar[j] = (1-b.Momentum)*b.RunningVar[j] + b.Momentum*variance[j]
		}
		return y
	}
	c := len(b.RunningMean)
	scale := tensor.New(c)
	shift := tensor.New(c)
	for j := 0; j < c; j++ {
		s := float32(1 / math.Sqrt(float64(b.RunningVar[j]+b.Eps)))
		scale.Data()[j] = s
		shift.Data()[j] = -b.RunningMean[j] * s
	}
	norm := autograd.Add(autograd.Mul(x, autograd.Const(scale)), autograd.Const(shift))
	return autograd.Add(autograd.Mul(norm, b.Gamma), b.Beta)
}

// Params returns gamma and beta.
func (b *BatchNorm1d) Params() []*autograd.Var { return []*autograd.Var{b.Gamma, b.Beta} }
