package prune

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/llm"
)

func TestStreamedScoresMatchInMemory(t *testing.T) {
	m := tinyModel(t, 3, 37)
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := m.SaveHF(dir, "f32"); err != nil {
		t.Fatal(err)
	}
	s, err := llm.OpenStreamed(dir)
	if err != nil {
		t.Fatal(err)
	}
	calib := randomCalib(3, 8, 32, 8)
	cases := []struct {
		opt   ScoreOptions
		chunk int
	}{
		{ScoreOptions{Criterion: Nirvana}, 0},
		{ScoreOptions{Criterion: Nirvana}, 2},
		{ScoreOptions{Criterion: Nirvana, Reduction: SumLogits}, 2},
		{ScoreOptions{Criterion: Nirvana, Reduction: MaxOverVocab}, 1},
		{ScoreOptions{Criterion: SNIP}, 2},
		{ScoreOptions{Criterion: LLMPruner}, 1},
		{ScoreOptions{Criterion: Magnitude}, 0},
		{ScoreOptions{Criterion: Random, Seed: 4}, 0},
	}
	for _, tc := range cases {
		calib := calib
		if tc.opt.Criterion == LLMPruner {
			calib = calib[:1] // streamed llm_pruner takes one window
		}
		want, err := Score(context.Background(), m, calib, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ScoreStreamed(context.Background(), s, calib, tc.opt, tc.chunk)
		if err != nil {
			t.Fatalf("%s/%s chunk %d: %v", tc.opt.Criterion, tc.opt.Reduction, tc.chunk, err)
		}
		check := func(kind string, l, i int, g, w float64) {
			if math.Abs(g-w) > 1e-4*math.Abs(w)+1e-9 {
				t.Errorf("%s/%s chunk %d: layer %d %s %d: streamed %.7g, in memory %.7g", tc.opt.Criterion, tc.opt.Reduction, tc.chunk, l, kind, i, g, w)
			}
		}
		for l := range want.Attn {
			for g := range want.Attn[l] {
				check("KV group", l, g, got.Attn[l][g], want.Attn[l][g])
			}
			for j := range want.MLP[l] {
				check("channel", l, j, got.MLP[l][j], want.MLP[l][j])
			}
		}
	}
	if _, err := ScoreStreamed(context.Background(), s, calib, ScoreOptions{Criterion: LLMPruner}, 0); err == nil || !strings.Contains(err.Error(), "llm_pruner needs one backward pass per calibration window") {
		t.Errorf("llm_pruner streamed over 3 windows: got error %v, want one saying it needs per-window passes", err)
	}
	if _, err := ScoreStreamed(context.Background(), s, calib, ScoreOptions{Criterion: WandaSP}, 0); err == nil {
		t.Error("wanda_sp streamed: no error, want one saying it cannot be streamed")
	}
}
