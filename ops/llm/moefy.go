package llm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"pare/ops/ot"
	"pare/ops/tensor"
)

// MoEfyOptions configures MoEfy.
type MoEfyOptions struct {
	// Experts is the number of experts per layer.
	Experts int
	// TopK is the number of experts each token uses; 0 means all of them,
	// which computes the dense model's function.
	TopK int
	// Layers lists the layers to split; nil splits every layer.
	Layers []int
	// Seed seeds the k-means initialization.
	Seed uint64
	// MaxIter caps the balanced k-means iterations; default 100.
	MaxIter int
}

// MoEfyReport describes one split layer.
type MoEfyReport struct {
	Layer int
	// Width is the hidden width of each expert.
	Width int
	// Split lists the dense neurons that were split into two copies to
	// make the hidden width a multiple of the expert count.
	Split []int
	// Iterations is the number of balanced k-means iterations, and
	// Converged is false when MaxIter stopped them.
	Iterations int
	Converged  bool
	// Clusters[e] lists the dense neurons of expert e (split neurons
	// appear twice).
	Clusters [][]int
}

// MoEfy returns a copy of m whose selected dense SwiGLU MLPs are split into
// opt.Experts experts of equal width, as MoEfication does (Z. Zhang et al.,
// "MoEfication: Transformer Feed-forward Layers are Mixtures of Experts",
// Findings of ACL 2022, arXiv:2110.01786):
//
//   - The neurons (rows of gate_proj and up_proj with the matching columns of
//     down_proj) are grouped by balanced k-means on the gate_proj rows. Its
//     assignment step is an exact linear assignment of neurons to width
//     slots per centroid, so every cluster has the same size. Iteration
//     stops when no neuron changes cluster.
//   - When the hidden width h is not a multiple of the expert count, the
//     r = N·⌈h/N⌉ − h neurons with the largest down_proj column norms are
//     split into two copies that each carry half of the down_proj column.
//     Σ_j down[:,j]·silu(gate_j·x)·(up_j·x) is unchanged, so the padded MLP
//     computes the same function; no neuron is dropped.
//   - The router row of expert e is the mean of its neurons' gate_proj
//     rows, and the block uses GatingSum: the chosen experts' outputs add
//     with weight 1. With TopK = Experts the MoE layer therefore equals the
//     dense MLP up to float32 summation order.
//
// The resulting model has experts derived from a dense model; it is not a
// trained MoE.
func MoEfy(ctx context.Context, m *Model, opt MoEfyOptions) (*Model, []MoEfyReport, error) {
	N := opt.Experts
	if N < 1 {
		return nil, nil, fmt.Errorf("llm: moefy: experts is %d, want at least 1", N)
	}
	top := opt.TopK
	if top == 0 {
		top = N
	}
	if top < 1 || top > N {
		return nil, nil, fmt.Errorf("llm: moefy: top_k is %d, want 1..%d (the number of experts)", top, N)
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 100
	}
	layers := opt.Layers
	if layers == nil {
		for l := range m.Layers {
			layers = append(layers, l)
		}
	}
	out := m.Clone()
	var reports []MoEfyReport
	for _, l := range layers {
		if l < 0 || l >= len(out.Layers) {
			return nil, nil, fmt.Errorf("llm: moefy: layer %d does not exist; the model has %d layers", l, len(out.Layers))
		}
		lw := &out.Layers[l]
		if lw.MoE != nil {
			return nil, nil, fmt.Errorf("llm: moefy: layer %d is already a MoE layer", l)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		h := lw.WGate.Dim(0)
		if N > h {
			return nil, nil, fmt.Errorf("llm: moefy: experts is %d, more than the %d neurons of layer %d", N, h, l)
		}
		block, rep, err := splitMLP(ctx, lw, N, top, opt.Seed+uint64(l), opt.MaxIter)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("llm: moefy: layer %d: %w", l, err)
		}
		rep.Layer = l
		lw.MoE, lw.WGate, lw.WUp, lw.WDown = block, nil, nil, nil
		reports = append(reports, rep)
	}
	if err := out.SyncWidths(); err != nil {
		return nil, nil, err
	}
	return out, reports, nil
}

