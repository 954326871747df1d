package ssl

import (
	"context"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

func TestTrainRestoresBestWeights(t *testing.T) {
	// Minimising (p − 3)² with a step size that overshoots: the losses go
	// down then oscillate, and the weights of the lowest loss come back.
	p := autograd.Param(tensor.MustFromSlice([]float32{0}, 1))
	opt, err := nn.NewSGD([]nn.Group{{Params: nn.Values([]*autograd.Var{p}), LR: 0.9}}, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var seen []float32
	res, err := Train(context.Background(), []*autograd.Var{p}, opt, TrainConfig{Epochs: 6}, func(int) (*autograd.Var, error) {
		seen = append(seen, p.Data()[0])
		d := autograd.AddScalar(p, -3)
		return autograd.SumAll(autograd.Mul(d, d)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Losses), 6; got != want {
		t.Fatalf("epochs run got %d, want %d", got, want)
	}
	if got, want := p.Data()[0], seen[res.BestEpoch]; got != want {
		t.Errorf("restored parameter got %g, want %g from epoch %d", got, want, res.BestEpoch)
	}
	for i, l := range res.Losses {
		if l < res.BestLoss {
			t.Errorf("epoch %d loss %g is below the reported best %g", i, l, res.BestLoss)
		}
	}
}

func TestTrainStopsOnPatience(t *testing.T) {
	p := autograd.Param(tensor.MustFromSlice([]float32{1}, 1))
	opt, _ := nn.NewSGD([]nn.Group{{Params: nn.Values([]*autograd.Var{p}), LR: 0}}, 0, 0, false)
	res, err := Train(context.Background(), []*autograd.Var{p}, opt, TrainConfig{Epochs: 100, Patience: 3}, func(int) (*autograd.Var, error) {
		return autograd.SumAll(p), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A constant loss improves once (epoch 0), then 3 epochs without a
	// lower loss stop the run.
	if got, want := len(res.Losses), 4; got != want {
		t.Errorf("epochs run got %d, want %d", got, want)
	}
}

func TestLinearProbeSeparableClasses(t *testing.T) {
	// Three well-separated Gaussian clusters in 4-D: a linear probe must
	// classify held-out points almost perfectly.
	rng := rand.New(rand.NewPCG(2, 2))
	const n, d, classes = 300, 4, 3
	data := make([]float32, n*d)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % classes
		for j := 0; j < d; j++ {
			data[i*d+j] = float32(rng.NormFloat64() * 0.3)
		}
		data[i*d+labels[i]] += 3
	}
	var train, test []int
	for i := 0; i < n; i++ {
		if i < 60 {
			train = append(train, i)
		} else {
			test = append(test, i)
		}
	}
	_, acc, err := LinearProbe(tensor.MustFromSlice(data, n, d), labels, classes, train, nil, test, DefaultProbeConfig())
	if err != nil {
		t.Fatal(err)
	}
	// Clusters 3 apart with σ = 0.3 overlap with probability ~1e-6.
	if acc < 0.99 {
		t.Errorf("test accuracy got %.3f, want at least 0.99", acc)
	}
}
