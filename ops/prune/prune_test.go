package prune

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/llm"
	"pare/ops/tensor"
)

// tinyModel returns a random 2-layer GQA model: 4 query heads in 2 KV
// groups of head size 4, MLP width 24.
func tinyModel(t testing.TB, layers int, seed uint64) *llm.Model {
	t.Helper()
	cfg := llm.Config{Dim: 16, NLayers: layers, NHeads: 4, NKVHeads: 2, HeadDim: 4, HiddenDim: 24, VocabSize: 32, MaxSeqLen: 16}
	m, err := llm.NewRandom(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomCalib(B, T, vocab int, seed uint64) Calibration {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := make(Calibration, B)
	for b := range c {
		c[b] = make([]int, T)
		for t := range c[b] {
			c[b][t] = rng.IntN(vocab)
		}
	}
	return c
}

func logitsOf(t testing.TB, m *llm.Model, calib Calibration) []float32 {
	t.Helper()
	ids, B, T, err := calib.flatten(m)
	if err != nil {
		t.Fatal(err)
	}
	z, err := m.Forward(ids, B, T, nil)
	if err != nil {
		t.Fatal(err)
	}
	return z.Data()
}

// fdScores computes unit scores Σ score(w, ∂f/∂w) with ∂f/∂w from central
// finite differences of f, one weight at a time.
func fdScores(t *testing.T, m *llm.Model, calib Calibration, f llm.Objective, score weightScore) *Scores {
	t.Helper()
	return aggregateWeights(m, fdGrads(t, m, calib, f), score)
}

// fdGrads returns the projection gradients of f by central finite
// differences (other entries stay zero).
func fdGrads(t *testing.T, m *llm.Model, calib Calibration, f llm.Objective) *llm.Weights {
	t.Helper()
	ids, B, T, _ := calib.flatten(m)
	eval := func() float64 {
		z, err := m.Forward(ids, B, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := f(z)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	grads := llm.GradientsLike(&m.Config)
	const eps = 1e-3
	for l := range m.Layers {
		lw, gw := &m.Layers[l], &grads.Layers[l]
		pairs := [][2]*tensor.Tensor{{lw.WQ, gw.WQ}, {lw.WK, gw.WK}, {lw.WV, gw.WV}, {lw.WO, gw.WO},
			{lw.WGate, gw.WGate}, {lw.WUp, gw.WUp}, {lw.WDown, gw.WDown}}
		for _, p := range pairs {
			w, g := p[0].Data(), p[1].Data()
			for i := range w {
				orig := w[i]
				w[i] = orig + eps
				up := eval()
				w[i] = orig - eps
				down := eval()
				w[i] = orig
				g[i] = float32((up - down) / (2 * eps))
			}
		}
	}
	return grads
}

func TestSaliencyMatchesFiniteDifferences(t *testing.T) {
	m := tinyModel(t, 2, 7)
	calib := randomCalib(2, 6, 32, 3)
	ids, B, T, _ := calib.flatten(m)
	abs := func(w, g float32) float64 { return math.Abs(float64(w) * float64(g)) }
	cases := []struct {
		criterion, reduction string
		f                    llm.Objective
		score                weightScore
	}{
		{Nirvana, MaxOverPositions, llm.MaxOverPositions, abs},
		{Nirvana, SumLogits, llm.SumLogits, abs},
		{SNIP, "", llm.CrossEntropy(llm.NextTokenTargets(ids, B, T, nil)), abs},
	}
	for _, tc := range cases {
		got, err := Score(context.Background(), m, calib, ScoreOptions{Criterion: tc.criterion, Reduction: tc.reduction})
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.criterion, tc.reduction, err)
		}
		want := fdScores(t, m, calib, tc.f, tc.score)
		compare := func(kind string, l, i int, g, w float64) {
			if math.Abs(g-w) > 2e-3*math.Abs(w)+1e-5 {
				t.Errorf("%s/%s: layer %d %s %d: score %.6g, finite differences %.6g", tc.criterion, tc.reduction, l, kind, i, g, w)
			}
		}
		for l := range want.Attn {
			for g := range want.Attn[l] {
				compare("KV group", l, g, got.Attn[l][g], want.Attn[l][g])
			}
			for j := range want.MLP[l] {
				compare("channel", l, j, got.MLP[l][j], want.MLP[l][j])
			}
		}
	}
}

func TestSparsityZeroKeepsLogits(t *testing.T) {
	m := tinyModel(t, 2, 11)
	calib := randomCalib(3, 8, 32, 5)
	want := logitsOf(t, m, calib)
	for _, crit := range Criteria {
		pm, rep, err := Structured(context.Background(), m, calib, Options{Criterion: crit, Sparsity: 0, Gamma: 3})
		if err != nil {
			t.Fatalf("%s: %v", crit, err)
		}
		if rep.AchievedSparsityDecoder != 0 || pm.NumParams() != m.NumParams() {
			t.Errorf("%s: sparsity 0 removed weights: decoder sparsity %v, params %d of %d", crit, rep.AchievedSparsityDecoder, pm.NumParams(), m.NumParams())
		}
		got := logitsOf(t, pm, calib)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: logit %d is %v, dense %v", crit, i, got[i], want[i])
			}
		}
	}
}

