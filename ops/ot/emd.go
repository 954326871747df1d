package ot

import (
	"context"
	"fmt"
	"math"
)

// Status reports how an iterative solver stopped.
type Status int

const (
	// Optimal: the solver reached its optimality or convergence test.
	Optimal Status = iota
	// MaxIterReached: the iteration cap stopped the solver first. The
	// result is the last iterate: a plan that is not optimal and may miss
	// the marginals (network simplex), or one that has not converged
	// (Sinkhorn and the barycenters).
	MaxIterReached
)

func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case MaxIterReached:
		return "max_iter_reached"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// EMDResult is an exact optimal-transport solution.
type EMDResult struct {
	// Plan is the n×m transport plan: row sums equal a, column sums equal b
	// (rescaled to the mass of a), up to rounding.
	Plan Matrix
	// Cost is Σ Plan[i,j]·M[i,j].
	Cost float64
	// U and V are dual potentials: U[i] + V[j] <= M[i,j] for every pair, with
	// equality where Plan[i,j] > 0, and a·U + b·V = Cost at optimality. They
	// are centered as in POT (center_dual=True) so that a·U = b·V.
	U, V []float64
	// Status is MaxIterReached when maxIter pivots ran out before the
	// optimality test passed. Plan is then not optimal, and its marginals
	// can fall short of a and b where mass still sits on the artificial
	// arcs of the starting basis.
	Status Status
	// Iterations is the number of simplex pivots.
	Iterations int
}

// DefaultEMDMaxIter is POT's default cap on network-simplex pivots.
const DefaultEMDMaxIter = 100000

// EMD solves the exact (Kantorovich) optimal-transport problem
//
//	min_P Σ P[i,j]·M[i,j]  subject to  P·1 = a, Pᵀ·1 = b, P >= 0
//
// by the primal network simplex on the bipartite transportation graph, as
// POT's ot.emd does (N. Bonneel, M. van de Panne, S. Paris, W. Heidrich,
// "Displacement interpolation using Lagrangian mass transport", ACM Trans.
// Graph. 30(6) 2011, doi:10.1145/2070781.2024192, using the network simplex
// of the LEMON graph library). The tree is stored with parent, thread and
// subtree-size arrays (Kelly and O'Neill's representation), the entering arc
// is chosen by block search over √(n·m) arcs, and the leaving arc by the
// strongly feasible tree rule, which prevents cycling.
//
// a (length n) and b (length m) must be non-negative with equal total mass
// (within 1e-7 relative); b is rescaled to the mass of a as POT does. M is
// n×m with finite non-negative costs. maxIter caps the number of pivots
// (DefaultEMDMaxIter when <= 0); when the cap is hit, Status is
// MaxIterReached and the returned plan is neither optimal nor, in general,
// feasible.
//
// When a and b are both uniform with n == m, the optimum is attained at a
// permutation matrix divided by n (Birkhoff–von Neumann), and EMD solves the
// equivalent linear assignment problem instead, which is exact and much
// faster. Both paths return the same optimal cost; when the optimum is not
// unique they may return different optimal plans.
func EMD(ctx context.Context, a, b []float64, M Matrix, maxIter int) (*EMDResult, error) {
	if err := checkCosts("M", M, true); err != nil {
		return nil, err
	}
	sumA, err := checkWeights("a", a, M.Rows)
	if err != nil {
		return nil, err
	}
	sumB, err := checkWeights("b", b, M.Cols)
	if err != nil {
		return nil, err
	}
	b, err = checkBalanced(sumA, sumB, b)
	if err != nil {
		return nil, err
	}
	if maxIter <= 0 {
		maxIter = DefaultEMDMaxIter
	}

	var res *EMDResult
	if M.Rows == M.Cols && isUniform(a) && isUniform(b) {
		res, err = emdAssignment(ctx, a, M)
	} else {
		res, err = newSimplex(a, b, M).solve(ctx, maxIter)
	}
	if err != nil {
		return nil, err
	}
	centerDuals(res.U, res.V, a, b)
	return res, nil
}

