package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// vectorLengths covers empty and short slices, every tail length around the
// 8- and 32-element vector steps, the parallel threshold, and the
// non-temporal store threshold.
var vectorLengths = []int{0, 1, 2, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 1000, 4099,
	parallelElements - 1, parallelElements + 13, streamElements + 37}

type binaryCase struct {
	name string
	fn   func(dst, x, y []float32)
	ref  func(x, y float64) float64
}

var binaryCases = []binaryCase{
	{"Add", Add, func(x, y float64) float64 { return x + y }},
	{"Sub", Sub, func(x, y float64) float64 { return x - y }},
	{"Mul", Mul, func(x, y float64) float64 { return x * y }},
	{"Div", Div, func(x, y float64) float64 { return x / y }},
}

func TestBinaryOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, bc := range binaryCases {
		for _, n := range vectorLengths {
			// Offsets 0..2 move dst off the 32-byte boundary, so the
			// streaming path runs its unaligned head.
			for offset := 0; offset < 3; offset++ {
				if n > 10000 && offset > 0 && bc.name != "Add" {
					continue // long inputs once per op, all offsets for Add
				}
				x, y := randomSlice(rng, n), randomSlice(rng, n)
				buf, window := guarded(n + offset)
				dst := window[offset:]
				bc.fn(dst, x, y)
				name := fmt.Sprintf("%s n=%d offset=%d", bc.name, n, offset)
				for i := range dst {
					want := float32(bc.ref(float64(x[i]), float64(y[i])))
					if dst[i] != want {
						t.Fatalf("%s: dst[%d] = %g, want %g", name, i, dst[i], want)
					}
				}
				for i := 0; i < offset; i++ {
					window[i] = sentinel // the skipped head is outside dst
				}
				checkUntouched(t, name, buf, 1, n+offset, n+offset)
			}
		}
	}
}

func TestBinaryOpsAliasDst(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x, y := randomSlice(rng, 1001), randomSlice(rng, 1001)
	want := make([]float32, len(x))
	for i := range x {
		want[i] = x[i] + y[i]
	}
	Add(x, x, y)
	for i := range x {
		if x[i] != want[i] {
			t.Fatalf("Add(x, x, y): x[%d] = %g, want %g", i, x[i], want[i])
		}
	}
}

func TestScaleAndAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const alpha = float32(-1.75)
	for _, n := range vectorLengths {
		x := randomSlice(rng, n)
		buf, dst := guarded(n)
		Scale(dst, alpha, x)
		for i := range dst {
			if want := alpha * x[i]; dst[i] != want {
				t.Fatalf("Scale n=%d: dst[%d] = %g, want %g", n, i, dst[i], want)
			}
		}
		checkUntouched(t, fmt.Sprintf("Scale n=%d", n), buf, 1, n, n)

		yBuf, y := guarded(n)
		y0 := randomSlice(rng, n)
		copy(y, y0)
		Axpy(alpha, x, y)
		for i := range y {
			want := float64(alpha)*float64(x[i]) + float64(y0[i])
			if d := math.Abs(float64(y[i]) - want); d > 1e-6*(math.Abs(want)+2) {
				t.Fatalf("Axpy n=%d: y[%d] = %g, want %g", n, i, y[i], want)
			}
		}
		checkUntouched(t, fmt.Sprintf("Axpy n=%d", n), yBuf, 1, n, n)
	}
}

func TestDotAndSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, n := range vectorLengths {
		x, y := randomSlice(rng, n), randomSlice(rng, n)
		var dot, dotMag, sum, sumMag float64
		for i := range x {
			dot += float64(x[i]) * float64(y[i])
			dotMag += math.Abs(float64(x[i]) * float64(y[i]))
			sum += float64(x[i])
			sumMag += math.Abs(float64(x[i]))
		}
		// Each lane adds about n/32 terms in float32 before the float64
		// combination.
		const eps32 = 1.0 / (1 << 23)
		tolerance := func(mag float64) float64 { return float64(n/32+reductionBlock/32+8)*eps32*mag + 1e-30 }
		if got := Dot(x, y); math.Abs(float64(got)-dot) > tolerance(dotMag) {
			t.Errorf("Dot n=%d = %g, want %g", n, got, dot)
		}
		if got := Sum(x); math.Abs(float64(got)-sum) > tolerance(sumMag) {
			t.Errorf("Sum n=%d = %g, want %g", n, got, sum)
		}
	}
}

