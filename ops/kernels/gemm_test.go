package kernels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// guard is the number of sentinel elements placed before and after every
// output buffer; sentinel is their value, compared bit for bit.
const guard = 37

var sentinel = math.Float32frombits(0x7fc0_dead) // a NaN with a recognisable payload

// guarded returns a buffer of n elements surrounded by guard sentinels, and
// the n-element window inside it.
func guarded(n int) (buf, window []float32) {
	buf = make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf, buf[guard : guard+n]
}

func randomSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra elements per row beyond the logical columns
	padC           int
	alpha, beta    float32
	threads        int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d/%d/%d alpha=%g beta=%g threads=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta, tc.threads)
}

// conformanceCases samples sizes 1..257 (primes, powers of two and their
// neighbours, tile multiples of every backend) so that each size appears as
// m, n and k, crossed with transposes, strides, alpha, beta and thread counts.
func conformanceCases() []gemmCase {
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 28, 29, 31, 32, 33, 47, 61, 64, 97, 127, 128, 129, 191, 251, 256, 257}
	scalars := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2.5, 0}, {0, 0.5}, {1, -1}, {0.75, 0.25}}
	pads := []int{0, 3, 17}
	var cases []gemmCase
	l := len(sizes)
	for i := 0; i < l; i++ {
		for t := 0; t < 4; t++ {
			idx := i*4 + t
			ab := scalars[idx%len(scalars)]
			tc := gemmCase{
				transA: t&1 != 0, transB: t&2 != 0,
				m: sizes[i], n: sizes[(i*7+3*t+3)%l], k: sizes[(i*13+5*t+5)%l],
				padA: pads[idx%3], padB: pads[(idx/3)%3], padC: pads[(idx+1)%3],
				alpha: ab[0], beta: ab[1],
				threads: 1 + idx%3,
			}
			cases = append(cases, tc)
		}
	}
	// Degenerate shapes: empty C, and k = 0 where C = beta·C.
	cases = append(cases,
		gemmCase{m: 0, n: 5, k: 3, alpha: 1, beta: 1, threads: 2},
		gemmCase{m: 5, n: 0, k: 3, alpha: 1, beta: 1, threads: 2},
		gemmCase{m: 9, n: 33, k: 0, alpha: 1, beta: 0.5, padC: 3, threads: 2},
		gemmCase{m: 9, n: 33, k: 0, alpha: 1, beta: 0, threads: 2},
		// Short and wide, tall and narrow: the column split of the parallel driver.
		gemmCase{m: 1, n: 257, k: 129, alpha: 1, beta: 0, threads: 2},
		gemmCase{m: 3, n: 251, k: 64, transB: true, alpha: 1, beta: 1, threads: 3},
		gemmCase{m: 257, n: 1, k: 97, transA: true, alpha: 1, beta: 0, threads: 2},
	)
	return cases
}

// checkGemm runs one case on one backend and reports mismatches against a
// float64 reference, writes outside the m×n window of C, and changes to A or B.
func checkGemm(t *testing.T, backend string, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	aRows, aCols := tc.m, tc.k
	if tc.transA {
		aRows, aCols = tc.k, tc.m
	}
	bRows, bCols := tc.k, tc.n
	if tc.transB {
		bRows, bCols = tc.n, tc.k
	}
	lda, ldb, ldc := max(aCols+tc.padA, 1), max(bCols+tc.padB, 1), max(tc.n+tc.padC, 1)
	a := randomSlice(rng, max(aRows*lda, 1))
	b := randomSlice(rng, max(bRows*ldb, 1))
	aCopy, bCopy := slices.Clone(a), slices.Clone(b)

	cBuf, c := guarded(max(tc.m*ldc, 1))
	c0 := make([]float32, len(c))
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			v := rng.Float32()*2 - 1
			if tc.beta == 0 {
				v = float32(math.NaN()) // must not leak into the result
			}
			c[i*ldc+j], c0[i*ldc+j] = v, v
		}
	}

	if err := SgemmWith(backend, tc.threads, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc); err != nil {
		t.Fatalf("%s %v: %v", backend, tc, err)
	}

	at := func(i, p int) float64 {
		if tc.transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	bt := func(p, j int) float64 {
		if tc.transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	const eps32 = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < tc.m && bad < 3; i++ {
		for j := 0; j < tc.n && bad < 3; j++ {
			var sum, mag float64
			for p := 0; p < tc.k; p++ {
				sum += at(i, p) * bt(p, j)
				mag += math.Abs(at(i, p) * bt(p, j))
			}
			want := float64(tc.alpha) * sum
			bound := math.Abs(float64(tc.alpha)) * mag
			if tc.beta != 0 {
				want += float64(tc.beta) * float64(c0[i*ldc+j])
				bound += math.Abs(float64(tc.beta) * float64(c0[i*ldc+j]))
			}
			tol := float64(tc.k+3)*eps32*bound + 1e-30
			got := float64(c[i*ldc+j])
			if !(math.Abs(got-want) <= tol) {
				t.Errorf("%s %v: C[%d,%d] = %g, want %g (tolerance %g)", backend, tc, i, j, got, want, tol)
				bad++
			}
		}
	}
	checkUntouched(t, fmt.Sprintf("%s %v", backend, tc), cBuf, tc.m, tc.n, ldc)
	if !slices.Equal(a, aCopy) || !slices.Equal(b, bCopy) {
		t.Errorf("%s %v: A or B was modified", backend, tc)
	}
}

// checkUntouched reports any element of buf that is neither inside the m×n
// window (offset by guard, row stride ldc) nor still the sentinel.
func checkUntouched(t *testing.T, name string, buf []float32, m, n, ldc int) {
	t.Helper()
	for idx, v := range buf {
		pos := idx - guard
		inside := pos >= 0 && pos < m*ldc && pos%ldc < n
		if !inside && math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Errorf("%s: element %d outside C (offset %d) changed to %g", name, idx, pos, v)
			return
		}
	}
}

