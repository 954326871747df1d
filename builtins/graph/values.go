package graph

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// Graph is the Starlark value of one graph ("graph.graph").
type Graph struct{ g *graph.Graph }

var _ starlark.HasAttrs = (*Graph)(nil)

// Unwrap returns the ops graph, for other bindings (ssl) that accept a
// graph argument.
func (v *Graph) Unwrap() *graph.Graph { return v.g }

// WrapGraph returns the Starlark value of g.
func WrapGraph(g *graph.Graph) *Graph { return &Graph{g: g} }

func (v *Graph) String() string {
	g := v.g
	var b strings.Builder
	fmt.Fprintf(&b, "graph(name=%q, num_nodes=%d, num_edges=%d", g.Name, g.N(), g.NumEdges())
	if g.X != nil {
		kind := "dense"
		if g.X.IsSparse() {
			kind = "sparse"
		}
		fmt.Fprintf(&b, ", num_features=%d (%s)", g.X.Cols, kind)
	}
	if g.Y != nil {
		fmt.Fprintf(&b, ", num_classes=%d", g.NumClasses)
	}
	if g.Split != nil {
		fmt.Fprintf(&b, ", split=%d/%d/%d", len(g.Split.Train), len(g.Split.Val), len(g.Split.Test))
	}
	if n := g.Adj.Normalization(); n != "" {
		fmt.Fprintf(&b, ", normalization=%q", n)
	}
	b.WriteString(")")
	return b.String()
}

func (v *Graph) Type() string          { return "graph.graph" }
func (v *Graph) Freeze()               {}
func (v *Graph) Truth() starlark.Bool  { return true }
func (v *Graph) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: graph.graph") }

var graphAttrs = []string{"name", "num_nodes", "num_edges", "num_features", "num_classes", "x", "y", "train_idx", "val_idx", "test_idx", "is_undirected", "normalization", "node_names", "class_names", "degree", "subgraph"}

func (v *Graph) AttrNames() []string { return graphAttrs }

func (v *Graph) Attr(name string) (starlark.Value, error) {
	g := v.g
	switch name {
	case "name":
		return starlark.String(g.Name), nil
	case "num_nodes":
		return starlark.MakeInt(g.N()), nil
	case "num_edges":
		return starlark.MakeInt(g.NumEdges()), nil
	case "num_features":
		if g.X == nil {
			return starlark.MakeInt(0), nil
		}
		return starlark.MakeInt(g.X.Cols), nil
	case "num_classes":
		return starlark.MakeInt(g.NumClasses), nil
	case "x":
		if g.X == nil {
			return starlark.None, nil
		}
		d := g.X.DenseCopy()
		t := tensor.New(d.Rows, d.Cols)
		copy(t.Data(), d.Dense)
		return tensorb.Wrap(t), nil
	case "y":
		return intList(g.Y), nil
	case "train_idx", "val_idx", "test_idx":
		if g.Split == nil {
			return starlark.None, nil
		}
		ids := map[string][]int{"train_idx": g.Split.Train, "val_idx": g.Split.Val, "test_idx": g.Split.Test}[name]
		return intList(ids), nil
	case "is_undirected":
		return starlark.Bool(g.Adj.IsSymmetric()), nil
	case "normalization":
		return starlark.String(g.Adj.Normalization()), nil
	case "node_names":
		return stringList(g.NodeNames), nil
	case "class_names":
		return stringList(g.ClassNames), nil
	case "degree":
		return starlark.NewBuiltin("graph.graph.degree", v.degree), nil
	case "subgraph":
		return starlark.NewBuiltin("graph.graph.subgraph", v.subgraph), nil
	}
	return nil, nil
}

func (v *Graph) degree(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return intList(v.g.Adj.Degrees()), nil
}

func (v *Graph) subgraph(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var nodesV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "nodes", &nodesV); err != nil {
		return nil, err
	}
	nodes, err := intsArg(fn, "nodes", nodesV)
	if err != nil {
		return nil, err
	}
	sub, err := v.g.Subgraph(nodes)
	if err != nil {
		return nil, host.Errorf(fn, "nodes: %v", err)
	}
	return WrapGraph(sub), nil
}

// Batch is the Starlark value of a collection of small graphs
// ("graph.batch").
type Batch struct {
	b           *graph.Batch
	classValues []int
}

var _ starlark.HasAttrs = (*Batch)(nil)

// Unwrap returns the ops batch.
func (v *Batch) Unwrap() *graph.Batch { return v.b }

