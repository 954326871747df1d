package eval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// blobs returns n points in d dimensions around numClasses centers spaced
// 10 apart with unit noise; labels are the centers.
func blobs(n, d, numClasses int, seed uint64) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*d)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % numClasses
		for j := 0; j < d; j++ {
			center := 0.0
			if j == y[i]%d {
				center = 10
			}
			x[i*d+j] = float32(center + rng.NormFloat64())
		}
	}
	return x, y
}

func TestLogRegGradientMatchesFiniteDifferences(t *testing.T) {
	x, y := blobs(20, 4, 3, 2)
	m := &LinearModel{Classes: 3, Dim: 4, W: make([]float64, 12), B: make([]float64, 3)}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range m.W {
		m.W[i] = rng.NormFloat64() * 0.1
	}
	gw, gb := make([]float64, 12), make([]float64, 3)
	lossGrad(m, x, 20, y, gw, gb)
	scratchW, scratchB := make([]float64, 12), make([]float64, 3)
	const h = 1e-6
	for i := range m.W {
		old := m.W[i]
		m.W[i] = old + h
		up := lossGrad(m, x, 20, y, scratchW, scratchB)
		m.W[i] = old - h
		down := lossGrad(m, x, 20, y, scratchW, scratchB)
		m.W[i] = old
		if num := (up - down) / (2 * h); math.Abs(num-gw[i]) > 1e-6 {
			t.Errorf("dL/dW[%d]: analytic %g, numeric %g", i, gw[i], num)
		}
	}
}

func TestLinearProbeSeparatesBlobs(t *testing.T) {
	x, y := blobs(300, 5, 5, 4)
	train, val, test := []int{}, []int{}, []int{}
	for i := 0; i < 300; i++ {
		switch {
		case i < 50:
			train = append(train, i)
		case i < 100:
			val = append(val, i)
		default:
			test = append(test, i)
		}
	}
	for _, solver := range []string{"adam", "lbfgs"} {
		r, err := LinearProbe(x, 300, 5, y, 5, train, val, test, LogRegOptions{Solver: solver, Steps: 100})
		if err != nil {
			t.Fatal(err)
		}
		if r.TestAcc != 1 || r.ValAcc != 1 {
			t.Errorf("%s on separated blobs: val %g test %g, want 1 and 1", solver, r.ValAcc, r.TestAcc)
		}
	}
	if _, err := TrainLogReg(x, 300, 5, y, 5, LogRegOptions{Solver: "sgd"}); err == nil {
		t.Error("solver sgd: got no error")
	}
	if _, err := LinearProbe(x, 300, 5, y, 5, []int{300}, nil, []int{0}, LogRegOptions{}); err == nil || !strings.Contains(err.Error(), "train index 300 outside") {
		t.Errorf("train index 300 of 300: error %v, want the index named", err)
	}
	if _, err := LinearProbe(x, 300, 5, y, 5, []int{0, 1}, nil, nil, LogRegOptions{}); err == nil || !strings.Contains(err.Error(), "0 test nodes") {
		t.Errorf("empty test split: error %v, want the empty split named", err)
	}
}

func TestLinearSVMClosedForm(t *testing.T) {
	// Two points x = ±1 with labels 0/1: the penalized bias is 0 and
	// w minimizes ½w² + 2C(1 − w)², so w = 4C / (1 + 4C).
	x := []float32{-1, 1}
	y := []int{0, 1}
	for _, c := range []float64{0.1, 1, 10} {
		m, err := TrainLinearSVM(x, 2, 1, y, 2, SVMOptions{C: c, Tol: 1e-9, MaxIter: 100000})
		if err != nil {
			t.Fatal(err)
		}
		want := 4 * c / (1 + 4*c)
		if math.Abs(m.W[1]-want) > 1e-6 || math.Abs(m.B[1]) > 1e-6 {
			t.Errorf("C=%g: w %g b %g, want w %g b 0", c, m.W[1], m.B[1], want)
		}
	}
}

