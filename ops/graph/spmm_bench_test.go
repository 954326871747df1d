package graph

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The SpMM benchmarks use Cora from $PARE_DATA. Each reports GB/s: the
// bytes an SpMM must move at least (each stored entry reads one row of X
// plus its index and value, and each output row is written once) divided
// by the time. BenchmarkMemoryCopy gives the machine's copy bandwidth on a
// buffer larger than the caches, counted the same way (bytes read plus
// bytes written), for comparison.

func benchCora(b *testing.B) *Graph {
	root := os.Getenv("PARE_DATA")
	if root == "" {
		b.Skip("PARE_DATA is not set")
	}
	g, err := LoadNPZ(filepath.Join(root, "graph/planetoid-cora.npz"))
	if err != nil {
		b.Fatal(err)
	}
	return g
}

func spmmBytes(a *CSR, cols int) float64 {
	return float64(a.NNZ())*float64(4*cols+8) + float64(a.Rows)*float64(4*cols+8)
}

func runSpMM(b *testing.B, a *CSR, cols int) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, a.Cols*cols)
	for i := range x {
		x[i] = rng.Float32()
	}
	out := make([]float32, a.Rows*cols)
	b.SetBytes(int64(spmmBytes(a, cols)))
	b.ResetTimer()
	for b.Loop() {
		if err := SpMM(a, x, cols, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpMMCoraFeatures propagates Cora's raw features: Â (2708×2708,
// 13,264 entries with self loops) times X (2708×1433 dense).
func BenchmarkSpMMCoraFeatures(b *testing.B) {
	g := benchCora(b)
	a, _ := GCNNorm(g.Adj)
	runSpMM(b, a, g.X.Cols)
}

// BenchmarkSpMMCoraHidden propagates a 512-wide hidden layer: Â times H
// (2708×512), the GCN step of DGI and GRACE encoders.
func BenchmarkSpMMCoraHidden(b *testing.B) {
	g := benchCora(b)
	a, _ := GCNNorm(g.Adj)
	runSpMM(b, a, 512)
}

// BenchmarkSpMMCoraSparseFeatures multiplies the sparse features X
// (2708×1433, 49,216 entries) by a dense 1433×512 weight matrix, the first
// GCN layer on sparse input.
func BenchmarkSpMMCoraSparseFeatures(b *testing.B) {
	g := benchCora(b)
	runSpMM(b, g.X.Sparse, 512)
}

// BenchmarkMemoryCopy copies 256 MiB; SetBytes counts read plus write.
func BenchmarkMemoryCopy(b *testing.B) {
	src := make([]byte, 256<<20)
	dst := make([]byte, 256<<20)
	for i := range src {
		src[i] = byte(i)
	}
	b.SetBytes(2 * int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		copy(dst, src)
	}
}