func (v *Batch) String() string {
	width := 0
	if v.b.Union.X != nil {
		width = v.b.Union.X.Cols
	}
	return fmt.Sprintf("batch(name=%q, num_graphs=%d, num_nodes=%d, num_edges=%d, num_features=%d, num_classes=%d)",
		v.b.Union.Name, v.b.NumGraphs(), v.b.Union.N(), v.b.Union.NumEdges(), width, v.b.NumClasses)
}

func (v *Batch) Type() string          { return "graph.batch" }
func (v *Batch) Freeze()               {}
func (v *Batch) Truth() starlark.Bool  { return true }
func (v *Batch) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: graph.batch") }
func (v *Batch) Len() int              { return v.b.NumGraphs() }

var batchAttrs = []string{"num_graphs", "num_nodes", "num_edges", "num_features", "num_classes", "y", "class_values", "batch", "ptr", "graph", "select", "union"}

func (v *Batch) AttrNames() []string { return batchAttrs }

func (v *Batch) Attr(name string) (starlark.Value, error) {
	b := v.b
	switch name {
	case "num_graphs":
		return starlark.MakeInt(b.NumGraphs()), nil
	case "num_nodes":
		return starlark.MakeInt(b.Union.N()), nil
	case "num_edges":
		return starlark.MakeInt(b.Union.NumEdges()), nil
	case "num_features":
		if b.Union.X == nil {
			return starlark.MakeInt(0), nil
		}
		return starlark.MakeInt(b.Union.X.Cols), nil
	case "num_classes":
		return starlark.MakeInt(b.NumClasses), nil
	case "y":
		return intList(b.Labels), nil
	case "class_values":
		return intList(v.classValues), nil
	case "batch":
		ids := make([]int, len(b.GraphIndex))
		for i, g := range b.GraphIndex {
			ids[i] = int(g)
		}
		return intList(ids), nil
	case "ptr":
		return intList(b.Ptr), nil
	case "union":
		return WrapGraph(b.Union), nil
	case "graph":
		return starlark.NewBuiltin("graph.batch.graph", v.graph), nil
	case "select":
		return starlark.NewBuiltin("graph.batch.select", v.selectGraphs), nil
	}
	return nil, nil
}

func (v *Batch) graph(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var i int
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "i", &i); err != nil {
		return nil, err
	}
	g, err := v.b.Graph(i)
	if err != nil {
		return nil, host.Errorf(fn, "i: got %d, want an index in [0, %d)", i, v.b.NumGraphs())
	}
	return WrapGraph(g), nil
}

func (v *Batch) selectGraphs(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var idsV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "ids", &idsV); err != nil {
		return nil, err
	}
	ids, err := intsArg(fn, "ids", idsV)
	if err != nil {
		return nil, err
	}
	for _, i := range ids {
		if i < 0 || i >= v.b.NumGraphs() {
			return nil, host.Errorf(fn, "ids: got %d, want indices in [0, %d)", i, v.b.NumGraphs())
		}
	}
	sub, err := v.b.Select(ids)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return &Batch{b: sub, classValues: v.classValues}, nil
}

func intList(v []int) starlark.Value {
	if v == nil {
		return starlark.None
	}
	out := make([]starlark.Value, len(v))
	for i, x := range v {
		out[i] = starlark.MakeInt(x)
	}
	return starlark.NewList(out)
}

func stringList(v []string) starlark.Value {
	if v == nil {
		return starlark.None
	}
	out := make([]starlark.Value, len(v))
	for i, x := range v {
		out[i] = starlark.String(x)
	}
	return starlark.NewList(out)
}

// intsArg converts a list or tuple of ints.
func intsArg(fn *starlark.Builtin, what string, v starlark.Value) ([]int, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, host.Errorf(fn, "%s: got %s, want a list of ints", what, v.Type())
	}
	out := make([]int, seq.Len())
	for i := range out {
		n, err := starlark.AsInt32(seq.Index(i))
		if err != nil {
			return nil, host.Errorf(fn, "%s[%d]: got %s, want an int", what, i, seq.Index(i).Type())
		}
		out[i] = n
	}
	return out, nil
}

// graphArg unwraps a graph.graph argument.
func graphArg(fn *starlark.Builtin, what string, v starlark.Value) (*graph.Graph, error) {
	g, ok := v.(*Graph)
	if !ok {
		return nil, host.Errorf(fn, "%s: got %s, want a graph.graph", what, v.Type())
	}
	return g.g, nil
}
