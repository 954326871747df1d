// Package ssl is the Starlark module "ssl": self-supervised pretraining of
// graph encoders (DGI, GRACE, GCA, MVGRL, BGRL, GraphMAE on one graph;
// InfoGraph and GraphCL on a batch of graphs) and the evaluation of their
// frozen embeddings. The algorithms live in pare/ops/ssl and
// pare/ops/graph/eval; methods and protocols follow
// docs/methods/graph-ssl.md.
package ssl

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.starlark.net/starlark"

	graphb "pare/builtins/graph"
	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/graph"
	"pare/ops/plot"
	"pare/ops/ssl"
)

func init() {
	host.Register(&host.Module{
		Name: "ssl",
		Doc: "Graph self-supervised learning: pretrain an encoder without labels (ssl.train) and evaluate its frozen " +
			"embeddings (ssl.evaluate) with a linear probe, cross-validation, k-means NMI, similarity search or a PCA scatter.",
		Builtins: []host.Builtin{
			{Name: "train", Fn: train, Doc: `train(method, graph, **settings)

Pretrain method on graph and return an ssl.model. Node-level methods
(dgi, grace, gca, mvgrl, bgrl, graphmae) take one graph.graph with node
features; graph-level methods (infograph, graphcl) take a graph.batch
(graph.tu_dataset). Settings override the method's defaults (the original
papers' values, see docs/graph-ssl.md); an unknown setting is an error that
lists the accepted ones. Settings: seed, epochs, patience (epochs without a
lower training loss before stopping, 0 = never; the weights of the
lowest-loss epoch are restored), optimizer ("adam" or "adamw"), lr,
weight_decay, hidden (list of widths), activation ("prelu", "prelu_shared",
"relu" or "elu"; dgi, grace and gca only: mvgrl, bgrl and graphmae keep
PReLU as their references do), normalize_features,
tau, proj_hidden, pe1, pe2, pf1, pf2 (edge and feature drop rates of views
1 and 2), drop_cap (gca), alpha, blocks, block_size (mvgrl), tau0 (bgrl),
mask_rate, replace_rate, gamma, encoder ("gat" or "gcn"), heads, in_drop,
attn_drop, lr_schedule ("cosine" or "none") (graphmae), layers, batch_size,
aug_ratio, augmentation, views ("augmented": two augmented views, as the
paper describes; "clean": the clean graph against one augmented view, as
GraphCL's unsupervised_TU code runs) (graphcl).

The resolved configuration is recorded in run.json under "ssl.train";
with --out, the loss curve is plotted to ssl_<method>_seed<seed>_loss.png.
The model has fields method, level ("node" or "graph"), embeddings (a
tensor, one row per node or graph), losses (one per epoch), epochs_run,
best_epoch, best_loss, epoch_ms (mean wall time of an epoch), config (a
dict of the resolved settings) and curve (the plot's path or None).`},
			{Name: "evaluate", Fn: evaluate, Doc: `evaluate(model, protocol="linear_probe", graph=None, **options)

Evaluate frozen embeddings: model is an ssl.model (its graph is used) or an
embeddings tensor with graph= (a graph.graph or graph.batch with labels).
Protocols and their options:
  "linear_probe" (node level; the graph's train/val/test split): runs=10,
    lr=0.01, weight_decay=0.0, steps=100, solver="adam" or "lbfgs",
    select="last" or "val" (Adam only: keep the step with the highest
    validation accuracy, the latest on ties as in GraphMAE's probe),
    seed=0. Returns acc_mean, acc_std, val_mean, val_std (percent, over
    runs; with select="val" the chosen steps' validation accuracy,
    optimistic by construction), accs (test accuracy of each run, percent)
    and steps (the Adam step scored in each run; 0 for L-BFGS).
  "cv" (graph level): folds=10, classifier="svm" or "logreg",
    cs=[1e-3, ..., 1e3] (C chosen by an inner stratified grid on the
    training folds only), inner_folds=5, seed=0. Returns acc_mean, acc_std
    (percent over folds), accs and chosen_c.
  "kmeans_nmi": runs=10, seed=0. Returns nmi_mean, nmi_std.
  "similarity": ks=[5, 10, 20, 50, 100]. Returns ks and precision (mean
    fraction of the k most cosine-similar rows that share the label).
  "scatter": path="ssl_scatter.png" (under --out), title="". Writes a 2-D
    PCA scatter coloured by label; returns path and explained (ratios).`},
		},
	})
}

// rateSettings are the settings that are probabilities or fractions.
var rateSettings = []string{"pe1", "pe2", "pf1", "pf2", "drop_cap", "aug_ratio", "mask_rate", "replace_rate", "in_drop", "attn_drop", "alpha", "tau0"}

