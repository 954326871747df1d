package ssl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// NodeMask is one draw of GraphMAE's input masking. Masked lists every
// masked node. Token lists the masked nodes whose features are zeroed and
// get the learned mask token. Noise lists the masked nodes whose features
// are replaced by those of NoiseSource, in the same order.
type NodeMask struct {
	Masked, Token, Noise, NoiseSource []int
}

// DrawNodeMask picks k = ⌊rate·n⌋ nodes at random, as GraphMAE's
// encoding_mask_noise does. With replaceRate r > 0, ⌊r·k⌋ of them become
// noise nodes fed another random node's features and ⌊(1 − r)·k⌋ become
// token nodes, so when the two floors leave a node over it keeps its own
// features, as in the reference. With r = 0 all k are token nodes.
func DrawNodeMask(n int, rate, replaceRate float64, rng *rand.Rand) (NodeMask, error) {
	if !(rate > 0 && rate < 1) || !(replaceRate >= 0 && replaceRate < 1) {
		return NodeMask{}, fmt.Errorf("ssl: mask rate %v and replace rate %v; want rate in (0, 1) and replace rate in [0, 1)", rate, replaceRate)
	}
	perm := rng.Perm(n)
	k := int(rate * float64(n))
	m := NodeMask{Masked: perm[:k]}
	if replaceRate == 0 {
		m.Token = m.Masked
		return m, nil
	}
	noise := int(replaceRate * float64(k))
	m.Token = m.Masked[:int((1-replaceRate)*float64(k))]
	m.Noise = m.Masked[k-noise:]
	src := rng.Perm(n)
	m.NoiseSource = src[:noise]
	return m, nil
}

// GraphMAEOptions configure GraphMAE's networks.
type GraphMAEOptions struct {
	// Encoder is "gat" (the paper's node-level model) or "gcn".
	Encoder string
	// Hidden lists the encoder's output widths per layer; with GAT each is
	// Heads heads of width Hidden[i]/Heads, concatenated.
	Hidden []int
	// Heads is the GAT encoder's head count; the GAT decoder has one head.
	Heads int
	// InDrop and AttnDrop are the GAT feature (layer input) and attention
	// dropout probabilities, applied in training only.
	InDrop, AttnDrop float64
	// Gamma is the scaled-cosine exponent.
	Gamma float64
}

// GraphMAE is the masked graph autoencoder (Hou et al., arXiv:2205.10803).
// Token nodes get a learned token (starting at zero) in place of their
// features, and noise nodes get another node's features. The encoder's
// output goes through a bias-free Linear, the masked rows are zeroed again
// (re-mask), and one layer decodes back to feature width. The scaled cosine
// error on the masked nodes scores the reconstruction.
//
// With the GAT encoder (THUDM/GraphMAE graphmae/models/edcoder.py and
// gat.py), every encoder layer, the last one included, is a GAT with Heads
// concatenated heads followed by a PReLU with one slope. The decoder is one
// GAT layer with one head and no activation. Each GAT layer drops its input
// with InDrop and its attention weights with AttnDrop during training.
// With the GCN encoder the layers are GCN layers with per-channel PReLU
// and a GCN decoder, without dropout.
type GraphMAE struct {
	Opts     GraphMAEOptions
	Adj      *autograd.CSR // Â for GCN; for GAT only its pattern (A + I) is used
	GCNEnc   *GCN
	GCNDec   *GCNLayer
	GATEnc   *GATNet
	GATDec   *GATNet
	EncToDec *autograd.Var // [d, d], no bias
	Token    *autograd.Var // [features]
}

