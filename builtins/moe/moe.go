// Package moe binds Mixture-of-Experts construction (MoEfication in
// pare/ops/llm) and ResMoE compression (pare/ops/moe) as the Starlark module
// "moe".
package moe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	llmb "pare/builtins/llm"
	btensor "pare/builtins/tensor"
	"pare/ops/llm"
	"pare/ops/moe"
	"pare/ops/ot"
	"pare/ops/tensor"
)

func init() {
	host.Register(&host.Module{
		Name: "moe",
		Doc: `Mixture-of-Experts layers and their compression: split a dense model's MLPs
into experts (MoEfication) and compress experts with ResMoE (Wasserstein
barycenter plus compressed residuals, arXiv:2503.06881) or its baselines.
Methods: ` + strings.Join(moe.Methods, ", ") + `.`,
		Builtins: []host.Builtin{
			{Name: "moefy", Fn: moefy, Doc: `moefy(model, experts, top_k=None, layers=None, seed=0)

Return a struct(model, layers) where model is a copy of model whose dense
SwiGLU MLPs (every layer, or the indices in layers) are split into experts
of equal width by balanced k-means on the gate_proj rows. When the hidden
width is not a multiple of experts, the neurons with the largest down_proj
column norms are split into two copies with half the down column each, so
no neuron is dropped and the function is unchanged. Router rows are the
cluster centroids; the chosen experts' outputs add with weight 1, so
top_k = experts (the default) computes the dense model's function. layers
lists struct(layer, width, split, iterations, converged, clusters) per
split layer. Such a model has experts derived from a dense model, not a
trained MoE.`},
			{Name: "compress", Fn: compress, Doc: `compress(model, method="resmoe_up", keep=0.25, layers=None, init=0, max_iter=100, raw_budget="total")

Compress the experts of the MoE layers of model (every MoE layer, or the
indices in layers) and return a moe.compressed value. keep is the fraction
of each residual's entries kept (resmoe_up, average_residual,
align_to_first) or the budget of the truncated SVD, rank
⌊keep·p·D/(p + D)⌋ (resmoe_svd). up_raw and svd_raw have no center, so each
raw expert gets keep + 1/N of its entries, the same total budget as a
centered method (raw_budget="total"), or keep of its entries with
raw_budget="expert"; merge_average stores only the mean expert. init and
max_iter configure the ResMoE barycenter (start expert, iteration cap);
it stops when the alignments stop changing, and a warning is printed for
each layer where max_iter ran out first. The result has method, keep,
layers, params (stored numbers, sparse-index overhead excluded), rel_error,
iterations and converged (per layer), save(path) -> struct(path, bytes)
and apply(model) -> model with the restored experts.`},
			{Name: "load_compressed", Fn: load, Doc: `load_compressed(path)

Read a container written by compressed.save(path) and return a
moe.compressed value (without rel_error, which needs the original
experts). In the run that saved it, pass the path that save returned; a
later run reads the file where --out left it, with --allow-read for that
folder.`},
			{Name: "barycenter", Fn: barycenter, Doc: `barycenter(experts, init=0, max_iter=100, stop_thr=0.0)

Compute the ResMoE barycenter of experts, a list of N support-point
matrices (p×D tensors or nested lists, one row per hidden neuron), by
alternating exact alignment and averaging. Returns a struct: X (p×D
tensor), perms (N lists; row j of X matches neuron perms[k][j] of expert
k), iterations, converged, objective ((1/N) Σ_k ‖P_k S_k − X‖²_F) and
displacement (‖ΔX‖²_F per iteration). When max_iter runs out before the
alignments stop changing (or the displacement reaches stop_thr),
converged is False and a warning is printed.`},
		},
	})
}

func intList(fn *starlark.Builtin, param string, v starlark.Value) ([]int, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, host.Errorf(fn, "%s: got %s, want None or a list of ints", param, v.Type())
	}
	out := make([]int, seq.Len())
	for i := range out {
		n, err := starlark.AsInt32(seq.Index(i))
		if err != nil {
			return nil, host.Errorf(fn, "%s: got %s at index %d, want an int", param, seq.Index(i), i)
		}
		out[i] = n
	}
	return out, nil
}

func intsValue(xs []int) *starlark.List {
	vals := make([]starlark.Value, len(xs))
	for i, x := range xs {
		vals[i] = starlark.MakeInt(x)
	}
	return starlark.NewList(vals)
}