func TestStratifiedKFoldPartitions(t *testing.T) {
	y := make([]int, 188)
	for i := range y {
		if i < 63 {
			y[i] = 0
		} else {
			y[i] = 1
		}
	}
	folds, err := StratifiedKFold(y, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for f, rows := range folds {
		zeros := 0
		for _, r := range rows {
			if y[r] == 0 {
				zeros++
			}
		}
		if len(rows) < 18 || len(rows) > 19 || zeros < 6 || zeros > 7 {
			t.Errorf("fold %d: %d rows with %d of class 0, want 18-19 rows and 6-7 of class 0", f, len(rows), zeros)
		}
		all = append(all, rows...)
	}
	slices.Sort(all)
	for i, r := range all {
		if r != i {
			t.Fatalf("folds do not partition the rows: position %d holds %d", i, r)
		}
	}
}

func TestCrossValidateBlobs(t *testing.T) {
	x, y := blobs(120, 4, 2, 6)
	for _, model := range []string{"svm", "logreg"} {
		res, err := CrossValidate(x, 120, 4, y, 2, CVOptions{Model: model, Folds: 5, Cs: []float64{0.01, 1}, InnerFolds: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mean != 1 || len(res.Accuracies) != 5 || len(res.ChosenC) != 5 {
			t.Errorf("%s: mean %g over %d folds, want 1 over 5", model, res.Mean, len(res.Accuracies))
		}
	}
}

func TestNMIKnownValues(t *testing.T) {
	cases := []struct {
		a, b []int
		want float64
	}{
		{[]int{0, 0, 1, 1}, []int{5, 5, 7, 7}, 1},
		{[]int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0},
		{[]int{0, 0, 0, 1}, []int{0, 0, 1, 1}, nmiByHand()},
	}
	for _, c := range cases {
		got, err := NMI(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("NMI(%v, %v): got %g (%v), want %g", c.a, c.b, got, err, c.want)
		}
	}
}

// nmiByHand evaluates the NMI of a = [0 0 0 1], b = [0 0 1 1] from its
// definition: the joint counts are (0,0):2, (0,1):1, (1,1):1.
func nmiByHand() float64 {
	pa := []float64{0.75, 0.25}
	pb := []float64{0.5, 0.5}
	h := func(p []float64) float64 {
		s := 0.0
		for _, v := range p {
			s -= v * math.Log(v)
		}
		return s
	}
	mi := 0.5*math.Log(0.5/(0.75*0.5)) + 0.25*math.Log(0.25/(0.75*0.5)) + 0.25*math.Log(0.25/(0.25*0.5))
	return mi / ((h(pa) + h(pb)) / 2)
}

func TestKMeansNMIBlobs(t *testing.T) {
	x, y := blobs(150, 3, 3, 8)
	mean, std, err := KMeansNMI(context.Background(), x, 150, 3, y, 3, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if mean != 1 || std != 0 {
		t.Errorf("k-means on separated blobs: NMI %g ± %g, want 1 ± 0", mean, std)
	}
}

func TestClusteringAndSearchCancelled(t *testing.T) {
	x, y := blobs(150, 3, 3, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := KMeansNMI(ctx, x, 150, 3, y, 3, 1000000, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("KMeansNMI with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := SimilaritySearch(ctx, x, 150, 3, y, []int{5}); !errors.Is(err, context.Canceled) {
		t.Errorf("SimilaritySearch with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestSimilaritySearch(t *testing.T) {
	x, y := blobs(200, 4, 4, 9)
	got, err := SimilaritySearch(context.Background(), x, 200, 4, y, []int{5, 10, 20})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != 1 {
			t.Errorf("k index %d on separated blobs: %g, want 1", i, v)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	score := make([]float64, 300)
	for i := range score {
		score[i] = float64(rng.IntN(50))
	}
	idx := make([]int, 300)
	for i := range idx {
		idx[i] = i
	}
	want := slices.Clone(idx)
	sort.SliceStable(want, func(a, b int) bool { return score[want[a]] > score[want[b]] })
	partialTop(idx, score, 37)
	if !slices.Equal(idx[:37], want[:37]) {
		t.Errorf("partialTop: got %v, want %v", idx[:37], want[:37])
	}
}

func TestPCA2Line(t *testing.T) {
	n := 50
	x := make([]float32, n*3)
	for i := 0; i < n; i++ {
		s := float32(i) - 25
		x[i*3], x[i*3+1], x[i*3+2] = s, 2*s, -s
	}
	proj, ratio, err := PCA2(x, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ratio[0]-1) > 1e-9 || ratio[1] > 1e-9 {
		t.Errorf("points on a line: explained variance %v, want [1 0]", ratio)
	}
	// The first coordinate is the signed distance from the mean along the
	// line: point 0 has s = −25 and the mean of s is −0.5, so |−24.5|·√6.
	if got, want := math.Abs(proj[0]), 24.5*math.Sqrt(6); math.Abs(got-want) > 1e-6 {
		t.Errorf("first projection: |%g|, want %g", proj[0], want)
	}
}

func TestPCA2MatchesFullEigen(t *testing.T) {
	n, d := 400, 40
	rng := rand.New(rand.NewPCG(4, 4))
	x := make([]float32, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(rng.NormFloat64() * (1 + 3/float64(j+1)))
		}
	}
	_, ratio, err := PCA2(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	// Reference: full eigendecomposition of the covariance with gonum.
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[i*d+j]) / float64(n)
		}
	}
	c := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			c.Set(i, j, float64(x[i*d+j])-mean[j])
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n-1), c.T())
	var eig mat.EigenSym
	eig.Factorize(&cov, false)
	vals := eig.Values(nil)
	total := 0.0
	for _, v := range vals {
		total += v
	}
	for k := 0; k < 2; k++ {
		want := vals[d-1-k] / total
		if math.Abs(ratio[k]-want) > 1e-5 {
			t.Errorf("component %d: explained variance %g, want %g", k, ratio[k], want)
		}
	}
}

func TestPCAScatterWritesPNG(t *testing.T) {
	x, y := blobs(60, 3, 3, 2)
	path := filepath.Join(t.TempDir(), "pca.png")
	ratio, err := PCAScatter(path, x, 60, 3, y, []string{"a", "b", "c"}, "blobs")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Errorf("output: got %d bytes (%v), want a PNG file", len(b), err)
	}
	if ratio[0] < ratio[1] || ratio[0]+ratio[1] > 1+1e-9 {
		t.Errorf("explained variance %v, want decreasing ratios summing to at most 1", ratio)
	}
}

func TestCrossValidateStopsOnCancel(t *testing.T) {
	x, y := blobs(60, 3, 2, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CrossValidate(x, 60, 3, y, 2, CVOptions{Folds: 3, InnerFolds: 2, Ctx: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cross-validation under a canceled context: got %v, want context.Canceled", err)
	}
	if _, err := CrossValidate(x, 60, 3, y, 2, CVOptions{Folds: 3, InnerFolds: 2, Ctx: context.Background()}); err != nil {
		t.Errorf("cross-validation under a live context: %v", err)
	}
}
