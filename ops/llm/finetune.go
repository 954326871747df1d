package llm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/tensor"
)

// FinetuneOptions configures Finetune. Zero values take the defaults noted.
type FinetuneOptions struct {
	Steps     int     // optimizer steps (default 100)
	BatchSize int     // windows per micro-batch (default 8)
	SeqLen    int     // tokens per window (default 128)
	GradAccum int     // micro-batches per optimizer step (default 1)
	LR        float64 // peak learning rate (default 1e-3 full, 1e-3 LoRA)
	// WarmupSteps ramps the learning rate linearly from 0; a cosine decay
	// to MinLRRatio·LR follows (default 0.1).
	WarmupSteps int
	MinLRRatio  float64
	WeightDecay float64 // decoupled AdamW decay of matrices (default 0)
	Beta1       float64 // default 0.9
	Beta2       float64 // default 0.999
	Eps         float64 // default 1e-8
	// GradClip bounds the global gradient norm (default 1; negative turns
	// clipping off).
	GradClip float64
	// HeldOut is the fraction of tokens, taken from the end of the text,
	// kept for the held-out loss (default 0.1).
	HeldOut float64
	// EvalEvery is the step interval of held-out evaluations (default
	// Steps/10); EvalWindows bounds their windows (default 16).
	EvalEvery   int
	EvalWindows int
	// LoRA, when not nil, trains adapters instead of every weight and
	// merges them into the weights at the end.
	LoRA *LoRA
	Seed uint64
	// Progress, when not nil, is called after every optimizer step.
	Progress func(step int, loss float64)
}

// LossPoint is a loss in nats per token after Step optimizer steps.
type LossPoint struct {
	Step int
	Loss float64
}

// FinetuneResult records a fine-tuning run.
type FinetuneResult struct {
	TrainLoss       []LossPoint // mean loss of each optimizer step
	HeldOutLoss     []LossPoint // including step 0 and the last step
	TrainTokens     int
	HeldOutTokens   int
	TrainableParams int
	Options         FinetuneOptions
}

func (o *FinetuneOptions) fill() error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Steps, 100)
	def(&o.BatchSize, 8)
	def(&o.SeqLen, 128)
	def(&o.GradAccum, 1)
	def(&o.EvalWindows, 16)
	def(&o.EvalEvery, max(1, o.Steps/10))
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	deff(&o.LR, 1e-3)
	deff(&o.MinLRRatio, 0.1)
	deff(&o.Beta1, 0.9)
	deff(&o.Beta2, 0.999)
	deff(&o.Eps, 1e-8)
	deff(&o.GradClip, 1)
	deff(&o.HeldOut, 0.1)
	finite := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return true
	}
	switch {
	case !finite(o.LR, o.MinLRRatio, o.WeightDecay, o.Beta1, o.Beta2, o.Eps, o.GradClip, o.HeldOut):
		return fmt.Errorf("llm: finetune: lr %g, min_lr_ratio %g, weight_decay %g, betas (%g, %g), eps %g, grad_clip %g, held_out %g: want finite numbers",
			o.LR, o.MinLRRatio, o.WeightDecay, o.Beta1, o.Beta2, o.Eps, o.GradClip, o.HeldOut)
	case o.Steps < 0 || o.BatchSize < 0 || o.SeqLen < 2 || o.GradAccum < 0 || o.WarmupSteps < 0 || o.EvalEvery < 0 || o.EvalWindows < 0:
		return fmt.Errorf("llm: finetune: steps %d, batch_size %d, seq_len %d, grad_accum %d, warmup %d, eval_every %d, eval_windows %d: want positive counts and seq_len >= 2",
			o.Steps, o.BatchSize, o.SeqLen, o.GradAccum, o.WarmupSteps, o.EvalEvery, o.EvalWindows)
	case !(o.LR > 0) || o.MinLRRatio < 0 || o.MinLRRatio > 1:
		return fmt.Errorf("llm: finetune: lr %g and min_lr_ratio %g: want lr > 0 and a ratio in [0, 1]", o.LR, o.MinLRRatio)
	case o.WeightDecay < 0 || o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1 || o.Eps <= 0:
		return fmt.Errorf("llm: finetune: weight_decay %g, betas (%g, %g), eps %g: want decay >= 0, betas in [0, 1), eps > 0", o.WeightDecay, o.Beta1, o.Beta2, o.Eps)
	case o.HeldOut <= 0 || o.HeldOut >= 1:
		return fmt.Errorf("llm: finetune: held_out %g: want a fraction in (0, 1)", o.HeldOut)
	case o.BatchSize > MaxBatchTokens/o.SeqLen:
		return fmt.Errorf("llm: finetune: batch_size %d × seq_len %d is more than the limit of %d tokens per micro-batch; lower batch_size and raise grad_accum to train on as many tokens per step",
			o.BatchSize, o.SeqLen, MaxBatchTokens)
	}
	return nil
}