// settingKinds gives the Starlark type each setting takes.
var settingKinds = map[string]string{
	"seed": "int", "epochs": "int", "patience": "int", "optimizer": "string", "lr": "float",
	"weight_decay": "float", "hidden": "ints", "activation": "string", "normalize_features": "bool",
	"tau": "float", "proj_hidden": "int", "pe1": "float", "pe2": "float", "pf1": "float", "pf2": "float",
	"drop_cap": "float", "alpha": "float", "blocks": "int", "block_size": "int", "tau0": "float",
	"mask_rate": "float", "replace_rate": "float", "gamma": "float", "layers": "int", "batch_size": "int",
	"aug_ratio": "float", "augmentation": "string", "views": "string",
	"encoder": "string", "heads": "int", "in_drop": "float", "attn_drop": "float", "lr_schedule": "string",
}

// apply sets one setting on cfg; v has already been converted to its kind.
func apply(cfg *ssl.Config, key string, v any) {
	switch key {
	case "seed":
		cfg.Seed = uint64(v.(int))
	case "epochs":
		cfg.Epochs = v.(int)
	case "patience":
		cfg.Patience = v.(int)
	case "optimizer":
		cfg.Optimizer = v.(string)
	case "lr":
		cfg.LR = v.(float64)
	case "weight_decay":
		cfg.WeightDecay = v.(float64)
	case "hidden":
		cfg.Hidden = v.([]int)
	case "activation":
		cfg.Activation = v.(string)
	case "normalize_features":
		cfg.NormalizeFeatures = v.(bool)
	case "tau":
		cfg.Tau = v.(float64)
	case "proj_hidden":
		cfg.ProjHidden = v.(int)
	case "pe1":
		cfg.PE1 = v.(float64)
	case "pe2":
		cfg.PE2 = v.(float64)
	case "pf1":
		cfg.PF1 = v.(float64)
	case "pf2":
		cfg.PF2 = v.(float64)
	case "drop_cap":
		cfg.DropCap = v.(float64)
	case "alpha":
		cfg.Alpha = v.(float64)
	case "blocks":
		cfg.Blocks = v.(int)
	case "block_size":
		cfg.BlockSize = v.(int)
	case "tau0":
		cfg.Tau0 = v.(float64)
	case "mask_rate":
		cfg.MaskRate = v.(float64)
	case "replace_rate":
		cfg.ReplaceRate = v.(float64)
	case "gamma":
		cfg.Gamma = v.(float64)
	case "layers":
		cfg.Layers = v.(int)
	case "batch_size":
		cfg.BatchSize = v.(int)
	case "aug_ratio":
		cfg.AugRatio = v.(float64)
	case "augmentation":
		cfg.Augmentation = v.(string)
	case "views":
		cfg.Views = v.(string)
	case "encoder":
		cfg.Encoder = v.(string)
	case "heads":
		cfg.Heads = v.(int)
	case "in_drop":
		cfg.InDrop = v.(float64)
	case "attn_drop":
		cfg.AttnDrop = v.(float64)
	case "lr_schedule":
		cfg.LRSchedule = v.(string)
	}
}

// resolved returns the settings of cfg that its method reads, as a map for
// run.json and the model's config dict.
func resolved(cfg ssl.Config) map[string]any {
	all := map[string]any{
		"seed": cfg.Seed, "epochs": cfg.Epochs, "patience": cfg.Patience, "optimizer": cfg.Optimizer,
		"lr": cfg.LR, "weight_decay": cfg.WeightDecay, "hidden": cfg.Hidden, "activation": cfg.Activation,
		"normalize_features": cfg.NormalizeFeatures, "tau": cfg.Tau, "proj_hidden": cfg.ProjHidden,
		"pe1": cfg.PE1, "pe2": cfg.PE2, "pf1": cfg.PF1, "pf2": cfg.PF2, "drop_cap": cfg.DropCap,
		"alpha": cfg.Alpha, "blocks": cfg.Blocks, "block_size": cfg.BlockSize, "tau0": cfg.Tau0,
		"mask_rate": cfg.MaskRate, "replace_rate": cfg.ReplaceRate, "gamma": cfg.Gamma, "layers": cfg.Layers,
		"batch_size": cfg.BatchSize, "aug_ratio": cfg.AugRatio, "augmentation": cfg.Augmentation, "views": cfg.Views,
		"encoder": cfg.Encoder, "heads": cfg.Heads, "in_drop": cfg.InDrop, "attn_drop": cfg.AttnDrop,
		"lr_schedule": cfg.LRSchedule,
	}
	out := map[string]any{"method": cfg.Method}
	for _, k := range ssl.Settings(cfg.Method) {
		out[k] = all[k]
	}
	return out
}

