// Package graph is the Starlark module "graph": loading graphs (Planetoid /
// gnn-benchmark .npz, TU folders, edge lists, GML, the embedded karate
// club), GCN normalization, SpMM, diffusion, augmentations and statistics.
// Names follow PyG (and PyGCL for augmentations) where they exist. The
// algorithms live in pare/ops/graph.
package graph

import (
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/graph"
	"pare/ops/tensor"
)

func init() {
	host.Register(&host.Module{
		Name: "graph",
		Doc: "Graphs for graph learning: loaders (Planetoid/gnn-benchmark .npz, TU folders, edge lists, GML, the karate club), " +
			"GCN normalization, sparse-dense products, PPR and heat diffusion, seeded augmentations and statistics.",
		Builtins: []host.Builtin{
			{Name: "read", Fn: read, Doc: `read(path, format="auto", undirected=False, num_nodes=0)

Read one graph (the name follows PyG's read_npz and read_tu_data, because
load is a Starlark keyword). format is "npz" (the gnn-benchmark / Planetoid layout: CSR
adjacency adj_*, CSR features attr_* or dense attr_matrix, labels,
train_idx/val_idx/test_idx, node_names, class_names), "edgelist" ("src dst"
or "src dst weight" per line, integer ids or names), "gml", or "auto" (by the
file extension: .npz, .gml, anything else an edge list). undirected=True
adds the reverse of every edge; npz adjacencies are otherwise kept as
stored (gnn-benchmark's cora.npz is directed). num_nodes fixes the node count
of an edge list.`},
			{Name: "tu_dataset", Fn: tuDataset, Doc: `tu_dataset(dir)

Load a TU-format graph-classification data set (PyG's TUDataset) from dir,
whose base name DS names the files DS_A.txt, DS_graph_indicator.txt,
DS_graph_labels.txt and the optional DS_node_labels.txt (one-hot node
features), DS_node_attributes.txt and DS_edge_labels.txt. Returns a
graph.batch of every graph; graph labels are mapped in sorted order to
0..C-1 (class_values gives the file's values).`},
			{Name: "karate_club", Fn: karateClub, Doc: `karate_club()

Zachary's karate club (1977), embedded in pare: 34 nodes, 78 undirected
edges (156 stored), identity features, and labels = the club each member
joined after the split (0 = Mr Hi, 1 = Officer).`},
			{Name: "gcn_norm", Fn: gcnNorm, Doc: `gcn_norm(g)

Return g with its adjacency replaced by D^-1/2 (A + I) D^-1/2 (self loops
added where missing). The result is marked normalized, and normalizing it
again is an error, so the normalization is applied exactly once.`},
			{Name: "normalize_features", Fn: normalizeFeatures, Doc: `normalize_features(g)

Return g with each feature row scaled to sum 1 in absolute value (PyG's
NormalizeFeatures); rows of zeros stay zero.`},
			{Name: "to_undirected", Fn: toUndirected, Doc: `to_undirected(g)

Return g with the reverse of every edge added (weights of mirrored pairs:
the larger one).`},
			{Name: "spmm", Fn: spmm, Doc: `spmm(g, x)

Return A·x for the adjacency A of g (N×N, normalized or not) and a tensor x
of shape (N, F), computed in parallel.`},
			{Name: "diffusion", Fn: diffusion, Doc: `diffusion(g, kernel="ppr", alpha=0.2, t=5.0, top_k=0, eps=0.0)

Return g with its adjacency replaced by the graph diffusion S of
Â = D^-1/2 (A + I) D^-1/2: "ppr" gives S = alpha (I - (1 - alpha) Â)^-1,
"heat" gives S = exp(-t (I - Â)). top_k > 0 keeps each row's top_k entries,
eps > 0 keeps entries >= eps; set at most one. The graph must have at most
20000 nodes because S is computed densely.`},
			{Name: "stats", Fn: stats, Doc: `stats(g)

Return a struct of graph statistics: num_nodes, num_edges (stored entries),
num_undirected_edges (for undirected graphs), num_features, num_classes,
is_undirected, self_loops, isolated_nodes, avg_degree, max_degree, density,
normalization, and num_train, num_val, num_test (0 without a split). For a
graph.batch it also has num_graphs.`},
			{Name: "augmentor", Fn: augmentor, Doc: `augmentor(augmentations, seed=0)

Return a graph.augmentor that applies the list of augmentations in order.
Its view(g) draws fresh randomness on every call (step k uses the random
stream (seed, k)), so views change from step to step and repeat exactly for
the same seed. view(batch) augments every graph of a graph.batch in one
step. freeze() makes later views repeat the current step's
randomness; step is the number of views drawn.`},
			{Name: "augment", Fn: augment, Doc: `augment(g, augmentations, seed=0)

Apply the list of augmentations once with the given seed and return the
view.`},
			{Name: "feature_masking", Fn: featureMasking, Doc: "feature_masking(p)\n\nZero whole feature columns, each with probability p (GRACE)."},
			{Name: "feature_dropout", Fn: featureDropout, Doc: "feature_dropout(p)\n\nZero each feature element with probability p and scale the rest by 1/(1-p)."},
			{Name: "node_row_masking", Fn: nodeRowMasking, Doc: "node_row_masking(p)\n\nZero the feature rows of floor(p·N) random nodes (GraphCL's mask)."},
			{Name: "node_shuffling", Fn: nodeShuffling, Doc: "node_shuffling()\n\nPermute the feature rows across nodes (DGI's corruption)."},
			{Name: "edge_removing", Fn: edgeRemoving, Doc: "edge_removing(p, undirected=False)\n\nDrop each stored edge with probability p; undirected=True drops both directions of a pair together."},
			{Name: "edge_adding", Fn: edgeAdding, Doc: "edge_adding(ratio, undirected=False)\n\nAdd floor(ratio·E) random new edges between distinct non-adjacent nodes."},
			{Name: "gca_edge_removing", Fn: gcaEdgeRemoving, Doc: "gca_edge_removing(p, cap=0.7)\n\nDrop edges with GCA's degree-adaptive probabilities min(p·(s_max - s)/(s_max - mean s), cap), s = log degree of the target."},
			{Name: "gca_feature_masking", Fn: gcaFeatureMasking, Doc: "gca_feature_masking(p, cap=0.7)\n\nZero feature columns with GCA's degree-adaptive probabilities."},
			{Name: "node_dropping", Fn: nodeDropping, Doc: "node_dropping(p)\n\nRemove floor(p·N) random nodes and their edges (GraphCL)."},
			{Name: "rw_sampling", Fn: rwSampling, Doc: "rw_sampling(ratio, restart=0.0)\n\nKeep the subgraph induced by ceil(ratio·N) nodes visited by a random walk with restart probability restart."},
			{Name: "ppr_diffusion", Fn: pprDiffusion, Doc: "ppr_diffusion(alpha=0.2, top_k=0, eps=0.0)\n\nReplace the adjacency by its sparsified PPR diffusion (see diffusion)."},
			{Name: "heat_diffusion", Fn: heatDiffusion, Doc: "heat_diffusion(t=5.0, top_k=0, eps=0.0)\n\nReplace the adjacency by its sparsified heat diffusion (see diffusion)."},
		},
	})
}

