package llm

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user plus system CPU time of the process, all
// threads included. On a shared machine it measures the work done, where
// wall time also counts the time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// bench125M is the synthetic 125M-parameter shape of the performance
// targets: d 768, 12 layers, 12 heads, MLP 2048, vocab 32000.
func bench125M() Config {
	return Config{Dim: 768, NLayers: 12, NHeads: 12, NKVHeads: 12, HiddenDim: 2048, VocabSize: 32000, MaxSeqLen: 1024}
}

func benchModel(b *testing.B, cfg Config) *Model {
	b.Helper()
	m, err := NewRandom(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkForward125M_1x512(b *testing.B) {
	m := benchModel(b, bench125M())
	ids := randomIDs(512, m.Config.VocabSize, 1)
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := m.Forward(ids, 1, 512, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkForwardBackward125M_4x128(b *testing.B) {
	m := benchModel(b, bench125M())
	ids := randomIDs(512, m.Config.VocabSize, 2)
	grads := GradientsLike(&m.Config)
	f := CrossEntropy(NextTokenTargets(ids, 4, 128, nil))
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Gradient(ids, 4, 128, nil, f, grads); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkGreedyDecode125M(b *testing.B) {
	m := benchModel(b, bench125M())
	const tokens = 32
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		kv := m.NewKVCache(tokens + 1)
		next := 1
		for t := 0; t < tokens; t++ {
			logits, err := m.Step(kv, next)
			if err != nil {
				b.Fatal(err)
			}
			next = argmax(logits)
		}
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
	reportCPU(b, start)
}

func BenchmarkStoriesPerplexity512(b *testing.B) {
	m := loadStories(b)
	ids := randomIDs(16*512, m.Config.VocabSize, 3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Perplexity(context.Background(), ids, 512, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkMemoryCopy copies 1 GiB; its bytes/s (read plus write) is the
// memory bandwidth that bounds decoding.
func BenchmarkMemoryCopy(b *testing.B) {
	src := make([]float32, 1<<28)
	dst := make([]float32, len(src))
	for i := range src {
		src[i] = 1
	}
	b.SetBytes(int64(8 * len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(dst, src)
	}
}
