package ssl

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pare/ops/graph"
)

// smallConfig shrinks a method's defaults to a few epochs on a tiny graph.
func smallConfig(t *testing.T, method string) Config {
	t.Helper()
	cfg, err := Defaults(method)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.Patience = 4, 0
	cfg.Hidden = []int{6}
	if method == "grace" || method == "gca" {
		cfg.Hidden, cfg.ProjHidden = []int{8, 6}, 4
	}
	if method == "mvgrl" {
		cfg.BlockSize = 8
	}
	if method == "graphmae" {
		cfg.Heads = 2 // GAT heads must divide the width 6
	}
	return cfg
}

func TestTrainNodeEveryMethod(t *testing.T) {
	g := ringGraph(t, 12, 5, rand.New(rand.NewPCG(1, 1)))
	for _, method := range NodeMethods {
		cfg := smallConfig(t, method)
		a, err := TrainNode(context.Background(), g, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if got := a.Embeddings.Shape(); got[0] != 12 || got[1] != 6 {
			t.Errorf("%s: embeddings shape got %v, want [12 6]", method, got)
		}
		if len(a.Train.Losses) != cfg.Epochs {
			t.Errorf("%s: losses got %d, want %d", method, len(a.Train.Losses), cfg.Epochs)
		}
		b, err := TrainNode(context.Background(), g, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Train.Losses, b.Train.Losses) {
			t.Errorf("%s: same seed gave losses %v and %v, want equal", method, a.Train.Losses, b.Train.Losses)
		}
		cfg.Seed = 7
		c, err := TrainNode(context.Background(), g, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(a.Train.Losses, c.Train.Losses) {
			t.Errorf("%s: seeds 0 and 7 gave the same losses %v, want different", method, a.Train.Losses)
		}
	}
}

func TestTrainNodeSettingsReachTheModel(t *testing.T) {
	g := ringGraph(t, 12, 5, rand.New(rand.NewPCG(2, 2)))
	cases := []struct {
		name   string
		edit   func(*Config)
		checks func(*Result) string
	}{
		{"hidden", func(c *Config) { c.Hidden = []int{3} }, func(r *Result) string {
			if r.Embeddings.Shape()[1] != 3 {
				return "embedding width is not 3"
			}
			return ""
		}},
		{"epochs", func(c *Config) { c.Epochs = 2 }, func(r *Result) string {
			if len(r.Train.Losses) != 2 {
				return "did not run 2 epochs"
			}
			return ""
		}},
	}
	for _, tc := range cases {
		cfg := smallConfig(t, "dgi")
		tc.edit(&cfg)
		r, err := TrainNode(context.Background(), g, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if msg := tc.checks(r); msg != "" {
			t.Errorf("%s: %s", tc.name, msg)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	g := ringGraph(t, 12, 5, rand.New(rand.NewPCG(3, 3)))
	b, err := graph.NewBatch([]*graph.Graph{g, g}, []int{0, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Defaults("simclr"); err == nil || !strings.Contains(err.Error(), "dgi, grace") {
		t.Errorf("unknown method: got %v, want an error listing the methods", err)
	}
	cfg := smallConfig(t, "infograph")
	if _, err := TrainNode(context.Background(), g, cfg, nil); err == nil || !strings.Contains(err.Error(), "graph-level") {
		t.Errorf("infograph on one graph: got %v, want a graph-level error", err)
	}
	cfg = smallConfig(t, "dgi")
	if _, err := TrainGraph(context.Background(), b, cfg, nil); err == nil || !strings.Contains(err.Error(), "node-level") {
		t.Errorf("dgi on a batch: got %v, want a node-level error", err)
	}
	cfg.Epochs = 0
	if _, err := TrainNode(context.Background(), g, cfg, nil); err == nil {
		t.Error("epochs 0: got no error, want one")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg = smallConfig(t, "dgi")
	if _, err := TrainNode(ctx, g, cfg, nil); err == nil {
		t.Error("cancelled context: got no error, want one")
	}
}

func TestTrainGraphEveryMethod(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var graphs []*graph.Graph
	var labels []int
	for i := 0; i < 6; i++ {
		graphs = append(graphs, ringGraph(t, 5+i, 3, rng))
		labels = append(labels, i%2)
	}
	b, err := graph.NewBatch(graphs, labels, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range GraphMethods {
		cfg := smallConfig(t, method)
		cfg.BatchSize, cfg.Layers = 4, 2
		r, err := TrainGraph(context.Background(), b, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if got := r.Embeddings.Shape(); got[0] != 6 || got[1] != 12 {
			t.Errorf("%s: embeddings shape got %v, want [6 12] (6 graphs, 2 layers × 6)", method, got)
		}
		if len(r.Train.Losses) != cfg.Epochs {
			t.Errorf("%s: losses got %d, want %d", method, len(r.Train.Losses), cfg.Epochs)
		}
	}
}

func TestGCAAugmentorsUseCleanGraphProbs(t *testing.T) {
	g := ringGraph(t, 12, 5, rand.New(rand.NewPCG(5, 5)))
	cfg := smallConfig(t, "gca")
	a1, a2, err := gcaAugmentors(g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		aug    *graph.Augmentor
		pe, pf float64
	}{{a1, cfg.PE1, cfg.PF1}, {a2, cfg.PE2, cfg.PF2}} {
		wantEdges, err := graph.GCAEdgeDropProbs(g.Adj, tc.pe, cfg.DropCap)
		if err != nil {
			t.Fatal(err)
		}
		wantCols, err := graph.GCAFeatureDropProbs(g.X, g.Adj, tc.pf, cfg.DropCap)
		if err != nil {
			t.Fatal(err)
		}
		edges, ok := tc.aug.Augs[0].(graph.GCAEdgeRemoving)
		if !ok || !slices.Equal(edges.Probs, wantEdges) {
			t.Errorf("view %d: edge augmentation got %#v, want GCAEdgeRemoving with probabilities %v of the clean graph", i+1, tc.aug.Augs[0], wantEdges)
		}
		cols, ok := tc.aug.Augs[1].(graph.GCAFeatureMasking)
		if !ok || !slices.Equal(cols.Probs, wantCols) {
			t.Errorf("view %d: feature augmentation got %#v, want GCAFeatureMasking with probabilities %v of the clean graph", i+1, tc.aug.Augs[1], wantCols)
		}
	}
}