// zeroPruned returns a copy of m whose pruned units have zero weights.
func zeroPruned(m *llm.Model, p *Plan) *llm.Model {
	z := m.Clone()
	c := &m.Config
	hd, G := c.HeadDim, c.GroupSize()
	for l := range z.Layers {
		lw := &z.Layers[l]
		keepA := map[int]bool{}
		for _, g := range p.KeepAttn[l] {
			keepA[g] = true
		}
		for g := 0; g < c.LayerKVHeads(l); g++ {
			if keepA[g] {
				continue
			}
			zeroRows(lw.WQ, g*G*hd, (g+1)*G*hd)
			zeroRows(lw.WK, g*hd, (g+1)*hd)
			zeroRows(lw.WV, g*hd, (g+1)*hd)
			zeroCols(lw.WO, g*G*hd, (g+1)*G*hd)
		}
		keepM := map[int]bool{}
		for _, j := range p.KeepMLP[l] {
			keepM[j] = true
		}
		for j := 0; j < c.LayerHidden[l]; j++ {
			if !keepM[j] {
				zeroRows(lw.WGate, j, j+1)
				zeroRows(lw.WUp, j, j+1)
				zeroCols(lw.WDown, j, j+1)
			}
		}
	}
	return z
}

func zeroRows(w *tensor.Tensor, r0, r1 int) {
	cols := w.Dim(1)
	clear(w.Data()[r0*cols : r1*cols])
}

func zeroCols(w *tensor.Tensor, c0, c1 int) {
	rows, cols := w.Dim(0), w.Dim(1)
	for r := 0; r < rows; r++ {
		clear(w.Data()[r*cols+c0 : r*cols+c1])
	}
}

func TestPrunedMatchesZeroedDense(t *testing.T) {
	m := tinyModel(t, 3, 13)
	calib := randomCalib(4, 8, 32, 9)
	for _, alloc := range Allocations {
		s, err := Score(context.Background(), m, calib, ScoreOptions{Criterion: Nirvana})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := Allocate(&m.Config, s, AllocOptions{Sparsity: 0.5, Gamma: 1.5, Allocation: alloc, Align: 4})
		if err != nil {
			t.Fatalf("%s: %v", alloc, err)
		}
		pm, err := Apply(m, plan)
		if err != nil {
			t.Fatalf("%s: %v", alloc, err)
		}
		if pm.NumParams() >= m.NumParams() {
			t.Fatalf("%s: pruned model has %d params, dense %d", alloc, pm.NumParams(), m.NumParams())
		}
		want := logitsOf(t, zeroPruned(m, plan), calib)
		got := logitsOf(t, pm, calib)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: logit %d is %v, zeroed dense %v", alloc, i, got[i], want[i])
			}
		}
	}
}

