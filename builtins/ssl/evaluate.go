package ssl

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/graph/eval"
)

// protocolOptions lists the options each evaluation protocol accepts.
var protocolOptions = map[string][]string{
	"linear_probe": {"runs", "lr", "weight_decay", "steps", "solver", "select", "seed"},
	"cv":           {"folds", "classifier", "cs", "inner_folds", "seed"},
	"kmeans_nmi":   {"runs", "seed"},
	"similarity":   {"ks"},
	"scatter":      {"path", "title"},
}

var protocolNames = []string{"linear_probe", "cv", "kmeans_nmi", "similarity", "scatter"}

func evaluate(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var modelV, graphV starlark.Value = nil, starlark.None
	protocol := "linear_probe"
	opts := map[string]starlark.Value{}
	if len(args) > 2 {
		return nil, host.Errorf(fn, "got %d positional arguments, want at most 2 (model, protocol)", len(args))
	}
	if len(args) > 0 {
		modelV = args[0]
	}
	if len(args) > 1 {
		s, ok := starlark.AsString(args[1])
		if !ok {
			return nil, host.Errorf(fn, "protocol: got %s, want a string", args[1].Type())
		}
		protocol = s
	}
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		switch k {
		case "model":
			modelV = kv[1]
		case "graph":
			graphV = kv[1]
		case "protocol":
			s, ok := starlark.AsString(kv[1])
			if !ok {
				return nil, host.Errorf(fn, "protocol: got %s, want a string", kv[1].Type())
			}
			protocol = s
		default:
			opts[k] = kv[1]
		}
	}
	accepted, ok := protocolOptions[protocol]
	if !ok {
		return nil, host.Errorf(fn, "protocol: got %q, want one of %s", protocol, strings.Join(protocolNames, ", "))
	}
	for k := range opts {
		if !slices.Contains(accepted, k) {
			return nil, host.Errorf(fn, "%s: got an unknown option for %s, want one of %s", k, protocol, strings.Join(accepted, ", "))
		}
	}
	if modelV == nil {
		return nil, host.Errorf(fn, "model: missing; want an ssl.model or an embeddings tensor")
	}
	// run.json records each call's protocol and its resolved options.
	record := func(options map[string]any) {
		host.Get(thread).RecordSetting("ssl.evaluate", map[string]any{"protocol": protocol, "options": options})
	}

	var embV starlark.Value
	if m, ok := modelV.(*Model); ok {
		embV = tensorb.Wrap(m.res.Embeddings)
		if graphV == starlark.None {
			graphV = m.graph
		}
	} else {
		embV = modelV
	}
	emb, err := tensorb.FromValue(embV)
	if err != nil {
		return nil, host.Errorf(fn, "model: got %s, want an ssl.model or an embeddings tensor", modelV.Type())
	}
	shape := emb.Shape()
	if len(shape) != 2 {
		return nil, host.Errorf(fn, "model: got embeddings of shape %v, want (rows, dim)", shape)
	}
	n, d := shape[0], shape[1]
	x := emb.Contiguous().Data()
	if graphV == starlark.None {
		return nil, host.Errorf(fn, "graph: missing; want the graph.graph or graph.batch the embeddings come from")
	}
	y, classes, g, ok := graphLabels(graphV)
	if !ok {
		return nil, host.Errorf(fn, "graph: got %s, want a graph.graph or graph.batch", graphV.Type())
	}
	if len(y) != n || classes <= 0 {
		return nil, host.Errorf(fn, "graph: got %d labels for %d embedding rows, want one label per row", len(y), n)
	}
	// The classifiers and k-means size arrays by the class count (the probe
	// allocates classes × dim weights), so a corrupt label far beyond the
	// row count must not reach them. Similarity search and the scatter plot
	// only compare labels.
	if classes > n && protocol != "similarity" && protocol != "scatter" {
		return nil, host.Errorf(fn, "graph: got %d classes for %d embedding rows, want at most one class per row for %s", classes, n, protocol)
	}
	if err := eval.CheckFinite(x, n, d); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}

	o := optionReader{fn: fn, opts: opts}
	switch protocol {
	case "linear_probe":
		if g == nil || g.Split == nil {
			return nil, host.Errorf(fn, "graph: got no train/val/test split, want a graph.graph with a split for linear_probe (use protocol=\"cv\" for a graph.batch)")
		}
		runs := o.int("runs", 10, 1)
		ctx := host.Context(thread)
		lo := eval.LogRegOptions{Solver: o.str("solver", "adam"), LR: o.float("lr", 0.01), WeightDecay: o.float("weight_decay", 0), Steps: o.int("steps", 100, 1), Select: o.str("select", "last"), Ctx: ctx}
		seed := o.int("seed", 0, 0)
		if o.err != nil {
			return nil, o.err
		}
		record(map[string]any{"runs": runs, "lr": lo.LR, "weight_decay": lo.WeightDecay, "steps": lo.Steps,
			"solver": lo.Solver, "select": lo.Select, "seed": seed})
		var tests, vals []float64
		var steps []starlark.Value
		for r := 0; r < runs; r++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			lo.Seed = uint64(seed + r)
			pr, err := eval.LinearProbe(x, n, d, y, classes, g.Split.Train, g.Split.Val, g.Split.Test, lo)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				return nil, host.Errorf(fn, "%v", err)
			}
			tests = append(tests, 100*pr.TestAcc)
			vals = append(vals, 100*pr.ValAcc)
			steps = append(steps, starlark.MakeInt(pr.Step))
		}
		tm, ts := eval.MeanStd(tests)
		vm, vs := eval.MeanStd(vals)
		return host.Struct("linear_probe", starlark.StringDict{
			"acc_mean": starlark.Float(tm), "acc_std": starlark.Float(ts),
			"val_mean": starlark.Float(vm), "val_std": starlark.Float(vs), "accs": floats(tests),
			"steps": starlark.NewList(steps)}), nil

	case "cv":
		co := eval.CVOptions{Model: o.str("classifier", "svm"), Folds: o.int("folds", 10, 1), InnerFolds: o.int("inner_folds", 5, 1), Seed: uint64(o.int("seed", 0, 0)), Ctx: host.Context(thread)}
		if v, ok := opts["cs"]; ok {
			cs, err := host.Floats(fn, "cs", v)
			if err != nil {
				return nil, err
			}
			for i, c := range cs {
				if !(c > 0) || math.IsInf(c, 1) {
					return nil, host.Errorf(fn, "cs[%d]: got %s, want a positive finite number", i, element(v, i, c))
				}
			}
			co.Cs = cs
		}
		if o.err != nil {
			return nil, o.err
		}
		if co.Model != "svm" && co.Model != "logreg" {
			return nil, host.Errorf(fn, "classifier: got %q, want \"svm\" or \"logreg\"", co.Model)
		}
		if co.Cs == nil {
			co.Cs = eval.DefaultCs()
		}
		record(map[string]any{"classifier": co.Model, "folds": co.Folds, "inner_folds": co.InnerFolds, "seed": co.Seed, "cs": co.Cs})
		r, err := eval.CrossValidate(x, n, d, y, classes, co)
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		accs := make([]float64, len(r.Accuracies))
		for i, a := range r.Accuracies {
			accs[i] = 100 * a
		}
		return host.Struct("cv", starlark.StringDict{
			"acc_mean": starlark.Float(100 * r.Mean), "acc_std": starlark.Float(100 * r.Std),
			"accs": floats(accs), "chosen_c": floats(r.ChosenC)}), nil

	case "kmeans_nmi":
		runs, seed := o.int("runs", 10, 1), o.int("seed", 0, 0)
		if o.err != nil {
			return nil, o.err
		}
		record(map[string]any{"runs": runs, "seed": seed})
		ctx := host.Context(thread)
		mean, std, err := eval.KMeansNMI(ctx, x, n, d, y, classes, runs, uint64(seed))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		return host.Struct("kmeans_nmi", starlark.StringDict{"nmi_mean": starlark.Float(mean), "nmi_std": starlark.Float(std)}), nil

	case "similarity":
		ks := []int{5, 10, 20, 50, 100}
		if v, ok := opts["ks"]; ok {
			fs, err := host.Floats(fn, "ks", v)
			if err != nil {
				return nil, err
			}
			if len(fs) == 0 {
				return nil, host.Errorf(fn, "ks: got an empty list, want at least one positive int")
			}
			ks = ks[:0]
			for _, f := range fs {
				if f != math.Trunc(f) || f <= 0 {
					return nil, host.Errorf(fn, "ks: got %v, want positive ints", fs)
				}
				ks = append(ks, int(f))
			}
		}
		record(map[string]any{"ks": ks})
		ctx := host.Context(thread)
		p, err := eval.SimilaritySearch(ctx, x, n, d, y, ks)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		kl := make([]starlark.Value, len(ks))
		for i, k := range ks {
			kl[i] = starlark.MakeInt(k)
		}
		return host.Struct("similarity", starlark.StringDict{"ks": starlark.NewList(kl), "precision": floats(p)}), nil

	case "scatter":
		name, title := o.str("path", "ssl_scatter.png"), o.str("title", "")
		if o.err != nil {
			return nil, o.err
		}
		if name == "" {
			return nil, host.Errorf(fn, "path: got an empty string, want a file name ending in .png, .svg or .pdf")
		}
		path, err := host.Get(thread).WritePath(fn.Name(), name)
		if err != nil {
			return nil, err
		}
		record(map[string]any{"path": path, "title": title})
		var names []string
		if g != nil {
			names = g.ClassNames
		}
		ratio, err := eval.PCAScatter(path, x, n, d, y, names, title)
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		return host.Struct("scatter", starlark.StringDict{"path": starlark.String(path), "explained": floats(ratio[:])}), nil
	}
	return nil, fmt.Errorf("unreachable")
}

