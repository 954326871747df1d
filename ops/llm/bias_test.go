package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pare/ops/store"
	"pare/ops/tensor"
)

// outputBiasCases are tiny models with o_proj and/or down_proj biases,
// with and without q/k/v biases, tied embeddings and pruned widths.
func outputBiasCases() []struct {
	name string
	cfg  Config
} {
	both := tinyConfig()
	both.OProjBias, both.DownProjBias = true, true
	oOnly := tinyConfig()
	oOnly.QKVBias, oOnly.OProjBias = false, true
	downOnly := tinyConfig()
	downOnly.QKVBias, downOnly.DownProjBias, downOnly.TiedEmbeddings = false, true, true
	dense := tinyConfig()
	dense.OProjBias, dense.DownProjBias, dense.LayerHeads, dense.LayerHidden = true, true, nil, nil
	return []struct {
		name string
		cfg  Config
	}{{"o-and-down-pruned", both}, {"o-only", oOnly}, {"down-only-tied", downOnly}, {"o-and-down-dense", dense}}
}

// withoutOutputBiases returns a copy of m with the o_proj and down_proj
// biases removed.
func withoutOutputBiases(m *Model) *Model {
	out := m.Clone()
	out.Config.OProjBias, out.Config.DownProjBias = false, false
	for l := range out.Layers {
		out.Layers[l].BO, out.Layers[l].BDown = nil, nil
	}
	return out
}

