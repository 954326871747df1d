// Package moe holds the numerical core of ResMoE, compression of the
// experts of a Mixture-of-Experts layer by a Wasserstein barycenter plus
// compressed residuals (M. Ai et al., "ResMoE: Space-efficient Compression
// of Mixture of Experts LLMs via Residual Restoration", KDD 2025,
// arXiv:2503.06881).
//
// An expert is a set of hidden neurons. Neuron j of a SwiGLU expert
// f(x) = W2·(silu(W1·x) ⊙ (W3·x)) is the support point
// s_j = [W1[j,:] | W3[j,:] | W2[:,j]ᵀ] of length 3d (2d without W3), and
// permuting neurons leaves the function unchanged, so an expert is the
// uniform discrete measure on its p support points. Stacking them gives the
// p×D matrix S. The barycenter expert X minimizes Σ_k ‖P_k·S_k − X‖_F² over
// X and the permutations P_k, the free-support Wasserstein-2 barycenter with
// p atoms of uniform weight. Each expert is then aligned to X, its residual
// P_k·S_k − X is compressed (magnitude pruning or truncated SVD at a
// parameter budget), and X + compressed residual restores the expert in
// weight space, in the aligned neuron order, which computes the same
// function as the original order.
//
// Everything here works on plain float64 matrices (ot.Matrix); converting
// model tensors is the caller's job.
package moe
