package llm

import (
	"context"
	"math"
	"os"
	"testing"

	"pare/ops/kernels"
)

func TestLoRAGradientMatchesMergedWeights(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	if err := m.attachLoRA(LoRA{Rank: 3, Alpha: 6, Targets: LoRAProjections}, 1); err != nil {
		t.Fatal(err)
	}
	// Give B non-zero values so that every term is exercised.
	params, grads := m.loraParams()
	for i, p := range params {
		if i%2 == 1 {
			for j := range p.Data() {
				p.Data()[j] = float32(math.Sin(float64(j + i)))
			}
		}
	}
	const B, T = 2, 5
	ids := randomIDs(B*T, m.Config.VocabSize, 30)
	_, f := weightedLogits(B*T*m.Config.VocabSize, 31)
	if _, _, err := m.Gradient(ids, B, T, nil, f, nil); err != nil {
		t.Fatal(err)
	}

	// The same model with the adapters merged gives dW; then
	// dA = s·Bᵀ·dW and dB = s·dW·Aᵀ.
	merged := m.Clone()
	merged.lora = m.lora
	merged.mergeLoRA()
	_, dW, err := merged.Gradient(ids, B, T, nil, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := m.lora.scale()
	k := 0
	for l := range m.Layers {
		for _, p := range m.lora.Targets {
			a := m.lora.adapters[loraKey{l, p}]
			gw := map[string][]float32{"q": dW.Layers[l].WQ.Data(), "k": dW.Layers[l].WK.Data(), "v": dW.Layers[l].WV.Data(),
				"o": dW.Layers[l].WO.Data(), "gate": dW.Layers[l].WGate.Data(), "up": dW.Layers[l].WUp.Data(), "down": dW.Layers[l].WDown.Data()}[p]
			r, in, out := m.lora.Rank, a.A.Dim(1), a.B.Dim(0)
			wantA := make([]float32, r*in)
			kernels.Sgemm(true, false, r, in, out, s, a.B.Data(), r, gw, in, 0, wantA, in)
			wantB := make([]float32, out*r)
			kernels.Sgemm(false, true, out, r, in, s, gw, in, a.A.Data(), in, 0, wantB, r)
			for name, pair := range map[string][2][]float32{"A": {grads[k].Data(), wantA}, "B": {grads[k+1].Data(), wantB}} {
				for j := range pair[0] {
					if math.Abs(float64(pair[0][j]-pair[1][j])) > 1e-4*(1+math.Abs(float64(pair[1][j]))) {
						t.Fatalf("layer %d %s: d%s[%d]: got %g, want %g", l, p, name, j, pair[0][j], pair[1][j])
					}
				}
			}
			k += 2
		}
	}
}

func TestLearningRateSchedule(t *testing.T) {
	o := FinetuneOptions{Steps: 11, WarmupSteps: 2, LR: 1, MinLRRatio: 0.1}
	cases := []struct {
		step int
		want float64
	}{{0, 0.5}, {1, 1}, {2, 1}, {6, 0.55}, {10, 0.1}}
	for _, tc := range cases {
		if got := o.LearningRate(tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("step %d: got %g, want %g", tc.step, got, tc.want)
		}
	}
}

// periodicIDs is a token stream with period 7, which a model can learn.
func periodicIDs(n, vocab int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (i * 3 % 7) % vocab
	}
	return ids
}

func TestFinetuneLowersHeldOutLoss(t *testing.T) {
	cases := []struct {
		name string
		lora *LoRA
	}{
		{"full", nil},
		{"lora", &LoRA{Rank: 4, Alpha: 8, Dropout: 0.05, Targets: []string{"q", "v", "gate", "up", "down"}}},
	}
	for _, tc := range cases {
		m := tinyModel(t, tinyConfig())
		before := m.Clone()
		res, err := m.Finetune(context.Background(), periodicIDs(600, m.Config.VocabSize), FinetuneOptions{
			Steps: 30, BatchSize: 4, SeqLen: 16, GradAccum: 2, LR: 1e-2, WarmupSteps: 3, LoRA: tc.lora, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		first, last := res.HeldOutLoss[0].Loss, res.HeldOutLoss[len(res.HeldOutLoss)-1].Loss
		t.Logf("%s: held-out loss %.4f -> %.4f over %d steps, %d trainable parameters", tc.name, first, last, len(res.TrainLoss), res.TrainableParams)
		if !(last < 0.5*first) {
			t.Errorf("%s: held-out loss went from %.4f to %.4f, want at least halved", tc.name, first, last)
		}
		if m.lora != nil {
			t.Errorf("%s: adapters were not merged", tc.name)
		}
		if tc.lora != nil && m.Embed.Data()[0] != before.Embed.Data()[0] {
			t.Errorf("%s: LoRA changed the frozen embedding", tc.name)
		}
		if got := len(res.TrainLoss); got != 30 {
			t.Errorf("%s: %d training-loss points, want 30", tc.name, got)
		}
	}
}

func TestWriteLossPlot(t *testing.T) {
	res := &FinetuneResult{TrainLoss: []LossPoint{{1, 3}, {2, 2}, {3, 1.5}}, HeldOutLoss: []LossPoint{{0, 3.2}, {3, 1.7}}}
	path := t.TempDir() + "/loss.png"
	if err := WriteLossPlot(path, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Errorf("loss plot: %d bytes without a PNG signature", len(b))
	}
}