func TestOutputBiasForwardMatchesReference(t *testing.T) {
	for _, tc := range outputBiasCases() {
		m := tinyModel(t, tc.cfg)
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ref := refFromModel(m)
		const B, T = 2, 6
		V := m.Config.VocabSize
		ids := randomIDs(B*T, V, 31)
		logits, err := m.Forward(ids, B, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		for b := 0; b < B; b++ {
			want := ref.logits(ids[b*T : (b+1)*T])
			for tt := 0; tt < T; tt++ {
				for v := 0; v < V; v++ {
					got := float64(logits.Data()[(b*T+tt)*V+v])
					if math.Abs(got-want[tt][v]) > 1e-4*(1+math.Abs(want[tt][v])) {
						t.Fatalf("%s: logit [%d,%d,%d]: got %g, want %g", tc.name, b, tt, v, got, want[tt][v])
					}
				}
			}
		}
		// The biases must matter, or the comparison above proves nothing.
		plain, err := withoutOutputBiases(m).Forward(ids, B, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		var maxDiff float64
		for i, v := range plain.Data() {
			maxDiff = max(maxDiff, math.Abs(float64(v-logits.Data()[i])))
		}
		if maxDiff < 1e-3 {
			t.Errorf("%s: removing the output biases changes the logits by at most %g; want a visible change", tc.name, maxDiff)
		}
	}
}

func TestOutputBiasStepMatchesForward(t *testing.T) {
	for _, tc := range outputBiasCases() {
		m := tinyModel(t, tc.cfg)
		const T = 8
		ids := randomIDs(T, m.Config.VocabSize, 32)
		logits, err := m.Forward(ids, 1, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		kv := m.NewKVCache(T)
		V := m.Config.VocabSize
		for tt, id := range ids {
			got, err := m.Step(kv, id)
			if err != nil {
				t.Fatal(err)
			}
			for v := range got {
				want := logits.Data()[tt*V+v]
				if math.Abs(float64(got[v]-want)) > 1e-5*(1+math.Abs(float64(want))) {
					t.Fatalf("%s: position %d token %d: step logit %g, forward logit %g", tc.name, tt, v, got[v], want)
				}
			}
		}
	}
}

func TestOutputBiasGradientMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range outputBiasCases() {
		m := tinyModel(t, tc.cfg)
		const B, T = 2, 5
		V := m.Config.VocabSize
		ids := randomIDs(B*T, V, 33)
		coef, f := weightedLogits(B*T*V, 34)
		_, grads, err := m.Gradient(ids, B, T, nil, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref := refFromModel(m)
		refF := func() float64 { return weightedRefLogits(ref, ids, B, T, V, coef) }
		rng := rand.New(rand.NewPCG(35, 3))
		const eps = 1e-5
		checked := 0
		for l := range ref.layers {
			for _, bias := range []struct {
				name string
				w    []float64
				g    *tensor.Tensor
			}{{"o_proj.bias", ref.layers[l].bo, grads.Layers[l].BO}, {"down_proj.bias", ref.layers[l].bdown, grads.Layers[l].BDown}} {
				if (bias.w == nil) != (bias.g == nil) {
					t.Fatalf("%s: layer %d %s: model has it %v, gradient buffer has it %v", tc.name, l, bias.name, bias.w != nil, bias.g != nil)
				}
				if bias.w == nil {
					continue
				}
				for trial := 0; trial < 4; trial++ {
					i := rng.IntN(len(bias.w))
					old := bias.w[i]
					bias.w[i] = old + eps
					fp := refF()
					bias.w[i] = old - eps
					fm := refF()
					bias.w[i] = old
					fd := (fp - fm) / (2 * eps)
					got := float64(bias.g.Data()[i])
					if math.Abs(got-fd) > 1e-3*(1+math.Abs(fd)) {
						t.Errorf("%s: layer %d %s[%d]: analytic gradient %g, finite difference %g", tc.name, l, bias.name, i, got, fd)
					}
					checked++
				}
			}
		}
		if checked == 0 {
			t.Errorf("%s: no bias gradient was checked", tc.name)
		}
	}
}

func TestOutputBiasParamsAndCounts(t *testing.T) {
	for _, tc := range outputBiasCases() {
		m := tinyModel(t, tc.cfg)
		plain := withoutOutputBiases(m)
		want := 0
		if tc.cfg.OProjBias {
			want += tc.cfg.NLayers * tc.cfg.Dim
		}
		if tc.cfg.DownProjBias {
			want += tc.cfg.NLayers * tc.cfg.Dim
		}
		if got := m.NumParams() - plain.NumParams(); got != want {
			t.Errorf("%s: biases add %d parameters, want %d", tc.name, got, want)
		}
		if got := int(m.Config.ParamCount()); got != m.NumParams() {
			t.Errorf("%s: Config.ParamCount %d, NumParams %d", tc.name, got, m.NumParams())
		}
		names := map[string]bool{}
		for _, p := range m.Params() {
			names[p.Name] = true
		}
		for l := 0; l < tc.cfg.NLayers; l++ {
			for _, n := range []struct {
				name string
				want bool
			}{{"self_attn.o_proj.bias", tc.cfg.OProjBias}, {"mlp.down_proj.bias", tc.cfg.DownProjBias}} {
				full := fmt.Sprintf("model.layers.%d.%s", l, n.name)
				if names[full] != n.want {
					t.Errorf("%s: Params lists %s: %v, want %v", tc.name, full, names[full], n.want)
				}
			}
		}
	}
}

func TestOutputBiasValidate(t *testing.T) {
	cfg := tinyConfig()
	cfg.OProjBias, cfg.DownProjBias = true, true
	cases := []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"missing o bias", func(m *Model) { m.Layers[1].BO = nil }, "o_proj.bias is missing"},
		{"wrong down shape", func(m *Model) { m.Layers[0].BDown = tensor.New(3) }, "down_proj.bias has shape"},
		{"o bias without flag", func(m *Model) { m.Config.OProjBias = false }, "has an o_proj bias but the config has none"},
		{"down bias without flag", func(m *Model) { m.Config.DownProjBias = false }, "has a down_proj bias but the config has none"},
	}
	for _, tc := range cases {
		m := tinyModel(t, cfg)
		tc.change(m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate returned %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestOutputBiasSaveLoadHF(t *testing.T) {
	for _, tc := range outputBiasCases() {
		m := tinyModel(t, tc.cfg)
		dir := filepath.Join(t.TempDir(), "biased")
		if err := m.SaveHF(dir, "f32"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var h hfConfig
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		if h.AttentionBias != (tc.cfg.QKVBias || tc.cfg.OProjBias) || h.MLPBias != tc.cfg.DownProjBias {
			t.Errorf("%s: config.json attention_bias %v, mlp_bias %v; want %v, %v", tc.name, h.AttentionBias, h.MLPBias,
				tc.cfg.QKVBias || tc.cfg.OProjBias, tc.cfg.DownProjBias)
		}
		back, err := LoadHF(dir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if back.Config.OProjBias != tc.cfg.OProjBias || back.Config.DownProjBias != tc.cfg.DownProjBias {
			t.Errorf("%s: loaded OProjBias %v, DownProjBias %v; want %v, %v", tc.name,
				back.Config.OProjBias, back.Config.DownProjBias, tc.cfg.OProjBias, tc.cfg.DownProjBias)
		}
		for l := range m.Layers {
			for _, pair := range [][2]*tensor.Tensor{{m.Layers[l].BO, back.Layers[l].BO}, {m.Layers[l].BDown, back.Layers[l].BDown}} {
				if pair[0] == nil {
					continue
				}
				if pair[1] == nil || !slices.Equal(pair[0].Data(), pair[1].Data()) {
					t.Errorf("%s: layer %d: an output bias differs after save and load", tc.name, l)
				}
			}
		}
		ids := randomIDs(8, m.Config.VocabSize, 36)
		if got, want := logitsOf(t, back, ids), logitsOf(t, m, ids); !slices.Equal(got, want) {
			t.Errorf("%s: logits after f32 save and load differ", tc.name)
		}
	}
}

func TestOutputBiasSaveRejectsOtherArchs(t *testing.T) {
	for _, arch := range []string{"qwen2", "mistral"} {
		cfg := tinyConfig()
		cfg.Arch, cfg.OProjBias = arch, true
		m := tinyModel(t, cfg)
		err := m.SaveHF(filepath.Join(t.TempDir(), arch), "f32")
		if err == nil || !strings.Contains(err.Error(), "no o_proj or down_proj biases") {
			t.Errorf("%s: SaveHF returned %v, want an error about o_proj/down_proj biases", arch, err)
		}
	}
}

func TestLoadHFRejectsNonzeroGateBias(t *testing.T) {
	cfg := tinyConfig()
	cfg.DownProjBias = true
	m := tinyModel(t, cfg)
	dir := filepath.Join(t.TempDir(), "gate")
	if err := m.SaveHF(dir, "f32"); err != nil {
		t.Fatal(err)
	}
	// Rewrite the weights with a nonzero gate_proj bias in layer 1.
	var tensors []store.NamedTensor
	for _, p := range append(m.Params(), m.zeroBiasesForHF()...) {
		data := p.Tensor.Data()
		if p.Name == "model.layers.1.mlp.gate_proj.bias" {
			data = append([]float32(nil), data...)
			data[3] = 0.5
		}
		tensors = append(tensors, store.NamedTensor{Name: p.Name, DType: "F32", Shape: p.Tensor.Shape(), Data: data})
	}
	if err := store.WriteSafetensors(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		t.Fatal(err)
	}
	_, err := LoadHF(dir)
	if err == nil || !strings.Contains(err.Error(), "model.layers.1.mlp.gate_proj.bias has the nonzero value") {
		t.Errorf("LoadHF returned %v, want an error naming the nonzero gate_proj bias", err)
	}
}

// TestOutputBiasFinetune checks that full fine-tuning trains the o_proj and
// down_proj biases and that LoRA leaves them frozen.
func TestOutputBiasFinetune(t *testing.T) {
	cases := []struct {
		name      string
		lora      *LoRA
		wantTrain bool
	}{
		{"full", nil, true},
		{"lora", &LoRA{Rank: 2, Alpha: 4, Targets: LoRAProjections}, false},
	}
	cfg := tinyConfig()
	cfg.OProjBias, cfg.DownProjBias = true, true
	for _, tc := range cases {
		m := tinyModel(t, cfg)
		before := m.Clone()
		_, err := m.Finetune(context.Background(), periodicIDs(400, m.Config.VocabSize), FinetuneOptions{
			Steps: 3, BatchSize: 2, SeqLen: 8, LR: 1e-2, LoRA: tc.lora, Seed: 6})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for l := range m.Layers {
			for _, pair := range []struct {
				name          string
				before, after *tensor.Tensor
			}{{"o_proj.bias", before.Layers[l].BO, m.Layers[l].BO}, {"down_proj.bias", before.Layers[l].BDown, m.Layers[l].BDown}} {
				changed := !slices.Equal(pair.before.Data(), pair.after.Data())
				if changed != tc.wantTrain {
					t.Errorf("%s: layer %d %s changed: %v, want %v", tc.name, l, pair.name, changed, tc.wantTrain)
				}
			}
		}
	}
}
