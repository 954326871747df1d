package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// KMeans clusters the rows of x (n×d) into k groups with Lloyd's algorithm
// from a k-means++ start (Arthur and Vassilvitskii, SODA 2007), keeping the
// best of restarts runs by inertia (sum of squared distances). It stops a
// run after maxIter iterations or when no assignment changes. It returns
// the cluster of each row and the inertia.
// It returns ctx's error when ctx ends, checked once per iteration.
func KMeans(ctx context.Context, x []float32, n, d, k, restarts, maxIter int, seed uint64) ([]int, float64, error) {
	if n <= 0 || d <= 0 || len(x) != n*d {
		return nil, 0, fmt.Errorf("eval: k-means input has %d values, want n×d = %d×%d", len(x), n, d)
	}
	if k < 1 || k > n {
		return nil, 0, fmt.Errorf("eval: k-means with k = %d on %d rows, want 1 <= k <= rows", k, n)
	}
	restarts, maxIter = max(restarts, 1), max(maxIter, 1)
	rng := rand.New(rand.NewPCG(seed, 0xc1a57))
	var best []int
	bestInertia := math.Inf(1)
	for r := 0; r < restarts; r++ {
		assign, inertia, err := kmeansRun(ctx, x, n, d, k, maxIter, rng)
		if err != nil {
			return nil, 0, err
		}
		if inertia < bestInertia {
			best, bestInertia = assign, inertia
		}
	}
	return best, bestInertia, nil
}

func sqDist(a []float32, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		t := float64(v) - b[j]
		s += t * t
	}
	return s
}

func kmeansRun(ctx context.Context, x []float32, n, d, k, maxIter int, rng *rand.Rand) ([]int, float64, error) {
	centers := make([]float64, k*d)
	row := func(i int) []float32 { return x[i*d : (i+1)*d] }
	setCenter := func(c, i int) {
		for j, v := range row(i) {
			centers[c*d+j] = float64(v)
		}
	}

	// k-means++: each next center is a row drawn with probability
	// proportional to its squared distance from the nearest center so far.
	setCenter(0, rng.IntN(n))
	near := make([]float64, n)
	for i := range near {
		near[i] = sqDist(row(i), centers[:d])
	}
	for c := 1; c < k; c++ {
		total := 0.0
		for _, v := range near {
			total += v
		}
		pick := rng.IntN(n)
		if total > 0 {
			u := rng.Float64() * total
			for i, v := range near {
				if u -= v; u <= 0 {
					pick = i
					break
				}
			}
		}
		setCenter(c, pick)
		for i := range near {
			near[i] = math.Min(near[i], sqDist(row(i), centers[c*d:(c+1)*d]))
		}
	}

	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	inertia := 0.0
	counts := make([]int, k)
	for iter := 0; iter < maxIter; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		changed := false
		inertia = 0
		for i := 0; i < n; i++ {
			bestC, bestD := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if dist := sqDist(row(i), centers[c*d:(c+1)*d]); dist < bestD {
					bestC, bestD = c, dist
				}
			}
			if assign[i] != bestC {
				assign[i], changed = bestC, true
			}
			inertia += bestD
		}
		if !changed {
			break
		}
		clear(centers)
		clear(counts)
		for i, c := range assign {
			counts[c]++
			for j, v := range row(i) {
				centers[c*d+j] += float64(v)
			}
		}
		for c := 0; c < k; c++ {
			if counts[c] == 0 {
				setCenter(c, rng.IntN(n)) // an empty cluster restarts at a random row
				continue
			}
			for j := 0; j < d; j++ {
				centers[c*d+j] /= float64(counts[c])
			}
		}
	}
	return assign, inertia, nil
}

// NMI returns the normalized mutual information of two labelings,
// I(a; b) / ((H(a) + H(b)) / 2), scikit-learn's default (arithmetic)
// normalization. It is 1 when both labelings are constant.
func NMI(a, b []int) (float64, error) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, fmt.Errorf("eval: NMI of labelings of lengths %d and %d", len(a), len(b))
	}
	n := float64(len(a))
	joint := map[[2]int]float64{}
	pa, pb := map[int]float64{}, map[int]float64{}
	for i := range a {
		joint[[2]int{a[i], b[i]}]++
		pa[a[i]]++
		pb[b[i]]++
	}
	entropy := func(p map[int]float64) float64 {
		h := 0.0
		for _, c := range p {
			h -= c / n * math.Log(c/n)
		}
		return h
	}
	mi := 0.0
	for key, c := range joint {
		mi += c / n * math.Log(c*n/(pa[key[0]]*pb[key[1]]))
	}
	ha, hb := entropy(pa), entropy(pb)
	if ha == 0 && hb == 0 {
		return 1, nil
	}
	return math.Max(mi, 0) / ((ha + hb) / 2), nil
}

// KMeansNMI clusters emb into numClasses groups runs times (seeds seed,
// seed+1, ...) and returns the mean and standard deviation of the NMI with
// y.
func KMeansNMI(ctx context.Context, emb []float32, n, d int, y []int, numClasses, runs int, seed uint64) (mean, std float64, err error) {
	if len(y) != n {
		return 0, 0, fmt.Errorf("eval: %d labels for %d rows", len(y), n)
	}
	if len(emb) != n*d {
		return 0, 0, fmt.Errorf("eval: embeddings have %d values, want n×d = %d×%d", len(emb), n, d)
	}
	if err := CheckFinite(emb, n, d); err != nil {
		return 0, 0, err
	}
	var scores []float64
	for r := 0; r < max(runs, 1); r++ {
		assign, _, err := KMeans(ctx, emb, n, d, numClasses, 1, 300, seed+uint64(r))
		if err != nil {
			return 0, 0, err
		}
		s, err := NMI(assign, y)
		if err != nil {
			return 0, 0, err
		}
		scores = append(scores, s)
	}
	mean, std = MeanStd(scores)
	return mean, std, nil
}
