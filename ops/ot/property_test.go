package ot

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func randMatrix(rng *rand.Rand, n, m int) Matrix {
	M := NewMatrix(n, m)
	for k := range M.Data {
		M.Data[k] = rng.Float64()
	}
	return M
}

func randSimplex(rng *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	var s float64
	for i := range w {
		w[i] = rng.Float64() + 0.05
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// bruteAssignment returns the optimal cost over all injective maps of the
// rows of an n×m matrix with n <= m.
func bruteAssignment(c Matrix, maximize bool) float64 {
	best := math.Inf(1)
	if maximize {
		best = math.Inf(-1)
	}
	used := make([]bool, c.Cols)
	var rec func(i int, acc float64)
	rec = func(i int, acc float64) {
		if i == c.Rows {
			if (!maximize && acc < best) || (maximize && acc > best) {
				best = acc
			}
			return
		}
		for j := 0; j < c.Cols; j++ {
			if !used[j] {
				used[j] = true
				rec(i+1, acc+c.At(i, j))
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

func TestLinearAssignmentBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 300; trial++ {
		n, m := 1+rng.IntN(6), 1+rng.IntN(6)
		c := randMatrix(rng, n, m)
		if trial%3 == 0 {
			// Integer costs with ties and negative values.
			for k := range c.Data {
				c.Data[k] = float64(rng.IntN(5) - 2)
			}
		}
		maximize := trial%2 == 1
		got, err := LinearAssignment(c, maximize)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		checkAssignment(t, "brute", c, maximize, got)
		wt := c
		if n > m {
			wt = c.T()
		}
		if want := bruteAssignment(wt, maximize); math.Abs(got.Cost-want) > 1e-12 {
			t.Fatalf("trial %d (%d×%d, maximize %v): cost got %.17g, want %.17g", trial, n, m, maximize, got.Cost, want)
		}
	}
}

func TestLinearAssignmentPlanted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{1, 2, 50, 400} {
		perm := rng.Perm(n)
		c := NewMatrix(n, n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				c.Data[i*n+j] = 1 + rng.Float64()
			}
			c.Data[i*n+perm[i]] = rng.Float64() * 0.5
		}
		got, err := LinearAssignment(c, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if got.ColInd[i] != perm[i] {
				t.Fatalf("n=%d: row %d got column %d, want planted %d", n, i, got.ColInd[i], perm[i])
			}
		}
	}
}

func TestLinearAssignmentLargeCertified(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, shape := range [][2]int{{300, 300}, {120, 333}, {333, 120}} {
		c := randMatrix(rng, shape[0], shape[1])
		got, err := LinearAssignment(c, false)
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, "large", c, false, got)
	}
}

func TestEMDRandomCertified(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 60; trial++ {
		n, m := 1+rng.IntN(30), 1+rng.IntN(30)
		a, b := randSimplex(rng, n), randSimplex(rng, m)
		if trial%4 == 0 {
			// Equal weights make the problem highly degenerate.
			a, b = Unif(n), Unif(m)
		}
		M := randMatrix(rng, n, m)
		if trial%5 == 0 {
			for k := range M.Data {
				M.Data[k] = float64(rng.IntN(3))
			}
		}
		if trial%7 == 0 {
			// Zero weights on some rows and columns, keeping a positive mass.
			a[rng.IntN(n)], b[rng.IntN(m)] = 0, 0
			a, b = normalized(a), normalized(b)
		}
		res, err := EMD(ctx, a, b, M, 0)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if res.Status != Optimal {
			t.Fatalf("trial %d: status %v", trial, res.Status)
		}
		checkPlan(t, "random", a, b, M, res)
	}
}

func TestEMDMediumCertified(t *testing.T) {
	// Sizes that take thousands of pivots, so the candidate list, the
	// shifts of the root's side and the periodic recomputation of the
	// potentials (every 1024 pivots) all run.
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 3))
	for trial := 0; trial < 4; trial++ {
		n, m := 300+rng.IntN(100), 300+rng.IntN(100)
		a, b := randSimplex(rng, n), randSimplex(rng, m)
		M, err := Dist(gaussPoints(rng, n, 2), gaussPoints(rng, m, 2), SqEuclidean)
		if err != nil {
			t.Fatal(err)
		}
		if trial%2 == 1 {
			M = randMatrix(rng, n, m)
		}
		res, err := EMD(ctx, a, b, M, 0)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if res.Status != Optimal || res.Iterations <= 1024 {
			t.Fatalf("trial %d (%d×%d): status %v after %d pivots, want optimal after more than 1024",
				trial, n, m, res.Status, res.Iterations)
		}
		checkPlan(t, "medium", a, b, M, res)
	}
}