func TestAllocationThresholdAndGuards(t *testing.T) {
	// 2 layers, 2 KV groups each, 12 channels each; budget via a config
	// with those shapes.
	cfg := shapeConfig(16, 4, 2, 4, 12, 2, 32, true)
	s := &Scores{
		Attn: [][]float64{{1, 1}, {5, 6}},
		MLP: [][]float64{
			{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
			{0.5, 0.5, 0.5, 20, 21, 22, 23, 24, 25, 26, 27, 28},
		},
	}
	b, err := NewBudget(&cfg, 0.45, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	// Layer 0's two groups tie at the threshold, so both fall under it and
	// the guard keeps one.
	if b.NAttn != 1 {
		t.Fatalf("budget prunes %d KV groups, this test expects 1", b.NAttn)
	}
	cases := []struct {
		keep, name string
		align      int
		wantAttn0  []int
	}{
		{KeepBest, "best", 1, []int{0}},
		{KeepLastIndex, "last index", 1, []int{1}},
	}
	for _, tc := range cases {
		p, err := Allocate(&cfg, s, AllocOptions{Sparsity: 0.45, Gamma: 1.5, KeepGroup: tc.keep, Align: tc.align})
		if err != nil {
			t.Fatal(err)
		}
		if p.PrunedAttn != 2 {
			t.Errorf("%s: %d KV groups under the ≤ threshold, want 2 (tie)", tc.name, p.PrunedAttn)
		}
		if !equalInts(p.KeepAttn[0], tc.wantAttn0) || !equalInts(p.KeepAttn[1], []int{0, 1}) {
			t.Errorf("%s: kept KV groups %v, want [%v [0 1]]", tc.name, p.KeepAttn, tc.wantAttn0)
		}
	}
	// MLP rounding: with align 4, each layer's kept count rounds up to a
	// multiple of 4 by sparing the best pruned channels.
	p, err := Allocate(&cfg, s, AllocOptions{Sparsity: 0.45, Gamma: 1.5, Align: 4})
	if err != nil {
		t.Fatal(err)
	}
	for l, kept := range p.KeepMLP {
		if len(kept)%4 != 0 || len(kept) < 4 {
			t.Errorf("align 4: layer %d keeps %d channels, want a positive multiple of 4", l, len(kept))
		}
	}
	// Align larger than the width would keep every channel: an error that
	// names the value and the width.
	_, err = Allocate(&cfg, s, AllocOptions{Sparsity: 0.45, Gamma: 1.5, Align: 16})
	if err == nil || !strings.Contains(err.Error(), "align: got 16, larger than the MLP width 12") {
		t.Errorf("align 16: got error %v, want one naming align 16 and width 12", err)
	}
}

func TestAllocationSpreadsBudget(t *testing.T) {
	m := tinyModel(t, 4, 21)
	s, err := Score(context.Background(), m, nil, ScoreOptions{Criterion: Magnitude})
	if err != nil {
		t.Fatal(err)
	}
	for _, alloc := range Allocations {
		p, err := Allocate(&m.Config, s, AllocOptions{Sparsity: 0.4, Gamma: 2, Allocation: alloc, Align: 1})
		if err != nil {
			t.Fatalf("%s: %v", alloc, err)
		}
		pm, err := Apply(m, p)
		if err != nil {
			t.Fatal(err)
		}
		dense, _ := ParamCounts(&m.Config)
		kept, _ := ParamCounts(&pm.Config)
		got := 1 - float64(kept)/float64(dense)
		// Within one unit of the largest kind (a KV group) of the target.
		slack := float64(budgetOf(t, m).GroupWeights) / float64(dense)
		if math.Abs(got-0.4) > slack {
			t.Errorf("%s: decoder sparsity %.3f, want 0.4 ± %.3f", alloc, got, slack)
		}
		if alloc == AllocUniform {
			for l := 1; l < len(p.KeepMLP); l++ {
				if len(p.KeepMLP[l]) != len(p.KeepMLP[0]) || len(p.KeepAttn[l]) != len(p.KeepAttn[0]) {
					t.Errorf("uniform: layer %d keeps %d groups and %d channels, layer 0 keeps %d and %d", l, len(p.KeepAttn[l]), len(p.KeepMLP[l]), len(p.KeepAttn[0]), len(p.KeepMLP[0]))
				}
			}
		}
	}
}

func budgetOf(t *testing.T, m *llm.Model) Budget {
	bud, err := NewBudget(&m.Config, 0.4, 2)
	if err != nil {
		t.Fatal(err)
	}
	return bud
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSaveReloadWithSidecar(t *testing.T) {
	m := tinyModel(t, 2, 17)
	calib := randomCalib(2, 8, 32, 1)
	pm, rep, err := Structured(context.Background(), m, calib, Options{Criterion: Nirvana, Sparsity: 0.4, Gamma: 2, Align: 4})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pruned")
	if err := Save(pm, rep, dir, "f32"); err != nil {
		t.Fatal(err)
	}
	back, err := llm.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, got := logitsOf(t, pm, calib), logitsOf(t, back, calib)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reloaded logit %d is %v, saved model %v", i, got[i], want[i])
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, SidecarName))
	if err != nil {
		t.Fatal(err)
	}
	var side map[string]any
	if err := json.Unmarshal(raw, &side); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kept_kv_groups", "kept_mlp_channels", "criterion", "allocation", "gamma", "target_sparsity",
		"achieved_sparsity_decoder", "achieved_sparsity_total", "chosen_seed", "candidate_kls"} {
		if _, ok := side[key]; !ok {
			t.Errorf("pruning.json lacks %q", key)
		}
	}
}

