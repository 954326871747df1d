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
		nn.ZeroGrads(params)
		var l *autograd.Var
		var lerr error
		if err := autograd.Catch(func() {
			l, lerr = loss(epoch)
			if lerr == nil {
				l.Backward()
			}
		}); err != nil {
			return res, err
		}
		if lerr != nil {
			return res, lerr
		}
		value := float64(l.Data()[0])
		if math.IsNaN(value) {
			return res, fmt.Errorf("ssl: the training loss became NaN at epoch %d; lower the learning rate", epoch)
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