func TestEMDUniformSquareMatchesSimplex(t *testing.T) {
	// The assignment shortcut and the network simplex must agree on cost.
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{3, 17, 60} {
		M := randMatrix(rng, n, n)
		a := Unif(n)
		viaLAP, err := EMD(ctx, a, a, M, 0)
		if err != nil {
			t.Fatal(err)
		}
		viaSimplex, err := newSimplex(a, a, M).solve(ctx, DefaultEMDMaxIter)
		if err != nil {
			t.Fatal(err)
		}
		if relErr(viaLAP.Cost, viaSimplex.Cost) > 1e-12 {
			t.Errorf("n=%d: assignment cost %.17g, simplex cost %.17g", n, viaLAP.Cost, viaSimplex.Cost)
		}
		checkPlan(t, "uniform", a, a, M, viaLAP)
	}
}

func TestEMDIterationCapReported(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	n, m := 30, 40
	a, b := randSimplex(rng, n), randSimplex(rng, m)
	M := randMatrix(rng, n, m)
	res, err := EMD(context.Background(), a, b, M, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != MaxIterReached || res.Iterations != 5 {
		t.Fatalf("status %v after %d pivots, want max_iter_reached after 5", res.Status, res.Iterations)
	}
	// The simplex starts from a feasible plan, so the capped plan meets the
	// marginals; it costs more than the optimum.
	colSum := make([]float64, m)
	for i := 0; i < n; i++ {
		var rowSum float64
		for j := 0; j < m; j++ {
			p := res.Plan.At(i, j)
			if p < 0 {
				t.Fatalf("capped plan[%d,%d] = %g < 0", i, j, p)
			}
			rowSum += p
			colSum[j] += p
		}
		if math.Abs(rowSum-a[i]) > 1e-14*float64(m+1) {
			t.Errorf("capped plan: row %d sums to %.17g, want %.17g", i, rowSum, a[i])
		}
	}
	for j := range colSum {
		if math.Abs(colSum[j]-b[j]) > 1e-14*float64(n+1) {
			t.Errorf("capped plan: column %d sums to %.17g, want %.17g", j, colSum[j], b[j])
		}
	}
	full, err := EMD(context.Background(), a, b, M, 0)
	if err != nil {
		t.Fatal(err)
	}
	if full.Status != Optimal || full.Iterations <= 5 {
		t.Fatalf("uncapped status %v after %d pivots", full.Status, full.Iterations)
	}
	checkPlan(t, "uncapped", a, b, M, full)
	if !(res.Cost > full.Cost) {
		t.Errorf("capped cost %.17g, want above the optimum %.17g", res.Cost, full.Cost)
	}
}

func TestEMDCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rng := rand.New(rand.NewPCG(8, 2))
	_, err := EMD(ctx, randSimplex(rng, 5), randSimplex(rng, 6), randMatrix(rng, 5, 6), 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestSinkhornApproachesEMD(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 3))
	n, m := 30, 40
	a, b := randSimplex(rng, n), randSimplex(rng, m)
	M := randMatrix(rng, n, m)
	exact, err := EMD(ctx, a, b, M, 0)
	if err != nil {
		t.Fatal(err)
	}
	prevGap := math.Inf(1)
	for _, reg := range []float64{1e-1, 1e-2, 1e-3, 1e-4} {
		res, err := Sinkhorn(ctx, a, b, M, reg, SinkhornOptions{MaxIter: 200000, StopThr: 1e-11})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Optimal {
			t.Fatalf("reg %g: status %v after %d iterations (err %g)", reg, res.Status, res.Iterations, res.Err)
		}
		gap := res.Cost - exact.Cost
		if gap < -1e-9 || gap >= prevGap {
			t.Errorf("reg %g: cost gap to EMD %g, want in [0, %g)", reg, gap, prevGap)
		}
		prevGap = gap
	}
	if prevGap > 1e-3 {
		t.Errorf("reg 1e-4: cost gap to EMD %g, want below 1e-3", prevGap)
	}
}

