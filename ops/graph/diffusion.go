package graph

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Graph diffusion S = Σ_k θ_k T^k with T = Â = D^-1/2 (A + I) D^-1/2, as in
// "Diffusion Improves Graph Learning" (GDC, Klicpera et al., arXiv
// 1911.05485) and MVGRL (Hassani and Khasahmadi, arXiv 2006.05582):
//
//	PPR:  θ_k = α (1−α)^k, so S = α (I − (1−α) Â)^-1
//	heat: θ_k = e^-t t^k / k!, so S = exp(−t (I − Â))
//
// S is dense (N×N), computed by summing the series with SpMM until the next
// term's largest entry falls below Tol, then sparsified per row.
//
// NOTE: MVGRL's released code computes its heat view with an element-wise
// exponential; this is the matrix exponential of GDC.

// MaxDiffusionNodes bounds N for the dense N×N diffusion matrix (4·N² bytes,
// about 1.6 GB at this bound).
const MaxDiffusionNodes = 20000

// DiffusionOptions select the kernel and the sparsification.
type DiffusionOptions struct {
	Kernel string  // "ppr" or "heat"
	Alpha  float64 // teleport probability for PPR, in (0, 1)
	T      float64 // diffusion time for heat, > 0
	// Exactly one of TopK (> 0: keep the TopK largest entries of each row)
	// and Eps (> 0: keep entries >= Eps) may be set; neither keeps S dense
	// (every entry is stored).
	TopK int
	Eps  float64
	// Tol stops the series when a term's largest entry is below it; 0 means
	// 1e-6.
	Tol float64
}

// Diffusion returns the sparsified diffusion matrix of a as a weighted CSR.
// It checks ctx between series terms and returns ctx.Err() when cancelled.
func Diffusion(ctx context.Context, a *CSR, opt DiffusionOptions) (*CSR, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if a.Rows != a.Cols {
		return nil, fmt.Errorf("graph: diffusion needs a square adjacency, got %d×%d", a.Rows, a.Cols)
	}
	n := a.Rows
	if n > MaxDiffusionNodes {
		return nil, fmt.Errorf("graph: diffusion of %d nodes needs a dense %d×%d matrix; the limit is %d nodes", n, n, n, MaxDiffusionNodes)
	}
	t := a
	if a.norm != "sym" {
		var err error
		if t, err = GCNNorm(a); err != nil {
			return nil, err
		}
	}
	s, err := diffusionSeries(ctx, t, opt)
	if err != nil {
		return nil, err
	}
	return sparsify(s, n, opt), nil
}

func (opt *DiffusionOptions) check() error {
	switch opt.Kernel {
	case "ppr":
		if !(opt.Alpha > 0 && opt.Alpha < 1) {
			return fmt.Errorf("graph: PPR diffusion: alpha %g, want a value in (0, 1)", opt.Alpha)
		}
	case "heat":
		if !(opt.T > 0) || opt.T > 100 {
			return fmt.Errorf("graph: heat diffusion: t %g, want a value in (0, 100]", opt.T)
		}
	default:
		return fmt.Errorf("graph: diffusion kernel %q, want \"ppr\" or \"heat\"", opt.Kernel)
	}
	if opt.TopK < 0 || opt.Eps < 0 || (opt.TopK > 0 && opt.Eps > 0) {
		return fmt.Errorf("graph: diffusion sparsification: top_k %d and eps %g; set at most one, positive", opt.TopK, opt.Eps)
	}
	if opt.Tol < 0 {
		return fmt.Errorf("graph: diffusion tolerance %g is negative", opt.Tol)
	}
	return nil
}