// EMD2 returns only the optimal transport cost of EMD, with its status.
func EMD2(ctx context.Context, a, b []float64, M Matrix, maxIter int) (float64, Status, error) {
	res, err := EMD(ctx, a, b, M, maxIter)
	if err != nil {
		return 0, 0, err
	}
	return res.Cost, res.Status, nil
}

func isUniform(w []float64) bool {
	for _, x := range w {
		if x != w[0] {
			return false
		}
	}
	return true
}

// emdAssignment solves uniform square transport as linear assignment. With
// weights w = a[0] on both sides, the plan is w·P for the optimal permutation
// P. The assignment duals (u, v) are also optimal transport duals: they
// satisfy u_i + v_j <= M_ij, and a·u + b·v = w·Σ_i (u_i + v_σ(i)) equals the
// transport cost.
func emdAssignment(ctx context.Context, a []float64, M Matrix) (*EMDResult, error) {
	asg, err := LinearAssignmentContext(ctx, M, false)
	if err != nil {
		return nil, err
	}
	w := a[0]
	n := M.Rows
	res := &EMDResult{Plan: NewMatrix(n, n), U: asg.U, V: asg.V, Status: Optimal}
	for k, i := range asg.RowInd {
		j := asg.ColInd[k]
		res.Plan.Data[i*n+j] = w
		res.Cost += w * M.At(i, j)
	}
	return res, nil
}

// centerDuals shifts u up and v down by one constant so that a·u = b·v, as
// POT's center_ot_dual does; dual feasibility and the objective a·u + b·v
// are unchanged because Σa = Σb.
func centerDuals(u, v, a, b []float64) {
	var au, bv, sa, sb float64
	for i := range u {
		au += a[i] * u[i]
		sa += a[i]
	}
	for j := range v {
		bv += b[j] * v[j]
		sb += b[j]
	}
	c := (bv - au) / (sa + sb)
	for i := range u {
		u[i] += c
	}
	for j := range v {
		v[j] -= c
	}
}

// Arc states of the network simplex. Arcs are uncapacitated, so a non-tree
// arc always sits at its lower bound, flow 0.
const (
	stateTree  int8 = 0
	stateLower int8 = 1
)

// Tree-arc directions relative to the child node.
const (
	dirUp   = 1  // arc from the node to its parent
	dirDown = -1 // arc from the parent to the node
)

// simplex is a network-simplex instance on the transportation graph: supply
// nodes 0..n-1, demand nodes n..n+m-1 and an artificial root n+m. Arc i*m+j
// goes from i to n+j with cost M[i,j]; arc n*m+u is the artificial arc
// joining node u and the root.
type simplex struct {
	n, m     int
	nodes    int // n + m + 1
	arcs     int // n*m + n + m
	root     int
	cost     []float64 // M's data; artificial arcs cost artCost
	artCost  float64
	flow     []float64
	state    []int8
	artSrc   []int // source of artificial arc for node u (u or root)
	pi       []float64
	parent   []int
	pred     []int
	predDir  []int8
	thread   []int
	revThrd  []int
	succNum  []int
	block    int
	nextArc  int
	eps      float64 // a reduced cost must be below -eps to enter
	inArc    int
	join     int
	uIn, vIn int
	uOut     int
	delta    float64

	// Scratch space of updateTree.
	path    []int
	pathIdx []int // 1 + index on the path being reversed, 0 elsewhere
	last    []int
	stack   []pendingEnd
	runs    [][2]int
}

