package ssl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// EMAUpdate moves each target parameter towards its online counterpart,
// φ ← τ·φ + (1 − τ)·θ, in place. The two lists pair up by position.
func EMAUpdate(target, online []*autograd.Var, tau float64) error {
	if len(target) != len(online) {
		return fmt.Errorf("ssl: EMA over %d target and %d online parameters; want equal counts", len(target), len(online))
	}
	t32, rest := float32(tau), float32(1-tau)
	for i := range target {
		td, od := target[i].Data(), online[i].Data()
		if len(td) != len(od) {
			return fmt.Errorf("ssl: EMA parameter %d has %d target and %d online elements", i, len(td), len(od))
		}
		for j := range td {
			td[j] = t32*td[j] + rest*od[j]
		}
	}
	return nil
}

// BGRLMomentum returns BGRL's target decay at optimizer step k of total:
// τ_k = 1 − (1 − τ₀)·(cos(πk/total) + 1)/2, rising from τ₀ to 1 (Thakoor
// et al., arXiv:2102.06514).
func BGRLMomentum(k, total int, tau0 float64) float64 {
	if total <= 0 {
		return 1
	}
	return 1 - (1-tau0)*(math.Cos(math.Pi*float64(k)/float64(total))+1)/2
}

// BGRL is bootstrapped graph latents: an online GCN encoder (batch norm and
// PReLU after each layer) with a predictor, and a target encoder updated as
// an exponential moving average of the online one. The symmetric BYOL loss
// compares the online predictions of one view with the target embeddings
// of the other.
type BGRL struct {
	Online    *GCN
	Target    *GCN
	Predictor *MLP
	// Steps counts UpdateTarget calls, the k of the momentum schedule.
	Steps int
}

// NewBGRL builds BGRL for features of width in and encoder widths hidden.
// The predictor is one Linear layer d → d, as in the toolkit (the original
// BGRL uses an MLP with a hidden layer of 512 and PReLU).
func NewBGRL(in int, hidden []int, rng *rand.Rand) (*BGRL, error) {
	online, err := NewGCN(append([]int{in}, hidden...), ActPReLU, rng)
	if err != nil {
		return nil, err
	}
	// Momentum 0.01 in PyTorch's convention, as BGRL's encoder uses.
	if err := online.AddBatchNorms(0.01); err != nil {
		return nil, err
	}
	d := hidden[len(hidden)-1]
	pred, err := NewMLP([]int{d, d}, ActNone, rng)
	if err != nil {
		return nil, err
	}
	return &BGRL{Online: online, Target: online.Clone(), Predictor: pred}, nil
}

// Params returns the trainable (online encoder and predictor) parameters.
func (m *BGRL) Params() []*autograd.Var {
	return append(m.Online.Params(), m.Predictor.Params()...)
}

// Loss returns ℓ(q(h¹), sg(t²)) + ℓ(q(h²), sg(t¹)) with ℓ the BYOL loss,
// for two views each normalised with graph.GCNNorm.
func (m *BGRL) Loss(v1, v2 *graph.Graph) (*autograd.Var, error) {
	var h, t [2]*autograd.Var
	for i, v := range []*graph.Graph{v1, v2} {
		adj, err := graph.GCNNorm(v.Adj)
		if err != nil {
			return nil, err
		}
		x, err := FeatureInput(v.X)
		if err != nil {
			return nil, err
		}
		p := Propagation(adj)
		h[i] = m.Online.Forward(p, x)
		t[i] = m.Target.Forward(p, x).Detach()
	}
	var loss *autograd.Var
	err := autograd.Catch(func() {
		loss = autograd.Add(BYOLLoss(m.Predictor.Forward(h[0]), t[1]), BYOLLoss(m.Predictor.Forward(h[1]), t[0]))
	})
	return loss, err
}

// UpdateTarget advances the target encoder after an optimizer step, with
// the decay of BGRLMomentum(Steps, total, tau0).
func (m *BGRL) UpdateTarget(total int, tau0 float64) error {
	tau := BGRLMomentum(m.Steps, total, tau0)
	m.Steps++
	return EMAUpdate(m.Target.Params(), m.Online.Params(), tau)
}

// TrainBGRLCheckpoints trains BGRL as TrainNode's "bgrl" path does (the
// same views, steps and numbers for the same cfg) and calls checkpoint
// every `every` epochs (every > 0) with the online encoder's embeddings in
// evaluation mode, so a long run can be probed part-way. The returned
// Result holds, as TrainNode's, the embeddings of the lowest-loss epoch.
func TrainBGRLCheckpoints(ctx context.Context, g *graph.Graph, cfg Config, every int, checkpoint Checkpoint) (*Result, error) {
	g, rng, adjNorm, err := nodePrologue(g, cfg)
	if err != nil {
		return nil, err
	}
	prop := Propagation(adjNorm)
	x, err := FeatureInput(g.X)
	if err != nil {
		return nil, err
	}
	m, err := NewBGRL(g.X.Cols, cfg.Hidden, rng)
	if err != nil {
		return nil, err
	}
	a1 := graph.NewAugmentor(cfg.Seed*2+1, graph.EdgeRemoving{P: cfg.PE1}, graph.FeatureMasking{P: cfg.PF1})
	a2 := graph.NewAugmentor(cfg.Seed*2+2, graph.EdgeRemoving{P: cfg.PE2}, graph.FeatureMasking{P: cfg.PF2})
	embed := func() *tensor.Tensor {
		m.Online.Training = false
		defer func() { m.Online.Training = true }()
		return m.Online.Forward(prop, x).Detach().Value
	}
	params := m.Params()
	opt, err := optimizer(cfg, params)
	if err != nil {
		return nil, err
	}
	stepped := afterStep{opt, func() error { return m.UpdateTarget(cfg.Epochs, cfg.Tau0) }}
	start := time.Now()
	res, err := Train(ctx, params, stepped, TrainConfig{Epochs: cfg.Epochs, Patience: cfg.Patience}, func(epoch int) (*autograd.Var, error) {
		if checkpoint != nil && every > 0 && epoch > 0 && epoch%every == 0 {
			if err := checkpoint(epoch, embed()); err != nil {
				return nil, err
			}
		}
		v1, err := a1.View(g)
		if err != nil {
			return nil, err
		}
		v2, err := a2.View(g)
		if err != nil {
			return nil, err
		}
		return m.Loss(v1, v2)
	})
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	out := &Result{Embeddings: embed(), Train: res}
	if n := len(res.Losses); n > 0 {
		out.EpochMS = float64(elapsed.Microseconds()) / 1000 / float64(n)
	}
	return out, nil
}