func TestSelectCalibrationKeepsLowestKL(t *testing.T) {
	m := tinyModel(t, 2, 23)
	var cands []Candidate
	for seed := uint64(0); seed < 4; seed++ {
		cands = append(cands, Candidate{Seed: seed, Document: -1, Windows: randomCalib(2, 8, 32, 100+seed)})
	}
	probe := randomCalib(4, 8, 32, 42)
	prune := func(ctx context.Context, c Calibration) (*llm.Model, *Report, error) {
		return Structured(ctx, m, c, Options{Criterion: Nirvana, Sparsity: 0.5, Gamma: 1, Align: 1})
	}
	sel, err := SelectCalibration(context.Background(), m, cands, probe, prune)
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Candidates) != 4 {
		t.Fatalf("%d candidate KLs, want 4", len(sel.Candidates))
	}
	for i, c := range sel.Candidates {
		if c.KL < sel.Candidates[sel.Best].KL {
			t.Errorf("candidate %d has KL %v below the chosen %d's %v", i, c.KL, sel.Best, sel.Candidates[sel.Best].KL)
		}
	}
	ids, B, T, _ := probe.flatten(m)
	kl, err := llm.KL(context.Background(), m, sel.Model, ids, B, T)
	if err != nil {
		t.Fatal(err)
	}
	if kl != *sel.Report.KL || *sel.Report.CalibrationSeed != cands[sel.Best].Seed {
		t.Errorf("report KL %v seed %v, recomputed KL %v seed %v", *sel.Report.KL, *sel.Report.CalibrationSeed, kl, cands[sel.Best].Seed)
	}
}

func TestShortGPTRemovesIdentityBlock(t *testing.T) {
	m := tinyModel(t, 3, 29)
	// Block 1 with zero o_proj and down_proj passes its input through, so
	// its influence is 0 and it goes first.
	clear(m.Layers[1].WO.Data())
	clear(m.Layers[1].WDown.Data())
	calib := randomCalib(2, 8, 32, 2)
	bi, err := BlockInfluence(context.Background(), m, calib)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(bi[1]) > 1e-6 {
		t.Errorf("identity block influence %v, want 0", bi[1])
	}
	pm, rep, err := Structured(context.Background(), m, calib, Options{Criterion: ShortGPT, Sparsity: 0.34, Gamma: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(rep.RemovedLayers, []int{1}) || pm.Config.NLayers != 2 {
		t.Fatalf("removed %v (n_layers %d), want [1] (2)", rep.RemovedLayers, pm.Config.NLayers)
	}
	want, got := logitsOf(t, m, calib), logitsOf(t, pm, calib)
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("logit %d is %v after removing the identity block, dense %v", i, got[i], want[i])
		}
	}
}