func convert(fn *starlark.Builtin, key, kind string, v starlark.Value) (any, error) {
	switch kind {
	case "int":
		n, err := starlark.AsInt32(v)
		if err != nil {
			if _, isInt := v.(starlark.Int); isInt {
				lowest := "-2147483648"
				if key == "seed" {
					lowest = "0"
				}
				return nil, host.Errorf(fn, "%s: got %s, want an int from %s to 2147483647", key, v.String(), lowest)
			}
			return nil, host.Errorf(fn, "%s: got %s, want an int", key, v.Type())
		}
		if key == "seed" && n < 0 {
			return nil, host.Errorf(fn, "seed: got %d, want 0 or more", n)
		}
		return n, nil
	case "float":
		f, err := host.Float(fn, key, v)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, host.Errorf(fn, "%s: got %g, want a finite number", key, f)
		}
		return f, nil
	case "bool":
		b, ok := v.(starlark.Bool)
		if !ok {
			return nil, host.Errorf(fn, "%s: got %s, want a bool", key, v.Type())
		}
		return bool(b), nil
	case "string":
		s, ok := starlark.AsString(v)
		if !ok {
			return nil, host.Errorf(fn, "%s: got %s, want a string", key, v.Type())
		}
		return s, nil
	case "ints":
		seq, ok := v.(starlark.Indexable)
		if !ok {
			return nil, host.Errorf(fn, "%s: got %s, want a list of ints", key, v.Type())
		}
		out := make([]int, seq.Len())
		for i := range out {
			n, err := starlark.AsInt32(seq.Index(i))
			if err != nil {
				return nil, host.Errorf(fn, "%s[%d]: got %s, want an int", key, i, seq.Index(i).Type())
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, host.Errorf(fn, "%s: unknown kind %s", key, kind)
}

func train(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var method string
	var gv starlark.Value
	var settings []starlark.Tuple
	for _, kv := range kwargs {
		switch string(kv[0].(starlark.String)) {
		case "method":
			s, ok := starlark.AsString(kv[1])
			if !ok {
				return nil, host.Errorf(fn, "method: got %s, want a string", kv[1].Type())
			}
			method = s
		case "graph":
			gv = kv[1]
		default:
			settings = append(settings, kv)
		}
	}
	switch len(args) {
	case 2:
		gv = args[1]
		fallthrough
	case 1:
		s, ok := starlark.AsString(args[0])
		if !ok {
			return nil, host.Errorf(fn, "method: got %s, want a string", args[0].Type())
		}
		method = s
	case 0:
	default:
		return nil, host.Errorf(fn, "got %d positional arguments, want at most 2 (method, graph)", len(args))
	}
	if method == "" || gv == nil {
		return nil, host.Errorf(fn, "method and graph are required")
	}
	cfg, err := ssl.Defaults(method)
	if err != nil {
		return nil, host.Errorf(fn, "method: got %q, want one of %s", method, strings.Join(append(slices.Clone(ssl.NodeMethods), ssl.GraphMethods...), ", "))
	}
	accepted := ssl.Settings(method)
	for _, kv := range settings {
		key := string(kv[0].(starlark.String))
		if !slices.Contains(accepted, key) {
			return nil, host.Errorf(fn, "%s: got an unknown setting for %s, want one of %s", key, method, strings.Join(accepted, ", "))
		}
		v, err := convert(fn, key, settingKinds[key], kv[1])
		if err != nil {
			return nil, err
		}
		if f, ok := v.(float64); ok && slices.Contains(rateSettings, key) && !(f >= 0 && f <= 1) {
			return nil, host.Errorf(fn, "%s: got %g, want a rate in [0, 1]", key, f)
		}
		if f, ok := v.(float64); ok && (key == "gamma" || key == "tau" || key == "lr") && !(f > 0) {
			return nil, host.Errorf(fn, "%s: got %g, want a positive number", key, f)
		}
		apply(&cfg, key, v)
	}

	sess := host.Get(thread)
	ctx := host.Context(thread)
	progress := sess.NewProgress(fmt.Sprintf("ssl.train %s seed %d", method, cfg.Seed), cfg.Epochs)
	tick := func(epoch int) {
		if epoch > 0 {
			progress.Add(1, "epochs")
		}
	}
	var res *ssl.Result
	var level string
	var target starlark.Value = gv
	switch g := gv.(type) {
	case *graphb.Graph:
		if ssl.IsGraphLevel(method) {
			return nil, host.Errorf(fn, "graph: got a graph.graph for %s, want a graph.batch (graph.tu_dataset): %s is a graph-level method", method, method)
		}
		level = "node"
		res, err = ssl.TrainNode(ctx, g.Unwrap(), cfg, tick)
	case *graphb.Batch:
		if !ssl.IsGraphLevel(method) {
			return nil, host.Errorf(fn, "graph: got a graph.batch for %s, want one graph.graph (graph.read): %s is a node-level method", method, method)
		}
		level = "graph"
		res, err = ssl.TrainGraph(ctx, g.Unwrap(), cfg, tick)
	default:
		return nil, host.Errorf(fn, "graph: got %s, want a graph.graph or graph.batch", gv.Type())
	}
	progress.Done()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, host.Errorf(fn, "%v", err)
	}
	conf := resolved(cfg)
	sess.RecordSetting("ssl.train", conf)

	m := &Model{method: method, level: level, graph: target, res: res, config: conf, curve: starlark.None}
	if sess.OutDir != "" && len(res.Train.Losses) > 0 {
		name := fmt.Sprintf("ssl_%s_seed%d_loss.png", method, cfg.Seed)
		path, err := sess.OutputPath(fn.Name(), name)
		if err != nil {
			return nil, err
		}
		xs := make([]float64, len(res.Train.Losses))
		for i := range xs {
			xs[i] = float64(i)
		}
		err = plot.Line(path, []plot.Series{{Name: method, X: xs, Y: res.Train.Losses}},
			plot.Options{Title: fmt.Sprintf("%s training loss (seed %d)", method, cfg.Seed), XLabel: "epoch", YLabel: "loss"})
		if err != nil {
			return nil, host.Errorf(fn, "loss curve: %v", err)
		}
		m.curve = starlark.String(path)
	}
	return m, nil
}

// Model is the result of ssl.train.
type Model struct {
	method, level string
	graph         starlark.Value
	res           *ssl.Result
	config        map[string]any
	curve         starlark.Value
}

var modelAttrs = []string{"best_epoch", "best_loss", "config", "curve", "embeddings", "epoch_ms", "epochs_run", "level", "losses", "method"}

func (m *Model) String() string {
	return fmt.Sprintf("ssl.model(method=%s, level=%s, embeddings=%v, epochs_run=%d, best_epoch=%d, best_loss=%.4f, epoch_ms=%.1f)",
		m.method, m.level, m.res.Embeddings.Shape(), len(m.res.Train.Losses), m.res.Train.BestEpoch, m.res.Train.BestLoss, m.res.EpochMS)
}
func (m *Model) Type() string          { return "ssl.model" }
func (m *Model) Freeze()               {}
func (m *Model) Truth() starlark.Bool  { return true }
func (m *Model) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: ssl.model") }
func (m *Model) AttrNames() []string   { return modelAttrs }

// JSONValue reports the model's summary (not its embeddings).
func (m *Model) JSONValue() (any, error) {
	return map[string]any{"method": m.method, "level": m.level, "epochs_run": len(m.res.Train.Losses),
		"best_epoch": m.res.Train.BestEpoch, "best_loss": m.res.Train.BestLoss, "epoch_ms": m.res.EpochMS, "config": m.config}, nil
}

func (m *Model) Attr(name string) (starlark.Value, error) {
	switch name {
	case "method":
		return starlark.String(m.method), nil
	case "level":
		return starlark.String(m.level), nil
	case "embeddings":
		return tensorb.Wrap(m.res.Embeddings), nil
	case "losses":
		l := make([]starlark.Value, len(m.res.Train.Losses))
		for i, v := range m.res.Train.Losses {
			l[i] = starlark.Float(v)
		}
		return starlark.NewList(l), nil
	case "epochs_run":
		return starlark.MakeInt(len(m.res.Train.Losses)), nil
	case "best_epoch":
		return starlark.MakeInt(m.res.Train.BestEpoch), nil
	case "best_loss":
		return starlark.Float(m.res.Train.BestLoss), nil
	case "epoch_ms":
		return starlark.Float(m.res.EpochMS), nil
	case "curve":
		return m.curve, nil
	case "config":
		d := starlark.NewDict(len(m.config))
		keys := make([]string, 0, len(m.config))
		for k := range m.config {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := d.SetKey(starlark.String(k), toValue(m.config[k])); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, nil
}

func toValue(v any) starlark.Value {
	switch x := v.(type) {
	case int:
		return starlark.MakeInt(x)
	case uint64:
		return starlark.MakeUint64(x)
	case float64:
		return starlark.Float(x)
	case bool:
		return starlark.Bool(x)
	case string:
		return starlark.String(x)
	case []int:
		l := make([]starlark.Value, len(x))
		for i, n := range x {
			l[i] = starlark.MakeInt(n)
		}
		return starlark.NewList(l)
	}
	return starlark.None
}

// graphLabels returns the labels and class count of a graph.graph (per
// node) or graph.batch (per graph).
func graphLabels(v starlark.Value) (y []int, classes int, g *graph.Graph, ok bool) {
	switch x := v.(type) {
	case *graphb.Graph:
		g := x.Unwrap()
		return g.Y, g.NumClasses, g, true
	case *graphb.Batch:
		b := x.Unwrap()
		return b.Labels, b.NumClasses, nil, true
	}
	return nil, 0, nil, false
}
