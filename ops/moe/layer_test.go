package moe

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/llm"
	"pare/ops/ot"
)

// plantedExperts returns n neuron permutations of one random p×3d expert
// with Gaussian noise of standard deviation noise.
func plantedExperts(seed uint64, n, p, d int, noise float64) []ot.Matrix {
	rng := rand.New(rand.NewPCG(seed, 2))
	base := randn(rng, p, 3*d, 1)
	out := make([]ot.Matrix, n)
	for k := range out {
		perm := rng.Perm(p)
		out[k] = PermuteRows(base, perm)
		for t := range out[k].Data {
			out[k].Data[t] += noise * rng.NormFloat64()
		}
	}
	return out
}

func TestCompressLayerFullKeepRestoresExperts(t *testing.T) {
	experts := plantedExperts(1, 4, 12, 5, 0.1)
	for _, method := range Methods {
		// merge_average keeps no residual, and the SVD rank at keep 1,
		// ⌊p·D/(p + D)⌋, is below full rank.
		if method == MethodMergeAverage || method == MethodResMoESVD || method == MethodSVDRaw {
			continue
		}
		c, err := CompressLayer(context.Background(), experts, 5, true, LayerOptions{Method: method, Keep: 1})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if e := c.RelativeErrorOf(experts); e > 1e-7 {
			t.Errorf("%s at keep 1: relative error %.3g, want 0", method, e)
		}
	}
}

func TestCompressLayerBudgets(t *testing.T) {
	const n, p, d, keep = 4, 16, 6, 0.25
	experts := plantedExperts(2, n, p, d, 0.3)
	D := 3 * d
	centered := p*D + n*int(math.Round(keep*float64(p*D)))
	cases := []struct {
		method string
		params int
	}{
		{MethodResMoEUP, centered},
		{MethodAverageResidual, centered},
		{MethodAlignToFirst, centered},
		{MethodUPRaw, n * int(math.Round(RawKeep(keep, n)*float64(p*D)))},
		{MethodMergeAverage, p * D},
		{MethodResMoESVD, p*D + n*(p+D)*int(keep*float64(p*D)/float64(p+D))},
		{MethodSVDRaw, n * (p + D) * int(RawKeep(keep, n)*float64(p*D)/float64(p+D))},
	}
	for _, tc := range cases {
		c, err := CompressLayer(context.Background(), experts, d, true, LayerOptions{Method: tc.method, Keep: keep})
		if err != nil {
			t.Fatalf("%s: %v", tc.method, err)
		}
		if got := c.Params(); got != tc.params {
			t.Errorf("%s: %d stored parameters, want %d", tc.method, got, tc.params)
		}
	}
	if got, want := n*int(math.Round(RawKeep(keep, n)*float64(p*D))), centered; got != want {
		t.Errorf("up_raw budget %d, want the centered budget %d", got, want)
	}
}

