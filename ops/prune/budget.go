package prune

import (
	"fmt"
	"math"

	"pare/ops/llm"
)

// Budget is NIRVANA's split of a sparsity target between attention and
// MLP. With A and M the attention and MLP projection weights of the
// decoder, the MLP loses gamma times the fraction that attention loses:
//
//	p_a·A + p_m·M = s·(A + M),  p_m = γ·p_a  ⇒  p_a = s·(A + M) / (A + γ·M)
//	n_attn = ⌊N_units·p_a⌋,  n_mlp = ⌊N_units·p_a · γ·I_units / N_units⌋
//
// where N_units and I_units count the KV groups and MLP channels of all
// layers (L·N and L·I for a dense model). The formulas restate NIRVANA's
// reference code (arXiv 2509.14230).
type Budget struct {
	Sparsity, Gamma float64
	// PAttn and PMLP are the target fractions of KV groups and channels.
	PAttn, PMLP float64
	// NAttnFloat is N_units·p_a before flooring.
	NAttnFloat float64
	// NAttn and NMLP are the numbers of units the global thresholds prune.
	NAttn, NMLP int
	// AttnUnits and MLPUnits count the model's KV groups and channels.
	AttnUnits, MLPUnits int
	// GroupWeights and ChannelWeights are the weights of one unit.
	GroupWeights, ChannelWeights int64
	// DecoderWeights counts the decoder projection weights (the budget's
	// base).
	DecoderWeights int64
}

// CheckSparsity rejects a sparsity outside [0, 1).
func CheckSparsity(s float64) error {
	if !(s >= 0 && s < 1) {
		return fmt.Errorf("prune: sparsity: got %v, want a float in [0, 1)", s)
	}
	return nil
}

// CheckGamma rejects a non-positive or non-finite gamma.
func CheckGamma(g float64) error {
	if !(g > 0) || math.IsInf(g, 0) {
		return fmt.Errorf("prune: gamma: got %v, want a positive float", g)
	}
	return nil
}

// NewBudget computes the budget of a model's shapes (weights are not
// read). It fails when the split would prune every KV group or every MLP
// channel.
func NewBudget(c *llm.Config, sparsity, gamma float64) (Budget, error) {
	if err := CheckSparsity(sparsity); err != nil {
		return Budget{}, err
	}
	if err := CheckGamma(gamma); err != nil {
		return Budget{}, err
	}
	if err := c.Validate(); err != nil {
		return Budget{}, fmt.Errorf("prune: %w", err)
	}
	b := Budget{Sparsity: sparsity, Gamma: gamma, GroupWeights: groupCost(c), ChannelWeights: channelCost(c)}
	for l := 0; l < c.NLayers; l++ {
		b.AttnUnits += c.LayerKVHeads(l)
		b.MLPUnits += c.LayerHidden[l]
	}
	A := float64(b.AttnUnits) * float64(b.GroupWeights)
	M := float64(b.MLPUnits) * float64(b.ChannelWeights)
	b.DecoderWeights = int64(b.AttnUnits)*b.GroupWeights + int64(b.MLPUnits)*b.ChannelWeights

	b.PAttn = sparsity * (A + M) / (A + gamma*M)
	b.PMLP = gamma * b.PAttn
	b.NAttnFloat = float64(b.AttnUnits) * b.PAttn
	b.NAttn = int(math.Floor(b.NAttnFloat))
	b.NMLP = int(math.Floor(b.NAttnFloat * gamma * float64(b.MLPUnits) / float64(b.AttnUnits)))
	if b.NAttn >= b.AttnUnits {
		return Budget{}, fmt.Errorf("prune: sparsity %v with gamma %v prunes all %d KV groups (attention fraction %.3f); want a lower sparsity or a larger gamma", sparsity, gamma, b.AttnUnits, b.PAttn)
	}
	if b.NMLP >= b.MLPUnits {
		return Budget{}, fmt.Errorf("prune: sparsity %v with gamma %v prunes all %d MLP channels (MLP fraction %.3f); want a lower sparsity or a smaller gamma", sparsity, gamma, b.MLPUnits, b.PMLP)
	}
	return b, nil
}

// RemovedWeights returns the decoder projection weights that pruning
// nAttn KV groups and nMLP channels removes.
func (b Budget) RemovedWeights(nAttn, nMLP int) int64 {
	return int64(nAttn)*b.GroupWeights + int64(nMLP)*b.ChannelWeights
}

// ParamCounts returns the decoder projection weights and all parameters of
// a model with config c (a tied head counted once, q/k/v, o_proj and
// down_proj biases included in the total only).
func ParamCounts(c *llm.Config) (decoder, total int64) {
	d := int64(c.Dim)
	for l := 0; l < c.NLayers; l++ {
		q := int64(c.LayerHeads[l] * c.HeadDim)
		kv := int64(c.LayerKVHeads(l) * c.HeadDim)
		h := int64(c.LayerHidden[l])
		proj := 2*q*d + 2*kv*d + 3*h*d
		decoder += proj
		total += proj + 2*d
		if c.QKVBias {
			total += q + 2*kv
		}
		if c.OProjBias {
			total += d
		}
		if c.DownProjBias {
			total += d
		}
	}
	total += int64(c.VocabSize)*d + d
	if !c.TiedEmbeddings {
		total += int64(c.VocabSize) * d
	}
	return decoder, total
}
