package prune

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestDefaultPrunedLayers(t *testing.T) {
	cases := []struct {
		layers int
		want   LayerRange
	}{
		{32, LayerRange{4, 30}}, // LLM-Pruner's LLaMA-7B setting
		{5, LayerRange{1, 5}},   // stories260K
		{16, LayerRange{2, 15}},
		{28, LayerRange{4, 26}},
		{1, LayerRange{0, 1}},
	}
	for _, tc := range cases {
		if got := DefaultPrunedLayers(tc.layers); got != tc.want {
			t.Errorf("%d layers: got %v, want %v", tc.layers, got, tc.want)
		}
	}
}

// TestProtectedLayersKeepUnitsAndBudget checks that protected layers keep
// every unit and that the decoder sparsity still reaches the target,
// because the unprotected layers are pruned harder.
func TestProtectedLayersKeepUnitsAndBudget(t *testing.T) {
	m := tinyModel(t, 8, 51)
	s, err := Score(context.Background(), m, nil, ScoreOptions{Criterion: Magnitude})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		attn, mlp *LayerRange
	}{
		{"same range", &LayerRange{1, 7}, &LayerRange{1, 7}},
		{"attention only in the middle", &LayerRange{2, 6}, nil},
		{"different ranges", &LayerRange{0, 4}, &LayerRange{3, 8}},
	}
	const sparsity = 0.3
	for _, tc := range cases {
		p, err := Allocate(&m.Config, s, AllocOptions{Sparsity: sparsity, Gamma: 2, Allocation: AllocUniform, Align: 1,
			AttnLayers: tc.attn, MLPLayers: tc.mlp})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for l := range p.KeepAttn {
			if tc.attn != nil && !tc.attn.Contains(l) && len(p.KeepAttn[l]) != m.Config.LayerKVHeads(l) {
				t.Errorf("%s: protected layer %d keeps %d of %d KV groups", tc.name, l, len(p.KeepAttn[l]), m.Config.LayerKVHeads(l))
			}
			if tc.mlp != nil && !tc.mlp.Contains(l) && len(p.KeepMLP[l]) != m.Config.LayerHidden[l] {
				t.Errorf("%s: protected layer %d keeps %d of %d channels", tc.name, l, len(p.KeepMLP[l]), m.Config.LayerHidden[l])
			}
		}
		pm, err := Apply(m, p)
		if err != nil {
			t.Fatal(err)
		}
		dense, _ := ParamCounts(&m.Config)
		kept, _ := ParamCounts(&pm.Config)
		got := 1 - float64(kept)/float64(dense)
		// Per-layer rounding: within one channel per pruned layer plus one
		// KV group of the target.
		b := budgetOf(t, m)
		slack := float64(b.GroupWeights+int64(len(p.KeepMLP))*b.ChannelWeights) / float64(dense)
		if math.Abs(got-sparsity) > slack {
			t.Errorf("%s: decoder sparsity %.4f, want %.2f ± %.4f", tc.name, got, sparsity, slack)
		}
	}
}

func TestProtectedLayersRejected(t *testing.T) {
	m := tinyModel(t, 4, 52)
	s, err := Score(context.Background(), m, nil, ScoreOptions{Criterion: Magnitude})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opt  AllocOptions
		want string
	}{
		{"empty range", AllocOptions{Sparsity: 0.3, Gamma: 1, Allocation: AllocUniform, AttnLayers: &LayerRange{2, 2}}, "attn_layers: got [2, 2)"},
		{"past the end", AllocOptions{Sparsity: 0.3, Gamma: 1, Allocation: AllocUniform, MLPLayers: &LayerRange{1, 5}}, "mlp_layers: got [1, 5)"},
		{"other allocation", AllocOptions{Sparsity: 0.3, Gamma: 1, Allocation: AllocNirvana, MLPLayers: &LayerRange{1, 3}}, "need the uniform allocation"},
		{"budget too large", AllocOptions{Sparsity: 0.6, Gamma: 1, Allocation: AllocUniform, MLPLayers: &LayerRange{0, 1}}, "too few channels"},
	}
	for _, tc := range cases {
		_, err := Allocate(&m.Config, s, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestLLMPrunerProtectsByDefault runs the LLM-Pruner criterion end to end:
// by default the first round(L/8) and last round(L/16) layers keep their
// width, and an explicit full range prunes every layer.
func TestLLMPrunerProtectsByDefault(t *testing.T) {
	m := tinyModel(t, 8, 53)
	calib := randomCalib(2, 8, m.Config.VocabSize, 54)
	_, rep, err := Structured(context.Background(), m, calib, Options{Criterion: LLMPruner, Sparsity: 0.3, Gamma: 2, Align: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := LayerRange{1, 7}
	if rep.AttnLayers == nil || *rep.AttnLayers != want || rep.MLPLayers == nil || *rep.MLPLayers != want {
		t.Fatalf("report layer ranges %v and %v, want %v", rep.AttnLayers, rep.MLPLayers, want)
	}
	for _, l := range []int{0, 7} {
		if rep.LayerHeads[l] != m.Config.NHeads || rep.LayerHidden[l] != m.Config.HiddenDim {
			t.Errorf("protected layer %d has %d heads and width %d, want %d and %d", l, rep.LayerHeads[l], rep.LayerHidden[l], m.Config.NHeads, m.Config.HiddenDim)
		}
	}
	all := &LayerRange{0, 8}
	_, rep, err = Structured(context.Background(), m, calib, Options{Criterion: LLMPruner, Sparsity: 0.3, Gamma: 2, Align: 1, AttnLayers: all, MLPLayers: all})
	if err != nil {
		t.Fatal(err)
	}
	if rep.LayerHidden[0] == m.Config.HiddenDim || rep.LayerHidden[7] == m.Config.HiddenDim {
		t.Errorf("with every layer eligible, layers 0 and 7 keep widths %d and %d; want them pruned", rep.LayerHidden[0], rep.LayerHidden[7])
	}
}