func TestSinkhornIterationCapReported(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 4))
	a, b := randSimplex(rng, 20), randSimplex(rng, 20)
	res, err := Sinkhorn(context.Background(), a, b, randMatrix(rng, 20, 20), 1e-3, SinkhornOptions{MaxIter: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != MaxIterReached || res.Iterations != 20 {
		t.Fatalf("status %v after %d iterations, want max_iter_reached after 20", res.Status, res.Iterations)
	}
}

// The free-support barycenter of permuted copies of one point cloud is that
// cloud, and every alignment recovers its permutation.
func TestFreeSupportPlantedPermutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k, d, N := 64, 12, 5
	base := NewMatrix(k, d)
	for i := range base.Data {
		base.Data[i] = rng.NormFloat64()
	}
	measures := make([]Matrix, N)
	weights := make([][]float64, N)
	for n := range measures {
		perm := rng.Perm(k)
		measures[n] = NewMatrix(k, d)
		for j := 0; j < k; j++ {
			copy(measures[n].Row(perm[j]), base.Row(j))
		}
		for i := range measures[n].Data {
			measures[n].Data[i] += 1e-3 * rng.NormFloat64()
		}
		weights[n] = Unif(k)
	}
	res, err := FreeSupportBarycenter(context.Background(), measures, weights, measures[0], FreeSupportOptions{StopThr: 1e-20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Optimal {
		t.Fatalf("status %v after %d iterations, displacements %v", res.Status, res.Iterations, res.Displacement)
	}
	// X is in measure 0's order; match its rows to base rows by nearest.
	var maxErr float64
	for j := 0; j < k; j++ {
		best := math.Inf(1)
		for l := 0; l < k; l++ {
			var s float64
			for c := 0; c < d; c++ {
				diff := res.X.At(j, c) - base.At(l, c)
				s += diff * diff
			}
			best = math.Min(best, s)
		}
		maxErr = math.Max(maxErr, math.Sqrt(best))
	}
	if maxErr > 1e-2 {
		t.Errorf("barycenter atoms are up to %g from the base cloud, want within the noise (1e-3 per coordinate)", maxErr)
	}
}

func TestInputErrors(t *testing.T) {
	ctx := context.Background()
	good := Matrix{Rows: 2, Cols: 2, Data: []float64{0, 1, 1, 0}}
	u := []float64{0.5, 0.5}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"emd mass", func() error { _, err := EMD(ctx, u, []float64{0.5, 0.6}, good, 0); return err }, "b: got total mass 1.1"},
		{"emd negative cost", func() error {
			_, err := EMD(ctx, u, u, Matrix{Rows: 2, Cols: 2, Data: []float64{0, -1, 1, 0}}, 0)
			return err
		}, "M[0,1]: got -1, want a finite cost >= 0"},
		{"emd nan cost", func() error {
			_, err := EMD(ctx, u, u, Matrix{Rows: 2, Cols: 2, Data: []float64{0, 1, math.NaN(), 0}}, 0)
			return err
		}, "M[1,0]: got NaN"},
		{"emd shape", func() error { _, err := EMD(ctx, []float64{1}, u, good, 0); return err }, "a: got length 1, want length 2"},
		{"emd negative weight", func() error { _, err := EMD(ctx, []float64{1.5, -0.5}, []float64{0.5, 0.5}, good, 0); return err }, "a[1]: got -0.5"},
		{"bad matrix", func() error { _, err := EMD(ctx, u, u, Matrix{Rows: 2, Cols: 2, Data: []float64{1}}, 0); return err }, "M: got 2×2 matrix with 1 elements"},
		{"sinkhorn reg", func() error { _, err := Sinkhorn(ctx, u, u, good, 0, SinkhornOptions{}); return err }, "reg: got 0"},
		{"lsa inf", func() error {
			_, err := LinearAssignment(Matrix{Rows: 1, Cols: 2, Data: []float64{math.Inf(1), 0}}, false)
			return err
		}, "cost[0,0]: got +Inf, want a finite cost"},
		{"dist width", func() error {
			_, err := Dist(good, Matrix{Rows: 1, Cols: 3, Data: make([]float64, 3)}, SqEuclidean)
			return err
		}, "x2: got 3 columns, want 2 columns like x1"},
		{"dist metric", func() error { _, err := Dist(good, good, "hamming"); return err }, `metric: got "hamming"`},
		{"dist cosine zero", func() error {
			_, err := Dist(good, Matrix{Rows: 1, Cols: 2, Data: []float64{0, 0}}, Cosine)
			return err
		}, "x2[0]: got a zero vector"},
		{"barycenter weights", func() error {
			_, err := Barycenter(ctx, Matrix{Rows: 2, Cols: 2, Data: []float64{0.5, 0.5, 0.5, 0.5}}, good, 0.1, BarycenterOptions{Weights: []float64{0.2, 0.2}})
			return err
		}, "weights: got sum 0.4"},
		{"free support width", func() error {
			_, err := FreeSupportBarycenter(ctx, []Matrix{{Rows: 2, Cols: 3, Data: make([]float64, 6)}}, [][]float64{u}, good, FreeSupportOptions{})
			return err
		}, "measures_locations[0]: got width 3, want width 2"},
		{"free support mass", func() error {
			_, err := FreeSupportBarycenter(ctx, []Matrix{good}, [][]float64{{0.5, 0.9}}, good, FreeSupportOptions{})
			return err
		}, "measures_weights[0]: got total mass 1.4"},
	}
	for _, tc := range cases {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: got no error, want %q", tc.name, tc.want)
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v is not an *InputError", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %q, want it to contain %q", tc.name, err.Error(), tc.want)
		}
	}
}

func TestGemmABtMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, shape := range [][3]int{{1, 1, 1}, {3, 5, 2}, {7, 9, 300}, {64, 33, 513}, {2, 130, 7}} {
		n, m, d := shape[0], shape[1], shape[2]
		x, y := randMatrix(rng, n, d), randMatrix(rng, m, d)
		got := gemmABt(x, y)
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				var want float64
				for k := 0; k < d; k++ {
					want += x.At(i, k) * y.At(j, k)
				}
				if math.Abs(got.At(i, j)-want) > 1e-12*float64(d) {
					t.Fatalf("%v: element (%d,%d): got %.17g, want %.17g", shape, i, j, got.At(i, j), want)
				}
			}
		}
	}
}

// The assembly micro-kernel and its pure-Go twin must agree for every length
// (tails included), and neither may read past the rows it is given: the
// rows are cut from larger buffers whose guard regions hold NaN.
func TestDot2x4TwinsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for n := 0; n <= 37; n++ {
		rows := make([][]float64, 6)
		for r := range rows {
			buf := make([]float64, n+16)
			for i := range buf {
				buf[i] = math.NaN()
			}
			for i := 0; i < n; i++ {
				buf[8+i] = rng.NormFloat64()
			}
			rows[r] = buf[8 : 8+n : 8+n]
		}
		got := dot2x4(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
		want := dot2x4Go(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
		for i := range got {
			if math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > 1e-12*float64(n+1) {
				t.Fatalf("n=%d: output %d: got %.17g, want %.17g (useAVX2 %v)", n, i, got[i], want[i], useAVX2)
			}
		}
	}
}

func TestSinkhornZeroWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	a := []float64{0.3, 0, 0.5, 0.2}
	b := []float64{0, 0.6, 0.4}
	M := randMatrix(rng, 4, 3)
	res, err := Sinkhorn(context.Background(), a, b, M, 1e-2, SinkhornOptions{MaxIter: 10000, StopThr: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Optimal {
		t.Fatalf("status %v after %d iterations (err %g), want optimal", res.Status, res.Iterations, res.Err)
	}
	for j := 0; j < 3; j++ {
		if p := res.Plan.At(1, j); p != 0 {
			t.Errorf("plan[1,%d] = %g, want 0 for the zero-weight row", j, p)
		}
	}
	for i := 0; i < 4; i++ {
		if p := res.Plan.At(i, 0); p != 0 {
			t.Errorf("plan[%d,0] = %g, want 0 for the zero-weight column", i, p)
		}
	}
	for i, want := range a {
		var got float64
		for j := 0; j < 3; j++ {
			got += res.Plan.At(i, j)
		}
		if math.Abs(got-want) > 1e-10 {
			t.Errorf("row %d sums to %.17g, want %g", i, got, want)
		}
	}
}

func TestBelowTwinsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	for n := 0; n <= 41; n++ {
		x, y := make([]float64, n+8), make([]float64, n+8)
		for i := range x {
			x[i], y[i] = math.NaN(), math.NaN()
		}
		for i := 0; i < n; i++ {
			// Few distinct values, so differences equal to thr are common.
			x[4+i], y[4+i] = float64(rng.IntN(4)), float64(rng.IntN(3))
		}
		xs, ys := x[4:4+n:4+n], y[4:4+n:4+n]
		idx := make([]int32, n)
		got := idx[:below(xs, ys, 1, idx)]
		var want []int32
		for k := range xs {
			if xs[k]-ys[k] < 1 {
				want = append(want, int32(k))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: got %v, want %v (useAVX2 %v)", n, got, want, useAVX2)
		}
	}
}

// dot and axpy must match their pure-Go twins for every length, tails
// included, and stay inside the slices they are given: the slices are cut
// from buffers whose guard regions hold NaN.
func TestDotAxpyTwinsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	guarded := func(n int) (buf, s []float64) {
		buf = make([]float64, n+16)
		for i := range buf {
			buf[i] = math.NaN()
		}
		for i := 0; i < n; i++ {
			buf[8+i] = rng.NormFloat64()
		}
		return buf, buf[8 : 8+n : 8+n]
	}
	for n := 0; n <= 70; n++ {
		_, x := guarded(n)
		ybuf, y := guarded(n)
		if got, want := dot(x, y), dotGo(x, y); math.IsNaN(got) || math.Abs(got-want) > 1e-12*float64(n+1) {
			t.Fatalf("n=%d: dot got %.17g, want %.17g", n, got, want)
		}
		y2 := append([]float64(nil), y...)
		axpy(0.7, x, y)
		axpyGo(0.7, x, y2)
		for i := range y {
			if math.IsNaN(y[i]) || math.Abs(y[i]-y2[i]) > 1e-14 {
				t.Fatalf("n=%d: axpy element %d got %.17g, want %.17g", n, i, y[i], y2[i])
			}
		}
		for i, v := range ybuf {
			if (i < 8 || i >= 8+n) && !math.IsNaN(v) {
				t.Fatalf("n=%d: axpy wrote to guard element %d", n, i)
			}
		}
	}
}

// Epsilon scaling changes the path, not the solution: at a reg small enough
// to use several stages, both runs reach the same plan.
func TestSinkhornEpsilonScalingSamePlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	a, b := randSimplex(rng, 25), randSimplex(rng, 30)
	M := randMatrix(rng, 25, 30)
	reg := 3e-4
	s := newSinkhornState(a, b, M, SinkhornOptions{})
	if stages := s.epsilonSchedule(reg); len(stages) < 3 {
		t.Fatalf("reg %g gives stages %v, want at least 3", reg, stages)
	}
	opt := SinkhornOptions{MaxIter: 100000, StopThr: 1e-13}
	scaled, err := Sinkhorn(context.Background(), a, b, M, reg, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.NoEpsilonScaling = true
	direct, err := Sinkhorn(context.Background(), a, b, M, reg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if scaled.Status != Optimal || direct.Status != Optimal {
		t.Fatalf("status scaled %v (%d iterations), direct %v (%d iterations)", scaled.Status, scaled.Iterations, direct.Status, direct.Iterations)
	}
	for k := range scaled.Plan.Data {
		if d := math.Abs(scaled.Plan.Data[k] - direct.Plan.Data[k]); d > 1e-10 {
			t.Fatalf("plan element %d: scaled %.17g, direct %.17g", k, scaled.Plan.Data[k], direct.Plan.Data[k])
		}
	}
	t.Logf("iterations: with epsilon scaling %d, without %d", scaled.Iterations, direct.Iterations)
}

// TestSinkhornIgnoresThreads checks that the plan is the same to the bit
// with any number of goroutines, so a recipe gives the same digits on any
// machine.
func TestSinkhornIgnoresThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	a, b := randSimplex(rng, 700), randSimplex(rng, 300)
	M := randMatrix(rng, 700, 300)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var first *SinkhornResult
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		res, err := Sinkhorn(context.Background(), a, b, M, 0.05, SinkhornOptions{StopThr: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		if res.Iterations != first.Iterations {
			t.Fatalf("GOMAXPROCS %d: %d iterations, want %d as with 1", procs, res.Iterations, first.Iterations)
		}
		for k, x := range res.Plan.Data {
			if x != first.Plan.Data[k] {
				t.Fatalf("GOMAXPROCS %d: plan element %d is %.17g, want %.17g as with 1", procs, k, x, first.Plan.Data[k])
			}
		}
	}
}

func TestLinearAssignmentCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rng := rand.New(rand.NewPCG(18, 18))
	for _, shape := range [][2]int{{40, 40}, {20, 40}} {
		_, err := LinearAssignmentContext(ctx, randMatrix(rng, shape[0], shape[1]), false)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v: got %v, want context.Canceled", shape, err)
		}
	}
}

