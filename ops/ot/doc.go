// Package ot solves discrete optimal-transport problems: ground-cost matrices
// (Dist), dense linear assignment (LinearAssignment, Jonker–Volgenant), exact
// transport by network simplex (EMD, EMD2), entropic transport (Sinkhorn,
// Sinkhorn2), fixed-support entropic barycenters (Barycenter) and free-support
// Wasserstein barycenters (FreeSupportBarycenter).
//
// Names and defaults follow POT, the Python Optimal Transport library
// (version 0.8.2), so that a user of ot.emd or ot.sinkhorn finds the same
// arguments and results here. Every computation runs in float64: a float32
// cost matrix loses the exactness that assignment and network simplex rely on.
//
// Matrices are dense and row-major (Matrix). Measures are weight vectors that
// must be non-negative and, for balanced problems, carry the same total mass.
// Invalid input returns an *InputError naming the offending argument and
// value; no function in this package panics on user input.
package ot
