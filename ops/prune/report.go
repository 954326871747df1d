package prune

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"pare/ops/llm"
	"pare/ops/store"
)

// SidecarName is the file name of the pruning report saved next to a
// pruned model.
const SidecarName = "pruning.json"

// Report describes one pruning run. Sparsities are fractions of weights
// removed; ParamsKept* are the fractions kept (1 − sparsity). It is written
// as the pruning.json sidecar of a saved model. Every field is always
// written: a setting the criterion does not use (reduction, keep_group,
// mlp_align, bias_compensation, attn_layers, mlp_layers) is null and an
// empty list is [] (see MarshalJSON). Files written before these fields
// were always present still decode: a missing field keeps its zero value.
type Report struct {
	Criterion      string  `json:"criterion"`
	Reduction      string  `json:"reduction"`
	Allocation     string  `json:"allocation"`
	Gamma          float64 `json:"gamma"`
	TargetSparsity float64 `json:"target_sparsity"`
	KeepGroup      string  `json:"keep_group"`
	MLPAlign       int     `json:"mlp_align"`
	// AttnLayers and MLPLayers are the layers whose KV groups and MLP
	// channels could be pruned, when the allocation was restricted.
	AttnLayers *LayerRange `json:"attn_layers"`
	MLPLayers  *LayerRange `json:"mlp_layers"`

	// KeptKVGroups[l] and KeptChannels[l] index the units of the input
	// model that layer l keeps; RemovedLayers lists removed blocks (depth
	// pruning), whose entries are absent from the kept lists.
	KeptKVGroups  [][]int `json:"kept_kv_groups"`
	KeptChannels  [][]int `json:"kept_mlp_channels"`
	RemovedLayers []int   `json:"removed_layers"`
	LayerHeads    []int   `json:"layer_query_heads"`
	LayerHidden   []int   `json:"layer_mlp_width"`

	// RequestedKVGroups and RequestedChannels are the budget's n_attn and
	// n_mlp; PrunedKVGroups and PrunedChannels count what was removed after
	// the per-layer guards.
	RequestedKVGroups int `json:"requested_kv_groups"`
	RequestedChannels int `json:"requested_mlp_channels"`
	PrunedKVGroups    int `json:"pruned_kv_groups"`
	PrunedChannels    int `json:"pruned_mlp_channels"`

	DecoderParamsBefore     int64   `json:"decoder_params_before"`
	DecoderParamsAfter      int64   `json:"decoder_params_after"`
	TotalParamsBefore       int64   `json:"total_params_before"`
	TotalParamsAfter        int64   `json:"total_params_after"`
	AchievedSparsityDecoder float64 `json:"achieved_sparsity_decoder"`
	AchievedSparsityTotal   float64 `json:"achieved_sparsity_total"`
	ParamsKeptDecoder       float64 `json:"params_kept_decoder"`
	ParamsKeptTotal         float64 `json:"params_kept_total"`

	// BiasCompensation records whether FLAP's bias compensation was applied
	// to the o_proj and down_proj biases ("applied" or "off"; empty for
	// other criteria).
	BiasCompensation string `json:"bias_compensation"`

	// CalibrationSeed is the seed of the calibration set used (the chosen
	// one after KL selection); KL is that set's KL(dense ‖ pruned) on the
	// probe in nats per token, and CandidateKLs every candidate's.
	CalibrationSeed *uint64       `json:"chosen_seed"`
	KL              *float64      `json:"kl"`
	CandidateKLs    []CandidateKL `json:"candidate_kls"`
}

// fillCounts sets the parameter counts and sparsities from the dense and
// pruned configs.
func (r *Report) fillCounts(dense, pruned *llm.Config) {
	r.DecoderParamsBefore, r.TotalParamsBefore = ParamCounts(dense)
	r.DecoderParamsAfter, r.TotalParamsAfter = ParamCounts(pruned)
	r.ParamsKeptDecoder = float64(r.DecoderParamsAfter) / float64(r.DecoderParamsBefore)
	r.ParamsKeptTotal = float64(r.TotalParamsAfter) / float64(r.TotalParamsBefore)
	r.AchievedSparsityDecoder = 1 - r.ParamsKeptDecoder
	r.AchievedSparsityTotal = 1 - r.ParamsKeptTotal
	r.LayerHeads = append([]int(nil), pruned.LayerHeads...)
	r.LayerHidden = append([]int(nil), pruned.LayerHidden...)
	r.PrunedKVGroups, r.PrunedChannels = 0, 0
	for l := 0; l < dense.NLayers; l++ {
		r.PrunedKVGroups += dense.LayerKVHeads(l)
		r.PrunedChannels += dense.LayerHidden[l]
	}
	for l := 0; l < pruned.NLayers; l++ {
		r.PrunedKVGroups -= pruned.LayerKVHeads(l)
		r.PrunedChannels -= pruned.LayerHidden[l]
	}
}

// MarshalJSON writes every field: settings a criterion does not use are
// null rather than "" or 0, and nil lists are [].
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	out := struct {
		plain
		Reduction        *string       `json:"reduction"`
		KeepGroup        *string       `json:"keep_group"`
		MLPAlign         *int          `json:"mlp_align"`
		BiasCompensation *string       `json:"bias_compensation"`
		RemovedLayers    []int         `json:"removed_layers"`
		KeptKVGroups     [][]int       `json:"kept_kv_groups"`
		KeptChannels     [][]int       `json:"kept_mlp_channels"`
		LayerHeads       []int         `json:"layer_query_heads"`
		LayerHidden      []int         `json:"layer_mlp_width"`
		CandidateKLs     []CandidateKL `json:"candidate_kls"`
	}{plain: plain(r),
		Reduction: nonEmpty(r.Reduction), KeepGroup: nonEmpty(r.KeepGroup), BiasCompensation: nonEmpty(r.BiasCompensation),
		RemovedLayers: orEmpty(r.RemovedLayers), KeptKVGroups: orEmpty(r.KeptKVGroups), KeptChannels: orEmpty(r.KeptChannels),
		LayerHeads: orEmpty(r.LayerHeads), LayerHidden: orEmpty(r.LayerHidden), CandidateKLs: orEmpty(r.CandidateKLs)}
	if r.MLPAlign != 0 {
		out.MLPAlign = &r.MLPAlign
	}
	return json.Marshal(out)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orEmpty[T any](x []T) []T {
	if x == nil {
		return []T{}
	}
	return x
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Save writes a pruned model as a Hugging Face folder (see llm.SaveHF:
// per-layer widths in config.json, weights as dtype) with the report as
// pruning.json inside it.
func Save(m *llm.Model, r *Report, dir, dtype string) error {
	if r == nil {
		return fmt.Errorf("prune: save: the report is nil")
	}
	if err := m.SaveHF(dir, dtype); err != nil {
		return err
	}
	return store.WriteFileAtomic(filepath.Join(dir, SidecarName), r.WriteJSON)
}
