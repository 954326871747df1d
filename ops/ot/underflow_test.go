package ot

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// At reg = 0.01 a cost c gives the kernel entry exp(−c/0.01): normal for
// c < 7.08, subnormal for c in [7.08, 7.45] and 0 above. With one source
// point the plan is b whatever reg is, so the cost is Σ_j b_j·M[0, j].
func TestSinkhornSubnormalKernelSingleRow(t *testing.T) {
	for _, first := range []float64{7.0, 7.1, 7.2, 7.3, 7.4, 7.45, 7.5, 20} {
		for _, noScaling := range []bool{false, true} {
			name := fmt.Sprintf("first cost %g, no epsilon scaling %v", first, noScaling)
			M := NewMatrix(1, 2)
			M.Data[0], M.Data[1] = first, 80
			res, err := Sinkhorn(context.Background(), []float64{1}, []float64{0.5, 0.5}, M, 0.01,
				SinkhornOptions{NoEpsilonScaling: noScaling})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := 0.5*first + 40
			if res.Status != Optimal {
				t.Errorf("%s: status %v after %d iterations (err %g), want optimal", name, res.Status, res.Iterations, res.Err)
			}
			if math.Abs(res.Cost-want) > 1e-12*want {
				t.Errorf("%s: cost %.17g, want %.17g", name, res.Cost, want)
			}
			emd, err := EMD(context.Background(), []float64{1}, []float64{0.5, 0.5}, M, 0)
			if err != nil {
				t.Fatalf("%s: EMD: %v", name, err)
			}
			if math.Abs(res.Cost-emd.Cost) > 1e-12*want {
				t.Errorf("%s: cost %.17g, EMD cost %.17g", name, res.Cost, emd.Cost)
			}
			for _, x := range append(res.F, res.G...) {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("%s: potentials F %v, G %v, want finite", name, res.F, res.G)
					break
				}
			}
		}
	}
}

// Adding a constant to a row or a column of M changes neither the
// entropic plan nor anything but the cost by Σ a_i·r_i + Σ b_j·c_j. Shifts
// that push every kernel entry of a row or column into the subnormal range
// or to 0 must give the plan of the unshifted problem, with and without
// epsilon scaling.
func TestSinkhornShiftedCostsUnderflow(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	n, m, reg := 12, 15, 0.01
	a, b := randSimplex(rng, n), randSimplex(rng, m)
	base := randMatrix(rng, n, m)
	for k := range base.Data {
		base.Data[k] *= 0.3
	}
	cases := []struct {
		name             string
		rowShift, colMax float64
		rowLo            float64
	}{
		// exp(−shift/reg) subnormal for every row.
		{"rows subnormal", 0.36, 0, 7.09},
		// The first kernel entry of each row is subnormal or 0.
		{"rows subnormal or zero", 1.0, 0, 7.09},
		// Whole rows and columns underflow to 0.
		{"rows and columns zero", 3.0, 9, 7.5},
	}
	for _, tc := range cases {
		M := NewMatrix(n, m)
		shift := 0.0
		rowOff, colOff := make([]float64, n), make([]float64, m)
		for i := range rowOff {
			rowOff[i] = tc.rowLo + tc.rowShift*rng.Float64()
			shift += a[i] * rowOff[i]
		}
		for j := range colOff {
			colOff[j] = tc.colMax * rng.Float64()
			shift += b[j] * colOff[j]
		}
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				M.Data[i*m+j] = base.Data[i*m+j] + rowOff[i] + colOff[j]
			}
		}
		for _, noScaling := range []bool{false, true} {
			name := fmt.Sprintf("%s, no epsilon scaling %v", tc.name, noScaling)
			opt := SinkhornOptions{MaxIter: 100000, StopThr: 1e-12, NoEpsilonScaling: noScaling}
			want, err := Sinkhorn(context.Background(), a, b, base, reg, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Sinkhorn(context.Background(), a, b, M, reg, opt)
			if err != nil {
				t.Fatal(err)
			}
			if want.Status != Optimal || got.Status != Optimal {
				t.Fatalf("%s: status unshifted %v, shifted %v after %d iterations (err %g), want optimal",
					name, want.Status, got.Status, got.Iterations, got.Err)
			}
			for k := range want.Plan.Data {
				if d := math.Abs(got.Plan.Data[k] - want.Plan.Data[k]); d > 1e-10 {
					t.Fatalf("%s: plan element %d is %.17g, unshifted %.17g", name, k, got.Plan.Data[k], want.Plan.Data[k])
				}
			}
			if d := math.Abs(got.Cost - (want.Cost + shift)); d > 1e-9 {
				t.Errorf("%s: cost %.17g, want unshifted cost + shift = %.17g", name, got.Cost, want.Cost+shift)
			}
		}
	}
}

// At reg = max(M)/10⁴ plain Sinkhorn needs tens of thousands of
// iterations, and rows of the first kernel underflow. The cost must stay
// finite and, once converged, lie within reg·log(n·m) above the EMD cost
// (up to the marginal error):
// ⟨P_reg, M⟩ − reg·H(P_reg) ≤ ⟨P*, M⟩ − reg·H(P*) and 0 ≤ H ≤ log(n·m).
func TestSinkhornSmallRegNearEMD(t *testing.T) {
	n, m, reg := 30, 30, 0.01
	bound := reg * math.Log(float64(n*m))
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(41, seed))
		a, b := randSimplex(rng, n), randSimplex(rng, m)
		M := randMatrix(rng, n, m)
		for k := range M.Data {
			M.Data[k] *= 100
		}
		exact, err := EMD(context.Background(), a, b, M, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, noScaling := range []bool{false, true} {
			name := fmt.Sprintf("seed %d, no epsilon scaling %v", seed, noScaling)
			capped, err := Sinkhorn(context.Background(), a, b, M, reg, SinkhornOptions{NoEpsilonScaling: noScaling})
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(capped.Cost) || math.IsNaN(capped.Err) {
				t.Errorf("%s, 1000 iterations: cost %g, err %g, want numbers", name, capped.Cost, capped.Err)
			}
			res, err := Sinkhorn(context.Background(), a, b, M, reg, SinkhornOptions{MaxIter: 200000, NoEpsilonScaling: noScaling})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != Optimal {
				t.Errorf("%s: status %v after %d iterations (err %g), want optimal", name, res.Status, res.Iterations, res.Err)
				continue
			}
			// The column marginals are off by at most √m·Err in L1, which
			// moves the cost by at most max(M) times that.
			slack := 100 * math.Sqrt(float64(m)) * res.Err
			if gap := res.Cost - exact.Cost; gap < -slack || gap > bound+slack {
				t.Errorf("%s: cost %.12g, EMD %.12g: gap %g, want in [%g, %g]", name, res.Cost, exact.Cost, gap, -slack, bound+slack)
			}
		}
	}
}
