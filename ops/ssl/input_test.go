package ssl

import (
	"context"
	"math"
	"strings"
	"testing"

	"pare/ops/graph"
)

func TestTrainRejectsBadInput(t *testing.T) {
	nanFeature := graph.Karate()
	x := nanFeature.X.DenseCopy()
	x.Dense[3*x.Cols+5] = float32(math.NaN())
	nanFeature = nanFeature.WithFeatures(x)

	nanWeight := graph.Karate()
	edges := nanWeight.Adj.Edges()
	for k := range edges {
		edges[k].W = 1
	}
	edges[0].W = float32(math.Inf(1))
	adj, err := graph.FromEdges(34, 34, edges, true)
	if err != nil {
		t.Fatal(err)
	}
	nanWeight = nanWeight.WithAdj(adj)

	empty, err := graph.Karate().Subgraph([]int{})
	if err != nil {
		t.Fatal(err)
	}

	withSetting := func(method string, set func(*Config)) Config {
		cfg, err := Defaults(method)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Epochs = 1
		set(&cfg)
		return cfg
	}
	keep := func(*Config) {}
	cases := []struct {
		name   string
		g      *graph.Graph
		cfg    Config
		substr string
	}{
		{"dgi NaN feature", nanFeature, withSetting("dgi", keep), "feature value at node 3, column 5 is NaN"},
		{"graphmae NaN feature", nanFeature, withSetting("graphmae", keep), "feature value at node 3, column 5 is NaN"},
		{"mvgrl infinite weight", nanWeight, withSetting("mvgrl", keep), "edge (0, 1) has weight +Inf"},
		{"grace empty graph", empty, withSetting("grace", keep), "has no nodes"},
		{"dgi infinite lr", graph.Karate(), withSetting("dgi", func(c *Config) { c.LR = math.Inf(1) }), "lr is +Inf"},
		{"dgi NaN weight decay", graph.Karate(), withSetting("dgi", func(c *Config) { c.WeightDecay = math.NaN() }), "weight_decay is NaN"},
		{"bgrl infinite tau0", graph.Karate(), withSetting("bgrl", func(c *Config) { c.Tau0 = math.Inf(-1) }), "tau0 is -Inf"},
	}
	for _, c := range cases {
		_, err := TrainNode(context.Background(), c.g, c.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.substr) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.substr)
		}
	}
}

func TestTrainGraphRejectsEmptyDataset(t *testing.T) {
	empty, err := graph.NewBatch(nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	empty.Union.Name = "EMPTY"
	for _, method := range GraphMethods {
		cfg, err := Defaults(method)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Epochs = 2
		_, err = TrainGraph(context.Background(), empty, cfg, nil)
		if want := `dataset "EMPTY" has no graphs`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s on 0 graphs: got error %v, want one containing %q", method, err, want)
		}
	}
}
