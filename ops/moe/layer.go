package moe

import (
	"context"
	"fmt"
	"math"

	"pare/ops/ot"
)

// Compression methods. ResMoE proper is MethodResMoEUP and MethodResMoESVD;
// the others are the baselines it is compared with.
const (
	// MethodResMoEUP: barycenter, alignment, residuals pruned by magnitude.
	MethodResMoEUP = "resmoe_up"
	// MethodResMoESVD: barycenter, alignment, residuals by truncated SVD.
	MethodResMoESVD = "resmoe_svd"
	// MethodUPRaw prunes every raw expert by magnitude, with no center.
	MethodUPRaw = "up_raw"
	// MethodSVDRaw replaces every raw expert by a truncated SVD.
	MethodSVDRaw = "svd_raw"
	// MethodAverageResidual uses the element-wise mean of the unaligned
	// experts as the center and prunes the residuals by magnitude.
	MethodAverageResidual = "average_residual"
	// MethodMergeAverage replaces every expert by the mean of the unaligned
	// experts and stores nothing else.
	MethodMergeAverage = "merge_average"
	// MethodAlignToFirst aligns every expert to expert 0 once (no
	// barycenter iterations), takes the mean of the aligned experts as the
	// center and prunes the residuals by magnitude.
	MethodAlignToFirst = "align_to_first"
)

// Methods lists every compression method.
var Methods = []string{MethodResMoEUP, MethodResMoESVD, MethodUPRaw, MethodSVDRaw, MethodAverageResidual, MethodMergeAverage, MethodAlignToFirst}

// LayerOptions configures CompressLayer.
type LayerOptions struct {
	Method string
	// Keep is the fraction of each residual's p·D entries that survive
	// (0.25 in ResMoE). Methods without a center store the same total
	// number of parameters as a centered method: see RawKeep.
	Keep float64
	// Barycenter configures the ResMoE barycenter iterations.
	Barycenter BarycenterOptions
	// RawKeepPerExpert makes up_raw and svd_raw keep the fraction Keep of
	// each expert (the same keep ratio as a residual) instead of RawKeep,
	// the same total budget as a centered method.
	RawKeepPerExpert bool
}

// RawKeep returns the keep fraction that gives each of n uncentered experts
// the parameter budget of a centered method. The center (p·D) plus n
// residuals at keep hold (1 + n·keep)·p·D numbers, so each raw expert keeps
// min(1, keep + 1/n) of its entries.
func RawKeep(keep float64, n int) float64 {
	return math.Min(1, keep+1/float64(n))
}

// CompressedLayer is one compressed MoE layer. Expert k is restored as
// Center + Sparse[k] (or + LowRank[k].Dense()); for the raw methods Center
// is empty and the term alone is the expert. Restored experts are in the
// aligned neuron order Perms[k] (row j is original neuron Perms[k][j]),
// which computes the same function as the original order.
type CompressedLayer struct {
	Method string
	Keep   float64
	// D is the model width d, so the support points have 3d (gated) or 2d
	// entries.
	D     int
	Gated bool
	// Experts and Width (p) give the layer's shape.
	Experts, Width int
	Center         ot.Matrix
	Sparse         []ot.Matrix
	LowRank        []LowRank
	// Perms is the alignment of every expert (identity for methods that do
	// not align). It is needed for error measurement only and is not
	// stored in a container.
	Perms [][]int
	// Iterations and Converged describe the barycenter run (zero for
	// methods without one).
	Iterations int
	Converged  bool
}

// Params returns the number of stored numbers: the center, the nonzero
// entries of the sparse terms and the low-rank factors. Sparse index
// overhead is not included.
func (c *CompressedLayer) Params() int {
	n := len(c.Center.Data)
	for _, s := range c.Sparse {
		for _, v := range s.Data {
			if v != 0 {
				n++
			}
		}
	}
	for _, f := range c.LowRank {
		n += len(f.U.Data) + len(f.V.Data)
	}
	return n
}

// Restore returns every expert's restored p×D support-point matrix.
func (c *CompressedLayer) Restore() []ot.Matrix {
	out := make([]ot.Matrix, c.Experts)
	D := c.D * 2
	if c.Gated {
		D = c.D * 3
	}
	for k := range out {
		var term ot.Matrix
		switch {
		case c.Sparse != nil:
			term = c.Sparse[k]
		case c.LowRank != nil:
			term = c.LowRank[k].Dense()
		default:
			term = ot.NewMatrix(c.Width, D)
		}
		if len(c.Center.Data) > 0 {
			out[k] = Restore(c.Center, term)
		} else {
			out[k] = term
		}
	}
	return out
}