// NewGraphMAE builds the model for features of width in over adj (a GCN-
// normalised matrix with self loops, whose pattern the GAT layers use).
func NewGraphMAE(in int, adj *autograd.CSR, o GraphMAEOptions, rng *rand.Rand) (*GraphMAE, error) {
	if len(o.Hidden) == 0 {
		return nil, fmt.Errorf("ssl: graphmae: hidden is empty; want at least one width")
	}
	if !(o.InDrop >= 0 && o.InDrop < 1) || !(o.AttnDrop >= 0 && o.AttnDrop < 1) {
		return nil, fmt.Errorf("ssl: graphmae: in_drop %v, attn_drop %v; want values in [0, 1)", o.InDrop, o.AttnDrop)
	}
	m := &GraphMAE{Opts: o, Adj: adj}
	d := o.Hidden[len(o.Hidden)-1]
	switch o.Encoder {
	case "gcn":
		enc, err := NewGCN(append([]int{in}, o.Hidden...), ActPReLU, rng)
		if err != nil {
			return nil, err
		}
		dec, err := NewGCNLayer(d, in, rng)
		if err != nil {
			return nil, err
		}
		m.GCNEnc, m.GCNDec = enc, dec
	case "gat":
		if o.Heads <= 0 {
			return nil, fmt.Errorf("ssl: graphmae: heads %d; want a positive count", o.Heads)
		}
		enc := &GATNet{Adj: adj, InDrop: o.InDrop}
		width := in
		for _, h := range o.Hidden {
			if h%o.Heads != 0 {
				return nil, fmt.Errorf("ssl: graphmae: hidden %v with %d heads; want widths divisible by heads", o.Hidden, o.Heads)
			}
			l, err := NewGATLayer(width, h/o.Heads, o.Heads, rng)
			if err != nil {
				return nil, err
			}
			l.InitXavierNormal(rng)
			l.AttnDrop = o.AttnDrop
			enc.Layers = append(enc.Layers, l)
			enc.Slopes = append(enc.Slopes, NewPReLUSlope())
			width = h
		}
		dl, err := NewGATLayer(d, in, 1, rng)
		if err != nil {
			return nil, err
		}
		dl.InitXavierNormal(rng)
		dl.AttnDrop = o.AttnDrop
		m.GATEnc = enc
		m.GATDec = &GATNet{Adj: adj, Layers: []*GATLayer{dl}, Slopes: []*autograd.Var{nil}, InDrop: o.InDrop}
	default:
		return nil, fmt.Errorf("ssl: graphmae: encoder %q; want gat or gcn", o.Encoder)
	}
	// torch.nn.Linear's default initialisation, U(−1/√d, 1/√d).
	e2d := tensor.New(d, d)
	nn.Uniform(e2d, 1/math.Sqrt(float64(d)), rng)
	m.EncToDec = autograd.Param(e2d)
	m.Token = autograd.Param(tensor.New(in))
	return m, nil
}

// Params returns the encoder, mapping, decoder and token parameters.
func (m *GraphMAE) Params() []*autograd.Var {
	var ps []*autograd.Var
	if m.GATEnc != nil {
		ps = append(ps, m.GATEnc.Params()...)
		ps = append(ps, m.EncToDec)
		ps = append(ps, m.GATDec.Params()...)
	} else {
		ps = append(ps, m.GCNEnc.Params()...)
		ps = append(ps, m.EncToDec, m.GCNDec.W, m.GCNDec.B)
	}
	return append(ps, m.Token)
}

func (m *GraphMAE) encode(x *autograd.Var, rng *rand.Rand) *autograd.Var {
	if m.GATEnc != nil {
		return m.GATEnc.Forward(x, rng)
	}
	return m.GCNEnc.Forward(m.Adj, Input{Dense: x})
}

func (m *GraphMAE) decode(rep *autograd.Var, rng *rand.Rand) *autograd.Var {
	if m.GATDec != nil {
		return m.GATDec.Forward(rep, rng)
	}
	return m.GCNDec.Forward(m.Adj, Input{Dense: rep})
}

// Loss returns the reconstruction loss for dense features x [N, F] under
// one mask. rng draws the dropout masks (training mode); nil turns
// dropout off.
func (m *GraphMAE) Loss(x *tensor.Tensor, mask NodeMask, rng *rand.Rand) *autograd.Var {
	if m.GATEnc != nil {
		return m.lossGAT(x, mask, rng)
	}
	return m.lossPlain(x, mask, rng)
}

// lossPlain computes the loss as the model is written: the dense masked
// input through encode, the map, the re-mask and decode.
func (m *GraphMAE) lossPlain(x *tensor.Tensor, mask NodeMask, rng *rand.Rand) *autograd.Var {
	n, f := x.Shape()[0], x.Shape()[1]
	masked := x.Clone()
	md, xd := masked.Data(), x.Data()
	for _, v := range mask.Token {
		clear(md[v*f : (v+1)*f])
	}
	for i, v := range mask.Noise {
		s := mask.NoiseSource[i]
		copy(md[v*f:(v+1)*f], xd[s*f:(s+1)*f])
	}
	input := autograd.Const(masked)
	if len(mask.Token) > 0 {
		tokens := autograd.BroadcastTo(autograd.Reshape(m.Token, 1, f), len(mask.Token), f)
		input = autograd.IndexAdd(input, 0, mask.Token, tokens)
	}

	h := m.encode(input, rng)
	rep := autograd.MatMul(h, m.EncToDec)
	keep := tensor.New(n, 1)
	for i := range keep.Data() {
		keep.Data()[i] = 1
	}
	for _, v := range mask.Masked {
		keep.Data()[v] = 0
	}
	rep = autograd.Mul(rep, autograd.Const(keep))
	recon := m.decode(rep, rng)
	return SCELoss(autograd.Const(x), recon, mask.Masked, m.Opts.Gamma)
}

