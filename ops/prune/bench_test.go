package prune

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"pare/ops/llm"
	"pare/ops/tensor"
)

// benchConfig is a synthetic GQA Llama of 5.0M parameters (d 256, 4
// layers, 8 query heads in 4 KV groups, MLP 688, vocabulary 4096, untied
// head).
func benchConfig() llm.Config {
	return llm.Config{Dim: 256, NLayers: 4, NHeads: 8, NKVHeads: 4, HeadDim: 32, HiddenDim: 688, VocabSize: 4096, MaxSeqLen: 512}
}

// BenchmarkNirvanaScore measures one NIRVANA scoring pass (forward and
// backward of the max-over-positions proxy over 8 × 128 tokens, then the
// per-unit sums) and reports the peak tensor memory.
func BenchmarkNirvanaScore(b *testing.B) {
	m, err := llm.NewRandom(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	calib := randomCalib(8, 128, m.Config.VocabSize, 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Score(context.Background(), m, calib, ScoreOptions{Criterion: Nirvana}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tensor.PeakBytes())/(1<<20), "peak-MiB")
}

// BenchmarkStructured measures scoring, allocation and slicing together at
// sparsity 0.5.
func BenchmarkStructured(b *testing.B) {
	m, err := llm.NewRandom(benchConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	calib := randomCalib(8, 128, m.Config.VocabSize, 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Structured(context.Background(), m, calib, Options{Criterion: Nirvana, Sparsity: 0.5, Gamma: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllocate8B measures the global thresholds and guards on
// Llama-3.1-8B shapes (256 KV groups, 458,752 MLP channels) with random
// scores.
func BenchmarkAllocate8B(b *testing.B) {
	cfg := shapeConfig(4096, 32, 8, 128, 14336, 32, 128256, false)
	rng := rand.New(rand.NewPCG(1, 2))
	s := &Scores{Attn: make([][]float64, 32), MLP: make([][]float64, 32)}
	for l := range s.Attn {
		s.Attn[l] = make([]float64, 8)
		s.MLP[l] = make([]float64, 14336)
		for i := range s.Attn[l] {
			s.Attn[l][i] = rng.Float64()
		}
		for i := range s.MLP[l] {
			s.MLP[l][i] = rng.Float64()
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Allocate(&cfg, s, AllocOptions{Sparsity: 0.5, Gamma: 3.36}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNirvanaScoreStories measures one NIRVANA scoring pass on
// stories260K over 32 × 128 tokens, the reference batch (needs PARE_DATA).
func BenchmarkNirvanaScoreStories(b *testing.B) {
	dir := os.Getenv("PARE_DATA")
	if dir == "" {
		b.Skip("PARE_DATA is not set; it names the folder with llm/stories260K.bin")
	}
	m, err := llm.LoadLlama2C(filepath.Join(dir, "llm", "stories260K.bin"))
	if err != nil {
		b.Fatal(err)
	}
	calib := randomCalib(32, 128, m.Config.VocabSize, 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Score(context.Background(), m, calib, ScoreOptions{Criterion: Nirvana}); err != nil {
			b.Fatal(err)
		}
	}
}
