package llm

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/tensor"
)

// tinyConfig is a 2-layer GQA model with q/k/v biases, an untied head and
// a narrower second layer, as structured pruning leaves it.
func tinyConfig() Config {
	return Config{Dim: 16, NLayers: 2, NHeads: 4, NKVHeads: 2, HeadDim: 4, HiddenDim: 24, VocabSize: 11,
		MaxSeqLen: 32, QKVBias: true, LayerHeads: []int{4, 2}, LayerHidden: []int{24, 16}, RopeTheta: 10000, NormEps: 1e-5}
}

func tinyModel(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := NewRandom(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomIDs(n, vocab int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([]int, n)
	for i := range ids {
		ids[i] = rng.IntN(vocab)
	}
	return ids
}

func TestForwardMatchesReference(t *testing.T) {
	cases := []struct {
		name string
		cfg  func() Config
	}{
		{"gqa-biases-per-layer", tinyConfig},
		{"tied-no-bias", func() Config {
			c := tinyConfig()
			c.QKVBias, c.TiedEmbeddings = false, true
			c.LayerHeads, c.LayerHidden = nil, nil
			return c
		}},
	}
	for _, tc := range cases {
		m := tinyModel(t, tc.cfg())
		ref := refFromModel(m)
		const B, T = 2, 7
		ids := randomIDs(B*T, m.Config.VocabSize, 3)
		logits, err := m.Forward(ids, B, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		V := m.Config.VocabSize
		for b := 0; b < B; b++ {
			want := ref.logits(ids[b*T : (b+1)*T])
			for tt := 0; tt < T; tt++ {
				for v := 0; v < V; v++ {
					got := float64(logits.Data()[(b*T+tt)*V+v])
					if math.Abs(got-want[tt][v]) > 1e-4*(1+math.Abs(want[tt][v])) {
						t.Fatalf("%s: logit [%d,%d,%d]: got %g, want %g", tc.name, b, tt, v, got, want[tt][v])
					}
				}
			}
		}
	}
}

func TestStepMatchesForward(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	const T = 9
	ids := randomIDs(T, m.Config.VocabSize, 4)
	logits, err := m.Forward(ids, 1, T, nil)
	if err != nil {
		t.Fatal(err)
	}
	kv := m.NewKVCache(T)
	V := m.Config.VocabSize
	for tt, id := range ids {
		got, err := m.Step(kv, id)
		if err != nil {
			t.Fatal(err)
		}
		for v := range got {
			want := logits.Data()[tt*V+v]
			if math.Abs(float64(got[v]-want)) > 1e-5*(1+math.Abs(float64(want))) {
				t.Fatalf("position %d token %d: step logit %g, forward logit %g", tt, v, got[v], want)
			}
		}
	}
}

func TestMaskedBatchMatchesSingle(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	const T = 6
	V := m.Config.VocabSize
	short := randomIDs(4, V, 5)
	long := randomIDs(T, V, 6)
	ids := append(append([]int{}, long...), append(short, 0, 0)...)
	mask := []bool{true, true, true, true, true, true, true, true, true, true, false, false}
	batch, err := m.Forward(ids, 2, T, mask)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := m.Forward(short, 1, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	for tt := 0; tt < 4; tt++ {
		for v := 0; v < V; v++ {
			got, want := batch.Data()[(T+tt)*V+v], alone.Data()[tt*V+v]
			if math.Abs(float64(got-want)) > 1e-5 {
				t.Fatalf("padded sequence position %d token %d: got %g, want %g", tt, v, got, want)
			}
		}
	}
}

func TestForwardRejectsBadIDs(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	cases := []struct {
		name string
		ids  []int
		B, T int
	}{
		{"out-of-vocab", []int{1, 11}, 1, 2},
		{"negative", []int{-1, 2}, 1, 2},
		{"shape", []int{1, 2, 3}, 1, 2},
	}
	for _, tc := range cases {
		if _, err := m.Forward(tc.ids, tc.B, tc.T, nil); err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
}

// weightedRefLogits evaluates weightedLogits' objective Σ R ∘ Z on the
// float64 reference model's logits for B windows of T tokens.
func weightedRefLogits(ref *refModel, ids []int, B, T, V int, coef []float64) float64 {
	var s float64
	for b := 0; b < B; b++ {
		lg := ref.logits(ids[b*T : (b+1)*T])
		for tt := range lg {
			for v, z := range lg[tt] {
				s += coef[(b*T+tt)*V+v] * z
			}
		}
	}
	return s
}

// weightedLogits is the objective f = Σ R ∘ Z with fixed random R.
func weightedLogits(n int, seed uint64) ([]float64, Objective) {
	rng := rand.New(rand.NewPCG(seed, 2))
	r := make([]float64, n)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	return r, func(z *tensor.Tensor) (float64, *tensor.Tensor, error) {
		dl := tensor.New(z.Shape()...)
		var f float64
		for i, v := range z.Data() {
			f += r[i] * float64(v)
			dl.Data()[i] = float32(r[i])
		}
		return f, dl, nil
	}
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, tied := range []bool{false, true} {
		cfg := tinyConfig()
		cfg.TiedEmbeddings = tied
		m := tinyModel(t, cfg)
		const B, T = 2, 5
		V := m.Config.VocabSize
		ids := randomIDs(B*T, V, 8)
		coef, f := weightedLogits(B*T*V, 9)
		_, grads, err := m.Gradient(ids, B, T, nil, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref := refFromModel(m)
		refF := func() float64 { return weightedRefLogits(ref, ids, B, T, V, coef) }
		// refParams lists the float64 copies in the order of Params.
		refParams := [][]float64{ref.embed}
		for l := range ref.layers {
			L := &ref.layers[l]
			refParams = append(refParams, L.attnNorm, L.wq, L.wk, L.wv, L.wo)
			if L.bq != nil {
				refParams = append(refParams, L.bq, L.bk, L.bv)
			}
			refParams = append(refParams, L.mlpNorm, L.w1, L.w3, L.w2)
		}
		refParams = append(refParams, ref.final)
		if !tied {
			refParams = append(refParams, ref.head)
		}
		params, gparams := m.Params(), grads.Params()
		if len(params) != len(refParams) {
			t.Fatalf("tied=%v: %d parameters, %d reference arrays", tied, len(params), len(refParams))
		}
		rng := rand.New(rand.NewPCG(10, 3))
		const eps = 1e-5
		for pi, p := range params {
			w := refParams[pi]
			g := gparams[pi].Tensor.Data()
			for trial := 0; trial < 6; trial++ {
				i := rng.IntN(len(w))
				old := w[i]
				w[i] = old + eps
				fp := refF()
				w[i] = old - eps
				fm := refF()
				w[i] = old
				fd := (fp - fm) / (2 * eps)
				if math.Abs(float64(g[i])-fd) > 1e-3*(1+math.Abs(fd)) {
					t.Errorf("tied=%v %s[%d]: analytic gradient %g, finite difference %g", tied, p.Name, i, g[i], fd)
				}
			}
		}
	}
}

func TestExpf(t *testing.T) {
	for x := -87.0; x < 88; x += 0.0137 {
		got := float64(expf(float32(x)))
		want := math.Exp(float64(float32(x)))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expf(%g): got %g, want %g (relative error %.2g)", x, got, want, math.Abs(got-want)/want)
		}
	}
	if expf(-100) != 0 {
		t.Errorf("expf(-100): got %g, want 0", expf(-100))
	}
}

func TestMaskedGradientMatchesSeparateSequences(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	V := m.Config.VocabSize
	const T = 6
	long, short := randomIDs(T, V, 60), randomIDs(4, V, 61)
	batch := append(append([]int{}, long...), append(short, 0, 0)...)
	mask := []bool{true, true, true, true, true, true, true, true, true, true, false, false}
	coef, _ := weightedLogits(2*T*V, 62)
	// The objective weights only the positions the mask keeps.
	for p := 10; p < 12; p++ {
		for v := 0; v < V; v++ {
			coef[p*V+v] = 0
		}
	}
	weighted := func(offset int) Objective {
		return func(z *tensor.Tensor) (float64, *tensor.Tensor, error) {
			dl := tensor.New(z.Shape()...)
			var f float64
			for i, v := range z.Data() {
				f += coef[offset+i] * float64(v)
				dl.Data()[i] = float32(coef[offset+i])
			}
			return f, dl, nil
		}
	}
	_, got, err := m.Gradient(batch, 2, T, mask, weighted(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := m.Gradient(long, 1, T, nil, weighted(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Gradient(short, 1, 4, nil, weighted(T*V), want); err != nil {
		t.Fatal(err)
	}
	gp, wp := got.Params(), want.Params()
	for i := range gp {
		// The padding token's embedding row gets no gradient either way.
		a, b := gp[i].Tensor.Data(), wp[i].Tensor.Data()
		for j := range b {
			if math.Abs(float64(a[j]-b[j])) > 1e-4*(1+math.Abs(float64(b[j]))) {
				t.Fatalf("%s[%d]: masked batch gradient %g, separate sequences %g", gp[i].Name, j, a[j], b[j])
			}
		}
	}
}

func TestForwardContextCancelled(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.ForwardContext(ctx, []int{1, 2}, 1, 2, nil); err != context.Canceled {
		t.Errorf("cancelled forward: got error %v, want context.Canceled", err)
	}
}