// normalized returns w scaled to sum 1, or the uniform vector when w is all
// zero.
func normalized(w []float64) []float64 {
	var s float64
	for _, x := range w {
		s += x
	}
	if s == 0 {
		return Unif(len(w))
	}
	out := make([]float64, len(w))
	for i, x := range w {
		out[i] = x / s
	}
	return out
}

// The vectorized row scan and its scalar tail must agree with a plain loop
// for every length, with finished columns (v = −Inf, dist = +Inf) skipped.
func TestScanRowMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	for n := 1; n <= 23; n++ {
		c, v := make([]float64, n), make([]float64, n)
		dist, pred := make([]float64, n), make([]int64, n)
		for k := range c {
			c[k] = float64(rng.IntN(5))
			v[k] = float64(rng.IntN(3))
			dist[k] = float64(rng.IntN(6))
			pred[k] = -1
			if rng.IntN(4) == 0 {
				v[k], dist[k] = math.Inf(-1), math.Inf(1)
			}
		}
		wantDist, wantPred := append([]float64(nil), dist...), append([]int64(nil), pred...)
		wantBest, wantIdx := math.Inf(1), -1
		for k := range c {
			if t := c[k] - v[k] - 0.5; t < wantDist[k] {
				wantDist[k], wantPred[k] = t, 7
			}
			if wantDist[k] < wantBest {
				wantBest, wantIdx = wantDist[k], k
			}
		}
		best, idx := scanRow(c, v, dist, pred, 0.5, 7)
		if best != wantBest || idx != wantIdx {
			t.Fatalf("n=%d: got (%g, %d), want (%g, %d)", n, best, idx, wantBest, wantIdx)
		}
		for k := range c {
			if dist[k] != wantDist[k] || pred[k] != wantPred[k] {
				t.Fatalf("n=%d, column %d: got dist %g pred %d, want %g and %d", n, k, dist[k], pred[k], wantDist[k], wantPred[k])
			}
		}
	}
}