func TestColumnScoresFormulas(t *testing.T) {
	// X [3 tokens, 2 columns], W [2 rows, 2 columns].
	x := []float32{1, 2, 3, -2, 5, 0}
	w := []float32{1, -2, 3, 0.5}
	st := statsOf(x, 3, 2)
	wantMean := []float64{3, 0}
	wantVar := []float64{8.0 / 3, 8.0 / 3}
	wantNorm := []float64{math.Sqrt(35), math.Sqrt(8)}
	for j := 0; j < 2; j++ {
		if math.Abs(st.Mean[j]-wantMean[j]) > 1e-12 || math.Abs(st.Var[j]-wantVar[j]) > 1e-12 || math.Abs(st.Norm[j]-wantNorm[j]) > 1e-12 {
			t.Errorf("column %d: mean %v var %v norm %v, want %v %v %v", j, st.Mean[j], st.Var[j], st.Norm[j], wantMean[j], wantVar[j], wantNorm[j])
		}
	}
	wanda := columnScores(w, 2, 2, st, WandaSP)
	flap := columnScores(w, 2, 2, st, FLAP)
	wantWanda := []float64{math.Sqrt(35) * 4, math.Sqrt(8) * 2.5}
	wantFLAP := []float64{8.0 / 3 * 10, 8.0 / 3 * 4.25}
	for j := 0; j < 2; j++ {
		if math.Abs(wanda[j]-wantWanda[j]) > 1e-9 || math.Abs(flap[j]-wantFLAP[j]) > 1e-9 {
			t.Errorf("column %d: wanda %v flap %v, want %v %v", j, wanda[j], flap[j], wantWanda[j], wantFLAP[j])
		}
	}
	bias := compensationBias(w, 2, 2, []int{1}, st.Mean)
	if bias[0] != 3 || bias[1] != 9 {
		t.Errorf("compensation bias %v, want [3 9]", bias)
	}
}

func TestStructuredRejectsBadInput(t *testing.T) {
	m := tinyModel(t, 2, 31)
	calib := randomCalib(2, 8, 32, 4)
	long := randomCalib(1, 17, 32, 4)
	broken := m.Clone()
	broken.Layers[0].WK = nil
	cases := []struct {
		name  string
		m     *llm.Model
		calib Calibration
		opt   Options
		want  string
	}{
		{"sparsity 1", m, calib, Options{Criterion: Nirvana, Sparsity: 1, Gamma: 3}, "sparsity: got 1"},
		{"gamma 0", m, calib, Options{Criterion: Nirvana, Sparsity: 0.2, Gamma: 0}, "gamma: got 0"},
		{"longer than context", m, long, Options{Criterion: Nirvana, Sparsity: 0.2, Gamma: 3}, "17 tokens, longer than the model's context of 16"},
		{"missing projection", broken, calib, Options{Criterion: Nirvana, Sparsity: 0.2, Gamma: 3}, "k_proj.weight is missing"},
		{"removes every channel", m, calib, Options{Criterion: Nirvana, Sparsity: 0.9, Gamma: 3}, "prunes all"},
		{"unknown criterion", m, calib, Options{Criterion: "obs", Sparsity: 0.2, Gamma: 3}, "criterion \"obs\" is unknown"},
		{"unknown allocation", m, calib, Options{Criterion: Magnitude, Allocation: "layerwise", Sparsity: 0.2, Gamma: 3}, "allocation: got \"layerwise\""},
		{"reduction on snip", m, calib, Options{Criterion: SNIP, Reduction: MaxOverVocab, Sparsity: 0.2, Gamma: 3}, "applies only to nirvana"},
		{"empty calibration", m, nil, Options{Criterion: Nirvana, Sparsity: 0.2, Gamma: 3}, "calibration batch is empty"},
		{"out of vocabulary", m, Calibration{{1, 2, 99}}, Options{Criterion: SNIP, Sparsity: 0.2, Gamma: 3}, "token id 99"},
	}
	for _, tc := range cases {
		_, _, err := Structured(context.Background(), tc.m, tc.calib, tc.opt)
		if err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
