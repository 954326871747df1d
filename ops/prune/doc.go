// Package prune removes whole structural units from Llama-family decoders:
// attention KV groups (a group's query heads, its K and V heads and the
// matching o_proj columns) and MLP channels (a gate row, an up row and a
// down_proj column). It implements NIRVANA (Ai, Wei, Chen, He, arXiv
// 2509.14230): per-weight saliency |w · ∂f/∂w| of an output proxy f,
// summed per unit in float64, an attention-versus-MLP budget split by one
// factor gamma over global per-type rankings, and calibration-set selection
// by KL(dense ‖ pruned). The usual baselines (magnitude, SNIP, Wanda-sp,
// FLAP, LLM-Pruner, ShortGPT layer removal, random) run through the same
// units, allocation and slicing code.
//
// Sparsity always means the fraction of decoder projection weights (q, k,
// v, o, gate, up, down) removed; embeddings, the output head and norms are
// outside the budget. Reports give both that fraction and the whole-model
// reduction.
package prune
