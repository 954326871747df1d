package moe

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pare/ops/ot"
)

func randn(rng *rand.Rand, rows, cols int, scale float64) ot.Matrix {
	m := ot.NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = scale * rng.NormFloat64()
	}
	return m
}

func randExpert(rng *rand.Rand, p, d int, gated bool) Expert {
	e := Expert{W1: randn(rng, p, d, 1), W2: randn(rng, d, p, 1)}
	if gated {
		e.W3 = randn(rng, p, d, 1)
	}
	return e
}

// forward evaluates W2·(silu(W1·x) ⊙ (W3·x)), or W2·relu(W1·x) without W3.
func forward(e Expert, x []float64) []float64 {
	p, d := e.W1.Rows, e.W1.Cols
	h := make([]float64, p)
	for j := 0; j < p; j++ {
		var a, b float64
		for c := 0; c < d; c++ {
			a += e.W1.At(j, c) * x[c]
			if e.Gated() {
				b += e.W3.At(j, c) * x[c]
			}
		}
		if e.Gated() {
			h[j] = a / (1 + math.Exp(-a)) * b
		} else {
			h[j] = math.Max(a, 0)
		}
	}
	y := make([]float64, d)
	for c := 0; c < d; c++ {
		for j := 0; j < p; j++ {
			y[c] += e.W2.At(c, j) * h[j]
		}
	}
	return y
}

func maxAbsDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestStackSplitRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, gated := range []bool{true, false} {
		e := randExpert(rng, 7, 5, gated)
		S, err := Stack(e)
		if err != nil {
			t.Fatal(err)
		}
		wantCols := 10
		if gated {
			wantCols = 15
		}
		if S.Rows != 7 || S.Cols != wantCols {
			t.Fatalf("gated %v: S is %d×%d, want 7×%d", gated, S.Rows, S.Cols, wantCols)
		}
		if S.At(3, S.Cols-5+2) != e.W2.At(2, 3) {
			t.Errorf("gated %v: S[3] does not end with column 3 of W2", gated)
		}
		back, err := Split(S, 5, gated)
		if err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]ot.Matrix{"W1": {back.W1, e.W1}, "W2": {back.W2, e.W2}, "W3": {back.W3, e.W3}} {
			if !slices.Equal(pair[0].Data, pair[1].Data) {
				t.Errorf("gated %v: %s differs after Stack and Split", gated, name)
			}
		}
	}
}

func TestNeuronPermutationKeepsFunction(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, gated := range []bool{true, false} {
		e := randExpert(rng, 9, 4, gated)
		S, _ := Stack(e)
		permuted, err := Split(PermuteRows(S, rng.Perm(9)), 4, gated)
		if err != nil {
			t.Fatal(err)
		}
		x := []float64{0.3, -1.2, 0.7, 2.0}
		if d := maxAbsDiff(forward(e, x), forward(permuted, x)); d > 1e-12 {
			t.Errorf("gated %v: permuted expert output differs by %g, want 0", gated, d)
		}
	}
}

func TestAlignMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 50; trial++ {
		p := 1 + rng.IntN(6)
		X, S := randn(rng, p, 4, 1), randn(rng, p, 4, 1)
		perm, err := Align(X, S)
		if err != nil {
			t.Fatal(err)
		}
		got := sqDist(PermuteRows(S, perm), X)
		best := math.Inf(1)
		forEachPerm(p, func(q []int) { best = math.Min(best, sqDist(PermuteRows(S, q), X)) })
		if got > best+1e-12 {
			t.Fatalf("trial %d: alignment cost %.17g, brute-force optimum %.17g", trial, got, best)
		}
	}
}

func forEachPerm(n int, fn func([]int)) {
	q := make([]int, n)
	used := make([]bool, n)
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			fn(q)
			return
		}
		for v := 0; v < n; v++ {
			if !used[v] {
				used[v], q[i] = true, v
				rec(i + 1)
				used[v] = false
			}
		}
	}
	rec(0)
}

func sqDist(A, B ot.Matrix) float64 {
	var s float64
	for t := range A.Data {
		d := A.Data[t] - B.Data[t]
		s += d * d
	}
	return s
}

