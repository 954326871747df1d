package prune

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"pare/ops/llm"
)

// TestReportJSONHasEveryField checks that pruning.json always holds every
// field (null for unused settings, [] for empty lists), and that a file
// written before, without them, still decodes.
func TestReportJSONHasEveryField(t *testing.T) {
	raw, err := json.Marshal(&Report{Criterion: ShortGPT, Allocation: "layers", TargetSparsity: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key  string
		want string
	}{
		{"reduction", "null"}, {"keep_group", "null"}, {"mlp_align", "null"}, {"bias_compensation", "null"},
		{"attn_layers", "null"}, {"mlp_layers", "null"}, {"removed_layers", "[]"}, {"kept_kv_groups", "[]"},
		{"kept_mlp_channels", "[]"}, {"candidate_kls", "[]"}, {"chosen_seed", "null"}, {"kl", "null"},
	}
	for _, tc := range cases {
		v, ok := obj[tc.key]
		if !ok {
			t.Errorf("%s: missing from %s", tc.key, raw)
			continue
		}
		got, _ := json.Marshal(v)
		if string(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.key, got, tc.want)
		}
	}
	// Set values round-trip, and an older file without the fields decodes.
	in := Report{Criterion: Nirvana, Reduction: MaxOverPositions, KeepGroup: KeepBest, MLPAlign: 8, BiasCompensation: "off",
		RemovedLayers: []int{2}, AttnLayers: &LayerRange{1, 3}}
	raw, _ = json.Marshal(&in)
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Reduction != in.Reduction || back.KeepGroup != in.KeepGroup || back.MLPAlign != 8 || back.BiasCompensation != "off" ||
		len(back.RemovedLayers) != 1 || back.AttnLayers == nil || *back.AttnLayers != *in.AttnLayers {
		t.Errorf("round trip: got %+v, want %+v", back, in)
	}
	var old Report
	if err := json.Unmarshal([]byte(`{"criterion":"magnitude","gamma":3,"kept_kv_groups":[[0,1]]}`), &old); err != nil {
		t.Errorf("older pruning.json: %v", err)
	}
	if old.Criterion != Magnitude || old.Gamma != 3 || old.Reduction != "" {
		t.Errorf("older pruning.json: got %+v", old)
	}
}

// TestReductionOnlyWhereUsed checks that a reduction is validated always
// and rejected for criteria that do not use it.
func TestReductionOnlyWhereUsed(t *testing.T) {
	m := tinyModel(t, 2, 3)
	calib := randomCalib(2, 8, m.Config.VocabSize, 1)
	cases := []struct {
		criterion, reduction, wantErr string
	}{
		{Nirvana, MaxOverVocab, ""},
		{Nirvana, "", ""},
		{SNIP, CELoss, ""},
		{Magnitude, "", ""},
		{Magnitude, MaxOverVocab, `criterion magnitude does not differentiate an output proxy; reduction "max_over_vocab" applies only to nirvana`},
		{WandaSP, SumLogits, `criterion wanda_sp does not differentiate`},
		{FLAP, CELoss, `criterion flap does not differentiate`},
		{Random, MaxOverPositions, `criterion random does not differentiate`},
		{ShortGPT, MaxOverPositions, `criterion shortgpt does not differentiate`},
		{SNIP, MaxOverVocab, `criterion snip differentiates the cross-entropy loss; reduction "max_over_vocab" applies only to nirvana`},
		{Magnitude, "bogus", `reduction "bogus" is unknown`},
		{Nirvana, "bogus", `reduction "bogus" is unknown`},
	}
	for _, tc := range cases {
		_, _, err := Structured(context.Background(), m, calib, Options{Criterion: tc.criterion, Reduction: tc.reduction, Sparsity: 0.3, Gamma: 2, Align: 1})
		checkErr(t, "Structured "+tc.criterion+"/"+tc.reduction, err, tc.wantErr)
		if tc.criterion == ShortGPT {
			continue
		}
		_, err = Score(context.Background(), m, calib, ScoreOptions{Criterion: tc.criterion, Reduction: tc.reduction})
		checkErr(t, "Score "+tc.criterion+"/"+tc.reduction, err, tc.wantErr)
	}
}

func checkErr(t *testing.T, name string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: got error %v, want none", name, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: got error %v, want one containing %q", name, err, want)
	}
}

