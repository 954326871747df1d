package moe

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"pare/ops/llm"
	"pare/ops/ot"
)

// energyFraction returns Σ_k ‖S_k[perm_k] − X‖²_F / Σ_k ‖S_k‖²_F.
func energyFraction(experts []ot.Matrix, perms [][]int, X ot.Matrix) float64 {
	var num, den float64
	for k, S := range experts {
		R := Residual(S, perms[k], X)
		for t, v := range R.Data {
			num += v * v
			den += S.Data[t] * S.Data[t]
		}
	}
	return num / den
}

// TestStoriesResidualEnergy logs how much of the experts' energy the
// barycenter and the unaligned mean leave in the residuals, for experts
// derived from stories260K (run with -v to see the values).
func TestStoriesResidualEnergy(t *testing.T) {
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the shared data folder to run real-model tests")
	}
	m, err := llm.Load(filepath.Join(root, "llm", "stories260K.bin"), filepath.Join(root, "llm", "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{4, 8} {
		split, _, err := llm.MoEfy(context.Background(), m, llm.MoEfyOptions{Experts: n})
		if err != nil {
			t.Fatal(err)
		}
		for l := range split.Layers {
			experts := ExpertMatrices(split.Layers[l].MoE)
			bc, err := Barycenter(context.Background(), experts, BarycenterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			identity := make([][]int, n)
			for k := range identity {
				identity[k] = make([]int, experts[0].Rows)
				for j := range identity[k] {
					identity[k][j] = j
				}
			}
			bary := energyFraction(experts, bc.Perms, bc.X)
			avg := energyFraction(experts, identity, Average(experts))
			t.Logf("%d experts, layer %d: residual energy fraction barycenter %.4f, unaligned mean %.4f, unrelated experts %.4f (iterations %d)",
				n, l, bary, avg, float64(n-1)/float64(n), bc.Iterations)
			if !(bary > 0 && bary <= avg) {
				t.Errorf("%d experts, layer %d: barycenter leaves %.4f of the energy, want (0, %.4f], the unaligned mean's", n, l, bary, avg)
			}
		}
	}
}
