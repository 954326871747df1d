package ssl

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// NodeMethods and GraphMethods list the methods TrainNode and TrainGraph
// accept.
var (
	NodeMethods  = []string{"dgi", "grace", "gca", "mvgrl", "bgrl", "graphmae"}
	GraphMethods = []string{"infograph", "graphcl"}
)

// Config is the resolved configuration of one pretraining run. Each method
// reads the fields that Settings(method) lists. Defaults(method) fills them
// with general defaults; the presets in stdlib/ssl give per-data-set values
// with their sources.
type Config struct {
	Method      string
	Seed        uint64
	Epochs      int
	Patience    int     // epochs without a lower training loss before stopping; 0 disables
	Optimizer   string  // "adam" or "adamw"
	LR          float64 // learning rate
	WeightDecay float64

	Hidden     []int  // encoder widths (GCN layers), or one entry = GIN width
	Activation string // "prelu", "prelu_shared", "relu", "elu"
	Layers     int    // GIN layers (graph level)
	BatchSize  int    // graphs per step (graph level)

	NormalizeFeatures bool // row L1 normalisation of node features before training

	Tau        float64 // InfoNCE / NT-Xent temperature
	ProjHidden int     // GRACE/GCA projection head width

	// View rates: edge dropping (PE1, PE2) and feature masking (PF1, PF2)
	// for views 1 and 2 (GRACE, GCA, BGRL); DropCap caps GCA's adaptive
	// probabilities. AugRatio is GraphCL's augmentation ratio.
	PE1, PE2, PF1, PF2 float64
	DropCap            float64
	AugRatio           float64
	Augmentation       string // GraphCL: "node_dropping", "edge_removing", "feature_masking", "subgraph"
	// Views is GraphCL's pair of views: "augmented" (two augmented views, as
	// the paper describes) or "clean" (the clean graph against one
	// augmented view, as Shen-Lab/GraphCL unsupervised_TU/gsimclr.py runs).
	Views string

	Alpha       float64 // MVGRL PPR teleport probability
	Blocks      int     // MVGRL blocks per step
	BlockSize   int     // MVGRL nodes per block
	Tau0        float64 // BGRL base EMA momentum
	MaskRate    float64 // GraphMAE
	ReplaceRate float64 // GraphMAE replace rate
	Gamma       float64 // GraphMAE scaled-cosine exponent
	Encoder     string  // GraphMAE encoder and decoder: "gat" or "gcn"
	Heads       int     // GraphMAE GAT encoder heads
	InDrop      float64 // GraphMAE GAT input dropout
	AttnDrop    float64 // GraphMAE GAT attention dropout
	LRSchedule  string  // GraphMAE: "cosine" or "none"
}

// Defaults returns the default configuration of method, and an error that
// lists the accepted methods for an unknown one.
func Defaults(method string) (Config, error) {
	c := Config{Method: method, Optimizer: "adam", LR: 1e-3, Epochs: 1000, Patience: 20, Activation: "prelu", NormalizeFeatures: true}
	switch method {
	case "dgi":
		c.Epochs, c.Hidden = 10000, []int{512}
	case "grace":
		c.Hidden, c.ProjHidden, c.Tau = []int{256, 128}, 128, 0.4
		c.PE1, c.PE2, c.PF1, c.PF2 = 0.2, 0.4, 0.3, 0.4
		c.Epochs, c.Patience, c.LR, c.WeightDecay, c.Activation = 200, 0, 5e-4, 1e-5, "relu"
	case "gca":
		c.Hidden, c.ProjHidden, c.Tau = []int{256, 128}, 128, 0.4
		c.PE1, c.PE2, c.PF1, c.PF2, c.DropCap = 0.3, 0.4, 0.1, 0.0, 0.7
		c.Epochs, c.Patience, c.LR, c.WeightDecay, c.Activation = 200, 0, 5e-4, 1e-5, "relu"
	case "mvgrl":
		c.Hidden, c.Alpha, c.Blocks, c.BlockSize, c.Epochs = []int{512}, 0.2, 4, 2000, 3000
	case "bgrl":
		c.Hidden, c.Tau0, c.Optimizer, c.LR, c.WeightDecay = []int{512, 256}, 0.99, "adamw", 1e-4, 1e-5
		c.PE1, c.PE2, c.PF1, c.PF2 = 0.4, 0.1, 0.1, 0.2
		c.Epochs, c.Patience = 4000, 0
	case "graphmae":
		c.Hidden, c.MaskRate, c.ReplaceRate, c.Gamma = []int{512, 512}, 0.5, 0.05, 3
		c.WeightDecay, c.Epochs, c.Patience = 2e-4, 1500, 0
		c.Encoder, c.Heads, c.InDrop, c.AttnDrop, c.LRSchedule = "gat", 4, 0.2, 0.1, "cosine"
	case "infograph":
		c.Hidden, c.Layers, c.BatchSize, c.Epochs, c.Patience, c.NormalizeFeatures = []int{32}, 3, 128, 20, 0, false
	case "graphcl":
		c.Hidden, c.Layers, c.BatchSize, c.Epochs, c.Patience, c.NormalizeFeatures = []int{32}, 3, 128, 20, 0, false
		c.Tau, c.AugRatio, c.Augmentation, c.LR, c.Views = 0.2, 0.2, "node_dropping", 0.01, "augmented"
	default:
		return Config{}, fmt.Errorf("ssl: method %q; want one of %s", method, strings.Join(append(slices.Clone(NodeMethods), GraphMethods...), ", "))
	}
	return c, nil
}