func TestMaxMin(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	if got := Max(nil); !math.IsInf(float64(got), -1) {
		t.Errorf("Max(empty) = %g, want -Inf", got)
	}
	if got := Min(nil); !math.IsInf(float64(got), 1) {
		t.Errorf("Min(empty) = %g, want +Inf", got)
	}
	for _, n := range vectorLengths[1:] {
		x := randomSlice(rng, n)
		wantMax, wantMin := x[0], x[0]
		for _, v := range x {
			wantMax, wantMin = max(wantMax, v), min(wantMin, v)
		}
		if got := Max(x); got != wantMax {
			t.Errorf("Max n=%d = %g, want %g", n, got, wantMax)
		}
		if got := Min(x); got != wantMin {
			t.Errorf("Min n=%d = %g, want %g", n, got, wantMin)
		}
		// A NaN anywhere (vector body, tail, a later block) wins.
		for _, pos := range []int{0, n / 2, n - 1} {
			saved := x[pos]
			x[pos] = float32(math.NaN())
			if got := Max(x); !math.IsNaN(float64(got)) {
				t.Errorf("Max n=%d with NaN at %d = %g, want NaN", n, pos, got)
			}
			if got := Min(x); !math.IsNaN(float64(got)) {
				t.Errorf("Min n=%d with NaN at %d = %g, want NaN", n, pos, got)
			}
			x[pos] = saved
		}
	}
}

// TestReductionsIgnoreThreads checks that results do not depend on how many
// goroutines run the blocks.
func TestReductionsIgnoreThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	x, y := randomSlice(rng, parallelElements*3+5), randomSlice(rng, parallelElements*3+5)
	prev := runtime.GOMAXPROCS(1)
	sum1, dot1 := Sum(x), Dot(x, y)
	runtime.GOMAXPROCS(max(prev, 2))
	sum2, dot2 := Sum(x), Dot(x, y)
	runtime.GOMAXPROCS(prev)
	if sum1 != sum2 || dot1 != dot2 {
		t.Errorf("Sum %g vs %g, Dot %g vs %g with 1 and 2 goroutines, want equal", sum1, sum2, dot1, dot2)
	}
}

func TestVectorLengthMismatchPanics(t *testing.T) {
	calls := map[string]func(){
		"Add":   func() { Add(make([]float32, 3), make([]float32, 3), make([]float32, 2)) },
		"Scale": func() { Scale(make([]float32, 3), 1, make([]float32, 2)) },
		"Axpy":  func() { Axpy(1, make([]float32, 3), make([]float32, 2)) },
		"Dot":   func() { Dot(make([]float32, 3), make([]float32, 2)) },
	}
	for name, call := range calls {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched lengths did not panic", name)
				}
			}()
			call()
		}()
	}
}

