package apex

import (
	"math/rand/v2"

	"pare/ops/kg"
)

// randomFill appends uniformly random triples of g, not already in summary,
// until summary holds k triples. The caller guarantees k <= |T|.
func randomFill(summary []int32, k int, g *kg.Graph, rng *rand.Rand, seen map[int32]struct{}) []int32 {
	if len(summary) >= k {
		return summary
	}
	clear(seen)
	for _, t := range summary {
		seen[t] = struct{}{}
	}
	n := g.NumTriples()
	if k > n/2 {
		// Dense case: walk a random permutation instead of rejecting.
		for _, i := range rng.Perm(n) {
			if len(summary) == k {
				break
			}
			if _, ok := seen[int32(i)]; !ok {
				summary = append(summary, int32(i))
			}
		}
		return summary
	}
	for len(summary) < k {
		t := int32(rng.IntN(n))
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		summary = append(summary, t)
	}
	return summary
}
