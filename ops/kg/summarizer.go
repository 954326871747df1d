package kg

import (
	"fmt"
	"math"
)

// Summarizer keeps a personalized summary of a graph: a subset of its
// triples, sized by a budget K, that should answer the user's next queries.
type Summarizer interface {
	// Name is the method's short name, such as "apex2_n".
	Name() string
	// Update takes the next query of the user's log and rebuilds the
	// summary. Its run time is what the online protocol reports as the
	// update time.
	Update(q Query) error
	// Summary returns the triple ids of the current summary. The slice is
	// valid until the next Update and must not be modified.
	Summary() []int32
}

// Budget returns the triple budget K: floor(ratio * |T|) when count is 0,
// otherwise count. It fails unless 1 <= K <= |T|.
func Budget(g *Graph, ratio float64, count int) (int, error) {
	k := count
	if count == 0 {
		if !(ratio > 0 && ratio <= 1) || math.IsNaN(ratio) {
			return 0, fmt.Errorf("kg: budget ratio %g is outside (0, 1]", ratio)
		}
		k = int(math.Floor(ratio * float64(g.NumTriples())))
	}
	if k < 1 {
		return 0, fmt.Errorf("kg: budget of %s (ratio %g of %s) is empty; use a larger ratio or count", Count(k, "triple", "triples"), ratio, Count(g.NumTriples(), "triple", "triples"))
	}
	if k > g.NumTriples() {
		return 0, fmt.Errorf("kg: budget of %s is larger than the graph's %s", Count(k, "triple", "triples"), Count(g.NumTriples(), "triple", "triples"))
	}
	return k, nil
}
