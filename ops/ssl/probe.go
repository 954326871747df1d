package ssl

import (
	"fmt"
	"math/rand/v2"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// ProbeConfig sets the node linear probe: Adam with LR and WeightDecay for
// exactly Steps full-batch steps on the training nodes, weights
// Xavier-uniform from Seed and zero bias.
type ProbeConfig struct {
	LR, WeightDecay float64
	Steps           int
	Seed            uint64
}

// DefaultProbeConfig returns lr 0.01, weight decay 0 and 100 steps, the
// probe settings of the DGI and GRACE reference examples.
func DefaultProbeConfig() ProbeConfig { return ProbeConfig{LR: 0.01, Steps: 100} }

// LinearProbe trains a logistic-regression classifier on frozen embeddings
// emb [N, d] for the train nodes and returns its accuracy (in [0, 1]) on
// the validation and test nodes.
func LinearProbe(emb *tensor.Tensor, labels []int, numClasses int, train, val, test []int, cfg ProbeConfig) (valAcc, testAcc float64, err error) {
	shape := emb.Shape()
	if len(shape) != 2 || shape[0] != len(labels) {
		return 0, 0, fmt.Errorf("ssl: probe: embeddings of shape %s for %d labels; want (N, d) with one row per label", tensor.ShapeString(shape), len(labels))
	}
	if len(train) == 0 || cfg.Steps <= 0 || numClasses <= 0 {
		return 0, 0, fmt.Errorf("ssl: probe: %d training nodes, %d steps, %d classes; want positive counts", len(train), cfg.Steps, numClasses)
	}
	d := shape[1]
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x70726f6265)) // stream "probe"
	w := tensor.New(d, numClasses)
	if err := nn.XavierUniform(w, 1, rng); err != nil {
		return 0, 0, err
	}
	params := []*autograd.Var{autograd.Param(w), autograd.Param(tensor.New(numClasses))}
	opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: cfg.LR, WeightDecay: cfg.WeightDecay}}, nn.DefaultAdamConfig())
	if err != nil {
		return 0, 0, err
	}
	x := autograd.Const(emb.Contiguous())
	trainLabels := make([]int, len(train))
	for i, n := range train {
		trainLabels[i] = labels[n]
	}
	err = autograd.Catch(func() {
		xTrain := autograd.IndexSelect(x, 0, train)
		for step := 0; step < cfg.Steps; step++ {
			nn.ZeroGrads(params)
			logits := autograd.Add(autograd.MatMul(xTrain, params[0]), params[1])
			autograd.CrossEntropy(logits, trainLabels).Backward()
			if err = opt.Step(nn.Grads(params)); err != nil {
				return
			}
		}
	})
	if err != nil {
		return 0, 0, err
	}
	accuracy := func(nodes []int) float64 {
		if len(nodes) == 0 {
			return 0
		}
		logits := autograd.Add(autograd.MatMul(autograd.IndexSelect(x, 0, nodes), params[0]), params[1]).Data()
		correct := 0
		for i, n := range nodes {
			row := logits[i*numClasses : (i+1)*numClasses]
			best := 0
			for c := range row {
				if row[c] > row[best] {
					best = c
				}
			}
			if best == labels[n] {
				correct++
			}
		}
		return float64(correct) / float64(len(nodes))
	}
	return accuracy(val), accuracy(test), nil
}
