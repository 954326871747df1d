package tensor

import (
	"math/rand/v2"
	"testing"
	"time"
)

const benchElems = 16 << 20 // 16M float32, 64 MiB per tensor

// BenchmarkAdd16M measures Add of two contiguous 16M-element tensors,
// including the allocation of the result; compare with BenchmarkCopy16M.
func BenchmarkAdd16M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randTensor(r, 0, 1, benchElems), randTensor(r, 0, 1, benchElems)
	b.SetBytes(3 * 4 * benchElems)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Add(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopy16M copies one 16M-element tensor's bytes into a
// preallocated buffer with the built-in copy.
func BenchmarkCopy16M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 0, 1, benchElems)
	dst := make([]float32, benchElems)
	b.SetBytes(2 * 4 * benchElems)
	b.ResetTimer()
	for b.Loop() {
		copy(dst, x.data)
	}
}

// BenchmarkClone16M copies a 16M-element tensor into a newly allocated
// one, the allocating counterpart of BenchmarkAdd16M.
func BenchmarkClone16M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 0, 1, benchElems)
	b.SetBytes(2 * 4 * benchElems)
	b.ResetTimer()
	for b.Loop() {
		_ = x.Clone()
	}
}

func BenchmarkSum16M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 0, 1, benchElems)
	b.SetBytes(4 * benchElems)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Sum(x, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatmulBatched(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randTensor(r, 0, 1, 64, 32, 32), randTensor(r, 0, 1, 64, 32, 32)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Matmul(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddVsCopy16M alternates four operations on 16M-element tensors:
// Add (which allocates its result), AddInto an existing tensor, the built-in
// copy of one tensor's bytes into a preallocated buffer, and Clone. It
// reports the fastest time of each in ms and their ratios. Taking the minimum of interleaved runs keeps
// the ratio meaningful on a machine shared with other work.
func BenchmarkAddVsCopy16M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randTensor(r, 0, 1, benchElems), randTensor(r, 0, 1, benchElems)
	dst := Alloc(benchElems)
	best := func(cur *time.Duration, f func()) {
		start := time.Now()
		f()
		if d := time.Since(start); *cur == 0 || d < *cur {
			*cur = d
		}
	}
	out := New(benchElems)
	var add, addInto, cp, clone time.Duration
	for b.Loop() {
		best(&add, func() { _, _ = Add(x, y) })
		best(&addInto, func() { _ = AddInto(out, x, y) })
		best(&cp, func() { copy(dst, x.data) })
		best(&clone, func() { _ = x.Clone() })
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(add), "add-ms")
	b.ReportMetric(ms(addInto), "addinto-ms")
	b.ReportMetric(ms(cp), "copy-ms")
	b.ReportMetric(ms(clone), "clone-ms")
	b.ReportMetric(float64(add)/float64(cp), "add/copy")
	b.ReportMetric(float64(add)/float64(clone), "add/clone")
	b.ReportMetric(float64(addInto)/float64(cp), "addinto/copy")
}

func BenchmarkExp16M(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), -1, 1, benchElems)
	b.SetBytes(2 * 4 * benchElems)
	for b.Loop() {
		_ = Exp(x)
	}
}

func BenchmarkBroadcastAddRow(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, row := randTensor(r, 0, 1, 4096, 1024), randTensor(r, 0, 1, 1024)
	for b.Loop() {
		if _, err := Add(x, row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSumAxis0(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 0, 1, 2048, 2048)
	for b.Loop() {
		if _, err := Sum(x, []int{0}, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVarAxis1(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 0, 1, 2048, 2048)
	for b.Loop() {
		if _, err := Var(x, []int{1}, 0, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSoftmax512x4096(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), -5, 5, 512, 4096)
	for b.Loop() {
		if _, err := Softmax(x, -1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransposeCopy2048(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 0, 1, 2048, 2048).T()
	for b.Loop() {
		_ = x.Contiguous()
	}
}

func BenchmarkGather4096x1000(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 0, 1, 4096, 1000)
	idx := New(4096, 1)
	for i := range idx.data {
		idx.data[i] = float32(r.IntN(1000))
	}
	for b.Loop() {
		if _, err := Gather(x, 1, idx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIndexSelectRows(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 0, 1, 10000, 64)
	idx, _ := Arange(0, 10000, 2)
	for b.Loop() {
		if _, err := IndexSelect(x, 0, idx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTopk1024x1024(b *testing.B) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 0, 1, 1024, 1024)
	for b.Loop() {
		if _, _, err := Topk(x, 10, -1, true); err != nil {
			b.Fatal(err)
		}
	}
}