// Settings returns the names of the settings method reads, in the
// snake_case spelling of the Starlark surface.
func Settings(method string) []string {
	common := []string{"seed", "epochs", "patience", "optimizer", "lr", "weight_decay", "hidden"}
	node := append(slices.Clone(common), "normalize_features")
	// MVGRL, BGRL and GraphMAE keep their references' PReLU, so only DGI,
	// GRACE and GCA take an activation.
	withAct := append(slices.Clone(node), "activation")
	switch method {
	case "dgi":
		return withAct
	case "grace":
		return append(withAct, "tau", "proj_hidden", "pe1", "pe2", "pf1", "pf2")
	case "gca":
		return append(withAct, "tau", "proj_hidden", "pe1", "pe2", "pf1", "pf2", "drop_cap")
	case "mvgrl":
		return append(node, "alpha", "blocks", "block_size")
	case "bgrl":
		return append(node, "tau0", "pe1", "pe2", "pf1", "pf2")
	case "graphmae":
		return append(node, "mask_rate", "replace_rate", "gamma", "encoder", "heads", "in_drop", "attn_drop", "lr_schedule")
	case "infograph":
		return append(common, "layers", "batch_size")
	case "graphcl":
		return append(common, "layers", "batch_size", "tau", "aug_ratio", "augmentation", "views")
	}
	return nil
}

// IsGraphLevel reports whether method trains on a batch of graphs.
func IsGraphLevel(method string) bool { return slices.Contains(GraphMethods, method) }

// Result is a trained run: embeddings (one row per node, or per graph at
// graph level), the training record and the mean wall time of an epoch.
type Result struct {
	Embeddings *tensor.Tensor
	Train      *TrainResult
	EpochMS    float64
}

func activation(name string) (Activation, error) {
	switch name {
	case "prelu":
		return ActPReLU, nil
	case "prelu_shared":
		return ActPReLUShared, nil
	case "relu":
		return ActReLU, nil
	case "elu":
		return ActELU, nil
	}
	return 0, fmt.Errorf("ssl: activation %q; want prelu, prelu_shared, relu or elu", name)
}

func optimizer(cfg Config, params []*autograd.Var) (nn.Optimizer, error) {
	groups := []nn.Group{{Params: nn.Values(params), LR: cfg.LR, WeightDecay: cfg.WeightDecay}}
	switch cfg.Optimizer {
	case "adam":
		return nn.NewAdam(groups, nn.DefaultAdamConfig())
	case "adamw":
		return nn.NewAdamW(groups, nn.DefaultAdamConfig())
	}
	return nil, fmt.Errorf("ssl: optimizer %q; want adam or adamw", cfg.Optimizer)
}

func check(cfg Config) error {
	if cfg.Epochs <= 0 || cfg.Patience < 0 || !(cfg.LR > 0) || cfg.WeightDecay < 0 {
		return fmt.Errorf("ssl: epochs %d, patience %d, lr %g, weight_decay %g; want epochs > 0, patience >= 0, lr > 0, weight_decay >= 0", cfg.Epochs, cfg.Patience, cfg.LR, cfg.WeightDecay)
	}
	if err := checkFiniteSettings(cfg); err != nil {
		return err
	}
	if len(cfg.Hidden) == 0 {
		return fmt.Errorf("ssl: hidden is empty; want at least one width")
	}
	for _, h := range cfg.Hidden {
		if h <= 0 {
			return fmt.Errorf("ssl: hidden %v; want positive widths", cfg.Hidden)
		}
	}
	return nil
}