func moefy(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv, topV, layersV starlark.Value = nil, starlark.None, starlark.None
	var experts, seed int
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "model", &mv, "experts", &experts, "top_k?", &topV, "layers?", &layersV, "seed?", &seed); err != nil {
		return nil, err
	}
	m, err := llmb.ModelOf(mv)
	if err != nil {
		return nil, host.Errorf(fn, "model: %v", err)
	}
	if experts < 1 {
		return nil, host.Errorf(fn, "experts: got %d, want a positive int", experts)
	}
	top := 0
	if topV != starlark.None {
		if top, err = starlark.AsInt32(topV); err != nil || top < 1 || top > experts {
			return nil, host.Errorf(fn, "top_k: got %s, want None or an int in 1..%d", topV, experts)
		}
	}
	layers, err := intList(fn, "layers", layersV)
	if err != nil {
		return nil, err
	}
	if seed < 0 {
		return nil, host.Errorf(fn, "seed: got %d, want a non-negative int", seed)
	}
	if err := checkMoEfyLayers(fn, m, experts, layers); err != nil {
		return nil, err
	}
	out, reps, err := llm.MoEfy(host.Context(thread), m, llm.MoEfyOptions{Experts: experts, TopK: top, Layers: layers, Seed: uint64(seed)})
	if err != nil {
		return nil, opErr(fn, err)
	}
	host.Get(thread).RecordSetting("moe.moefy", map[string]any{"experts": experts, "top_k": top, "layers": layers, "seed": seed})
	var layerVals []starlark.Value
	for _, r := range reps {
		clusters := make([]starlark.Value, len(r.Clusters))
		for e, c := range r.Clusters {
			clusters[e] = intsValue(c)
		}
		layerVals = append(layerVals, host.Struct("moe.moefy_layer", starlark.StringDict{
			"layer":      starlark.MakeInt(r.Layer),
			"width":      starlark.MakeInt(r.Width),
			"split":      intsValue(r.Split),
			"iterations": starlark.MakeInt(r.Iterations),
			"converged":  starlark.Bool(r.Converged),
			"clusters":   starlark.NewList(clusters),
		}))
	}
	return host.Struct("moe.moefied", starlark.StringDict{
		"model":  llmb.WrapModel(out),
		"layers": starlark.NewList(layerVals),
	}), nil
}

// checkMoEfyLayers rejects layer indices that moefy cannot split and an
// expert count above a selected layer's hidden width, in the binding's
// `param: got X, want Y` form.
func checkMoEfyLayers(fn *starlark.Builtin, m *llm.Model, experts int, layers []int) error {
	if layers == nil {
		for l := range m.Layers {
			layers = append(layers, l)
		}
	}
	for _, l := range layers {
		if l < 0 || l >= len(m.Layers) {
			return host.Errorf(fn, "layers: got %d, want a layer index in [0, %d)", l, len(m.Layers))
		}
		lw := &m.Layers[l]
		if lw.MoE != nil {
			return host.Errorf(fn, "layers: got %d, want a dense layer (layer %d is already a MoE layer)", l, l)
		}
		if h := lw.WGate.Dim(0); experts > h {
			return host.Errorf(fn, "experts: got %d, want at most %d, the hidden width of layer %d", experts, h, l)
		}
	}
	return nil
}

// opErr returns err under the builtin's name, without the "moe: " or
// "llm: moefy: " prefixes that the ops packages put on their errors.
func opErr(fn *starlark.Builtin, err error) error {
	msg := err.Error()
	for _, prefix := range []string{"llm: moefy: ", "moe: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	// Wrapped errors repeat the prefix: "layer 0: moe: expert 0: moe: keep: ...".
	msg = strings.ReplaceAll(msg, ": moe: ", ": ")
	return host.Errorf(fn, "%s", msg)
}

// warn prints a warning line on the run's stderr, as the ot builtins do.
func warn(thread *starlark.Thread, fn *starlark.Builtin, format string, args ...any) {
	fmt.Fprintf(host.Get(thread).Stderr, "warning: %s: %s\n", fn.Name(), fmt.Sprintf(format, args...))
}

func compress(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv, layersV, keepV starlark.Value = nil, starlark.None, starlark.Float(0.25)
	method := moe.MethodResMoEUP
	var initExpert int
	maxIter := 100
	rawBudget := "total"
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "model", &mv, "method?", &method, "keep?", &keepV, "layers?", &layersV, "init?", &initExpert, "max_iter?", &maxIter, "raw_budget?", &rawBudget); err != nil {
		return nil, err
	}
	if rawBudget != "total" && rawBudget != "expert" {
		return nil, host.Errorf(fn, "raw_budget: got %q, want \"total\" or \"expert\"", rawBudget)
	}
	m, err := llmb.ModelOf(mv)
	if err != nil {
		return nil, host.Errorf(fn, "model: %v", err)
	}
	known := false
	for _, name := range moe.Methods {
		known = known || name == method
	}
	if !known {
		return nil, host.Errorf(fn, "method: got %q, want one of %s", method, strings.Join(moe.Methods, ", "))
	}
	keep, err := host.Float(fn, "keep", keepV)
	if err != nil {
		return nil, err
	}
	if !(keep > 0 && keep <= 1) {
		return nil, host.Errorf(fn, "keep: got %g, want a fraction in (0, 1]", keep)
	}
	if maxIter < 1 {
		return nil, host.Errorf(fn, "max_iter: got %d, want a positive int", maxIter)
	}
	layers, err := intList(fn, "layers", layersV)
	if err != nil {
		return nil, err
	}
	opt := moe.ModelOptions{Layers: layers, LayerOptions: moe.LayerOptions{Method: method, Keep: keep,
		Barycenter: moe.BarycenterOptions{Init: initExpert, MaxIter: maxIter}, RawKeepPerExpert: rawBudget == "expert"}}
	c, reps, err := moe.CompressModel(host.Context(thread), m, opt)
	if err != nil {
		return nil, opErr(fn, err)
	}
	for _, r := range reps {
		// Iterations is 0 for methods without a barycenter.
		if r.Iterations > 0 && !r.Converged {
			warn(thread, fn, "layer %d: the barycenter's alignments still changed after max_iter=%d iterations", r.Layer, maxIter)
		}
	}
	host.Get(thread).RecordSetting("moe.compress."+method, map[string]any{"keep": keep, "layers": layers, "init": initExpert, "max_iter": maxIter, "raw_budget": rawBudget})
	return &Compressed{c: c, reports: reps}, nil
}

