package ot

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkTree verifies the spanning-tree invariants of the network simplex:
// subtree sizes match the parent pointers, the thread is one cycle through
// every node in preorder (each subtree a contiguous run starting at its
// root), revThrd inverts thread, lastSuc ends each subtree's run, and every
// tree arc has zero reduced cost, a non-negative flow and, when the flow is
// zero, points toward the root (strong feasibility).
func (s *simplex) checkTree() error {
	size := make([]int, s.nodes)
	for u := 0; u < s.nodes; u++ {
		for w := u; w != -1; w = int(s.parent[w]) {
			size[w]++
		}
	}
	for u, want := range size {
		if int(s.succNum[u]) != want {
			return fmt.Errorf("succNum[%d] = %d, want %d", u, s.succNum[u], want)
		}
	}
	pos := make([]int, s.nodes)
	order := make([]int, s.nodes)
	u := s.root
	for k := 0; k < s.nodes; k++ {
		pos[u] = k
		order[k] = u
		if int(s.revThrd[s.thread[u]]) != u {
			return fmt.Errorf("revThrd[thread[%d]] != %d", u, u)
		}
		u = int(s.thread[u])
	}
	if u != s.root {
		return fmt.Errorf("thread does not return to the root after %d nodes", s.nodes)
	}
	scale := 1.0
	for _, c := range s.cost {
		scale = max(scale, c)
	}
	inTree := 0
	for _, t := range s.inTree {
		if t {
			inTree++
		}
	}
	if inTree != s.nodes-2 {
		return fmt.Errorf("%d real arcs marked as tree arcs, want %d", inTree, s.nodes-2)
	}
	for u := 0; u < s.nodes; u++ {
		if want := order[pos[u]+int(s.succNum[u])-1]; int(s.lastSuc[u]) != want {
			return fmt.Errorf("lastSuc[%d] = %d, want %d", u, s.lastSuc[u], want)
		}
		if p := s.parent[u]; p >= 0 && !(pos[p] < pos[u] && pos[u] < pos[p]+int(s.succNum[p])) {
			return fmt.Errorf("node %d lies outside the thread run of its parent %d", u, p)
		}
		if e := s.pred[u]; e >= 0 {
			rc := s.arcCost(e) + s.pi[s.source(e)] - s.pi[s.target(e)]
			if rc > 1e-9*scale || rc < -1e-9*scale {
				return fmt.Errorf("tree arc %d of node %d has reduced cost %g", e, u, rc)
			}
			if e < s.nm && !s.inTree[e] {
				return fmt.Errorf("tree arc %d of node %d is not marked as a tree arc", e, u)
			}
			if s.predFlw[u] < 0 {
				return fmt.Errorf("tree arc %d of node %d has flow %g < 0", e, u, s.predFlw[u])
			}
			if s.predFlw[u] == 0 && s.predDir[u] == dirDown && e < s.nm {
				return fmt.Errorf("tree arc %d of node %d has flow 0 and points away from the root", e, u)
			}
		}
	}
	return nil
}

func TestSimplexTreeInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	for trial := 0; trial < 200; trial++ {
		n, m := 1+rng.IntN(25), 1+rng.IntN(25)
		a, b := randSimplex(rng, n), randSimplex(rng, m)
		switch trial % 3 {
		case 0:
			a, b = Unif(n), Unif(m)
		case 1:
			// Small integer weights tie often, so the start and many
			// pivots are degenerate.
			for i := range a {
				a[i] = float64(1 + rng.IntN(3))
			}
			for j := range b {
				b[j] = float64(1 + rng.IntN(3))
			}
			a, b = normalized(a), normalized(b)
		}
		M := randMatrix(rng, n, m)
		if trial%4 == 0 {
			for k := range M.Data {
				M.Data[k] = float64(rng.IntN(3))
			}
		}
		s := newSimplex(a, b, M)
		if err := s.checkTree(); err != nil {
			t.Fatalf("trial %d: initial tree: %v", trial, err)
		}
		for pivot := 0; s.findEnteringArc(); pivot++ {
			s.findJoinNode()
			s.findLeavingArc()
			s.changeFlow()
			s.updateTree()
			if err := s.checkTree(); err != nil {
				t.Fatalf("trial %d (%d×%d), after pivot %d: %v", trial, n, m, pivot, err)
			}
		}
	}
}