// diffusionSeries sums θ_k T^k as a dense row-major N×N matrix.
func diffusionSeries(ctx context.Context, t *CSR, opt DiffusionOptions) ([]float32, error) {
	n := t.Rows
	tol := opt.Tol
	if tol == 0 {
		tol = 1e-6
	}
	term := make([]float32, n*n) // θ_k T^k, starting with θ_0 I
	next := make([]float32, n*n)
	s := make([]float32, n*n)
	var theta0 float64
	if opt.Kernel == "ppr" {
		theta0 = opt.Alpha
	} else {
		theta0 = math.Exp(-opt.T)
	}
	for i := 0; i < n; i++ {
		term[i*n+i] = float32(theta0)
		s[i*n+i] = float32(theta0)
	}
	for k := 1; k <= 10000; k++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// θ_k / θ_{k-1}: (1−α) for PPR, t/k for heat.
		ratio := 1 - opt.Alpha
		if opt.Kernel == "heat" {
			ratio = opt.T / float64(k)
		}
		if err := SpMM(t, term, n, next); err != nil {
			return nil, err
		}
		largest := float32(0)
		r := float32(ratio)
		for i, v := range next {
			v *= r
			next[i] = v
			s[i] += v
			largest = max(largest, v, -v)
		}
		term, next = next, term
		// Heat terms can grow before they shrink, so stop only once the
		// ratio is below 1 as well.
		if float64(largest) < tol && ratio < 1 {
			break
		}
	}
	return s, nil
}

// sparsify keeps the TopK largest entries of each row, or those >= Eps.
func sparsify(s []float32, n int, opt DiffusionOptions) *CSR {
	out := &CSR{Rows: n, Cols: n, Indptr: make([]int, n+1)}
	idx := make([]int, n)
	for i := 0; i < n; i++ {
		row := s[i*n : (i+1)*n]
		var cols []int
		switch {
		case opt.TopK > 0:
			for j := range idx {
				idx[j] = j
			}
			sort.Slice(idx, func(a, b int) bool {
				if row[idx[a]] != row[idx[b]] {
					return row[idx[a]] > row[idx[b]]
				}
				return idx[a] < idx[b]
			})
			cols = append(cols, idx[:min(opt.TopK, n)]...)
			sort.Ints(cols)
		default:
			for j, v := range row {
				if v >= float32(opt.Eps) && (opt.Eps > 0 || v != 0) {
					cols = append(cols, j)
				}
			}
		}
		for _, j := range cols {
			out.Indices = append(out.Indices, int32(j))
			out.Values = append(out.Values, row[j])
		}
		out.Indptr[i+1] = len(out.Indices)
	}
	if out.Indices == nil {
		out.Indices, out.Values = []int32{}, []float32{}
	}
	return out
}

// PPRDiffusion replaces the adjacency with its sparsified personalized
// PageRank diffusion (PyGCL's PPRDiffusion; MVGRL's second view). It uses
// no randomness; the result is recomputed on every call, so apply it once
// and reuse the graph when the input does not change.
type PPRDiffusion struct {
	Alpha float64
	TopK  int
	Eps   float64
}

func (PPRDiffusion) Name() string { return "PPRDiffusion" }

func (d PPRDiffusion) Apply(g *Graph, _ *rand.Rand) (*Graph, error) {
	s, err := Diffusion(context.Background(), g.Adj, DiffusionOptions{Kernel: "ppr", Alpha: d.Alpha, TopK: d.TopK, Eps: d.Eps})
	if err != nil {
		return nil, err
	}
	return g.WithAdj(s), nil
}

// HeatDiffusion replaces the adjacency with its sparsified heat-kernel
// diffusion; see PPRDiffusion.
type HeatDiffusion struct {
	T    float64
	TopK int
	Eps  float64
}

func (HeatDiffusion) Name() string { return "HeatDiffusion" }

func (d HeatDiffusion) Apply(g *Graph, _ *rand.Rand) (*Graph, error) {
	s, err := Diffusion(context.Background(), g.Adj, DiffusionOptions{Kernel: "heat", T: d.T, TopK: d.TopK, Eps: d.Eps})
	if err != nil {
		return nil, err
	}
	return g.WithAdj(s), nil
}