func TestDot4Axpy4TwinsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	guarded := func(n int) (buf, s []float64) {
		buf = make([]float64, n+16)
		for i := range buf {
			buf[i] = math.NaN()
		}
		for i := 0; i < n; i++ {
			buf[8+i] = rng.NormFloat64()
		}
		return buf, buf[8 : 8+n : 8+n]
	}
	for n := 1; n <= 70; n++ {
		var rows [4][]float64
		for r := range rows {
			_, rows[r] = guarded(n)
		}
		_, v := guarded(n)
		got := dot4(&rows, v)
		for r := range rows {
			if want := dotGo(rows[r], v); math.IsNaN(got[r]) || math.Abs(got[r]-want) > 1e-12*float64(n+1) {
				t.Fatalf("n=%d: dot4 row %d got %.17g, want %.17g", n, r, got[r], want)
			}
		}

		accBuf, acc := guarded(n)
		want := append([]float64(nil), acc...)
		u := [4]float64{0.7, -1.3, 0, 2.5}
		axpy4(&u, &rows, acc)
		for r := range rows {
			axpyGo(u[r], rows[r], want)
		}
		for i := range acc {
			if math.IsNaN(acc[i]) || math.Abs(acc[i]-want[i]) > 1e-13 {
				t.Fatalf("n=%d: axpy4 element %d got %.17g, want %.17g", n, i, acc[i], want[i])
			}
		}
		for i, x := range accBuf {
			if (i < 8 || i >= 8+n) && !math.IsNaN(x) {
				t.Fatalf("n=%d: axpy4 wrote to guard element %d", n, i)
			}
		}
	}
}

