package llm

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFinetuneRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  FinetuneOptions
		want string
	}{
		{"batch 2^40", FinetuneOptions{Steps: 1, BatchSize: 1 << 40, SeqLen: 4}, "batch_size 1099511627776 × seq_len 4 is more than the limit of 1048576 tokens"},
		{"batch over limit", FinetuneOptions{Steps: 1, BatchSize: MaxBatchTokens/16 + 1, SeqLen: 16}, "more than the limit of 1048576 tokens"},
		{"lr inf", FinetuneOptions{Steps: 1, BatchSize: 1, SeqLen: 4, LR: math.Inf(1)}, "want finite numbers"},
		{"held_out NaN", FinetuneOptions{Steps: 1, BatchSize: 1, SeqLen: 4, HeldOut: math.NaN()}, "want finite numbers"},
		{"weight_decay NaN", FinetuneOptions{Steps: 1, BatchSize: 1, SeqLen: 4, WeightDecay: math.NaN()}, "want finite numbers"},
		{"lr 1e30, 2 steps", FinetuneOptions{Steps: 2, BatchSize: 2, SeqLen: 8, LR: 1e30, EvalEvery: 10}, "the training loss became"},
		{"lr 1e30, 1 step", FinetuneOptions{Steps: 1, BatchSize: 2, SeqLen: 8, LR: 1e30}, "the held-out loss became"},
	}
	for _, tc := range cases {
		m := tinyModel(t, tinyConfig())
		_, err := m.Finetune(context.Background(), periodicIDs(200, m.Config.VocabSize), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
		if strings.Contains(tc.want, "loss became") && (err == nil || !strings.Contains(err.Error(), "lower lr")) {
			t.Errorf("%s: got error %v, want it to suggest a lower lr", tc.name, err)
		}
	}
}

func TestSampleWindowsLimit(t *testing.T) {
	ids := randomIDs(10, 11, 1)
	cases := []struct {
		name      string
		n, length int
		want      string
	}{
		{"n 2^40", 1 << 40, 1, "n 1099511627776 × length 1 is more than the limit of 4194304 tokens"},
		{"product over limit", MaxSampleTokens/2 + 1, 2, "more than the limit"},
		{"n 0", 0, 1, "want positive values"},
	}
	for _, tc := range cases {
		_, err := SampleWindows(ids, tc.n, tc.length, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if w, err := SampleWindows(ids, 3, 4, 0); err != nil || len(w) != 3 {
		t.Errorf("3 windows of 4: got %d windows and error %v, want 3 and none", len(w), err)
	}
}

// TestStreamPerplexityShortText checks that the streamed perplexity scores
// a text shorter than the window as one window, as Model.Perplexity does.
func TestStreamPerplexityShortText(t *testing.T) {
	cfg := tinyConfig()
	dir, m := randomCheckpoint(t, cfg, 4)
	s, err := OpenStreamed(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		tokens int
		window int
	}{
		{"5 tokens, window 512", 5, 512},
		{"2 tokens, window 8", 2, 8},
		{"7 tokens, window 2^62", 7, 1 << 62},
	}
	for _, tc := range cases {
		ids := randomIDs(tc.tokens, cfg.VocabSize, 7)
		want, err := m.Perplexity(context.Background(), ids, tc.window, 0)
		if err != nil {
			t.Fatalf("%s: in-memory: %v", tc.name, err)
		}
		got, err := s.Perplexity(context.Background(), ids, tc.window, 4)
		if err != nil {
			t.Errorf("%s: streamed: got error %v, want none", tc.name, err)
			continue
		}
		if got.Tokens != want.Tokens || got.Windows != want.Windows || got.Window != want.Window || math.Abs(got.NLL-want.NLL) > 1e-6*want.NLL {
			t.Errorf("%s: streamed %+v, in-memory %+v", tc.name, got, want)
		}
	}
	if _, err := s.Perplexity(context.Background(), []int{1}, 8, 4); err == nil || !strings.Contains(err.Error(), "1 tokens, want at least 2") {
		t.Errorf("1 token: got error %v, want one asking for at least 2 tokens", err)
	}
}

func TestPerplexityHugeWindowWithStride(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	ids := randomIDs(9, m.Config.VocabSize, 3)
	want, err := m.Perplexity(context.Background(), ids, 9, 9)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Perplexity(context.Background(), ids, math.MaxInt, 3)
	if err != nil {
		t.Fatalf("window MaxInt, stride 3: got error %v, want none", err)
	}
	if math.Abs(got.NLL-want.NLL) > 1e-6*want.NLL || got.Tokens != want.Tokens {
		t.Errorf("window MaxInt, stride 3: got %+v, want the NLL of one window %+v", got, want)
	}
}

func TestWriteRandomCheckpointCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "random")
	err := WriteRandomCheckpoint(ctx, dir, tinyConfig(), 1, "f32")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got error %v, want context.Canceled", err)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Errorf("cancelled context: %s exists (stat error %v), want it absent", dir, statErr)
	}
}
