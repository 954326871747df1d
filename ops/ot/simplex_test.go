package ot

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkTree verifies the spanning-tree invariants of the network simplex:
// subtree sizes match the parent pointers, the thread is one cycle through
// every node in preorder (each subtree a contiguous run starting at its
// root), revThrd inverts thread, and every tree arc has zero reduced cost.
func (s *simplex) checkTree() error {
	size := make([]int, s.nodes)
	for u := 0; u < s.nodes; u++ {
		for w := u; w != -1; w = s.parent[w] {
			size[w]++
		}
	}
	for u, want := range size {
		if s.succNum[u] != want {
			return fmt.Errorf("succNum[%d] = %d, want %d", u, s.succNum[u], want)
		}
	}
	pos := make([]int, s.nodes)
	u := s.root
	for k := 0; k < s.nodes; k++ {
		pos[u] = k
		if s.revThrd[s.thread[u]] != u {
			return fmt.Errorf("revThrd[thread[%d]] != %d", u, u)
		}
		u = s.thread[u]
	}
	if u != s.root {
		return fmt.Errorf("thread does not return to the root after %d nodes", s.nodes)
	}
	for u := 0; u < s.nodes; u++ {
		if p := s.parent[u]; p >= 0 && !(pos[p] < pos[u] && pos[u] < pos[p]+s.succNum[p]) {
			return fmt.Errorf("node %d lies outside the thread run of its parent %d", u, p)
		}
		if e := s.pred[u]; e >= 0 {
			rc := s.arcCost(e) + s.pi[s.source(e)] - s.pi[s.target(e)]
			if rc > 1e-9*s.artCost || rc < -1e-9*s.artCost {
				return fmt.Errorf("tree arc %d of node %d has reduced cost %g", e, u, rc)
			}
		}
	}
	return nil
}

func TestSimplexTreeInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	for trial := 0; trial < 40; trial++ {
		n, m := 1+rng.IntN(15), 1+rng.IntN(15)
		a, b := randSimplex(rng, n), randSimplex(rng, m)
		if trial%3 == 0 {
			a, b = Unif(n), Unif(m)
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
