package nn

import (
	"math"
	"math/rand/v2"

	"go.starlark.net/starlark"

	graphb "pare/builtins/graph"
	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/autograd"
	opsnn "pare/ops/nn"
	"pare/ops/tensor"
)

// varArg unpacks a tensor-like argument that may be traced.
type varArg struct{ v *autograd.Var }

func (a *varArg) Unpack(v starlark.Value) error {
	x, err := toVar(v)
	if err != nil {
		return err
	}
	a.v = x
	return nil
}

// optVarArg is a varArg that may be None.
type optVarArg struct{ v *autograd.Var }

func (a *optVarArg) Unpack(v starlark.Value) error {
	if v == starlark.None {
		return nil
	}
	x, err := toVar(v)
	if err != nil {
		return err
	}
	a.v = x
	return nil
}

// intsArg unpacks a list, tuple or tensor of whole numbers.
type intsArg struct {
	ints  []int
	shape []int
}

func (a *intsArg) Unpack(v starlark.Value) error {
	ints, err := intList(v)
	if err != nil {
		return err
	}
	a.ints = ints
	a.shape = []int{len(ints)}
	if t, ok := v.(*tensorb.Value); ok {
		a.shape = t.Tensor().Shape()
	}
	return nil
}

// checkEps rejects a negative, infinite or NaN eps, which can make the
// outputs NaN or all zeros without an error.
func checkEps(b *starlark.Builtin, eps float64) error {
	if !(eps >= 0) || math.IsInf(eps, 1) {
		return host.Errorf(b, "eps: got %v, want a finite number >= 0", eps)
	}
	return nil
}

func crossEntropy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var logits varArg
	var targets intsArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "logits", &logits, "targets", &targets); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.CrossEntropy(logits.v, targets.ints) })
}

func bceWithLogits(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var logits, targets varArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "logits", &logits, "targets", &targets); err != nil {
		return nil, err
	}
	if targets.v.RequiresGrad() {
		return nil, host.Errorf(b, "targets: got a traced tensor, want constant targets (use targets.detach())")
	}
	return run(b.Name(), func() *autograd.Var { return autograd.BCEWithLogits(logits.v, targets.v.Value) })
}

func layerNorm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x varArg
	var gamma, beta optVarArg
	eps := 1e-5
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "weight?", &gamma, "bias?", &beta, "eps?", &eps); err != nil {
		return nil, err
	}
	if err := checkEps(b, eps); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.LayerNorm(x.v, gamma.v, beta.v, float32(eps)) })
}

func rmsNorm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x varArg
	var gamma optVarArg
	eps := 1e-6
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "weight?", &gamma, "eps?", &eps); err != nil {
		return nil, err
	}
	if err := checkEps(b, eps); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.RMSNorm(x.v, gamma.v, float32(eps)) })
}

func normalize(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x varArg
	eps := 1e-12
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "eps?", &eps); err != nil {
		return nil, err
	}
	if err := checkEps(b, eps); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.Normalize(x.v, float32(eps)) })
}

func cosineSimilarity(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, y varArg
	eps := 1e-8
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "y", &y, "eps?", &eps); err != nil {
		return nil, err
	}
	if err := checkEps(b, eps); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.CosineSimilarity(x.v, y.v, float32(eps)) })
}

func dropout(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x varArg
	var p float64
	var seed int
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "p", &p, "seed", &seed); err != nil {
		return nil, err
	}
	if !(p >= 0 && p < 1) {
		return nil, host.Errorf(b, "p: got %v, want a probability in [0, 1)", p)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6e2e64726f70)) // stream "nn.drop"
	return run(b.Name(), func() *autograd.Var { return autograd.Dropout(x.v, p, rng) })
}

func slopeActivation(f func(x *autograd.Var, s float32) *autograd.Var, param string, def float64) host.Func {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x varArg
		s := def
		if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, param+"?", &s); err != nil {
			return nil, err
		}
		return run(b.Name(), func() *autograd.Var { return f(x.v, float32(s)) })
	}
}

func prelu(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, w varArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "weight", &w); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.PReLU(x.v, w.v) })
}

func embedding(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var weight varArg
	var ids intsArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "weight", &weight, "ids", &ids); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var { return autograd.Embedding(weight.v, ids.ints, ids.shape) })
}

func linear(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, w varArg
	var bias optVarArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "x", &x, "weight", &w, "bias?", &bias); err != nil {
		return nil, err
	}
	return run(b.Name(), func() *autograd.Var {
		y := autograd.MatMul(x.v, w.v)
		if bias.v != nil {
			y = autograd.Add(y, bias.v)
		}
		return y
	})
}

func spmm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gv starlark.Value
	var x varArg
	if err := host.UnpackArgs(b.Name(), args, kwargs, "g", &gv, "x", &x); err != nil {
		return nil, err
	}
	gw, ok := gv.(*graphb.Graph)
	if !ok {
		return nil, host.Errorf(b, "g: got %s, want a graph", gv.Type())
	}
	adj := gw.Unwrap().Adj
	csr := &autograd.CSR{Rows: adj.Rows, Cols: adj.Cols, Indptr: adj.Indptr, Indices: adj.Indices, Values: adj.Values}
	return run(b.Name(), func() *autograd.Var { return autograd.SpMM(csr, x.v) })
}

