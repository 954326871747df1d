package llm

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/llm/tokenizer"
)

// dataPath returns a file under $PARE_DATA or skips the test.
func dataPath(t testing.TB, rel string) string {
	t.Helper()
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the shared data folder to run real-model tests")
	}
	return filepath.Join(root, rel)
}

func loadStories(t testing.TB) *Model {
	t.Helper()
	m, err := LoadLlama2C(dataPath(t, "llm/stories260K.bin"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.LoadLlama2C(dataPath(t, "llm/tok512.bin"), m.Config.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	m.Tokenizer = tok
	return m
}

func TestStoriesGreedyFromBOS(t *testing.T) {
	m := loadStories(t)
	ids, err := m.Generate(context.Background(), []int{m.Config.BOS}, SampleOptions{MaxTokens: 60})
	if err != nil {
		t.Fatal(err)
	}
	text, err := m.Tokenizer.Decode(append([]int{m.Config.BOS}, ids...))
	if err != nil {
		t.Fatal(err)
	}
	want := "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
	if !strings.HasPrefix(text, want) {
		t.Errorf("greedy text from BOS:\ngot  %q\nwant prefix %q", text, want)
	}
}

// firstStory returns the first story of the TinyStories excerpt: the blocks
// from the first one beginning "Once upon a time" up to the next such block.
func firstStory(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(dataPath(t, "text/tinystories_val.txt"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "\n\n")
	var story []string
	for _, b := range blocks {
		b = strings.TrimSpace(b)
		if strings.HasPrefix(b, "Once upon a time") {
			if story != nil {
				break
			}
			story = []string{}
		}
		if story != nil {
			story = append(story, b)
		}
	}
	return strings.Join(story, "\n\n")
}

func TestStoriesNLLMatchesFloat64(t *testing.T) {
	m := loadStories(t)
	ids := m.Tokenizer.Encode(firstStory(t), true, false)
	if len(ids) > 512 {
		ids = ids[:512]
	}
	T := len(ids)
	logits, err := m.Forward(ids, 1, T, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, count, _, err := crossEntropy(logits, NextTokenTargets(ids, 1, T, nil), false)
	if err != nil {
		t.Fatal(err)
	}
	got := sum / float64(count)
	want := refFromLlama2C(t, dataPath(t, "llm/stories260K.bin")).meanNLL(ids)
	t.Logf("first story: %d tokens, NLL %.6f nats/token (float32), %.6f (float64 reference)", T, got, want)
	if rel := math.Abs(got-want) / want; rel > 1e-5 {
		t.Errorf("NLL: got %.8f, want %.8f (relative difference %.2g > 1e-5)", got, want, rel)
	}
	if want < 1.0 || want > 1.7 {
		t.Errorf("reference NLL %.4f is far from the documented 1.32 nats/token for one story", want)
	}
}

func readData(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(dataPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
