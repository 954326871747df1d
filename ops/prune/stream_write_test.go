package prune

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/llm"
)

func TestStreamedPruneMatchesInMemory(t *testing.T) {
	cases := []struct {
		name  string
		dtype string
		opt   Options
		tied  bool
		// bias gives the model q/k/v biases, and outBias o_proj and
		// down_proj biases.
		bias, outBias bool
		chunk         int
	}{
		{"nirvana f32", "f32", Options{Criterion: Nirvana, Sparsity: 0.4, Gamma: 2, Align: 4}, false, false, false, 2},
		{"nirvana bf16 tied", "bf16", Options{Criterion: Nirvana, Sparsity: 0.5, Gamma: 3, Align: 8}, true, false, false, 0},
		{"snip qkv bias", "f32", Options{Criterion: SNIP, Sparsity: 0.3, Gamma: 1, Align: 2}, false, true, false, 1},
		{"nirvana output biases", "f32", Options{Criterion: Nirvana, Sparsity: 0.4, Gamma: 2, Align: 4}, false, false, true, 2},
		{"nirvana all biases bf16", "bf16", Options{Criterion: Nirvana, Sparsity: 0.4, Gamma: 2, Align: 4}, true, true, true, 0},
		{"magnitude uniform", "f32", Options{Criterion: Magnitude, Allocation: AllocUniform, Sparsity: 0.5, Gamma: 2, Align: 4}, false, false, false, 0},
		{"llm_pruner protected layers", "f32", Options{Criterion: LLMPruner, Sparsity: 0.3, Gamma: 1, Align: 2}, false, false, false, 2},
		{"magnitude attn range", "f32", Options{Criterion: Magnitude, Allocation: AllocUniform, Sparsity: 0.3, Gamma: 1, Align: 2,
			AttnLayers: &LayerRange{Start: 1, End: 3}}, false, false, false, 0},
	}
	for _, tc := range cases {
		cfg := llm.Config{Dim: 16, NLayers: 3, NHeads: 4, NKVHeads: 2, HeadDim: 4, HiddenDim: 24, VocabSize: 32,
			MaxSeqLen: 16, TiedEmbeddings: tc.tied, QKVBias: tc.bias, OProjBias: tc.outBias, DownProjBias: tc.outBias}
		dense, err := llm.NewRandom(cfg, 23)
		if err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		src := filepath.Join(root, "dense")
		if err := dense.SaveHF(src, tc.dtype); err != nil {
			t.Fatal(err)
		}
		// Prune what the folder holds, so that bf16 rounding is the same
		// on both paths.
		m, err := llm.LoadHF(src)
		if err != nil {
			t.Fatal(err)
		}
		calib := randomCalib(3, 8, cfg.VocabSize, 9)
		if tc.opt.Criterion == LLMPruner {
			calib = calib[:1] // streamed llm_pruner takes one window
		}
		pm, rep, err := Structured(context.Background(), m, calib, tc.opt)
		if err != nil {
			t.Fatalf("%s: in memory: %v", tc.name, err)
		}
		inMemory := filepath.Join(root, "in-memory")
		if err := Save(pm, rep, inMemory, tc.dtype); err != nil {
			t.Fatal(err)
		}

		s, err := llm.OpenStreamed(src)
		if err != nil {
			t.Fatal(err)
		}
		streamed := filepath.Join(root, "streamed")
		srep, err := StructuredStreamed(context.Background(), s, calib, tc.opt, tc.chunk, streamed, "")
		if err != nil {
			t.Fatalf("%s: streamed: %v", tc.name, err)
		}
		for l := range rep.KeptKVGroups {
			if !equalInts(srep.KeptKVGroups[l], rep.KeptKVGroups[l]) {
				t.Errorf("%s: layer %d keeps KV groups %v streamed, %v in memory", tc.name, l, srep.KeptKVGroups[l], rep.KeptKVGroups[l])
			}
			if !equalInts(srep.KeptChannels[l], rep.KeptChannels[l]) {
				t.Errorf("%s: layer %d keeps MLP channels %v streamed, %v in memory", tc.name, l, srep.KeptChannels[l], rep.KeptChannels[l])
			}
		}
		for _, name := range []string{"config.json", SidecarName} {
			want, err := os.ReadFile(filepath.Join(inMemory, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(streamed, name))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: streamed %s differs from the in-memory save:\n%s\nwant:\n%s", tc.name, name, got, want)
			}
		}
		back, err := llm.LoadHF(streamed)
		if err != nil {
			t.Fatalf("%s: loading the streamed output: %v", tc.name, err)
		}
		want, got := logitsOf(t, pm, calib), logitsOf(t, back, calib)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: logit %d of the streamed output is %v, in-memory prune %v", tc.name, i, got[i], want[i])
			}
		}
	}
}