// RelativeErrorOf returns √(Σ_k ‖Ŝ_k − S_k[Perms[k]]‖²_F / Σ_k ‖S_k‖²_F), the
// relative Frobenius error of the restored experts of the whole layer,
// compared in the aligned neuron order.
func (c *CompressedLayer) RelativeErrorOf(experts []ot.Matrix) float64 {
	var num, den float64
	for k, R := range c.Restore() {
		A := PermuteRows(experts[k], c.Perms[k])
		for t, v := range A.Data {
			d := R.Data[t] - v
			num += d * d
			den += v * v
		}
	}
	return math.Sqrt(num / den)
}

// CompressLayer compresses the experts of one layer (each the p×D matrix of
// Stack, model width d) with opt.Method at opt.Keep.
func CompressLayer(ctx context.Context, experts []ot.Matrix, d int, gated bool, opt LayerOptions) (*CompressedLayer, error) {
	if len(experts) == 0 {
		return nil, fmt.Errorf("moe: experts: got none, want at least one")
	}
	p, D := experts[0].Rows, experts[0].Cols
	for k, S := range experts {
		if S.Rows != p || S.Cols != D || len(S.Data) != p*D {
			return nil, fmt.Errorf("moe: experts[%d]: got %d×%d, want %d×%d like experts[0]; every expert must have the same width", k, S.Rows, S.Cols, p, D)
		}
	}
	blocks := 2
	if gated {
		blocks = 3
	}
	if D != blocks*d {
		return nil, fmt.Errorf("moe: experts: got %d columns, want %d = %d blocks × d = %d", D, blocks*d, blocks, d)
	}
	if !(opt.Keep > 0 && opt.Keep <= 1) {
		return nil, fmt.Errorf("moe: keep: got %g, want a fraction in (0, 1]", opt.Keep)
	}
	N := len(experts)
	c := &CompressedLayer{Method: opt.Method, Keep: opt.Keep, D: d, Gated: gated, Experts: N, Width: p}
	identity := make([]int, p)
	for j := range identity {
		identity[j] = j
	}
	c.Perms = make([][]int, N)
	for k := range c.Perms {
		c.Perms[k] = identity
	}

	var residuals []ot.Matrix
	switch opt.Method {
	case MethodResMoEUP, MethodResMoESVD:
		bc, err := Barycenter(ctx, experts, opt.Barycenter)
		if err != nil {
			return nil, err
		}
		c.Center, c.Perms, c.Iterations, c.Converged = bc.X, bc.Perms, bc.Iterations, bc.Converged
	case MethodAverageResidual, MethodMergeAverage:
		c.Center = Average(experts)
	case MethodAlignToFirst:
		for k := 1; k < N; k++ {
			perm, err := Align(experts[0], experts[k])
			if err != nil {
				return nil, fmt.Errorf("moe: expert %d: %w", k, err)
			}
			c.Perms[k] = perm
		}
		aligned := make([]ot.Matrix, N)
		for k := range experts {
			aligned[k] = PermuteRows(experts[k], c.Perms[k])
		}
		c.Center = Average(aligned)
	case MethodUPRaw, MethodSVDRaw:
	default:
		return nil, fmt.Errorf("moe: method: got %q, want one of %v", opt.Method, Methods)
	}
	if len(c.Center.Data) > 0 {
		for k := range experts {
			residuals = append(residuals, Residual(experts[k], c.Perms[k], c.Center))
		}
	} else {
		residuals = experts
	}

	keep := opt.Keep
	if (opt.Method == MethodUPRaw || opt.Method == MethodSVDRaw) && !opt.RawKeepPerExpert {
		keep = RawKeep(opt.Keep, N)
	}
	switch opt.Method {
	case MethodMergeAverage:
	case MethodResMoESVD, MethodSVDRaw:
		for k, R := range residuals {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			f, err := TruncatedSVD(R, keep)
			if err != nil {
				return nil, fmt.Errorf("expert %d: %w", k, err)
			}
			c.LowRank = append(c.LowRank, f)
		}
	default:
		for k, R := range residuals {
			pruned, _, err := PruneMagnitude(R, keep)
			if err != nil {
				return nil, fmt.Errorf("expert %d: %w", k, err)
			}
			c.Sparse = append(c.Sparse, pruned)
		}
	}
	c.roundToFloat32()
	return c, nil
}

// roundToFloat32 rounds every stored number to float32, the precision the
// container stores, so that a layer restores the same experts before and
// after a save and load.
func (c *CompressedLayer) roundToFloat32() {
	round := func(xs []float64) {
		for i, v := range xs {
			xs[i] = float64(float32(v))
		}
	}
	round(c.Center.Data)
	for _, s := range c.Sparse {
		round(s.Data)
	}
	for _, f := range c.LowRank {
		round(f.U.Data)
		round(f.V.Data)
	}
}