func newSimplex(a, b []float64, M Matrix) *simplex {
	n, m := M.Rows, M.Cols
	s := &simplex{n: n, m: m, nodes: n + m + 1, arcs: n*m + n + m, root: n + m, cost: M.Data}
	maxCost := 0.0
	for _, c := range M.Data {
		maxCost = max(maxCost, c)
	}
	// Any path of real arcs costs less than (n+m)·maxCost, so artificial arcs
	// priced above that leave the basis whenever a real alternative exists.
	s.artCost = (maxCost + 1) * float64(n+m+1)
	s.eps = 1e-14 * math.Max(maxCost, 1e-300) * 8

	s.flow = make([]float64, s.arcs)
	s.state = make([]int8, s.arcs)
	for e := 0; e < n*m; e++ {
		s.state[e] = stateLower
	}
	s.artSrc = make([]int, n+m)
	s.pi = make([]float64, s.nodes)
	s.parent = make([]int, s.nodes)
	s.pred = make([]int, s.nodes)
	s.predDir = make([]int8, s.nodes)
	s.thread = make([]int, s.nodes)
	s.revThrd = make([]int, s.nodes)
	s.succNum = make([]int, s.nodes)

	// Initial basis: every node hangs from the root by its artificial arc,
	// which carries the node's supply (supply nodes, arc node→root) or
	// demand (demand nodes, arc root→node).
	s.parent[s.root] = -1
	s.pred[s.root] = -1
	s.succNum[s.root] = s.nodes
	s.thread[s.root] = 0
	s.revThrd[0] = s.root
	for u := 0; u < n+m; u++ {
		e := n*m + u
		s.parent[u] = s.root
		s.pred[u] = e
		s.succNum[u] = 1
		s.state[e] = stateTree
		if u+1 < n+m {
			s.thread[u] = u + 1
			s.revThrd[u+1] = u
		} else {
			s.thread[u] = s.root
			s.revThrd[s.root] = u
		}
		if u < n {
			s.artSrc[u] = u
			s.flow[e] = a[u]
			s.predDir[u] = dirUp
			s.pi[u] = -s.artCost
		} else {
			s.artSrc[u] = s.root
			s.flow[e] = b[u-n]
			s.predDir[u] = dirDown
			s.pi[u] = s.artCost
		}
	}

	s.block = max(int(math.Sqrt(float64(s.arcs))), 10)
	s.pathIdx = make([]int, s.nodes)
	return s
}

// source and target of arc e.
func (s *simplex) source(e int) int {
	if e < s.n*s.m {
		return e / s.m
	}
	return s.artSrc[e-s.n*s.m]
}

func (s *simplex) target(e int) int {
	if e < s.n*s.m {
		return s.n + e%s.m
	}
	u := e - s.n*s.m
	if s.artSrc[u] == u {
		return s.root
	}
	return u
}

func (s *simplex) arcCost(e int) float64 {
	if e < s.n*s.m {
		return s.cost[e]
	}
	return s.artCost
}

func (s *simplex) solve(ctx context.Context, maxIter int) (*EMDResult, error) {
	status := MaxIterReached
	iter := 0
	for ; iter < maxIter; iter++ {
		if iter&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !s.findEnteringArc() {
			status = Optimal
			break
		}
		s.findJoinNode()
		s.findLeavingArc()
		s.changeFlow()
		s.updateTree()
	}
	if status == MaxIterReached && !s.findEnteringArc() {
		status = Optimal
	}
	return s.result(status, iter), nil
}

// findEnteringArc scans arcs in blocks, starting after the last entering
// arc, and returns the most negative reduced cost of the first block that
// contains any below -eps (Grigoriadis's block search, as in LEMON). Real
// arcs are priced a row segment at a time by minDiff, a vectorized minimum
// of M[i,j] − π_demand[j] over the segment.
func (s *simplex) findEnteringArc() bool {
	n, m, nm := s.n, s.m, s.n*s.m
	piT := s.pi[n : n+m]
	minRC := -s.eps
	best := -1
	cnt := s.block
	e := s.nextArc
	for remaining := s.arcs; remaining > 0; {
		var scanned int
		if e < nm {
			i := e / m
			j0 := e - i*m
			jEnd := min(m, j0+cnt, j0+remaining)
			row := s.cost[i*m+j0 : i*m+jEnd]
			pii := s.pi[i]
			// Tree arcs have reduced cost 0 up to rounding, so the segment
			// minimum is almost always a non-tree arc; when it is a tree
			// arc, the segment is rescanned with the state check.
			v, k := minDiff(row, piT[j0:jEnd])
			if rc := v + pii; rc < minRC {
				if s.state[i*m+j0+k] == stateLower {
					minRC, best = rc, i*m+j0+k
				} else {
					st := s.state[i*m+j0 : i*m+jEnd]
					for j, c := range row {
						if rc := c - piT[j0+j] + pii; rc < minRC && st[j] == stateLower {
							minRC, best = rc, i*m+j0+j
						}
					}
				}
			}
			scanned = jEnd - j0
		} else {
			if s.state[e] == stateLower {
				if rc := s.artCost + s.pi[s.source(e)] - s.pi[s.target(e)]; rc < minRC {
					minRC = rc
					best = e
				}
			}
			scanned = 1
		}
		cnt -= scanned
		remaining -= scanned
		e += scanned
		if e == s.arcs {
			e = 0
		}
		if cnt == 0 {
			if best >= 0 {
				break
			}
			cnt = s.block
		}
	}
	if best < 0 {
		return false
	}
	s.inArc = best
	s.nextArc = e
	return true
}