// initBuiltin builds nn.xavier_uniform and its siblings: each returns a new
// tensor of the given shape from a seeded generator.
func initBuiltin(param string, def float64, fill func(t *tensor.Tensor, a float64, rng *rand.Rand) error) host.Func {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var shapeV starlark.Value
		a := def
		seed := 0
		if err := host.UnpackArgs(b.Name(), args, kwargs, "shape", &shapeV, param+"?", &a, "seed?", &seed); err != nil {
			return nil, err
		}
		shape, err := intList(shapeV)
		if err != nil {
			return nil, host.Errorf(b, "shape: %v", err)
		}
		for _, d := range shape {
			if d < 0 {
				return nil, host.Errorf(b, "shape: got %v, want sizes >= 0", shape)
			}
		}
		t := tensor.New(shape...)
		if err := fill(t, a, rand.New(rand.NewPCG(uint64(seed), 0x6e6e2e696e6974))); err != nil { // stream "nn.init"
			return nil, host.Errorf(b, "shape: %v", err)
		}
		return tensorb.Wrap(t), nil
	}
}

var functionalDocs = []host.Builtin{
	{Name: "cross_entropy", Fn: crossEntropy, Doc: `cross_entropy(logits, targets)

Returns the mean over rows of -log softmax(logits)[target] for logits of
shape (N, C) and N integer class targets in [0, C) (a list or a tensor).`},
	{Name: "bce_with_logits", Fn: bceWithLogits, Doc: `bce_with_logits(logits, targets)

Returns the mean binary cross-entropy between sigmoid(logits) and targets in
[0, 1] of the same shape, computed as max(x, 0) - x·y + log(1 + e^-|x|) so
large logits do not overflow.`},
	{Name: "layer_norm", Fn: layerNorm, Doc: `layer_norm(x, weight=None, bias=None, eps=1e-05)

Returns x normalised over its last axis to zero mean and unit (biased)
variance, then scaled by weight and shifted by bias (each of the last
axis's size, or None), as torch.nn.functional.layer_norm.`},
	{Name: "rms_norm", Fn: rmsNorm, Doc: `rms_norm(x, weight=None, eps=1e-06)

Returns x / sqrt(mean(x²) + eps) over the last axis, times weight (Zhang and
Sennrich, arXiv:1910.07467).`},
	{Name: "normalize", Fn: normalize, Doc: `normalize(x, eps=1e-12)

Returns each row of x (over the last axis) divided by max(‖row‖₂, eps), as
torch.nn.functional.normalize.`},
	{Name: "cosine_similarity", Fn: cosineSimilarity, Doc: `cosine_similarity(x, y, eps=1e-08)

Returns the cosine similarity of matching rows of x and y over the last axis
(which is dropped), each row normalised by max(‖row‖, eps).`},
	{Name: "dropout", Fn: dropout, Doc: `dropout(x, p, seed)

Returns x with each element zeroed with probability p and the rest scaled by
1/(1-p). The mask comes from a generator seeded with seed, so the same seed
gives the same mask; pass a new seed at every training step.`},
	{Name: "leaky_relu", Fn: slopeActivation(autograd.LeakyReLU, "negative_slope", 0.01), Doc: `leaky_relu(x, negative_slope=0.01)

Returns x where x > 0 and negative_slope·x elsewhere.`},
	{Name: "elu", Fn: slopeActivation(autograd.ELU, "alpha", 1), Doc: `elu(x, alpha=1.0)

Returns x where x > 0 and alpha·(e^x - 1) elsewhere (Clevert et al.,
arXiv:1511.07289).`},
	{Name: "prelu", Fn: prelu, Doc: `prelu(x, weight)

Returns x where x > 0 and weight·x elsewhere; weight has one element or one
per entry of x's last axis, and is learned like any parameter (He et al.,
arXiv:1502.01852).`},
	{Name: "embedding", Fn: embedding, Doc: `embedding(weight, ids)

Returns the rows of weight (vocab, dim) at ids (a list or a tensor of whole
numbers); the result has shape ids.shape + (dim,).`},
	{Name: "linear", Fn: linear, Doc: `linear(x, weight, bias=None)

Returns x·weight + bias with weight of shape (in, out), which is the
transpose of torch's layout; x has shape (..., in).`},
	{Name: "spmm", Fn: spmm, Doc: `spmm(g, x)

Returns A·x for the adjacency A of graph g (its stored values, so pass
graph.gcn_norm(g) for a GCN's propagation) and x of shape (num_nodes, F).
Unlike graph.spmm it records under nn.grad: the gradient flows to x as
Aᵀ·dy.`},
	{Name: "xavier_uniform", Fn: initBuiltin("gain", 1, func(t *tensor.Tensor, a float64, r *rand.Rand) error { return opsnn.XavierUniform(t, a, r) }), Doc: `xavier_uniform(shape, gain=1.0, seed=0)

Returns a tensor from U(-b, b) with b = gain·sqrt(6 / (fan_in + fan_out))
(Glorot and Bengio, 2010). For a matrix (in, out), fan_in = in.`},
	{Name: "xavier_normal", Fn: initBuiltin("gain", 1, func(t *tensor.Tensor, a float64, r *rand.Rand) error { return opsnn.XavierNormal(t, a, r) }), Doc: `xavier_normal(shape, gain=1.0, seed=0)

Returns a tensor from N(0, σ²) with σ = gain·sqrt(2 / (fan_in + fan_out)).`},
	{Name: "kaiming_uniform", Fn: initBuiltin("a", 0, opsnn.KaimingUniform), Doc: `kaiming_uniform(shape, a=0.0, seed=0)

Returns a tensor from U(-b, b) with b = sqrt(6 / ((1 + a²)·fan_in)), for
leaky-ReLU slope a (He et al., arXiv:1502.01852).`},
	{Name: "kaiming_normal", Fn: initBuiltin("a", 0, opsnn.KaimingNormal), Doc: `kaiming_normal(shape, a=0.0, seed=0)

Returns a tensor from N(0, σ²) with σ = sqrt(2 / ((1 + a²)·fan_in)).`},
}