// Embed returns the encoder's embeddings of the unmasked graph, without
// dropout.
func (m *GraphMAE) Embed(x *tensor.Tensor) *tensor.Tensor {
	if m.GATEnc != nil {
		return m.encodeGAT(x, NodeMask{}, nil).Detach().Value
	}
	return m.encode(autograd.Const(x), nil).Detach().Value
}

// The GAT path computes the same function as encode and decode on the
// masked input, with fewer flops: the first layer multiplies the sparse
// rows of the input (bag-of-words features) as a sparse matrix and only the
// token rows, which the learned token makes dense, as a dense block; the
// re-masked rows of the decoder input are zero, so the encoder-to-decoder
// map and the decoder's linear map run on the kept rows only.

// maskedSparseInput returns the input rows that are not token nodes as a
// sparse matrix: each node's own features, or its noise source's for noise
// nodes, each non-zero kept with probability 1 − p and scaled by 1/(1 − p)
// when rng is not nil (the input dropout of the first GAT layer).
func maskedSparseInput(x *tensor.Tensor, mask NodeMask, p float64, rng *rand.Rand) *autograd.CSR {
	n, f := x.Shape()[0], x.Shape()[1]
	xd := x.Data()
	src := make([]int, n)
	for i := range src {
		src[i] = i
	}
	for _, v := range mask.Token {
		src[v] = -1
	}
	for i, v := range mask.Noise {
		src[v] = mask.NoiseSource[i]
	}
	keep := float32(1)
	if rng != nil && p > 0 {
		keep = float32(1 / (1 - p))
	}
	a := &autograd.CSR{Rows: n, Cols: f, Indptr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		if s := src[i]; s >= 0 {
			for c, v := range xd[s*f : (s+1)*f] {
				if v == 0 {
					continue
				}
				if keep != 1 {
					if rng.Float64() < p {
						continue
					}
					v *= keep
				}
				a.Indices = append(a.Indices, int32(c))
				a.Values = append(a.Values, v)
			}
		}
		a.Indptr[i+1] = len(a.Indices)
	}
	return a
}

// dropoutMask returns a rows × cols constant of 0 and 1/(1 − p) factors.
func dropoutMask(rows, cols int, p float64, rng *rand.Rand) *tensor.Tensor {
	t := tensor.New(rows, cols)
	keep := float32(1 / (1 - p))
	for i := range t.Data() {
		if rng.Float64() >= p {
			t.Data()[i] = keep
		}
	}
	return t
}

// encodeGAT runs the GAT encoder on x with mask applied (the zero mask
// gives the clean graph). rng nil evaluates without dropout.
func (m *GraphMAE) encodeGAT(x *tensor.Tensor, mask NodeMask, rng *rand.Rand) *autograd.Var {
	f := x.Shape()[1]
	enc := m.GATEnc
	first := enc.Layers[0]
	drop := enc.InDrop
	if rng == nil {
		drop = 0
	}
	wx := autograd.SpMM(maskedSparseInput(x, mask, drop, rng), first.W)
	if nt := len(mask.Token); nt > 0 {
		tokens := autograd.BroadcastTo(autograd.Reshape(m.Token, 1, f), nt, f)
		if drop > 0 {
			tokens = autograd.Mul(tokens, autograd.Const(dropoutMask(nt, f, drop, rng)))
		}
		wx = autograd.IndexAdd(wx, 0, mask.Token, autograd.MatMul(tokens, first.W))
	}
	h := first.Attend(enc.Adj, wx, rng)
	if enc.Slopes[0] != nil {
		h = autograd.PReLU(h, enc.Slopes[0])
	}
	rest := &GATNet{Adj: enc.Adj, Layers: enc.Layers[1:], Slopes: enc.Slopes[1:], InDrop: enc.InDrop}
	return rest.Forward(h, rng)
}

// lossGAT is Loss for the GAT model.
func (m *GraphMAE) lossGAT(x *tensor.Tensor, mask NodeMask, rng *rand.Rand) *autograd.Var {
	n := x.Shape()[0]
	h := m.encodeGAT(x, mask, rng)
	masked := make([]bool, n)
	for _, v := range mask.Masked {
		masked[v] = true
	}
	var kept []int
	for i, mk := range masked {
		if !mk {
			kept = append(kept, i)
		}
	}
	rep := autograd.MatMul(autograd.IndexSelect(h, 0, kept), m.EncToDec)
	dec := m.GATDec.Layers[0]
	if rng != nil && m.GATDec.InDrop > 0 {
		rep = autograd.Dropout(rep, m.GATDec.InDrop, rng)
	}
	wx := autograd.IndexAdd(autograd.Const(tensor.New(n, dec.Heads*dec.Out)), 0, kept, autograd.MatMul(rep, dec.W))
	recon := dec.Attend(m.GATDec.Adj, wx, rng)
	return SCELoss(autograd.Const(x), recon, mask.Masked, m.Opts.Gamma)
}