// TestUnreachableTarget uses the shapes of the GGUF test model (one layer,
// 2 KV groups, 32 MLP channels): at sparsity 0.2 the budget prunes no KV
// group and 7 channels, which align 8 rounds back to the full width. That
// is an error, not a silent 0 sparsity; align 1 prunes.
func TestUnreachableTarget(t *testing.T) {
	cfg := llm.Config{Dim: 8, NLayers: 1, NHeads: 2, NKVHeads: 2, HeadDim: 4, HiddenDim: 32, VocabSize: 64, MaxSeqLen: 16}
	m, err := llm.NewRandom(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	calib := randomCalib(2, 8, cfg.VocabSize, 2)
	cases := []struct {
		name     string
		align    int
		sparsity float64
		wantErr  string
	}{
		{"align 8", 8, 0.2, "sparsity 0.2 cannot be reached on this model: no unit would be pruned: the budget prunes 0 of 2 KV groups; align 8 rounds"},
		{"align 1", 1, 0.2, ""},
		{"align 33", 33, 0.2, "align: got 33, larger than the MLP width 32 of layer 0"},
		{"tiny target", 1, 0.001, "the budget prunes 0 of 32 MLP channels"},
		{"zero target", 8, 0, ""},
	}
	for _, tc := range cases {
		_, rep, err := Structured(context.Background(), m, calib, Options{Criterion: Nirvana, Sparsity: tc.sparsity, Gamma: 3, Align: tc.align})
		checkErr(t, tc.name, err, tc.wantErr)
		if err == nil && tc.sparsity > 0 && rep.AchievedSparsityDecoder <= 0 {
			t.Errorf("%s: achieved sparsity %v, want > 0", tc.name, rep.AchievedSparsityDecoder)
		}
	}
}

// TestLLMPrunerFisher checks LLM-Pruner's score Σ|w·g − ½·w²·F| against a
// direct computation by finite differences: g is the gradient of the
// batch-mean cross-entropy and F the mean over windows of each window's
// squared gradient. With one window F = g², the old batch formula.
func TestLLMPrunerFisher(t *testing.T) {
	m := tinyModel(t, 2, 7)
	for _, B := range []int{1, 3} {
		calib := randomCalib(B, 6, 32, 3)
		ids, _, T, _ := calib.flatten(m)
		ce := func(c Calibration, ids []int, n int) llm.Objective {
			return llm.CrossEntropy(llm.NextTokenTargets(ids, n, T, nil))
		}
		g := fdGrads(t, m, calib, ce(calib, ids, B))
		fisher := make([][][]float64, len(m.Layers))
		for l := range m.Layers {
			for _, w := range projections(&m.Layers[l]) {
				fisher[l] = append(fisher[l], make([]float64, w.Size()))
			}
		}
		for b := 0; b < B; b++ {
			win := calib[b : b+1]
			gb := fdGrads(t, m, win, ce(win, win[0], 1))
			for l := range m.Layers {
				for k, x := range projections(&gb.Layers[l]) {
					for i, v := range x.Data() {
						fisher[l][k][i] += float64(v) * float64(v) / float64(B)
					}
				}
			}
		}
		// e = w·g − ½·w²·F, then the unit sums of |e|.
		e := llm.GradientsLike(&m.Config)
		batchOnly := llm.GradientsLike(&m.Config)
		for l := range m.Layers {
			ws, gs, es, bs := projections(&m.Layers[l]), projections(&g.Layers[l]), projections(&e.Layers[l]), projections(&batchOnly.Layers[l])
			for k := range ws {
				for i, w := range ws[k].Data() {
					wf, gf := float64(w), float64(gs[k].Data()[i])
					es[k].Data()[i] = float32(wf*gf - 0.5*wf*wf*fisher[l][k][i])
					bs[k].Data()[i] = float32(wf*gf - 0.5*wf*wf*gf*gf)
				}
			}
		}
		abs := func(_, x float32) float64 { return math.Abs(float64(x)) }
		want := aggregateWeights(m, e, abs)
		old := aggregateWeights(m, batchOnly, abs)
		got, err := Score(context.Background(), m, calib, ScoreOptions{Criterion: LLMPruner})
		if err != nil {
			t.Fatal(err)
		}
		maxDiffOld := 0.0
		for l := range want.MLP {
			for j := range want.MLP[l] {
				w, x := want.MLP[l][j], got.MLP[l][j]
				if math.Abs(x-w) > 2e-3*math.Abs(w)+1e-6 {
					t.Errorf("B=%d layer %d channel %d: score %.7g, direct %.7g", B, l, j, x, w)
				}
				maxDiffOld = math.Max(maxDiffOld, math.Abs(old.MLP[l][j]-w)/math.Abs(w))
			}
			for gi := range want.Attn[l] {
				w, x := want.Attn[l][gi], got.Attn[l][gi]
				if math.Abs(x-w) > 2e-3*math.Abs(w)+1e-6 {
					t.Errorf("B=%d layer %d KV group %d: score %.7g, direct %.7g", B, l, gi, x, w)
				}
			}
		}
		// The per-window Fisher differs from the squared batch gradient
		// when there is more than one window.
		if B > 1 && maxDiffOld < 1e-3 {
			t.Errorf("B=%d: per-window Fisher within %.2g of the squared batch gradient, want a visible difference", B, maxDiffOld)
		}
	}
}