// findJoinNode finds the lowest common ancestor of the entering arc's ends.
func (s *simplex) findJoinNode() {
	u, v := s.source(s.inArc), s.target(s.inArc)
	for u != v {
		if s.succNum[u] < s.succNum[v] {
			u = s.parent[u]
		} else {
			v = s.parent[v]
		}
	}
	s.join = u
}

// findLeavingArc walks the cycle that the entering arc closes. Flow runs
// down from the join to the source side and up from the target side; only
// arcs whose flow decreases bound the step. Ties go to the last blocking arc
// met in the cycle's orientation, which keeps the tree strongly feasible.
func (s *simplex) findLeavingArc() {
	first, second := s.source(s.inArc), s.target(s.inArc)
	delta := math.Inf(1)
	result := 0
	for u := first; u != s.join; u = s.parent[u] {
		if s.predDir[u] == dirUp {
			if d := s.flow[s.pred[u]]; d < delta {
				delta, s.uOut, result = d, u, 1
			}
		}
	}
	for u := second; u != s.join; u = s.parent[u] {
		if s.predDir[u] == dirDown {
			if d := s.flow[s.pred[u]]; d <= delta {
				delta, s.uOut, result = d, u, 2
			}
		}
	}
	if result == 1 {
		s.uIn, s.vIn = first, second
	} else {
		s.uIn, s.vIn = second, first
	}
	s.delta = delta
}

func (s *simplex) changeFlow() {
	if s.delta > 0 {
		val := s.delta
		s.flow[s.inArc] += val
		for u := s.source(s.inArc); u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] -= float64(s.predDir[u]) * val
		}
		for u := s.target(s.inArc); u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] += float64(s.predDir[u]) * val
		}
	}
	out := s.pred[s.uOut]
	s.flow[out] = 0
	s.state[s.inArc] = stateTree
	s.state[out] = stateLower
}

