package ssl

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// TrainGraph pretrains a graph-level method (InfoGraph or GraphCL) on the
// graphs of b in shuffled mini-batches of cfg.BatchSize graphs, one
// optimizer step per mini-batch; an epoch's loss is the mean over its
// mini-batches. It returns one embedding row per graph of b. progress, when
// not nil, is called at the start of every epoch with its index.
func TrainGraph(ctx context.Context, b *graph.Batch, cfg Config, progress func(epoch int)) (*Result, error) {
	if !IsGraphLevel(cfg.Method) {
		if _, err := Defaults(cfg.Method); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("ssl: %s is a node-level method; it takes one graph (graph.read), not a graph.batch", cfg.Method)
	}
	if err := check(cfg); err != nil {
		return nil, err
	}
	if cfg.Layers <= 0 || cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("ssl: %s: layers %d, batch_size %d; want positive counts", cfg.Method, cfg.Layers, cfg.BatchSize)
	}
	if b.NumGraphs() == 0 {
		return nil, fmt.Errorf("ssl: %s: dataset %q has no graphs; want at least one graph", cfg.Method, b.Union.Name)
	}
	if err := checkGraphInput(b.Union, cfg.Method); err != nil {
		return nil, err
	}
	in := 1
	if b.Union.X != nil {
		in = b.Union.X.Cols
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x73736c))

	var (
		params []*autograd.Var
		step   func(mb *graph.Batch) (*autograd.Var, error)
		embed  func(all *graph.Batch) (*tensor.Tensor, error)
	)
	switch cfg.Method {
	case "infograph":
		m, err := NewInfoGraph(in, cfg.Hidden[0], cfg.Layers, rng)
		if err != nil {
			return nil, err
		}
		params, step, embed = m.Params(), m.Loss, m.Embed
	case "graphcl":
		var aug graph.Augmentation
		switch cfg.Augmentation {
		case "node_dropping":
			aug = graph.NodeDropping{P: cfg.AugRatio}
		case "edge_removing":
			aug = graph.EdgeRemoving{P: cfg.AugRatio, Undirected: true}
		case "feature_masking":
			aug = graph.NodeRowMasking{P: cfg.AugRatio}
		case "subgraph":
			aug = graph.RWSampling{Ratio: 1 - cfg.AugRatio}
		default:
			return nil, fmt.Errorf("ssl: graphcl: augmentation %q; want node_dropping, edge_removing, feature_masking or subgraph", cfg.Augmentation)
		}
		m, err := NewGraphCL(in, cfg.Hidden[0], cfg.Layers, cfg.Tau, rng)
		if err != nil {
			return nil, err
		}
		if cfg.Views != "augmented" && cfg.Views != "clean" {
			return nil, fmt.Errorf("ssl: graphcl: views %q; want augmented or clean", cfg.Views)
		}
		a1 := graph.NewAugmentor(cfg.Seed*2+1, aug)
		a2 := graph.NewAugmentor(cfg.Seed*2+2, aug)
		params, embed = m.Params(), m.Embed
		step = func(mb *graph.Batch) (*autograd.Var, error) {
			v1 := mb
			if cfg.Views == "augmented" {
				var err error
				if v1, err = a1.ViewBatch(mb); err != nil {
					return nil, err
				}
			}
			v2, err := a2.ViewBatch(mb)
			if err != nil {
				return nil, err
			}
			return m.Loss(v1, v2)
		}
	}
	return runBatches(ctx, cfg, b, rng, params, step, embed, progress)
}

// runBatches is run for mini-batched graph-level training: the trainer's
// epoch is one pass over every mini-batch, each one optimizer step.
func runBatches(ctx context.Context, cfg Config, b *graph.Batch, rng *rand.Rand, params []*autograd.Var, step func(*graph.Batch) (*autograd.Var, error), embed func(*graph.Batch) (*tensor.Tensor, error), progress func(int)) (*Result, error) {
	opt, err := optimizer(cfg, params)
	if err != nil {
		return nil, err
	}
	n := b.NumGraphs()
	var res *TrainResult
	// Each mini-batch is one optimizer step, so the epoch loop lives here
	// rather than in Train. Best-weight restoration tracks epochs.
	best := make([][]float32, len(params))
	res = &TrainResult{BestEpoch: -1}
	since := 0
	start := time.Now()
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(epoch)
		}
		// The weights at the start of the epoch are the candidates to keep.
		snapshot := make([][]float32, len(params))
		for i, p := range params {
			snapshot[i] = append([]float32(nil), p.Data()...)
		}
		perm := rng.Perm(n)
		var sum float64
		var batches int
		for lo := 0; lo < n; lo += cfg.BatchSize {
			mb, err := b.Select(perm[lo:min(lo+cfg.BatchSize, n)])
			if err != nil {
				return nil, err
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			value, err := optimizerStep(params, opt, func() (*autograd.Var, error) { return step(mb) }, epoch)
			if err != nil {
				return nil, err
			}
			sum += value
			batches++
		}
		loss := sum / float64(batches)
		res.Losses = append(res.Losses, loss)
		if res.BestEpoch < 0 || loss < res.BestLoss {
			res.BestLoss, res.BestEpoch, since = loss, epoch, 0
			copy(best, snapshot)
		} else {
			since++
		}
		if cfg.Patience > 0 && since >= cfg.Patience {
			break
		}
	}
	elapsed := timeSince(start)
	// Each epoch's loss is measured while the weights move, so the weights
	// kept are the end-of-run ones unless patience stopped the run early;
	// with patience 0 (the presets) the last weights are used, as in the
	// InfoGraph and GraphCL reference code.
	if cfg.Patience > 0 && res.BestEpoch >= 0 {
		for i, p := range params {
			copy(p.Data(), best[i])
		}
	}
	emb, err := embed(b)
	if err != nil {
		return nil, err
	}
	return &Result{Embeddings: emb, Train: res, EpochMS: elapsed / float64(len(res.Losses))}, nil
}