// TestVectorAsmMatchesTwins calls each assembly routine directly on lengths
// that are multiples of its step, with guard regions, against its Go twin.
func TestVectorAsmMatchesTwins(t *testing.T) {
	if !useVectorAsm {
		t.Skip("no assembly vector routines in this build or on this CPU")
	}
	rng := rand.New(rand.NewPCG(12, 13))
	binary := []struct {
		name       string
		asm, twin  func(dst, x, y []float32)
		streamOnly bool
	}{
		{"addAVX2", addAVX2, addGo, false}, {"addStreamAVX2", addStreamAVX2, addGo, true},
		{"subAVX2", subAVX2, subGo, false}, {"subStreamAVX2", subStreamAVX2, subGo, true},
		{"mulAVX2", mulAVX2, mulGo, false}, {"mulStreamAVX2", mulStreamAVX2, mulGo, true},
		{"divAVX2", divAVX2, divGo, false}, {"divStreamAVX2", divStreamAVX2, divGo, true},
	}
	for _, n := range []int{8, 16, 24, 32, 40, 64, 96, 1024, 4104} {
		x, y := randomSlice(rng, n), randomSlice(rng, n)
		for _, bc := range binary {
			if bc.streamOnly && n%32 != 0 {
				continue
			}
			buf, dst := guarded(n + 8)
			// Use a 32-byte aligned window so the streaming forms may run.
			head, _ := streamSpan(dst, 1)
			dst = dst[head : head+n]
			want := make([]float32, n)
			bc.asm(dst, x, y)
			bc.twin(want, x, y)
			for i := range dst {
				if dst[i] != want[i] {
					t.Fatalf("%s n=%d: dst[%d] = %g, want %g", bc.name, n, i, dst[i], want[i])
				}
			}
			for i := range buf {
				if pos := i - guard - head; pos < 0 || pos >= n {
					if math.Float32bits(buf[i]) != math.Float32bits(sentinel) {
						t.Fatalf("%s n=%d: element %d outside dst changed", bc.name, n, i)
					}
				}
			}
		}

		scaled, wantScaled := make([]float32, n), make([]float32, n)
		scaleAVX2(scaled, 0.5, x)
		scaleGo(wantScaled, 0.5, x)
		if n%32 == 0 {
			_, aligned := guarded(n + 8)
			head, _ := streamSpan(aligned, 1)
			streamed := aligned[head : head+n]
			scaleStreamAVX2(streamed, 0.5, x)
			for i := range streamed {
				if streamed[i] != wantScaled[i] {
					t.Fatalf("scaleStreamAVX2 n=%d: dst[%d] = %g, want %g", n, i, streamed[i], wantScaled[i])
				}
			}
		}
		for i := range scaled {
			if scaled[i] != wantScaled[i] {
				t.Fatalf("scaleAVX2 n=%d: dst[%d] = %g, want %g", n, i, scaled[i], wantScaled[i])
			}
		}

		yAsm, yGo := randomSlice(rng, n), make([]float32, n)
		copy(yGo, yAsm)
		axpyAVX2(0.25, x, yAsm)
		axpyGo(0.25, x, yGo)
		for i := range yAsm {
			if d := math.Abs(float64(yAsm[i] - yGo[i])); d > 1e-6 {
				t.Fatalf("axpyAVX2 n=%d: y[%d] = %g, want %g", n, i, yAsm[i], yGo[i])
			}
		}

		tol := 1e-6 * float64(n)
		if got, want := dotAVX2(x, y), dotGo(x, y); math.Abs(float64(got-want)) > tol {
			t.Errorf("dotAVX2 n=%d = %g, want %g", n, got, want)
		}
		if got, want := sumAVX2(x), sumGo(x); math.Abs(float64(got-want)) > tol {
			t.Errorf("sumAVX2 n=%d = %g, want %g", n, got, want)
		}
		if got, want := maxAVX2(x), maxGo(x); got != want {
			t.Errorf("maxAVX2 n=%d = %g, want %g", n, got, want)
		}
		if got, want := minAVX2(x), minGo(x); got != want {
			t.Errorf("minAVX2 n=%d = %g, want %g", n, got, want)
		}
		x[n-1] = float32(math.NaN())
		if got := maxAVX2(x); !math.IsNaN(float64(got)) {
			t.Errorf("maxAVX2 n=%d with NaN last = %g, want NaN", n, got)
		}
		if got := minAVX2(x); !math.IsNaN(float64(got)) {
			t.Errorf("minAVX2 n=%d with NaN last = %g, want NaN", n, got)
		}
	}
}