// element returns the text of item i of the Starlark sequence seq, which
// host.Floats converted to f. host.Floats turns infinities into NaN, so
// messages quote the item itself where they can.
func element(seq starlark.Value, i int, f float64) string {
	if s, ok := seq.(starlark.Indexable); ok && i < s.Len() {
		return s.Index(i).String()
	}
	return fmt.Sprint(f)
}

func floats(v []float64) starlark.Value {
	l := make([]starlark.Value, len(v))
	for i, f := range v {
		l[i] = starlark.Float(f)
	}
	return starlark.NewList(l)
}

// optionReader converts evaluation options, keeping the first error.
type optionReader struct {
	fn   *starlark.Builtin
	opts map[string]starlark.Value
	err  error
}

// int returns option k, which must be an int of at least lowest, or def
// when k is absent.
func (o *optionReader) int(k string, def, lowest int) int {
	v, ok := o.opts[k]
	if !ok || o.err != nil {
		return def
	}
	n, err := starlark.AsInt32(v)
	switch {
	case err != nil:
		o.err = host.Errorf(o.fn, "%s: got %s, want an int from %d to 2147483647", k, v.String(), lowest)
		return def
	case n < lowest && lowest == 1:
		o.err = host.Errorf(o.fn, "%s: got %d, want a positive count", k, n)
	case n < lowest:
		o.err = host.Errorf(o.fn, "%s: got %d, want %d or more", k, n, lowest)
	}
	return n
}

func (o *optionReader) float(k string, def float64) float64 {
	v, ok := o.opts[k]
	if !ok || o.err != nil {
		return def
	}
	f, err := host.Float(o.fn, k, v)
	switch {
	case err != nil:
		o.err = err
	case math.IsNaN(f) || math.IsInf(f, 0):
		o.err = host.Errorf(o.fn, "%s: got %g, want a finite number", k, f)
	}
	return f
}

func (o *optionReader) str(k, def string) string {
	v, ok := o.opts[k]
	if !ok || o.err != nil {
		return def
	}
	s, ok := starlark.AsString(v)
	if !ok {
		o.err = host.Errorf(o.fn, "%s: got %s, want a string", k, v.Type())
	}
	return s
}