// TrainNode pretrains a node-level method on g and returns the frozen
// embeddings of the clean graph, computed with the weights of the
// lowest-loss epoch. progress, when not nil, is called at the start of every
// epoch with its index.
func TrainNode(ctx context.Context, g *graph.Graph, cfg Config, progress func(epoch int)) (*Result, error) {
	if IsGraphLevel(cfg.Method) {
		return nil, fmt.Errorf("ssl: %s is a graph-level method; it takes a graph.batch (graph.tu_dataset), not one graph", cfg.Method)
	}
	if err := check(cfg); err != nil {
		return nil, err
	}
	if err := checkGraphInput(g, cfg.Method); err != nil {
		return nil, err
	}
	if g.X == nil {
		return nil, fmt.Errorf("ssl: %s needs node features; the graph has none", cfg.Method)
	}
	act, err := activation(cfg.Activation)
	if err != nil {
		return nil, err
	}
	if cfg.NormalizeFeatures {
		g = g.WithFeatures(g.X.RowNormalizeL1())
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x73736c)) // stream "ssl"
	adjNorm, err := graph.GCNNorm(g.Adj)
	if err != nil {
		return nil, err
	}
	prop := Propagation(adjNorm)
	x, err := FeatureInput(g.X)
	if err != nil {
		return nil, err
	}

	var (
		params []*autograd.Var
		loss   func(epoch int) (*autograd.Var, error)
		embed  func() (*tensor.Tensor, error)
		after  func() error
	)
	switch cfg.Method {
	case "dgi":
		m, err := NewDGI(prop, x, cfg.Hidden, act, rng)
		if err != nil {
			return nil, err
		}
		params = m.Params()
		loss = func(int) (*autograd.Var, error) { return m.Loss(rng), nil }
		embed = func() (*tensor.Tensor, error) { return m.Embed(), nil }

	case "grace", "gca":
		if len(cfg.Hidden) < 1 || cfg.ProjHidden <= 0 || !(cfg.Tau > 0) {
			return nil, fmt.Errorf("ssl: %s: proj_hidden %d, tau %g; want positive values", cfg.Method, cfg.ProjHidden, cfg.Tau)
		}
		m, err := NewGRACE(g.X.Cols, cfg.Hidden, cfg.ProjHidden, act, cfg.Tau, rng)
		if err != nil {
			return nil, err
		}
		var a1, a2 *graph.Augmentor
		if cfg.Method == "grace" {
			a1 = graph.NewAugmentor(cfg.Seed*2+1, graph.EdgeRemoving{P: cfg.PE1}, graph.FeatureMasking{P: cfg.PF1})
			a2 = graph.NewAugmentor(cfg.Seed*2+2, graph.EdgeRemoving{P: cfg.PE2}, graph.FeatureMasking{P: cfg.PF2})
		} else if a1, a2, err = gcaAugmentors(g, cfg); err != nil {
			return nil, err
		}
		params = m.Params()
		loss = func(int) (*autograd.Var, error) {
			v1, err := a1.View(g)
			if err != nil {
				return nil, err
			}
			v2, err := a2.View(g)
			if err != nil {
				return nil, err
			}
			return m.Loss(v1, v2)
		}
		embed = func() (*tensor.Tensor, error) { return m.Encoder.Forward(prop, x).Detach().Value, nil }

	case "mvgrl":
		if len(cfg.Hidden) != 1 || cfg.Blocks <= 0 || cfg.BlockSize <= 0 {
			return nil, fmt.Errorf("ssl: mvgrl: hidden %v, blocks %d, block_size %d; want one width and positive block counts", cfg.Hidden, cfg.Blocks, cfg.BlockSize)
		}
		diff, err := graph.Diffusion(ctx, g.Adj, graph.DiffusionOptions{Kernel: "ppr", Alpha: cfg.Alpha})
		if err != nil {
			return nil, err
		}
		// The PPR matrix is dense (every entry stored), so products with it
		// run as GEMMs.
		sd := diff.Dense()
		m, err := NewMVGRL(g.X.Cols, cfg.Hidden[0], rng)
		if err != nil {
			return nil, err
		}
		size := min(cfg.BlockSize, g.N())
		params = m.Params()
		loss = func(int) (*autograd.Var, error) {
			var total *autograd.Var
			for b := 0; b < cfg.Blocks; b++ {
				start := rng.IntN(g.N() - size + 1)
				ba, err := Block(adjNorm, start, size)
				if err != nil {
					return nil, err
				}
				bs, err := DenseBlock(sd, g.N(), start, size)
				if err != nil {
					return nil, err
				}
				rows := make([]int, size)
				for i := range rows {
					rows[i] = start + i
				}
				bx, err := FeatureInput(g.X.SelectRows(rows))
				if err != nil {
					return nil, err
				}
				l := m.Loss(Propagation(ba), bs, bx, rng)
				if total == nil {
					total = l
				} else {
					total = autograd.Add(total, l)
				}
			}
			return autograd.MulScalar(total, 1/float32(cfg.Blocks)), nil
		}
		embed = func() (*tensor.Tensor, error) {
			return m.Embed(prop, &DenseMatrix{Rows: g.N(), Cols: g.N(), Data: sd}, x), nil
		}

	case "bgrl":
		m, err := NewBGRL(g.X.Cols, cfg.Hidden, rng)
		if err != nil {
			return nil, err
		}
		a1 := graph.NewAugmentor(cfg.Seed*2+1, graph.EdgeRemoving{P: cfg.PE1}, graph.FeatureMasking{P: cfg.PF1})
		a2 := graph.NewAugmentor(cfg.Seed*2+2, graph.EdgeRemoving{P: cfg.PE2}, graph.FeatureMasking{P: cfg.PF2})
		params = m.Params()
		loss = func(int) (*autograd.Var, error) {
			v1, err := a1.View(g)
			if err != nil {
				return nil, err
			}
			v2, err := a2.View(g)
			if err != nil {
				return nil, err
			}
			return m.Loss(v1, v2)
		}
		after = func() error { return m.UpdateTarget(cfg.Epochs, cfg.Tau0) }
		embed = func() (*tensor.Tensor, error) {
			m.Online.Training = false
			defer func() { m.Online.Training = true }()
			return m.Online.Forward(prop, x).Detach().Value, nil
		}

	case "graphmae":
		return trainGraphMAE(ctx, g, cfg, prop, rng, progress, 0, nil)

	default:
		_, err := Defaults(cfg.Method)
		if err == nil {
			err = fmt.Errorf("ssl: method %q has no node-level trainer", cfg.Method)
		}
		return nil, err
	}
	return run(ctx, cfg, params, loss, after, embed, progress)
}