// updateTree re-hangs the subtree of uOut, which contains uIn, below vIn
// through the entering arc: the path uIn = x_0, ..., x_k = uOut is reversed,
// the subtree's potentials shift so the entering arc's reduced cost becomes
// zero, and its preorder (thread) is rebuilt and spliced after vIn.
//
// The new preorder is seg(x_0), then seg(x_i) minus seg(x_{i-1}) for
// i = 1..k, where seg(x) is x's old subtree, a contiguous run of the old
// thread. Each difference is at most two runs, so only O(k) thread links
// change. One walk over the moved subtree, which the potential shift needs
// anyway, finds where each seg(x_i) ends.
func (s *simplex) updateTree() {
	uIn, vIn, uOut := s.uIn, s.vIn, s.uOut
	size := s.succNum[uOut]

	e := s.inArc
	rc := s.arcCost(e) + s.pi[s.source(e)] - s.pi[s.target(e)]
	shift := rc
	if s.source(e) == uIn {
		shift = -rc
	}

	path := s.path[:0]
	for u := uIn; ; u = s.parent[u] {
		path = append(path, u)
		s.pathIdx[u] = len(path)
		if u == uOut {
			break
		}
	}
	s.path = path
	last := s.last[:0]
	for range path {
		last = append(last, -1)
	}
	s.last = last

	// Walk the moved subtree in old preorder: shift potentials and record
	// the last node of every seg(x_i). The segments are nested, so their
	// pending ends form a stack with the nearest end on top.
	stack := s.stack[:0]
	u := uOut
	for pos := 0; pos < size; pos++ {
		s.pi[u] += shift
		if k := s.pathIdx[u]; k > 0 {
			stack = append(stack, pendingEnd{path: k - 1, pos: pos + s.succNum[u] - 1})
		}
		for len(stack) > 0 && stack[len(stack)-1].pos == pos {
			last[stack[len(stack)-1].path] = u
			stack = stack[:len(stack)-1]
		}
		u = s.thread[u]
	}
	s.stack = stack
	for _, x := range path {
		s.pathIdx[x] = 0
	}

	// Runs of the new preorder, from the old thread before any change.
	runs := s.runs[:0]
	runs = append(runs, [2]int{path[0], last[0]})
	for i := 1; i < len(path); i++ {
		runs = append(runs, [2]int{path[i], s.revThrd[path[i-1]]})
		if last[i] != last[i-1] {
			runs = append(runs, [2]int{s.thread[last[i-1]], last[i]})
		}
	}
	s.runs = runs

	// Cut the old subtree out of the thread and splice the runs after vIn.
	before, after := s.revThrd[uOut], s.thread[last[len(last)-1]]
	s.thread[before] = after
	s.revThrd[after] = before
	next := s.thread[vIn]
	prev := vIn
	for _, r := range runs {
		s.thread[prev] = r[0]
		s.revThrd[r[0]] = prev
		prev = r[1]
	}
	s.thread[prev] = next
	s.revThrd[next] = prev

	// Subtree sizes change only strictly below the join.
	for w := s.parent[uOut]; w != s.join; w = s.parent[w] {
		s.succNum[w] -= size
	}
	for w := vIn; w != s.join; w = s.parent[w] {
		s.succNum[w] += size
	}

	// Reverse the path: x_{i-1} becomes the parent of x_i, and x_i takes
	// over x_{i-1}'s old tree arc with its direction flipped. The new
	// subtree of x_i is the moved subtree minus the old subtree of x_{i-1},
	// which now lies above it.
	for i := len(path) - 1; i >= 1; i-- {
		x, child := path[i], path[i-1]
		s.parent[x] = child
		s.pred[x] = s.pred[child]
		s.predDir[x] = -s.predDir[child]
		s.succNum[x] = size - s.succNum[child]
	}
	s.parent[uIn] = vIn
	s.pred[uIn] = e
	if s.source(e) == uIn {
		s.predDir[uIn] = dirUp
	} else {
		s.predDir[uIn] = dirDown
	}
	s.succNum[uIn] = size
}

// pendingEnd is the preorder position where seg(x_path) ends.
type pendingEnd struct {
	path, pos int
}

// result recomputes the potentials from the final tree (removing the
// rounding accumulated over pivots) and builds the plan and duals.
func (s *simplex) result(status Status, iter int) *EMDResult {
	s.pi[s.root] = 0
	for u := s.thread[s.root]; u != s.root; u = s.thread[u] {
		c := s.arcCost(s.pred[u])
		if s.predDir[u] == dirUp {
			s.pi[u] = s.pi[s.parent[u]] - c
		} else {
			s.pi[u] = s.pi[s.parent[u]] + c
		}
	}

	n, m := s.n, s.m
	res := &EMDResult{Plan: NewMatrix(n, m), U: make([]float64, n), V: make([]float64, m),
		Status: status, Iterations: iter}
	for e := 0; e < n*m; e++ {
		if f := s.flow[e]; f > 0 {
			res.Plan.Data[e] = f
			res.Cost += f * s.cost[e]
		}
	}
	for i := 0; i < n; i++ {
		res.U[i] = -s.pi[i]
	}
	for j := 0; j < m; j++ {
		res.V[j] = s.pi[n+j]
	}
	return res
}