// Planted recovery: experts are random neuron permutations of one base
// expert plus small noise. The barycenter must match the base within the
// noise, and every alignment must recover its permutation.
func TestBarycenterPlantedRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	N, p, d := 8, 48, 16
	const noise = 1e-2
	base, _ := Stack(randExpert(rng, p, d, true))
	experts := make([]ot.Matrix, N)
	perms := make([][]int, N)
	for k := range experts {
		perms[k] = rng.Perm(p)
		// Row perms[k][j] of expert k is base neuron j.
		E := ot.NewMatrix(p, base.Cols)
		for j, l := range perms[k] {
			copy(E.Row(l), base.Row(j))
		}
		for i := range E.Data {
			E.Data[i] += noise * rng.NormFloat64()
		}
		experts[k] = E
	}

	res, err := Barycenter(context.Background(), experts, BarycenterOptions{Init: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged {
		t.Fatalf("not converged after %d iterations", res.Iterations)
	}

	// X starts in expert 3's order: X row j is base neuron inv3[j].
	inv3 := make([]int, p)
	for j, l := range perms[3] {
		inv3[l] = j
	}
	aligned := PermuteRows(base, inv3)
	var maxDev float64
	for i := range aligned.Data {
		maxDev = math.Max(maxDev, math.Abs(res.X.Data[i]-aligned.Data[i]))
	}
	// The mean of N noisy copies deviates by about noise/√N per entry; 5
	// noise levels bound the maximum over all entries (an estimate, not a tuned value).
	if maxDev > 5*noise {
		t.Errorf("barycenter deviates from the base by up to %g, want within the noise level %g", maxDev, noise)
	}
	for k := range experts {
		for j, l := range res.Perms[k] {
			if want := perms[k][inv3[j]]; l != want {
				t.Fatalf("expert %d: barycenter row %d aligned to neuron %d, want planted %d", k, j, l, want)
			}
		}
	}
}

// With uniform equal-size measures the barycenter objective equals the
// mean squared W2 distance times p (Frobenius form).
func TestBarycenterFrobeniusIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	N, p, D := 4, 12, 6
	experts := make([]ot.Matrix, N)
	for k := range experts {
		experts[k] = randn(rng, p, D, 1)
	}
	res, err := Barycenter(context.Background(), experts, BarycenterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var meanW2 float64
	for _, S := range experts {
		M, err := ot.Dist(res.X, S, ot.SqEuclidean)
		if err != nil {
			t.Fatal(err)
		}
		w2, status, err := ot.EMD2(context.Background(), ot.Unif(p), ot.Unif(p), M, 0)
		if err != nil || status != ot.Optimal {
			t.Fatalf("EMD2: %v %v", status, err)
		}
		meanW2 += w2 / float64(N)
	}
	if got, want := res.Objective, float64(p)*meanW2; math.Abs(got-want) > 1e-9*want {
		t.Errorf("objective %.17g, want p·mean W2² = %.17g", got, want)
	}
	if !res.Converged {
		t.Errorf("not converged after %d iterations", res.Iterations)
	}
}

func TestRestoreFullBudgetIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	N, p, d := 3, 10, 4
	raw := make([]Expert, N)
	experts := make([]ot.Matrix, N)
	for k := range raw {
		raw[k] = randExpert(rng, p, d, true)
		experts[k], _ = Stack(raw[k])
	}
	res, err := Barycenter(context.Background(), experts, BarycenterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1, -0.5, 0.25, 2}
	for k, S := range experts {
		R := Residual(S, res.Perms[k], res.X)
		// Pruning at keep 1 keeps every entry. (Truncated SVD at keep 1 has
		// rank ⌊p·D/(p+D)⌋ < min(p, D), so it is not exact by design.)
		Rhat, kept, err := PruneMagnitude(R, 1)
		if err != nil {
			t.Fatal(err)
		}
		if kept != p*S.Cols {
			t.Errorf("expert %d: kept %d entries at keep 1, want %d", k, kept, p*S.Cols)
		}
		restored, err := Split(Restore(res.X, Rhat), d, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxAbsDiff(forward(restored, x), forward(raw[k], x)); diff > 1e-9 {
			t.Errorf("expert %d at keep 1: restored output differs by %g, want 0", k, diff)
		}
		back := InversePermuteRows(Restore(res.X, R), res.Perms[k])
		if e := RelativeError(back, S); e > 1e-12 {
			t.Errorf("expert %d: un-permuted restoration has relative error %g, want 0", k, e)
		}
	}
}

func TestPruneMagnitudeKeepsLargest(t *testing.T) {
	R := ot.Matrix{Rows: 2, Cols: 4, Data: []float64{0.5, -3, 1, 1, 0, 2, -1, 0.1}}
	got, kept, err := PruneMagnitude(R, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	// Four entries kept: |-3|, |2|, and the first two of the three ties at 1.
	want := []float64{0, -3, 1, 1, 0, 2, 0, 0}
	if kept != 4 || !slices.Equal(got.Data, want) {
		t.Errorf("got %v (kept %d), want %v (kept 4)", got.Data, kept, want)
	}
}

func TestRankForBudget(t *testing.T) {
	cases := []struct {
		name    string
		p, D    int
		keep    float64
		want    int
		wantErr string
	}{
		{"mixtral", 14336, 12288, 0.25, 1654, ""},
		{"switch-base-8", 3072, 1536, 0.25, 256, ""},
		{"stories260K 4 experts", 43, 192, 0.25, 8, ""},
		{"too small", 4, 4, 0.1, 0, "gives rank 0"},
		{"keep zero", 4, 4, 0, 0, "want a fraction in (0, 1]"},
	}
	for _, tc := range cases {
		got, err := RankForBudget(tc.p, tc.D, tc.keep)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got rank %d (err %v), want %d", tc.name, got, err, tc.want)
		}
	}
}

func TestTruncatedSVDIsBestLowRank(t *testing.T) {
	// A planted rank-2 matrix is recovered exactly at any rank >= 2.
	rng := rand.New(rand.NewPCG(7, 7))
	p, D := 12, 20
	A, B := randn(rng, p, 2, 1), randn(rng, 2, D, 1)
	R := LowRank{U: A, V: B}.Dense()
	f, err := TruncatedSVD(R, 0.25) // rank ⌊0.25·240/32⌋ = 1
	if err != nil {
		t.Fatal(err)
	}
	if f.U.Cols != 1 {
		t.Fatalf("rank %d, want 1", f.U.Cols)
	}
	f, err = TruncatedSVD(R, 0.3) // rank ⌊0.3·240/32⌋ = 2
	if err != nil {
		t.Fatal(err)
	}
	if e := RelativeError(f.Dense(), R); e > 1e-12 {
		t.Errorf("rank-2 reconstruction of a rank-2 matrix has relative error %g, want 0", e)
	}
}

func TestBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"different widths", func() error {
			_, err := Barycenter(context.Background(), []ot.Matrix{randn(rng, 4, 6, 1), randn(rng, 4, 9, 1)}, BarycenterOptions{})
			return err
		}, "experts[1]: got 4×9, want 4×6"},
		{"no experts", func() error { _, err := Barycenter(context.Background(), nil, BarycenterOptions{}); return err }, "got none"},
		{"init out of range", func() error {
			_, err := Barycenter(context.Background(), []ot.Matrix{randn(rng, 4, 6, 1)}, BarycenterOptions{Init: 2})
			return err
		}, "init: got 2"},
		{"budget keeps nothing", func() error { _, _, err := PruneMagnitude(randn(rng, 4, 4, 1), 0.01); return err }, "keeps 0 of the 4×4"},
		{"keep above one", func() error { _, _, err := PruneMagnitude(randn(rng, 4, 4, 1), 1.5); return err }, "keep: got 1.5"},
		{"split width", func() error { _, err := Split(randn(rng, 4, 10, 1), 4, true); return err }, "got 10 columns, want 12"},
		{"stack W2 shape", func() error {
			_, err := Stack(Expert{W1: randn(rng, 3, 2, 1), W2: randn(rng, 3, 2, 1)})
			return err
		}, "W2: got 3×2, want 2×3"},
	}
	for _, tc := range cases {
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// On experts that share structure up to neuron order, ResMoE's residuals are
// small, so at the same budget it reconstructs better than pruning the raw
// experts or averaging them without alignment.
func TestResidualPruningBeatsBaselines(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	N, p, d := 4, 32, 8
	const keep = 0.25
	base, _ := Stack(randExpert(rng, p, d, true))
	experts := make([]ot.Matrix, N)
	for k := range experts {
		experts[k] = PermuteRows(base, rng.Perm(p))
		for i := range experts[k].Data {
			experts[k].Data[i] += 0.3 * rng.NormFloat64()
		}
	}
	res, err := Barycenter(context.Background(), experts, BarycenterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	avg := Average(experts)
	identity := make([]int, p)
	for j := range identity {
		identity[j] = j
	}

	var errResMoE, errRaw, errAvg float64
	for k, S := range experts {
		Rhat, _, err := PruneMagnitude(Residual(S, res.Perms[k], res.X), keep)
		if err != nil {
			t.Fatal(err)
		}
		errResMoE += RelativeError(InversePermuteRows(Restore(res.X, Rhat), res.Perms[k]), S)

		pruned, _, err := PruneMagnitude(S, keep)
		if err != nil {
			t.Fatal(err)
		}
		errRaw += RelativeError(pruned, S)

		Rhat, _, err = PruneMagnitude(Residual(S, identity, avg), keep)
		if err != nil {
			t.Fatal(err)
		}
		errAvg += RelativeError(Restore(avg, Rhat), S)
	}
	if errResMoE >= errRaw || errResMoE >= errAvg {
		t.Errorf("mean relative error: ResMoE-UP %.4f, UP on raw experts %.4f, average without alignment %.4f; want ResMoE-UP lowest",
			errResMoE/float64(N), errRaw/float64(N), errAvg/float64(N))
	}
}