// splitMLP builds the MoE block of one dense layer.
func splitMLP(ctx context.Context, lw *LayerWeights, N, top int, seed uint64, maxIter int) (*MoEBlock, MoEfyReport, error) {
	h, d := lw.WGate.Dim(0), lw.WGate.Dim(1)
	width := (h + N - 1) / N
	gate, up, down := lw.WGate.Data(), lw.WUp.Data(), lw.WDown.Data()

	// Neuron list after padding: split[j] marks a neuron carrying half
	// of its down column.
	neurons := make([]int, h)
	for j := range neurons {
		neurons[j] = j
	}
	halved := map[int]bool{}
	var rep MoEfyReport
	if pad := N*width - h; pad > 0 {
		norms := make([]float64, h)
		for j := 0; j < h; j++ {
			for c := 0; c < d; c++ {
				v := float64(down[c*h+j])
				norms[j] += v * v
			}
		}
		byNorm := append([]int(nil), neurons...)
		slices.SortStableFunc(byNorm, func(a, b int) int {
			switch {
			case norms[a] > norms[b]:
				return -1
			case norms[a] < norms[b]:
				return 1
			}
			return 0
		})
		rep.Split = append([]int(nil), byNorm[:pad]...)
		slices.Sort(rep.Split)
		for _, j := range rep.Split {
			halved[j] = true
			neurons = append(neurons, j)
		}
	}

	points := ot.NewMatrix(len(neurons), d)
	for r, j := range neurons {
		for c := 0; c < d; c++ {
			points.Data[r*d+c] = float64(gate[j*d+c])
		}
	}
	clusters, centroids, iters, converged, err := balancedKMeans(ctx, points, N, seed, maxIter)
	if err != nil {
		return nil, rep, err
	}
	rep.Width, rep.Iterations, rep.Converged = width, iters, converged

	block := &MoEBlock{Router: tensor.New(N, d), TopK: top, Gating: GatingSum, Experts: make([]MoEExpert, N)}
	router := block.Router.Data()
	for e, members := range clusters {
		for c := 0; c < d; c++ {
			router[e*d+c] = float32(centroids.Data[e*d+c])
		}
		ex := MoEExpert{WGate: tensor.New(width, d), WUp: tensor.New(width, d), WDown: tensor.New(d, width)}
		g, u, w := ex.WGate.Data(), ex.WUp.Data(), ex.WDown.Data()
		var dense []int
		for r, member := range members {
			j := neurons[member]
			dense = append(dense, j)
			copy(g[r*d:(r+1)*d], gate[j*d:(j+1)*d])
			copy(u[r*d:(r+1)*d], up[j*d:(j+1)*d])
			scale := float32(1)
			if halved[j] {
				scale = 0.5
			}
			for c := 0; c < d; c++ {
				w[c*width+r] = scale * down[c*h+j]
			}
		}
		block.Experts[e] = ex
		rep.Clusters = append(rep.Clusters, dense)
	}
	return block, rep, nil
}

// balancedKMeans partitions the n rows of points into k clusters of n/k
// rows each (n must be a multiple of k). It starts from k-means++ seeds and
// alternates an exact balanced assignment with centroid updates, until no
// row moves or maxIter. In the assignment step each centroid offers n/k
// slots, and ot.LinearAssignment finds the row-to-slot matching with the
// least summed squared distance. Clusters list row indices in ascending
// order. It returns ctx's error when ctx ends during an assignment.
func balancedKMeans(ctx context.Context, points ot.Matrix, k int, seed uint64, maxIter int) ([][]int, ot.Matrix, int, bool, error) {
	n, d := points.Rows, points.Cols
	size := n / k
	rng := rand.New(rand.NewPCG(seed, 0x6d6f65))
	centroids := ot.NewMatrix(k, d)
	dist2 := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			t := a[i] - b[i]
			s += t * t
		}
		return s
	}

	// k-means++ seeding.
	copy(centroids.Row(0), points.Row(rng.IntN(n)))
	nearest := make([]float64, n)
	for i := range nearest {
		nearest[i] = math.Inf(1)
	}
	for c := 1; c < k; c++ {
		var total float64
		for i := 0; i < n; i++ {
			nearest[i] = min(nearest[i], dist2(points.Row(i), centroids.Row(c-1)))
			total += nearest[i]
		}
		pick := n - 1
		target := rng.Float64() * total
		for i := 0; i < n; i++ {
			target -= nearest[i]
			if target < 0 {
				pick = i
				break
			}
		}
		copy(centroids.Row(c), points.Row(pick))
	}

	label := make([]int, n)
	for i := range label {
		label[i] = -1
	}
	iters, converged := 0, false
	cost := ot.NewMatrix(n, n)
	for iters < maxIter {
		for i := 0; i < n; i++ {
			for c := 0; c < k; c++ {
				v := dist2(points.Row(i), centroids.Row(c))
				for s := 0; s < size; s++ {
					cost.Data[i*n+c*size+s] = v
				}
			}
		}
		asg, err := ot.LinearAssignmentContext(ctx, cost, false)
		if err != nil {
			return nil, ot.Matrix{}, iters, false, err
		}
		iters++
		moved := false
		for i, slot := range asg.ColInd {
			if c := slot / size; c != label[i] {
				label[i], moved = c, true
			}
		}
		for t := range centroids.Data {
			centroids.Data[t] = 0
		}
		for i, c := range label {
			for t, v := range points.Row(i) {
				centroids.Data[c*d+t] += v / float64(size)
			}
		}
		if !moved {
			converged = true
			break
		}
	}
	clusters := make([][]int, k)
	for i, c := range label {
		clusters[c] = append(clusters[c], i)
	}
	return clusters, centroids, iters, converged, nil
}