func read(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	format := "auto"
	undirected := false
	numNodes := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "format?", &format, "undirected?", &undirected, "num_nodes?", &numNodes); err != nil {
		return nil, err
	}
	if format == "auto" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".npz":
			format = "npz"
		case ".gml":
			format = "gml"
		default:
			format = "edgelist"
		}
	}
	if format != "npz" && format != "gml" && format != "edgelist" {
		return nil, host.Errorf(fn, "format: got %q, want \"auto\", \"npz\", \"edgelist\" or \"gml\"", format)
	}
	if numNodes < 0 || (numNodes > 0 && format != "edgelist") {
		return nil, host.Errorf(fn, "num_nodes: got %d, want 0, or a positive count for an edge list", numNodes)
	}
	abs, err := host.Get(thread).OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	var g *graph.Graph
	switch format {
	case "npz":
		g, err = graph.LoadNPZ(abs)
	case "gml":
		g, err = graph.LoadGML(abs)
	default:
		g, err = graph.LoadEdgeList(abs, graph.EdgeListOptions{Undirected: undirected, NumNodes: numNodes})
	}
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if undirected && format != "edgelist" {
		if g.Adj, err = g.Adj.Symmetrize(); err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
	}
	return WrapGraph(g), nil
}

func tuDataset(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var dir string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "dir", &dir); err != nil {
		return nil, err
	}
	s := host.Get(thread)
	abs, err := s.OpenInput(fn.Name(), dir)
	if err != nil {
		return nil, err
	}
	// Record each file the loader reads, with its hash.
	ds := filepath.Base(abs)
	for _, suffix := range []string{"A", "graph_indicator", "graph_labels", "node_labels", "node_attributes", "edge_labels"} {
		p := filepath.Join(abs, ds+"_"+suffix+".txt")
		if _, statErr := os.Stat(p); statErr == nil {
			if _, err := s.OpenInput(fn.Name(), p); err != nil {
				return nil, err
			}
		}
	}
	b, classValues, err := graph.LoadTU(abs)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return &Batch{b: b, classValues: classValues}, nil
}