func TestSinkhornStopsLikePOT(t *testing.T) {
	// POT tests ‖Pᵀ1 − b‖₂ after the update of u, at iterations 1, 11,
	// 21, ... (its 0-based ii % 10 == 0), so a converged run stops at such an
	// iteration, with exact row marginals, and the check 10 iterations
	// earlier failed.
	rng := rand.New(rand.NewPCG(17, 17))
	n, m := 40, 50
	a, b := randSimplex(rng, n), randSimplex(rng, m)
	M := randMatrix(rng, n, m)
	opt := SinkhornOptions{StopThr: 1e-9, NoEpsilonScaling: true}
	res, err := Sinkhorn(context.Background(), a, b, M, 0.05, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Optimal || res.Iterations%10 != 1 || res.Iterations < 11 {
		t.Fatalf("status %v after %d iterations, want optimal after 10k+1 > 1", res.Status, res.Iterations)
	}
	colErr := 0.0
	for j := 0; j < m; j++ {
		var s float64
		for i := 0; i < n; i++ {
			s += res.Plan.At(i, j)
		}
		colErr += (s - b[j]) * (s - b[j])
	}
	if colErr = math.Sqrt(colErr); colErr >= opt.StopThr || math.Abs(colErr-res.Err) > 1e-12 {
		t.Errorf("column error %g, Err %g, want equal and below %g", colErr, res.Err, opt.StopThr)
	}
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < m; j++ {
			s += res.Plan.At(i, j)
		}
		if math.Abs(s-a[i]) > 1e-15 {
			t.Errorf("row %d sums to %.17g, want %.17g", i, s, a[i])
		}
	}

	opt.MaxIter = res.Iterations - 10
	earlier, err := Sinkhorn(context.Background(), a, b, M, 0.05, opt)
	if err != nil {
		t.Fatal(err)
	}
	if earlier.Status != MaxIterReached || earlier.Err < opt.StopThr {
		t.Errorf("capped at %d: status %v, Err %g, want max_iter_reached with Err >= %g",
			opt.MaxIter, earlier.Status, earlier.Err, opt.StopThr)
	}
}

func TestExpInPlaceMatchesMathExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 18))
	var x []float64
	for range 20000 {
		x = append(x, -745+1455*rng.Float64())
	}
	// Range edges, values the kernel leaves to math.Exp, and exact cases.
	x = append(x, -708, 709, -708.0000001, 709.0000001, -746, 710, 0, -0.0, 1, -1,
		math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e-300, 0.5*math.Ln2, -0.5*math.Ln2)
	for len(x)%4 != 3 {
		x = append(x, rng.NormFloat64())
	}
	got := append([]float64(nil), x...)
	expInPlace(got)
	for k, v := range x {
		want := math.Exp(v)
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(got[k]) {
				t.Fatalf("exp(%g): got %g, want NaN", v, got[k])
			}
		case want == 0 || math.IsInf(want, 0):
			if got[k] != want {
				t.Fatalf("exp(%g): got %g, want %g", v, got[k], want)
			}
		default:
			// The AVX2 kernel's bound, about 2 ulp.
			if d := math.Abs(got[k]-want) / want; d > 4.5e-16 {
				t.Fatalf("exp(%.17g): got %.17g, want %.17g (relative error %.2g)", v, got[k], want, d)
			}
		}
	}
}