// MaxBatchTokens bounds batch_size × seq_len in Finetune. At this limit the
// logits of one micro-batch alone take 2 GiB for a 512-token vocabulary and
// 128 GiB for a 32000-token one. NOTE: this is a fixed cap, not a memory
// estimate; smaller batches can still fail against --max-memory.
const MaxBatchTokens = 1 << 20

// LearningRate returns the rate at optimizer step (0-based): linear warm-up
// over WarmupSteps, then cosine decay from LR to MinLRRatio·LR at the last
// step.
func (o *FinetuneOptions) LearningRate(step int) float64 {
	if step < o.WarmupSteps {
		return o.LR * float64(step+1) / float64(o.WarmupSteps)
	}
	span := o.Steps - o.WarmupSteps
	if span <= 1 {
		return o.LR
	}
	progress := float64(step-o.WarmupSteps) / float64(span-1)
	floor := o.MinLRRatio * o.LR
	return floor + 0.5*(o.LR-floor)*(1+math.Cos(math.Pi*progress))
}

// Finetune trains m in place on a tokenized text: random windows of SeqLen
// tokens from the first 1−HeldOut of ids, next-token cross-entropy, AdamW
// (Loshchilov and Hutter, arXiv 1711.05101) with warm-up and cosine decay,
// gradient accumulation and global-norm clipping. The held-out loss is the
// mean NLL over up to EvalWindows non-overlapping windows of the last
// HeldOut of ids. With opt.LoRA only the adapters train, and they are
// merged into the weights before returning.
func (m *Model) Finetune(ctx context.Context, ids []int, opt FinetuneOptions) (*FinetuneResult, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	if m.HasMoE() {
		return nil, fmt.Errorf("llm: finetune: the model has MoE layers, which the backward pass does not support")
	}
	split := int(float64(len(ids)) * (1 - opt.HeldOut))
	train, held := ids[:split], ids[split:]
	if len(train) < opt.SeqLen || len(held) < opt.SeqLen {
		return nil, fmt.Errorf("llm: finetune: %d training and %d held-out tokens; both need at least seq_len (%d)", len(train), len(held), opt.SeqLen)
	}
	res := &FinetuneResult{TrainTokens: len(train), HeldOutTokens: len(held), Options: opt}

	var params, grads []*tensor.Tensor
	var decay []bool
	var full *Weights
	if opt.LoRA != nil {
		if err := m.attachLoRA(*opt.LoRA, opt.Seed); err != nil {
			return nil, err
		}
		defer m.mergeLoRA()
		params, grads = m.loraParams()
		for range params {
			decay = append(decay, true)
		}
	} else {
		full = GradientsLike(&m.Config)
		gp := full.Params()
		for i, p := range m.Params() {
			params = append(params, p.Tensor)
			grads = append(grads, gp[i].Tensor)
			decay = append(decay, p.Tensor.Ndim() == 2)
		}
	}
	for _, p := range params {
		res.TrainableParams += p.Size()
	}
	optimizer := newAdamW(params, opt.Beta1, opt.Beta2, opt.Eps, opt.WeightDecay)

	heldLoss := func(step int) error {
		loss, err := m.windowLoss(ctx, held, opt.SeqLen, opt.EvalWindows)
		if err != nil {
			return err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			if step == 0 {
				return fmt.Errorf("llm: finetune: the held-out loss of the model before training is %g; its weights may contain NaN or Inf", loss)
			}
			return fmt.Errorf("llm: finetune: the held-out loss became %g after step %d; lower lr (got %g)", loss, step, opt.LR)
		}
		res.HeldOutLoss = append(res.HeldOutLoss, LossPoint{step, loss})
		return nil
	}
	if err := heldLoss(0); err != nil {
		return nil, err
	}

	rng := rand.New(rand.NewPCG(opt.Seed, 0x853c49e6748fea9b))
	B, T := opt.BatchSize, opt.SeqLen
	batch := make([]int, B*T)
	for step := 0; step < opt.Steps; step++ {
		for _, g := range grads {
			clear(g.Data())
		}
		var stepLoss float64
		for micro := 0; micro < opt.GradAccum; micro++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			for b := 0; b < B; b++ {
				start := rng.IntN(len(train) - T + 1)
				copy(batch[b*T:(b+1)*T], train[start:start+T])
			}
			if m.lora != nil {
				m.lora.training = true
			}
			loss, _, err := m.Gradient(batch, B, T, nil, scaledCE(NextTokenTargets(batch, B, T, nil), 1/float64(opt.GradAccum)), full)
			if m.lora != nil {
				m.lora.training = false
			}
			if err != nil {
				return nil, err
			}
			stepLoss += loss
		}
		if math.IsNaN(stepLoss) || math.IsInf(stepLoss, 0) {
			return nil, fmt.Errorf("llm: finetune: the training loss became %g at step %d; lower lr (got %g)", stepLoss, step+1, opt.LR)
		}
		clipGradients(grads, opt.GradClip)
		optimizer.step(grads, opt.LearningRate(step), decay)
		res.TrainLoss = append(res.TrainLoss, LossPoint{step + 1, stepLoss / float64(opt.GradAccum)})
		if opt.Progress != nil {
			opt.Progress(step+1, stepLoss/float64(opt.GradAccum))
		}
		if (step+1)%opt.EvalEvery == 0 || step+1 == opt.Steps {
			if err := heldLoss(step + 1); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// scaledCE is CrossEntropy with its gradient multiplied by scale, so that
// accumulated micro-batches average.
func scaledCE(targets []int, scale float64) Objective {
	ce := CrossEntropy(targets)
	return func(logits *tensor.Tensor) (float64, *tensor.Tensor, error) {
		v, dl, err := ce(logits)
		if err != nil || scale == 1 {
			return v, dl, err
		}
		for i := range dl.Data() {
			dl.Data()[i] *= float32(scale)
		}
		return v, dl, nil
	}
}

// windowLoss returns the mean next-token NLL over up to maxWindows
// non-overlapping windows of T tokens of ids.
func (m *Model) windowLoss(ctx context.Context, ids []int, T, maxWindows int) (float64, error) {
	n := min(len(ids)/T, maxWindows)
	if n == 0 {
		return 0, fmt.Errorf("llm: %d tokens are fewer than one window of %d", len(ids), T)
	}
	res, err := m.Perplexity(ctx, ids[:n*T], T, T)
	if err != nil {
		return 0, err
	}
	return res.NLL, nil
}

func clipGradients(grads []*tensor.Tensor, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		for _, v := range g.Data() {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := float32(maxNorm / norm)
		for _, g := range grads {
			for i := range g.Data() {
				g.Data()[i] *= s
			}
		}
	}
	return norm
}

// adamW is Adam with decoupled weight decay.
type adamW struct {
	params          []*tensor.Tensor
	m, v            [][]float32
	b1, b2, eps, wd float64
	t               int
}

func newAdamW(params []*tensor.Tensor, b1, b2, eps, wd float64) *adamW {
	a := &adamW{params: params, b1: b1, b2: b2, eps: eps, wd: wd}
	for _, p := range params {
		a.m = append(a.m, make([]float32, p.Size()))
		a.v = append(a.v, make([]float32, p.Size()))
	}
	return a
}

func (a *adamW) step(grads []*tensor.Tensor, lr float64, decay []bool) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	b1, b2 := float32(a.b1), float32(a.b2)
	for i, p := range a.params {
		w, g, m, v := p.Data(), grads[i].Data(), a.m[i], a.v[i]
		shrink := float32(1)
		if decay[i] {
			shrink = float32(1 - lr*a.wd)
		}
		for j := range w {
			m[j] = b1*m[j] + (1-b1)*g[j]
			v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
			mh := float64(m[j]) / c1
			vh := float64(v[j]) / c2
			w[j] = w[j]*shrink - float32(lr*mh/(math.Sqrt(vh)+a.eps))
		}
	}
}