func karateClub(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return WrapGraph(graph.Karate()), nil
}

// oneGraph unpacks the single argument g of a graph transform.
func oneGraph(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*graph.Graph, error) {
	var gV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV); err != nil {
		return nil, err
	}
	return graphArg(fn, "g", gV)
}

func gcnNorm(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g, err := oneGraph(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		return nil, host.Errorf(fn, "g: %v", err)
	}
	return WrapGraph(g.WithAdj(adj)), nil
}

func normalizeFeatures(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g, err := oneGraph(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	if g.X == nil {
		return nil, host.Errorf(fn, "g: graph %q has no node features", g.Name)
	}
	return WrapGraph(g.WithFeatures(g.X.RowNormalizeL1())), nil
}

func toUndirected(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g, err := oneGraph(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	if g.Adj.Normalization() != "" {
		return nil, host.Errorf(fn, "g: adjacency is normalized (%s); make the graph undirected before normalizing", g.Adj.Normalization())
	}
	adj, err := g.Adj.Symmetrize()
	if err != nil {
		return nil, host.Errorf(fn, "g: %v", err)
	}
	return WrapGraph(g.WithAdj(adj)), nil
}

func spmm(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gV, xV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV, "x", &xV); err != nil {
		return nil, err
	}
	g, err := graphArg(fn, "g", gV)
	if err != nil {
		return nil, err
	}
	x, err := tensorb.FromValue(xV)
	if err != nil {
		return nil, host.Errorf(fn, "x: %v", err)
	}
	if x.Ndim() != 2 || x.Dim(0) != g.N() {
		return nil, host.Errorf(fn, "x: got shape %v, want (%d, F) for a graph of %d nodes", x.Shape(), g.N(), g.N())
	}
	cols := x.Dim(1)
	out := tensor.New(g.N(), cols)
	if err := graph.SpMM(g.Adj, x.Contiguous().Data(), cols, out.Data()); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return tensorb.Wrap(out), nil
}

func diffusion(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gV starlark.Value
	opt := graph.DiffusionOptions{Kernel: "ppr", Alpha: 0.2, T: 5}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV, "kernel?", &opt.Kernel, "alpha?", &opt.Alpha, "t?", &opt.T, "top_k?", &opt.TopK, "eps?", &opt.Eps); err != nil {
		return nil, err
	}
	if opt.Kernel != "ppr" && opt.Kernel != "heat" {
		return nil, host.Errorf(fn, "kernel: got %q, want \"ppr\" or \"heat\"", opt.Kernel)
	}
	g, err := graphArg(fn, "g", gV)
	if err != nil {
		return nil, err
	}
	s, err := graph.Diffusion(host.Context(thread), g.Adj, opt)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return WrapGraph(g.WithAdj(s)), nil
}

func stats(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV); err != nil {
		return nil, err
	}
	var g *graph.Graph
	numGraphs := -1
	switch v := gV.(type) {
	case *Graph:
		g = v.g
	case *Batch:
		g, numGraphs = v.b.Union, v.b.NumGraphs()
	default:
		return nil, host.Errorf(fn, "g: got %s, want a graph.graph or graph.batch", gV.Type())
	}
	st := graph.ComputeStats(g)
	fields := starlark.StringDict{
		"num_nodes":            starlark.MakeInt(st.NumNodes),
		"num_edges":            starlark.MakeInt(st.NumEdges),
		"num_undirected_edges": starlark.None,
		"num_features":         starlark.MakeInt(st.NumFeatures),
		"num_classes":          starlark.MakeInt(st.NumClasses),
		"is_undirected":        starlark.Bool(st.IsUndirected),
		"self_loops":           starlark.MakeInt(st.SelfLoops),
		"isolated_nodes":       starlark.MakeInt(st.IsolatedNodes),
		"avg_degree":           starlark.Float(st.AvgDegree),
		"max_degree":           starlark.MakeInt(st.MaxDegree),
		"density":              starlark.Float(st.Density),
		"normalization":        starlark.String(st.Normalization),
		"num_train":            starlark.MakeInt(st.NumTrain),
		"num_val":              starlark.MakeInt(st.NumVal),
		"num_test":             starlark.MakeInt(st.NumTest),
	}
	if st.IsUndirected {
		fields["num_undirected_edges"] = starlark.MakeInt(st.NumUndirectedEdges)
	}
	if numGraphs >= 0 {
		fields["num_graphs"] = starlark.MakeInt(numGraphs)
	}
	return host.Struct("graph.stats", fields), nil
}
