package graph

import (
	"fmt"
	"math"
)

// GCNNorm returns Â = D^-1/2 (A + I) D^-1/2, the propagation matrix of the
// graph convolutional network (Kipf and Welling, arXiv 1609.02907, eq. 2),
// with D the row sums of A + I. Self loops of weight 1 are added only to
// nodes that have none, as PyG's gcn_norm does (add_remaining_self_loops).
//
// The result is marked as normalized, and GCNNorm returns an error when its
// input carries that mark: a second normalization (done by some reference
// code, which normalizes once while preprocessing and again inside each
// layer) silently changes the model.
func GCNNorm(a *CSR) (*CSR, error) {
	if a.norm != "" {
		return nil, fmt.Errorf("graph: adjacency is already normalized (%s); normalize exactly once", a.norm)
	}
	if a.Rows != a.Cols {
		return nil, fmt.Errorf("graph: GCN normalization needs a square adjacency, got %d×%d", a.Rows, a.Cols)
	}
	n := a.Rows
	out := &CSR{Rows: n, Cols: n, Indptr: make([]int, n+1), norm: "sym"}
	out.Indices = make([]int32, 0, a.NNZ()+n)
	out.Values = make([]float32, 0, a.NNZ()+n)
	deg := make([]float64, n)
	for i := 0; i < n; i++ {
		cols, vals := a.Row(i)
		placed := false
		for k, c := range cols {
			if !placed && int(c) >= i {
				if int(c) != i {
					out.Indices = append(out.Indices, int32(i))
					out.Values = append(out.Values, 1)
				}
				placed = true
			}
			w := float32(1)
			if vals != nil {
				w = vals[k]
			}
			out.Indices = append(out.Indices, c)
			out.Values = append(out.Values, w)
		}
		if !placed {
			out.Indices = append(out.Indices, int32(i))
			out.Values = append(out.Values, 1)
		}
		out.Indptr[i+1] = len(out.Indices)
		for k := out.Indptr[i]; k < out.Indptr[i+1]; k++ {
			deg[i] += float64(out.Values[k])
		}
	}
	inv := make([]float64, n)
	for i, d := range deg {
		if d > 0 {
			inv[i] = 1 / math.Sqrt(d)
		}
	}
	for i := 0; i < n; i++ {
		for k := out.Indptr[i]; k < out.Indptr[i+1]; k++ {
			out.Values[k] = float32(inv[i] * float64(out.Values[k]) * inv[out.Indices[k]])
		}
	}
	return out, nil
}

// RowNormalize returns D^-1 A (each row sums to 1; empty rows stay empty),
// the random-walk transition matrix. Like GCNNorm it marks its result and
// refuses an input that is already normalized.
func RowNormalize(a *CSR) (*CSR, error) {
	if a.norm != "" {
		return nil, fmt.Errorf("graph: matrix is already normalized (%s); normalize exactly once", a.norm)
	}
	out := a.Clone()
	if out.Values == nil {
		out.Values = make([]float32, out.NNZ())
		for k := range out.Values {
			out.Values[k] = 1
		}
	}
	for i := 0; i < out.Rows; i++ {
		var s float64
		vals := out.Values[out.Indptr[i]:out.Indptr[i+1]]
		for _, v := range vals {
			s += float64(v)
		}
		if s != 0 {
			for k := range vals {
				vals[k] = float32(float64(vals[k]) / s)
			}
		}
	}
	out.norm = "row"
	return out, nil
}
