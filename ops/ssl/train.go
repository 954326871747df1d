package ssl

import (
	"context"
	"fmt"
	"math"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// TrainConfig bounds a pretraining run: at most Epochs optimizer steps,
// stopping after Patience epochs without a lower training loss (0 disables
// early stopping).
type TrainConfig struct {
	Epochs   int
	Patience int
}

// TrainResult records a run: the loss of every epoch, the epoch with the
// lowest loss (whose weights the parameters hold at the end) and that loss.
type TrainResult struct {
	Losses    []float64
	BestEpoch int
	BestLoss  float64
}

// Train minimises loss(epoch) over params with opt, restoring the
// parameters of the lowest-loss epoch before it returns, as the reference
// trainers do with their checkpoint on improvement. ctx is checked between
// epochs. loss returns an error for bad input; autograd shape errors are
// returned too.
func Train(ctx context.Context, params []*autograd.Var, opt nn.Optimizer, cfg TrainConfig, loss func(epoch int) (*autograd.Var, error)) (*TrainResult, error) {
	if cfg.Epochs <= 0 {
		return nil, fmt.Errorf("ssl: epochs %d; want a positive count", cfg.Epochs)
	}
	res := &TrainResult{BestLoss: math.Inf(1), BestEpoch: -1}
	best := make([]*tensor.Tensor, len(params))
	since := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		value, err := lossAndGrads(params, func() (*autograd.Var, error) { return loss(epoch) }, epoch)
		if err != nil {
			return res, err
		}
		res.Losses = append(res.Losses, value)

		// The weights that produced this loss are the ones before the step,
		// so they are saved now.
		if value < res.BestLoss {
			res.BestLoss, res.BestEpoch, since = value, epoch, 0
			for i, p := range params {
				if best[i] == nil {
					best[i] = tensor.New(p.Shape()...)
				}
				copy(best[i].Data(), p.Data())
			}
		} else {
			since++
		}
		if err := opt.Step(nn.Grads(params)); err != nil {
			return res, err
		}
		if cfg.Patience > 0 && since >= cfg.Patience {
			break
		}
	}
	for i, p := range params {
		if best[i] != nil {
			copy(p.Data(), best[i].Data())
		}
	}
	return res, nil
}

// lossAndGrads clears the gradients of params, evaluates loss, backpropagates
// it and returns its value. epoch is named in the error for a NaN loss.
func lossAndGrads(params []*autograd.Var, loss func() (*autograd.Var, error), epoch int) (float64, error) {
	nn.ZeroGrads(params)
	var l *autograd.Var
	var lerr error
	if err := autograd.Catch(func() {
		l, lerr = loss()
		if lerr == nil {
			l.Backward()
		}
	}); err != nil {
		return 0, err
	}
	if lerr != nil {
		return 0, lerr
	}
	value := float64(l.Data()[0])
	if math.IsNaN(value) {
		return 0, fmt.Errorf("ssl: the training loss became NaN at epoch %d; lower the learning rate", epoch)
	}
	return value, nil
}

// optimizerStep runs one optimizer step on loss and returns the loss value
// before the step. Unlike Train it keeps the stepped weights, for trainers
// that take several steps per epoch.
func optimizerStep(params []*autograd.Var, opt nn.Optimizer, loss func() (*autograd.Var, error), epoch int) (float64, error) {
	value, err := lossAndGrads(params, loss, epoch)
	if err != nil {
		return 0, err
	}
	return value, opt.Step(nn.Grads(params))
}