func TestResMoEBeatsAverageOnPlantedExperts(t *testing.T) {
	experts := plantedExperts(3, 4, 20, 6, 0.05)
	errs := map[string]float64{}
	for _, method := range []string{MethodResMoEUP, MethodAverageResidual, MethodMergeAverage} {
		c, err := CompressLayer(context.Background(), experts, 6, true, LayerOptions{Method: method, Keep: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		errs[method] = c.RelativeErrorOf(experts)
	}
	// Permuted copies share one base, so the aligned residuals are noise.
	if !(errs[MethodResMoEUP] < 0.1 && errs[MethodResMoEUP] < errs[MethodAverageResidual]) {
		t.Errorf("planted experts: resmoe_up error %.3g, average_residual %.3g; want resmoe_up < 0.1 and below average_residual", errs[MethodResMoEUP], errs[MethodAverageResidual])
	}
}

func TestCompressLayerBadInput(t *testing.T) {
	good := plantedExperts(4, 3, 8, 4, 0.1)
	cases := []struct {
		name    string
		experts []ot.Matrix
		opt     LayerOptions
		want    string
	}{
		{"different-widths", []ot.Matrix{good[0], good[1], ot.NewMatrix(7, 12)}, LayerOptions{Method: MethodResMoEUP, Keep: 0.25}, "same width"},
		{"keeps-nothing", good, LayerOptions{Method: MethodResMoEUP, Keep: 1e-6}, "keeps 0"},
		{"svd-rank-zero", good, LayerOptions{Method: MethodResMoESVD, Keep: 1e-3}, "rank 0"},
		{"keep-above-one", good, LayerOptions{Method: MethodUPRaw, Keep: 1.5}, "keep"},
		{"unknown-method", good, LayerOptions{Method: "magic", Keep: 0.25}, "method"},
		{"no-experts", nil, LayerOptions{Method: MethodResMoEUP, Keep: 0.25}, "none"},
	}
	for _, tc := range cases {
		_, err := CompressLayer(context.Background(), tc.experts, 4, true, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestContainerRoundTrip(t *testing.T) {
	cfg := llm.Config{Dim: 8, NLayers: 2, NHeads: 2, NKVHeads: 2, HiddenDim: 16, VocabSize: 13, MaxSeqLen: 16}
	dense, err := llm.NewRandom(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := llm.MoEfy(context.Background(), dense, llm.MoEfyOptions{Experts: 4})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 5, 7, 2, 9, 4}
	want, err := m.Forward(ids, 1, len(ids), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range Methods {
		c, reps, err := CompressModel(context.Background(), m, ModelOptions{LayerOptions: LayerOptions{Method: method, Keep: 0.5}, Layers: []int{1}})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if len(reps) != 1 || reps[0].Layer != 1 {
			t.Fatalf("%s: reports %+v, want layer 1 only", method, reps)
		}
		path := filepath.Join(t.TempDir(), method+".moe")
		size, err := c.Save(path)
		if err != nil || size <= 0 {
			t.Fatalf("%s: save: %d bytes, %v", method, size, err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatalf("%s: load: %v", method, err)
		}
		if back.Params() != c.Params() || back.Method != method {
			t.Errorf("%s: loaded %d parameters (method %q), want %d", method, back.Params(), back.Method, c.Params())
		}
		a, err := c.Apply(m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := back.Apply(m)
		if err != nil {
			t.Fatal(err)
		}
		la, _ := a.Forward(ids, 1, len(ids), nil)
		lb, _ := b.Forward(ids, 1, len(ids), nil)
		for i, v := range la.Data() {
			if lb.Data()[i] != v {
				t.Errorf("%s: logit %d after load %g, before %g", method, i, lb.Data()[i], v)
				break
			}
		}
		if a.Layers[0].MoE.Experts[0].WGate.Data()[0] != m.Layers[0].MoE.Experts[0].WGate.Data()[0] {
			t.Errorf("%s: layer 0 was not selected but changed", method)
		}
	}

	// keep = 1 restores the function exactly (up to float32 rounding).
	c, _, err := CompressModel(context.Background(), m, ModelOptions{LayerOptions: LayerOptions{Method: MethodResMoEUP, Keep: 1}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Apply(m)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.Forward(ids, 1, len(ids), nil)
	for i, v := range want.Data() {
		if math.Abs(float64(got.Data()[i]-v)) > 1e-4*(1+math.Abs(float64(v))) {
			t.Fatalf("resmoe_up at keep 1: logit %d is %g, want %g", i, got.Data()[i], v)
		}
	}
}

func TestLoadRejectsCorruptContainer(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.moe")
	c := &Container{Method: MethodResMoEUP, Keep: 0.25, Layers: map[int]*CompressedLayer{}}
	if _, err := c.Save(bad); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err != nil {
		t.Errorf("empty container: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.moe")); err == nil {
		t.Error("missing file: got no error")
	}
}

// A truncated container or a file that is not zstd at all must report the
// decompression failure, not a bad magic number from the decoded bytes.
func TestLoadReportsZstdError(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.moe")
	experts := plantedExperts(5, 3, 6, 2, 0.1)
	cl, err := CompressLayer(context.Background(), experts, 2, true, LayerOptions{Method: MethodResMoEUP, Keep: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	c := &Container{Method: MethodResMoEUP, Keep: 0.5, Layers: map[int]*CompressedLayer{0: cl}}
	if _, err := c.Save(good); err != nil {
		t.Fatal(err)
	}
	packed, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"truncated to half", packed[:len(packed)/2]},
		{"truncated to 10 bytes", packed[:10]},
		{"empty", nil},
		{"plain text", []byte("this file is not a zstd stream\n")},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".moe")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil {
			t.Errorf("%s: got no error", tc.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "truncated or not zstd") || !strings.Contains(msg, path) {
			t.Errorf("%s: error %q, want the path and \"truncated or not zstd\"", tc.name, msg)
		}
		if strings.Contains(err.Error(), "not a pare MoE container") {
			t.Errorf("%s: error %q blames the container magic", tc.name, err)
		}
	}
}