func TestStreamedPruneFailureLeavesNoFolder(t *testing.T) {
	opt := Options{Criterion: Magnitude, Sparsity: 0.5, Gamma: 2, Align: 4}
	cases := []struct {
		name string
		// damage removes a source file after the folder is opened, or cancels
		// the context.
		damage func(t *testing.T, src string, cancel context.CancelFunc)
		want   string
	}{
		{
			name: "head shard missing after the layers are written",
			damage: func(t *testing.T, src string, _ context.CancelFunc) {
				// The shard with the embedding and the head is the last one
				// read, after every layer is written.
				if err := os.Remove(filepath.Join(src, "model-00004-of-00004.safetensors")); err != nil {
					t.Fatal(err)
				}
			},
			want: "no such file",
		},
		{
			name:   "context cancelled",
			damage: func(_ *testing.T, _ string, cancel context.CancelFunc) { cancel() },
			want:   "context canceled",
		},
	}
	for _, tc := range cases {
		cfg := tinyModel(t, 3, 41).Config
		root := t.TempDir()
		src := filepath.Join(root, "dense")
		if err := llm.WriteRandomCheckpoint(context.Background(), src, cfg, 41, "f32"); err != nil {
			t.Fatal(err)
		}
		s, err := llm.OpenStreamed(src)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := ScoreStreamed(context.Background(), s, nil, ScoreOptions{Criterion: Magnitude}, 0)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := Allocate(&s.Config, sc, AllocOptions{Sparsity: opt.Sparsity, Gamma: opt.Gamma, Align: opt.Align})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		tc.damage(t, src, cancel)
		err = ApplyStreamed(ctx, s, plan.KeepAttn, plan.KeepMLP, &Report{}, filepath.Join(root, "pruned"), "")
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "dense" {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: folder holds %v after the failed write, want only [dense]", tc.name, names)
		}
	}
}

func TestStreamedPruneRejectsBadInput(t *testing.T) {
	m := tinyModel(t, 2, 43)
	root := t.TempDir()
	src := filepath.Join(root, "dense")
	if err := m.SaveHF(src, "f32"); err != nil {
		t.Fatal(err)
	}
	s, err := llm.OpenStreamed(src)
	if err != nil {
		t.Fatal(err)
	}
	calib := randomCalib(2, 8, 32, 3)
	cases := []struct {
		name string
		opt  Options
		dir  string
		want string
	}{
		{"existing folder", Options{Criterion: Nirvana, Sparsity: 0.5, Gamma: 2, Align: 4}, src, "exists and is not empty"},
		{"activation criterion", Options{Criterion: WandaSP, Sparsity: 0.5, Gamma: 2, Align: 4}, filepath.Join(root, "a"), "cannot be streamed"},
		{"sparsity out of range", Options{Criterion: Nirvana, Sparsity: 1, Gamma: 2, Align: 4}, filepath.Join(root, "b"), "sparsity"},
	}
	for _, tc := range cases {
		_, err := StructuredStreamed(context.Background(), s, calib, tc.opt, 0, tc.dir, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	err = ApplyStreamed(context.Background(), s, [][]int{{0}, {}}, [][]int{{0}, {0}}, nil, filepath.Join(root, "c"), "")
	if err == nil || !strings.Contains(err.Error(), "keeps no KV group") {
		t.Errorf("empty kept list: error %v, want one saying the layer keeps no KV group", err)
	}
}
