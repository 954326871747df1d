package kernels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// gemmBackend is one SGEMM implementation: either the packed driver with a
// micro-kernel, or an external library called directly.
type gemmBackend struct {
	name   string
	packed *packedGemm
	// external runs the whole product. Only library backends set it.
	external func(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

func (bk *gemmBackend) sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	// Background is never done, so there is no error to handle.
	_ = bk.sgemmContext(context.Background(), threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmContext checks the arguments and runs the product, stopping between
// blocks once ctx is done. A library backend checks ctx only before it starts.
func (bk *gemmBackend) sgemmContext(ctx context.Context, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	checkSgemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if err := ctx.Err(); err != nil {
		return err
	}
	if bk.external != nil {
		bk.external(max(threads, 1), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return nil
	}
	return bk.packed.run(ctx, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// goBackend is the pure-Go packed SGEMM, available everywhere.
var goBackend = &gemmBackend{
	name:   "go",
	packed: &packedGemm{mr: 2, nr: 4, kc: 256, mc: 128, nc: 2048, kernel: microKernel2x4Go},
}

// gemmBackends lists the backends usable on this CPU and build, fastest
// native one first: "avx512", "avx2", "go", then "openblas" when built with
// the openblas tag.
var gemmBackends = sync.OnceValue(func() []*gemmBackend {
	list := asmGemmBackends()
	list = append(list, goBackend)
	return append(list, libraryGemmBackends()...)
})

// defaultBackend is the backend Sgemm uses: the first native one, so the
// openblas tag adds a backend to compare against without changing Sgemm.
var defaultBackend = asmOrGoBackend()

func asmOrGoBackend() *gemmBackend {
	if list := asmGemmBackends(); len(list) > 0 {
		return list[0]
	}
	return goBackend
}

// Backends returns the names of the SGEMM backends available in this build
// on this CPU, in order of preference. "go" is always present. "avx512" and
// "avx2" need amd64 with the matching CPU features and a build without the
// noasm tag, and "openblas" needs the openblas build tag.
func Backends() []string {
	var names []string
	for _, bk := range gemmBackends() {
		names = append(names, bk.name)
	}
	return names
}

// DefaultBackend returns the name of the backend that Sgemm uses.
func DefaultBackend() string { return defaultBackend.name }

func lookupBackend(name string) (*gemmBackend, error) {
	if name == "" {
		return defaultBackend, nil
	}
	for _, bk := range gemmBackends() {
		if bk.name == name {
			return bk, nil
		}
	}
	return nil, fmt.Errorf("kernels: unknown SGEMM backend %q, want one of %s", name, strings.Join(Backends(), ", "))
}

// SgemmWith is Sgemm on the named backend (see Backends) with at most
// threads goroutines (threads <= 0 means GOMAXPROCS). A named backend runs every size itself, without
// Sgemm's unpacked path for small products. The empty name selects the
// default backend, small-product path included. SgemmWith returns an error
// only for an unknown backend name and panics on invalid matrix arguments
// like Sgemm.
func SgemmWith(backend string, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if backend == "" && productFlops(m, n, k) <= smallFlops {
		checkSgemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return nil
	}
	bk, err := lookupBackend(backend)
	if err != nil {
		return err
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	bk.sgemm(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return nil
}

// BenchGEMM times C = A·B for square n×n matrices on the named backend ("" is
// the default) with threads goroutines (threads <= 0 means GOMAXPROCS), and
// returns the median rate over the repetitions in GFLOP/s, counting 2·n³
// floating-point operations per product. It runs one warm-up product, then
// repeats for at least one second and at least five products (at most 10000).
func BenchGEMM(n, threads int, backend string) (gflops float64, err error) {
	if n < 1 {
		return 0, fmt.Errorf("kernels.BenchGEMM: n=%d, want n >= 1", n)
	}
	bk, err := lookupBackend(backend)
	if err != nil {
		return 0, err
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}

	rng := rand.New(rand.NewPCG(1, uint64(n)))
	a := make([]float32, n*n)
	b := make([]float32, n*n)
	c := make([]float32, n*n)
	for i := range a {
		a[i] = rng.Float32()*2 - 1
		b[i] = rng.Float32()*2 - 1
	}
	product := func() time.Duration {
		start := time.Now()
		bk.sgemm(threads, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		return time.Since(start)
	}

	product()
	var times []time.Duration
	var total time.Duration
	for len(times) < 10000 && (len(times) < 5 || total < time.Second) {
		d := product()
		times = append(times, d)
		total += d
	}
	slices.Sort(times)
	median := times[len(times)/2].Seconds()
	return 2 * float64(n) * float64(n) * float64(n) / median / 1e9, nil
}

// BackendDescription returns a one-line description of the named backend: the
// micro-kernel tile and cache blocking of a packed backend, or the library's
// build configuration. It returns an error for an unknown name.
func BackendDescription(name string) (string, error) {
	bk, err := lookupBackend(name)
	if err != nil {
		return "", err
	}
	if bk.packed == nil {
		return libraryDescription(bk.name), nil
	}
	g := bk.packed
	return fmt.Sprintf("%s: %d×%d micro-kernel, kc=%d mc=%d nc=%d", bk.name, g.mr, g.nr, g.kc, g.mc, g.nc), nil
}