func load(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	c, err := moe.Load(abs)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return &Compressed{c: c}, nil
}

func matrixArg(fn *starlark.Builtin, what string, v starlark.Value) (ot.Matrix, error) {
	var t *tensor.Tensor
	if list, ok := v.(*starlark.List); ok {
		rows := make([][]float64, list.Len())
		for i := range rows {
			r, err := host.Floats(fn, fmt.Sprintf("%s row %d", what, i), list.Index(i))
			if err != nil {
				return ot.Matrix{}, err
			}
			rows[i] = r
		}
		if len(rows) == 0 || len(rows[0]) == 0 {
			return ot.Matrix{}, host.Errorf(fn, "%s: got an empty matrix, want p×D with p, D >= 1", what)
		}
		m := ot.NewMatrix(len(rows), len(rows[0]))
		for i, r := range rows {
			if len(r) != m.Cols {
				return ot.Matrix{}, host.Errorf(fn, "%s: row %d has %d values, want %d like row 0", what, i, len(r), m.Cols)
			}
			copy(m.Row(i), r)
		}
		return m, nil
	}
	t, err := btensor.FromValue(v)
	if err != nil {
		return ot.Matrix{}, host.Errorf(fn, "%s: %v", what, err)
	}
	if t.Ndim() != 2 {
		return ot.Matrix{}, host.Errorf(fn, "%s: got shape %v, want a p×D matrix", what, t.Shape())
	}
	src := t.Contiguous().Data()
	m := ot.NewMatrix(t.Dim(0), t.Dim(1))
	for i, x := range src {
		m.Data[i] = float64(x)
	}
	return m, nil
}

func barycenter(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var expertsV starlark.Value
	var initExpert int
	maxIter := 100
	var stopV starlark.Value = starlark.Float(0)
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "experts", &expertsV, "init?", &initExpert, "max_iter?", &maxIter, "stop_thr?", &stopV); err != nil {
		return nil, err
	}
	seq, ok := expertsV.(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return nil, host.Errorf(fn, "experts: got %s, want a non-empty list of p×D matrices", expertsV.Type())
	}
	experts := make([]ot.Matrix, seq.Len())
	for k := range experts {
		var err error
		if experts[k], err = matrixArg(fn, fmt.Sprintf("experts[%d]", k), seq.Index(k)); err != nil {
			return nil, err
		}
	}
	stop, err := host.Float(fn, "stop_thr", stopV)
	if err != nil {
		return nil, err
	}
	if maxIter < 1 {
		return nil, host.Errorf(fn, "max_iter: got %d, want a positive int", maxIter)
	}
	res, err := moe.Barycenter(host.Context(thread), experts, moe.BarycenterOptions{Init: initExpert, MaxIter: maxIter, StopThr: stop})
	if err != nil {
		return nil, opErr(fn, err)
	}
	if !res.Converged {
		// Not converging means every one of the max_iter >= 1 iterations
		// ran and recorded a displacement.
		last := res.Displacement[len(res.Displacement)-1]
		warn(thread, fn, "no convergence after max_iter=%d iterations: the alignments still changed (last displacement %.3g > stop_thr %g)", maxIter, last, stop)
	}
	X := tensor.New(res.X.Rows, res.X.Cols)
	for i, v := range res.X.Data {
		X.Data()[i] = float32(v)
	}
	perms := make([]starlark.Value, len(res.Perms))
	for k, p := range res.Perms {
		perms[k] = intsValue(p)
	}
	disp := make([]starlark.Value, len(res.Displacement))
	for i, v := range res.Displacement {
		disp[i] = starlark.Float(v)
	}
	return host.Struct("moe.barycenter", starlark.StringDict{
		"X":            btensor.Wrap(X),
		"perms":        starlark.NewList(perms),
		"iterations":   starlark.MakeInt(res.Iterations),
		"converged":    starlark.Bool(res.Converged),
		"objective":    starlark.Float(res.Objective),
		"displacement": starlark.NewList(disp),
	}), nil
}

