package ssl

import (
	"math"
	"testing"

	"pare/ops/autograd"
	"pare/ops/tensor"
)

// rows views a flat [n, d] slice as its rows.
func rows(x []float64, d int) [][]float64 {
	out := make([][]float64, len(x)/d)
	for i := range out {
		out[i] = x[i*d : (i+1)*d]
	}
	return out
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func cos64(a, b []float64) float64 {
	return dot64(a, b) / (math.Sqrt(dot64(a, a)) * math.Sqrt(dot64(b, b)))
}

func softplus64(x float64) float64 { return math.Log1p(math.Exp(x)) }

func TestMoreLossGradients(t *testing.T) {
	const n, d = 4, 3
	sceNodes := []int{0, 2, 3}
	graphOf := []int{0, 0, 1, 1, 1}
	readoutOf := []int{0, 2, 0, 2}
	readoutWeights := []float64{0.3, -1.2, 0.7, 2, -0.4, 1.1, 0.5, 0.9, -0.8}
	cases := []lossCase{
		{
			name:   "byol",
			shapes: [][]int{{n, d}, {n, d}},
			build:  func(v []*autograd.Var) *autograd.Var { return BYOLLoss(v[0], v[1]) },
			ref: func(x [][]float64) float64 {
				q, tt := rows(x[0], d), rows(x[1], d)
				var s float64
				for i := range q {
					s += 2 - 2*cos64(q[i], tt[i])
				}
				return s / n
			},
			noGrad: map[int]bool{1: true},
		},
		{
			name:   "scaled cosine error",
			shapes: [][]int{{n, d}, {n, d}},
			build:  func(v []*autograd.Var) *autograd.Var { return SCELoss(v[0], v[1], sceNodes, 2) },
			ref: func(x [][]float64) float64 {
				a, b := rows(x[0], d), rows(x[1], d)
				var s float64
				for _, i := range sceNodes {
					s += math.Pow(1-cos64(a[i], b[i]), 2)
				}
				return s / float64(len(sceNodes))
			},
		},
		{
			name:   "nt-xent",
			shapes: [][]int{{n, d}, {n, d}},
			build:  func(v []*autograd.Var) *autograd.Var { return NTXentLoss(v[0], v[1], 0.5) },
			ref: func(x [][]float64) float64 {
				a, b := rows(x[0], d), rows(x[1], d)
				var s float64
				for i := range a {
					var den float64
					for m := range b {
						if m != i {
							den += math.Exp(cos64(a[i], b[m]) / 0.5)
						}
					}
					s -= math.Log(math.Exp(cos64(a[i], b[i])/0.5) / den)
				}
				return s / n
			},
		},
		{
			name:   "jsd",
			shapes: [][]int{{5, d}, {2, d}},
			build:  func(v []*autograd.Var) *autograd.Var { return JSDLoss(v[0], v[1], graphOf) },
			ref: func(x [][]float64) float64 {
				local, global := rows(x[0], d), rows(x[1], d)
				var pos, neg float64
				var nPos, nNeg int
				for v, gi := range graphOf {
					for g := range global {
						tv := dot64(local[v], global[g])
						if g == gi {
							pos += math.Ln2 - softplus64(-tv)
							nPos++
						} else {
							neg += softplus64(-tv) + tv - math.Ln2
							nNeg++
						}
					}
				}
				return neg/float64(nNeg) - pos/float64(nPos)
			},
		},
		{
			name:   "mvgrl",
			shapes: [][]int{{n, d}, {n, d}, {n, d}, {n, d}, {d, d}, {1}},
			build: func(v []*autograd.Var) *autograd.Var {
				return MVGRLLoss(&Discriminator{W: v[4], B: v[5]}, v[0], v[1], v[2], v[3])
			},
			ref: func(x [][]float64) float64 {
				summary := func(h [][]float64) []float64 {
					s := make([]float64, d)
					for _, r := range h {
						for c := range s {
							s[c] += r[c] / float64(len(h))
						}
					}
					for c := range s {
						s[c] = sigmoid(s[c])
					}
					return s
				}
				w := rows(x[4], d)
				critic := func(h, s []float64) float64 {
					var v float64
					for r := 0; r < d; r++ {
						v += h[r] * dot64(w[r], s)
					}
					return v + x[5][0]
				}
				hA, hB, nA, nB := rows(x[0], d), rows(x[1], d), rows(x[2], d), rows(x[3], d)
				cA, cB := summary(hA), summary(hB)
				var s float64
				for i := 0; i < n; i++ {
					s -= math.Log(sigmoid(critic(hB[i], cA))) + math.Log(sigmoid(critic(hA[i], cB)))
					s -= math.Log(1-sigmoid(critic(nB[i], cA))) + math.Log(1-sigmoid(critic(nA[i], cB)))
				}
				return s / (4 * n)
			},
		},
		{
			name:   "mean readout with an empty graph",
			shapes: [][]int{{n, d}},
			build: func(v []*autograd.Var) *autograd.Var {
				pooled := Readout(v[0], readoutOf, 3, true)
				return autograd.SumAll(autograd.Mul(pooled, autograd.Const(tensor.MustFromSlice(toF32(readoutWeights), 3, d))))
			},
			ref: func(x [][]float64) float64 {
				h := rows(x[0], d)
				counts := []float64{2, 0, 2}
				var s float64
				for v, g := range readoutOf {
					for c := 0; c < d; c++ {
						s += readoutWeights[g*d+c] * h[v][c] / counts[g]
					}
				}
				return s
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLoss(t, c) })
	}
}