func TestSgemmConformance(t *testing.T) {
	cases := conformanceCases()
	// "" is the default entry, which adds the unpacked small-product path.
	for _, backend := range append(Backends(), "") {
		name := backend
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			for _, tc := range cases {
				checkGemm(t, backend, tc, rng)
			}
		})
	}
}

// TestSgemmBlockEdges uses sizes just past the cache-block sizes of each
// packed backend, so a product spans several kc, mc and nc blocks.
func TestSgemmBlockEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: several blocks per dimension")
	}
	for _, bk := range gemmBackends() {
		if bk.packed == nil {
			continue
		}
		g := bk.packed
		cases := []gemmCase{
			{m: 2*g.mc + 1, n: 2*g.nr + 3, k: 2*g.kc + 1, alpha: 1, beta: 0.5, threads: 2},
			{m: g.mr + 1, n: g.nc + g.nr + 1, k: g.kc + 1, transB: true, alpha: 1, beta: 0, threads: 2},
		}
		rng := rand.New(rand.NewPCG(3, 5))
		for _, tc := range cases {
			checkGemm(t, bk.name, tc, rng)
		}
	}
}

// TestSgemmIgnoresThreads checks that each packed backend gives the same
// bits with 1, 2 and 3 goroutines: threads split the rows and columns of C,
// never the sum over k, so a recipe gives the same digits on any machine.
// OpenBLAS makes no such promise and is left out.
func TestSgemmIgnoresThreads(t *testing.T) {
	for _, bk := range gemmBackends() {
		if bk.packed == nil {
			continue
		}
		g := bk.packed
		m, n, k := 2*g.mc+3, g.nc+g.nr+5, 2*g.kc+7
		rng := rand.New(rand.NewPCG(5, 8))
		a, b := randomSlice(rng, m*k), randomSlice(rng, k*n)
		var first []float32
		for _, threads := range []int{1, 2, 3} {
			c := make([]float32, m*n)
			if err := SgemmWith(bk.name, threads, false, false, m, n, k, 1, a, k, b, n, 0, c, n); err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = c
				continue
			}
			for i := range c {
				if c[i] != first[i] {
					t.Fatalf("%s with %d threads: C[%d] = %.9g, want %.9g as with 1", bk.name, threads, i, c[i], first[i])
				}
			}
		}
	}
}

// TestSgemmDefault checks that the exported Sgemm matches the plain loop.
func TestSgemmDefault(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, n, k := 37, 53, 71
	a, b := randomSlice(rng, m*k), randomSlice(rng, k*n)
	got, want := make([]float32, m*n), make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
	sgemmReference(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
			t.Fatalf("Sgemm %s: C[%d] = %g, want %g", DefaultBackend(), i, got[i], want[i])
		}
	}
}

func TestSgemmRejectsInvalidArguments(t *testing.T) {
	cases := []struct {
		name string
		call func()
	}{
		{"negative m", func() {
			Sgemm(false, false, -1, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"small lda", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Sgemm did not panic", tc.name)
				}
			}()
			tc.call()
		}()
	}
}