// CosineLRScale is GraphMAE's learning-rate schedule (main_transductive.py,
// scheduler: True): the base rate times (1 + cos(π·epoch/epochs))/2, with
// LambdaLR stepped once after every epoch.
func CosineLRScale(epoch, epochs int) float64 {
	return (1 + math.Cos(math.Pi*float64(epoch)/float64(epochs))) / 2
}

// Checkpoint receives the clean-graph embeddings of the current weights
// (evaluation mode) at the start of an epoch, after epoch optimizer steps.
type Checkpoint func(epoch int, emb *tensor.Tensor) error

// nodePrologue repeats TrainNode's preparation (feature normalisation, the
// seeded stream, Â), so a method run outside TrainNode draws the same
// numbers as ssl.train.
func nodePrologue(g *graph.Graph, cfg Config) (*graph.Graph, *rand.Rand, *graph.CSR, error) {
	if err := check(cfg); err != nil {
		return nil, nil, nil, err
	}
	if err := checkGraphInput(g, cfg.Method); err != nil {
		return nil, nil, nil, err
	}
	if g.X == nil {
		return nil, nil, nil, fmt.Errorf("ssl: %s needs node features; the graph has none", cfg.Method)
	}
	if cfg.NormalizeFeatures {
		g = g.WithFeatures(g.X.RowNormalizeL1())
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x73736c)) // stream "ssl", as TrainNode
	adjNorm, err := graph.GCNNorm(g.Adj)
	if err != nil {
		return nil, nil, nil, err
	}
	return g, rng, adjNorm, nil
}

// TrainGraphMAECheckpoints trains GraphMAE as TrainNode does (same numbers
// for the same cfg) and calls checkpoint every `every` epochs (every > 0),
// so a long run can be probed part-way. The returned Result holds, as
// TrainNode's, the embeddings of the lowest-loss epoch.
func TrainGraphMAECheckpoints(ctx context.Context, g *graph.Graph, cfg Config, every int, checkpoint Checkpoint) (*Result, error) {
	g, rng, adjNorm, err := nodePrologue(g, cfg)
	if err != nil {
		return nil, err
	}
	return trainGraphMAE(ctx, g, cfg, Propagation(adjNorm), rng, nil, every, checkpoint)
}

// trainGraphMAE is TrainNode's GraphMAE path. It owns the optimizer so the
// cosine schedule can set the rate of every step. checkpoint, when not nil,
// runs at the start of every epoch that is a positive multiple of every.
func trainGraphMAE(ctx context.Context, g *graph.Graph, cfg Config, prop *autograd.CSR, rng *rand.Rand, progress func(int), every int, checkpoint Checkpoint) (*Result, error) {
	m, err := NewGraphMAE(g.X.Cols, prop, GraphMAEOptions{
		Encoder: cfg.Encoder, Hidden: cfg.Hidden, Heads: cfg.Heads,
		InDrop: cfg.InDrop, AttnDrop: cfg.AttnDrop, Gamma: cfg.Gamma,
	}, rng)
	if err != nil {
		return nil, err
	}
	dense, err := tensor.FromSlice(g.X.ToDense(), g.N(), g.X.Cols)
	if err != nil {
		return nil, err
	}
	params := m.Params()
	opt, err := optimizer(cfg, params)
	if err != nil {
		return nil, err
	}
	var stepped nn.Optimizer = opt
	switch cfg.LRSchedule {
	case "cosine":
		steps := 0
		stepped = afterStep{opt, func() error {
			steps++
			opt.SetLRScale(CosineLRScale(steps, cfg.Epochs))
			return nil
		}}
	case "none", "":
	default:
		return nil, fmt.Errorf("ssl: graphmae: lr_schedule %q; want cosine or none", cfg.LRSchedule)
	}
	start := time.Now()
	res, err := Train(ctx, params, stepped, TrainConfig{Epochs: cfg.Epochs, Patience: cfg.Patience}, func(epoch int) (*autograd.Var, error) {
		if progress != nil {
			progress(epoch)
		}
		if checkpoint != nil && every > 0 && epoch > 0 && epoch%every == 0 {
			if err := checkpoint(epoch, m.Embed(dense)); err != nil {
				return nil, err
			}
		}
		mask, err := DrawNodeMask(g.N(), cfg.MaskRate, cfg.ReplaceRate, rng)
		if err != nil {
			return nil, err
		}
		return m.Loss(dense, mask, rng), nil
	})
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	out := &Result{Embeddings: m.Embed(dense), Train: res}
	if n := len(res.Losses); n > 0 {
		out.EpochMS = float64(elapsed.Microseconds()) / 1000 / float64(n)
	}
	return out, nil
}
