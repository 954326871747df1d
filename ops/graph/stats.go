package graph

// Stats summarizes a graph's structure.
type Stats struct {
	NumNodes, NumEdges int
	// NumUndirectedEdges counts unordered pairs (a self loop counts once);
	// it is meaningful when IsUndirected.
	NumUndirectedEdges        int
	NumFeatures, NumClasses   int
	IsUndirected              bool
	SelfLoops, IsolatedNodes  int
	AvgDegree                 float64 // stored entries per node
	MaxDegree                 int
	Density                   float64 // stored entries / N²
	Normalization             string
	NumTrain, NumVal, NumTest int
}

// ComputeStats returns the statistics of g.
func ComputeStats(g *Graph) Stats {
	a := g.Adj
	n := a.Rows
	st := Stats{NumNodes: n, NumEdges: a.NNZ(), NumClasses: g.NumClasses, IsUndirected: a.IsSymmetric(), SelfLoops: a.CountSelfLoops(), Normalization: a.Normalization()}
	st.NumUndirectedEdges = (st.NumEdges + st.SelfLoops) / 2
	if g.X != nil {
		st.NumFeatures = g.X.Cols
	}
	incoming := make([]bool, n)
	for _, c := range a.Indices {
		incoming[c] = true
	}
	for i, d := range a.Degrees() {
		st.MaxDegree = max(st.MaxDegree, d)
		if d == 0 && !incoming[i] {
			st.IsolatedNodes++
		}
	}
	if n > 0 {
		st.AvgDegree = float64(st.NumEdges) / float64(n)
		st.Density = float64(st.NumEdges) / (float64(n) * float64(n))
	}
	if g.Split != nil {
		st.NumTrain, st.NumVal, st.NumTest = len(g.Split.Train), len(g.Split.Val), len(g.Split.Test)
	}
	return st
}