func TestSgemmWithUnknownBackend(t *testing.T) {
	err := SgemmWith("nope", 1, false, false, 1, 1, 1, 1, []float32{1}, 1, []float32{1}, 1, 0, []float32{0}, 1)
	if err == nil {
		t.Fatal("SgemmWith(\"nope\"): got nil error, want an unknown-backend error")
	}
}

// TestMicroKernelsMatchGoTwin runs every backend's micro-kernel on packed
// panels against the generic Go kernel, with guard regions around the C tile.
func TestMicroKernelsMatchGoTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, bk := range gemmBackends() {
		if bk.packed == nil {
			continue
		}
		mr, nr := bk.packed.mr, bk.packed.nr
		twin := microKernelGo(mr, nr)
		for _, k := range []int{1, 2, 3, 7, 64, 257} {
			for _, beta := range []float32{0, 0.5, 1} {
				for _, pad := range []int{0, 5} {
					ldc := nr + pad
					a, b := randomSlice(rng, k*mr), randomSlice(rng, k*nr)
					cBuf, c := guarded((mr-1)*ldc + nr)
					want := make([]float32, len(c))
					for i := 0; i < mr; i++ {
						for j := 0; j < nr; j++ {
							v := rng.Float32()
							if beta == 0 {
								v = float32(math.NaN())
							}
							c[i*ldc+j], want[i*ldc+j] = v, v
						}
					}
					bk.packed.kernel(k, a, b, c, ldc, 1.5, beta)
					twin(k, a, b, want, ldc, 1.5, beta)
					name := fmt.Sprintf("%s kernel %dx%d k=%d beta=%g ldc=%d", bk.name, mr, nr, k, beta, ldc)
					for i := 0; i < mr; i++ {
						for j := 0; j < nr; j++ {
							got, w := c[i*ldc+j], want[i*ldc+j]
							if d := math.Abs(float64(got - w)); !(d <= 1e-5*float64(k+2)) {
								t.Errorf("%s: C[%d,%d] = %g, want %g", name, i, j, got, w)
							}
						}
					}
					checkUntouched(t, name, cBuf, mr, nr, ldc)
				}
			}
		}
	}
}

func TestBenchGEMMSmall(t *testing.T) {
	for _, backend := range Backends() {
		gflops, err := BenchGEMM(16, 1, backend)
		if err != nil || !(gflops > 0) {
			t.Errorf("BenchGEMM(16, 1, %q) = %g, %v; want a positive rate and nil error", backend, gflops, err)
		}
	}
	if _, err := BenchGEMM(0, 1, ""); err == nil {
		t.Error("BenchGEMM(0, 1, \"\"): got nil error, want an error for n < 1")
	}
}

func TestSgemmContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, n := range []int{4, 300} {
		a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		if err := SgemmContext(ctx, false, false, n, n, n, 1, a, n, b, n, 0, c, n); !errors.Is(err, context.Canceled) {
			t.Errorf("SgemmContext n=%d with a cancelled context: got %v, want context.Canceled", n, err)
		}
	}
}

func TestSgemmContextMatchesSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	m, n, k := 300, 200, 500 // several kc blocks
	a, b := randomSlice(rng, m*k), randomSlice(rng, k*n)
	got, want := make([]float32, m*n), make([]float32, m*n)
	if err := SgemmContext(context.Background(), false, false, m, n, k, 1, a, k, b, n, 0, got, n); err != nil {
		t.Fatalf("SgemmContext: %v", err)
	}
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	if !slices.Equal(got, want) {
		t.Error("SgemmContext and Sgemm results differ, want identical")
	}
}

// TestSgemmConcurrentCallers runs products from several goroutines at once:
// one holds the worker pool and the others fall back to fresh goroutines.
func TestSgemmConcurrentCallers(t *testing.T) {
	const m, n, k = 150, 130, 170
	rng := rand.New(rand.NewPCG(21, 22))
	a, b := randomSlice(rng, m*k), randomSlice(rng, k*n)
	want := make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)

	var wg sync.WaitGroup
	results := make([][]float32, 4)
	for g := range results {
		results[g] = make([]float32, m*n)
		wg.Go(func() {
			for rep := 0; rep < 20; rep++ {
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, results[g], n)
			}
		})
	}
	wg.Wait()
	for g, got := range results {
		if !slices.Equal(got, want) {
			t.Errorf("caller %d: result differs from the single-caller product, want identical", g)
		}
	}
}