// gcaAugmentors returns GCA's two view generators for g. As in GCA's
// reference code, the edge and feature drop probabilities are computed once
// from the clean graph, so the feature probabilities do not follow the
// edges that each view drops.
func gcaAugmentors(g *graph.Graph, cfg Config) (*graph.Augmentor, *graph.Augmentor, error) {
	var augs [2]*graph.Augmentor
	for i, rates := range [2][2]float64{{cfg.PE1, cfg.PF1}, {cfg.PE2, cfg.PF2}} {
		edges, err := graph.NewGCAEdgeRemoving(g, rates[0], cfg.DropCap)
		if err != nil {
			return nil, nil, fmt.Errorf("ssl: gca: %w", err)
		}
		features, err := graph.NewGCAFeatureMasking(g, rates[1], cfg.DropCap)
		if err != nil {
			return nil, nil, fmt.Errorf("ssl: gca: %w", err)
		}
		augs[i] = graph.NewAugmentor(cfg.Seed*2+uint64(i)+1, edges, features)
	}
	return augs[0], augs[1], nil
}

// run drives Train with timing and progress, then embeds.
func run(ctx context.Context, cfg Config, params []*autograd.Var, loss func(int) (*autograd.Var, error), after func() error, embed func() (*tensor.Tensor, error), progress func(int)) (*Result, error) {
	opt, err := optimizer(cfg, params)
	if err != nil {
		return nil, err
	}
	var stepped nn.Optimizer = opt
	if after != nil {
		stepped = afterStep{opt, after}
	}
	start := time.Now()
	res, err := Train(ctx, params, stepped, TrainConfig{Epochs: cfg.Epochs, Patience: cfg.Patience}, func(epoch int) (*autograd.Var, error) {
		if progress != nil {
			progress(epoch)
		}
		return loss(epoch)
	})
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	emb, err := embed()
	if err != nil {
		return nil, err
	}
	out := &Result{Embeddings: emb, Train: res}
	if n := len(res.Losses); n > 0 {
		out.EpochMS = float64(elapsed.Microseconds()) / 1000 / float64(n)
	}
	return out, nil
}

// afterStep runs a hook after every optimizer step (BGRL's EMA target
// update, advanced once per step).
type afterStep struct {
	nn.Optimizer
	hook func() error
}

func (a afterStep) Step(grads []*tensor.Tensor) error {
	if err := a.Optimizer.Step(grads); err != nil {
		return err
	}
	return a.hook()
}

// timeSince returns the milliseconds since t.
func timeSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
