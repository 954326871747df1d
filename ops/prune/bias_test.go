package prune

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"pare/ops/llm"
)

// constantCalib returns B windows of T copies of one token. Every block
// then receives the same input at every position (attention averages equal
// values), so each projection input equals its calibration mean.
func constantCalib(B, T, token int) Calibration {
	c := make(Calibration, B)
	for b := range c {
		c[b] = make([]int, T)
		for t := range c[b] {
			c[b][t] = token
		}
	}
	return c
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestCompensationExactOnConstantInputs prunes a KV group and MLP channels
// of every layer and applies FLAP's compensation with statistics of a
// constant calibration batch. The removed inputs then equal their means,
// so the compensated model must give the dense logits on that batch, and
// the uncompensated one must not.
func TestCompensationExactOnConstantInputs(t *testing.T) {
	cases := []struct {
		name            string
		oBias, downBias bool // dense model already has output biases
	}{
		{"no dense biases", false, false},
		{"dense output biases", true, true},
	}
	for _, tc := range cases {
		cfg := llm.Config{Dim: 16, NLayers: 3, NHeads: 4, NKVHeads: 2, HeadDim: 4, HiddenDim: 24, VocabSize: 32, MaxSeqLen: 16,
			QKVBias: true, OProjBias: tc.oBias, DownProjBias: tc.downBias}
		m, err := llm.NewRandom(cfg, 41)
		if err != nil {
			t.Fatal(err)
		}
		calib := constantCalib(2, 8, 5)
		_, stats, err := activationScores(context.Background(), m, calib, FLAP)
		if err != nil {
			t.Fatal(err)
		}
		// Layer l drops KV group l%2 and every third MLP channel from l.
		p := &Plan{}
		for l := 0; l < cfg.NLayers; l++ {
			p.KeepAttn = append(p.KeepAttn, []int{1 - l%2})
			var keep []int
			for j := 0; j < cfg.HiddenDim; j++ {
				if (j+l)%3 != 0 {
					keep = append(keep, j)
				}
			}
			p.KeepMLP = append(p.KeepMLP, keep)
		}
		dense := logitsOf(t, m, calib)

		plain, err := Apply(m, p)
		if err != nil {
			t.Fatal(err)
		}
		uncompensated := maxAbsDiff(logitsOf(t, plain, calib), dense)

		pruned, err := Apply(m, p)
		if err != nil {
			t.Fatal(err)
		}
		state, err := compensate(m, pruned, p, stats, true)
		if err != nil {
			t.Fatal(err)
		}
		if state != "applied" {
			t.Errorf("%s: compensate returned %q, want applied", tc.name, state)
		}
		if !pruned.Config.OProjBias || !pruned.Config.DownProjBias {
			t.Fatalf("%s: compensated model has OProjBias %v, DownProjBias %v; want both", tc.name, pruned.Config.OProjBias, pruned.Config.DownProjBias)
		}
		got := logitsOf(t, pruned, calib)
		compensated := maxAbsDiff(got, dense)
		scale := 0.0
		for _, v := range dense {
			scale = max(scale, math.Abs(float64(v)))
		}
		if compensated > 1e-5*scale {
			t.Errorf("%s: compensated logits differ from dense by %g (logit scale %g); want equal up to float32 rounding", tc.name, compensated, scale)
		}
		if uncompensated < 1e-2*scale {
			t.Errorf("%s: without compensation the logits differ by only %g (scale %g); the case does not exercise compensation", tc.name, uncompensated, scale)
		}
	}
}

// TestCompensationOffLeavesNoBias checks the option end to end: FLAP with
// compensation adds o_proj and down_proj biases equal to
// W[:, removed] · mean(X[:, removed]), and without it adds none.
func TestCompensationOffLeavesNoBias(t *testing.T) {
	m := tinyModel(t, 2, 42)
	calib := randomCalib(2, 8, m.Config.VocabSize, 43)
	cases := []struct {
		enabled bool
		want    string
	}{{true, "applied"}, {false, "off"}}
	for _, tc := range cases {
		out, rep, err := Structured(context.Background(), m, calib, Options{Criterion: FLAP, Sparsity: 0.3, Gamma: 1, Align: 1, BiasCompensation: tc.enabled})
		if err != nil {
			t.Fatal(err)
		}
		if rep.BiasCompensation != tc.want {
			t.Errorf("enabled=%v: report bias_compensation %q, want %q", tc.enabled, rep.BiasCompensation, tc.want)
		}
		hasBias := out.Layers[0].BO != nil || out.Layers[0].BDown != nil
		if hasBias != tc.enabled {
			t.Errorf("enabled=%v: pruned model has output biases: %v", tc.enabled, hasBias)
		}
		if !tc.enabled {
			continue
		}
		// Recompute the down_proj compensation of every layer from the
		// dense model's MLP activations.
		ids, B, T, _ := calib.flatten(m)
		_, cache, err := m.ForwardCache(ids, B, T, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := B * T
		for l := range m.Layers {
			w := m.Layers[l].WDown
			h := w.Dim(1)
			act := cache.MLPActivation(l)
			kept := map[int]bool{}
			for _, j := range rep.KeptChannels[l] {
				kept[j] = true
			}
			for r := 0; r < m.Config.Dim; r++ {
				var want float64
				for j := 0; j < h; j++ {
					if kept[j] {
						continue
					}
					var mean float64
					for i := 0; i < n; i++ {
						mean += float64(act[i*h+j])
					}
					want += float64(w.Data()[r*h+j]) * mean / float64(n)
				}
				var got float64
				if out.Layers[l].BDown != nil {
					got = float64(out.Layers[l].BDown.Data()[r])
				}
				if math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("layer %d down_proj bias[%d]: got %g, want %g", l, r, got, want)
				}
			}
		}
	}
}

// TestSaveReloadCompensated saves a compensated FLAP model as a Hugging
// Face folder and checks that it loads back with the same logits.
func TestSaveReloadCompensated(t *testing.T) {
	m := tinyModel(t, 2, 44)
	calib := randomCalib(2, 8, m.Config.VocabSize, 45)
	out, rep, err := Structured(context.Background(), m, calib, Options{Criterion: FLAP, Sparsity: 0.3, Gamma: 1, Align: 1, BiasCompensation: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "flap")
	if err := Save(out, rep, dir, "f32"); err != nil {
		t.Fatal(err)
	}
	back, err := llm.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(logitsOf(t, back, calib), logitsOf(t, out, calib)); d != 0 {
		t.Errorf("logits after save and load differ by %g; want 0", d)
	}
}