// Compressed is the Starlark value of a compressed set of MoE layers.
type Compressed struct {
	c       *moe.Container
	reports []moe.LayerReport // nil for a loaded container
}

var _ starlark.HasAttrs = (*Compressed)(nil)

func (v *Compressed) String() string {
	return fmt.Sprintf("<moe.compressed %s keep=%g layers=%v params=%d>", v.c.Method, v.c.Keep, v.c.LayerIndices(), v.c.Params())
}
func (v *Compressed) Type() string          { return "moe.compressed" }
func (v *Compressed) Freeze()               {}
func (v *Compressed) Truth() starlark.Bool  { return true }
func (v *Compressed) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: moe.compressed") }

var compressedAttrs = []string{"apply", "converged", "iterations", "keep", "layers", "method", "params", "rel_error", "save"}

func (v *Compressed) AttrNames() []string { return compressedAttrs }

// Attr returns the fields method, keep, layers (compressed layer indices)
// and params (stored numbers, index overhead excluded). rel_error,
// iterations and converged are per layer, or None for a loaded container.
// The methods are save(path), which returns struct(path, bytes) with the
// size on disk of the zstd container, and apply(model), which returns a
// copy of model with the restored experts.
func (v *Compressed) Attr(name string) (starlark.Value, error) {
	perLayer := func(f func(r moe.LayerReport) starlark.Value) starlark.Value {
		if v.reports == nil {
			return starlark.None
		}
		vals := make([]starlark.Value, len(v.reports))
		for i, r := range v.reports {
			vals[i] = f(r)
		}
		return starlark.NewList(vals)
	}
	method := func(f host.Func) starlark.Value {
		return starlark.NewBuiltin("moe.compressed."+name, host.Recover(f))
	}
	switch name {
	case "method":
		return starlark.String(v.c.Method), nil
	case "keep":
		return starlark.Float(v.c.Keep), nil
	case "layers":
		return intsValue(v.c.LayerIndices()), nil
	case "params":
		return starlark.MakeInt(v.c.Params()), nil
	case "rel_error":
		return perLayer(func(r moe.LayerReport) starlark.Value { return starlark.Float(r.RelError) }), nil
	case "iterations":
		return perLayer(func(r moe.LayerReport) starlark.Value { return starlark.MakeInt(r.Iterations) }), nil
	case "converged":
		return perLayer(func(r moe.LayerReport) starlark.Value { return starlark.Bool(r.Converged) }), nil
	case "save":
		return method(v.save), nil
	case "apply":
		return method(v.apply), nil
	}
	return nil, nil
}

// save(path) writes the container (a relative path goes under --out) and
// returns struct(path, bytes): the absolute path and the size on disk.
func (v *Compressed) save(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).WritePath(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	n, err := v.c.Save(abs)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return host.Struct("moe.saved", starlark.StringDict{"path": starlark.String(abs), "bytes": starlark.MakeInt64(n)}), nil
}

// apply(model) returns a copy of model with the restored experts.
func (v *Compressed) apply(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "model", &mv); err != nil {
		return nil, err
	}
	m, err := llmb.ModelOf(mv)
	if err != nil {
		return nil, host.Errorf(fn, "model: %v", err)
	}
	out, err := v.c.Apply(m)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return llmb.WrapModel(out), nil
}

// JSONValue reports the container's summary.
func (v *Compressed) JSONValue() (any, error) {
	out := map[string]any{"method": v.c.Method, "keep": v.c.Keep, "layers": v.c.LayerIndices(), "params": v.c.Params()}
	if v.reports != nil {
		var errs []float64
		for _, r := range v.reports {
			errs = append(errs, r.RelError)
		}
		out["rel_error"] = errs
	}
	return out, nil
}

var _ host.JSONValuer = (*Compressed)(nil)
