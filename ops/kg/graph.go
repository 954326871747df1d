// Package kg stores knowledge graphs as dictionary-encoded, deduplicated
// triple sets with compressed sparse row (CSR) adjacency, and simulates and
// answers one-hop query logs over them.
//
// A Graph is immutable once built. Triples are sorted by (head, tail,
// relation), so the out-edges of an entity are one contiguous range of
// triple ids and the relations between a (head, tail) pair are found by
// binary search inside it. The in-edges store each triple's id and head, and
// the relation index its id, 4 bytes per triple each.
package kg

import (
	"fmt"
	"sort"
)

// Graph is a set of directed triples (head, relation, tail) over dense
// entity ids [0, NumEntities) and relation ids [0, NumRelations). Ids are
// assigned in order of first appearance at load time.
type Graph struct {
	entities  *Dictionary
	relations *Dictionary

	// head, rel and tail of triple i, sorted by (head, tail, rel) without
	// duplicates.
	head, rel, tail []int32

	outStart []int32 // out-edges of e are triples [outStart[e], outStart[e+1])
	inStart  []int32 // in-edges of e are inTriples[inStart[e]:inStart[e+1]]
	inTriple []int32 // triple ids sorted by (tail, head, rel)
	// inHead[i] is the head of triple inTriple[i], so a walk over the
	// in-neighbours reads one array in order instead of looking up each
	// triple's head at a random place in head.
	inHead    []int32
	relStart  []int32 // triples of relation r are relTriple[relStart[r]:relStart[r+1]]
	relTriple []int32
}

// Triple is one edge (Head, Relation, Tail) as ids.
type Triple struct {
	Head, Relation, Tail int32
}

// NumEntities returns the number of entities.
func (g *Graph) NumEntities() int { return g.entities.Len() }

// NumRelations returns the number of relations.
func (g *Graph) NumRelations() int { return g.relations.Len() }

// NumTriples returns the number of distinct triples.
func (g *Graph) NumTriples() int { return len(g.head) }

// Triple returns triple id i.
func (g *Graph) Triple(i int32) Triple { return Triple{g.head[i], g.rel[i], g.tail[i]} }

// Head returns the head entity of triple i.
func (g *Graph) Head(i int32) int32 { return g.head[i] }

// Relation returns the relation of triple i.
func (g *Graph) Relation(i int32) int32 { return g.rel[i] }

// Tail returns the tail entity of triple i.
func (g *Graph) Tail(i int32) int32 { return g.tail[i] }

// Entities returns the entity dictionary (id <-> name).
func (g *Graph) Entities() *Dictionary { return g.entities }

// Relations returns the relation dictionary (id <-> name).
func (g *Graph) Relations() *Dictionary { return g.relations }

// EntityName returns the name of entity e.
func (g *Graph) EntityName(e int32) string { return g.entities.Name(e) }

// RelationName returns the name of relation r.
func (g *Graph) RelationName(r int32) string { return g.relations.Name(r) }

// OutRange returns the triple ids [lo, hi) whose head is e, sorted by
// (tail, relation).
func (g *Graph) OutRange(e int32) (lo, hi int32) { return g.outStart[e], g.outStart[e+1] }

// OutTails returns the tails of e's out-edges, in the order of OutRange(e):
// OutTails(e)[i] is the tail of triple lo+i. The slice aliases the graph
// and must not be modified.
func (g *Graph) OutTails(e int32) []int32 { return g.tail[g.outStart[e]:g.outStart[e+1]] }

// InTriples returns the ids of the triples whose tail is e, sorted by
// (head, relation). The slice aliases the graph and must not be modified.
func (g *Graph) InTriples(e int32) []int32 { return g.inTriple[g.inStart[e]:g.inStart[e+1]] }

// InHeads returns the heads of the triples whose tail is e, in the order of
// InTriples(e): InHeads(e)[i] is the head of triple InTriples(e)[i]. The
// slice aliases the graph and must not be modified.
func (g *Graph) InHeads(e int32) []int32 { return g.inHead[g.inStart[e]:g.inStart[e+1]] }

// RelationTriples returns the ids of the triples of relation r, in triple
// id order. The slice aliases the graph and must not be modified.
func (g *Graph) RelationTriples(r int32) []int32 {
	return g.relTriple[g.relStart[r]:g.relStart[r+1]]
}

// OutDegree returns the number of triples whose head is e.
func (g *Graph) OutDegree(e int32) int { return int(g.outStart[e+1] - g.outStart[e]) }

// InDegree returns the number of triples whose tail is e.
func (g *Graph) InDegree(e int32) int { return int(g.inStart[e+1] - g.inStart[e]) }

// Degree returns the undirected degree of e: each triple counts once at each
// endpoint, so a self-loop counts twice.
func (g *Graph) Degree(e int32) int { return g.OutDegree(e) + g.InDegree(e) }

// PairTriples returns the triple ids [lo, hi) with head h and tail t (every
// parallel edge h -> t, one per relation). It binary-searches h's out-edges
// or t's in-edges, whichever is shorter. The triples of a pair are
// consecutive ids, sorted by relation, in both.
func (g *Graph) PairTriples(h, t int32) (lo, hi int32) {
	a, b := g.outStart[h], g.outStart[h+1]
	ia, ib := g.inStart[t], g.inStart[t+1]
	if ib-ia < b-a {
		heads := g.inHead[ia:ib]
		i := sort.Search(len(heads), func(i int) bool { return heads[i] >= h })
		j := i
		for j < len(heads) && heads[j] == h {
			j++
		}
		if i == j {
			return a, a
		}
		lo = g.inTriple[ia+int32(i)]
		return lo, lo + int32(j-i)
	}
	lo = a + int32(sort.Search(int(b-a), func(i int) bool { return g.tail[a+int32(i)] >= t }))
	hi = lo
	for hi < b && g.tail[hi] == t {
		hi++
	}
	return lo, hi
}

// PairRelations appends to dst the relations of every triple h -> t.
func (g *Graph) PairRelations(dst []int32, h, t int32) []int32 {
	lo, hi := g.PairTriples(h, t)
	for i := lo; i < hi; i++ {
		dst = append(dst, g.rel[i])
	}
	return dst
}

// Find returns the id of triple (h, r, t), or -1 when absent.
func (g *Graph) Find(h, r, t int32) int32 {
	lo, hi := g.PairTriples(h, t)
	for i := lo; i < hi; i++ {
		if g.rel[i] == r {
			return i
		}
	}
	return -1
}

// Tails appends to dst the tails of the triples (h, r, ?), in increasing
// entity id order. It scans h's out-edges.
func (g *Graph) Tails(dst []int32, h, r int32) []int32 {
	lo, hi := g.OutRange(h)
	for i := lo; i < hi; i++ {
		if g.rel[i] == r {
			dst = append(dst, g.tail[i])
		}
	}
	return dst
}

// OutRelations appends to dst the distinct relations of h's out-edges, in
// increasing relation id order.
func (g *Graph) OutRelations(dst []int32, h int32) []int32 {
	start := len(dst)
	lo, hi := g.OutRange(h)
	for i := lo; i < hi; i++ {
		dst = append(dst, g.rel[i])
	}
	seg := dst[start:]
	sort.Slice(seg, func(a, b int) bool { return seg[a] < seg[b] })
	n := 0
	for i, r := range seg {
		if i == 0 || r != seg[n-1] {
			seg[n] = r
			n++
		}
	}
	return dst[:start+n]
}

// Heads appends to dst every entity with at least one out-edge, in id order.
func (g *Graph) Heads(dst []int32) []int32 {
	for e := int32(0); e < int32(g.NumEntities()); e++ {
		if g.outStart[e+1] > g.outStart[e] {
			dst = append(dst, e)
		}
	}
	return dst
}

// MemoryBytes returns the bytes held by the triple arrays and indexes, plus
// an estimate for the dictionaries (name bytes, string headers and hash
// index entries).
func (g *Graph) MemoryBytes() int64 {
	n := int64(4 * (cap(g.head) + cap(g.rel) + cap(g.tail) + cap(g.outStart) + cap(g.inStart) + cap(g.inTriple) + cap(g.inHead) + cap(g.relStart) + cap(g.relTriple)))
	return n + g.entities.MemoryBytes() + g.relations.MemoryBytes()
}

// String summarises the graph's size.
func (g *Graph) String() string {
	return fmt.Sprintf("kg.Graph(%s, %s, %s)", Count(g.NumEntities(), "entity", "entities"), Count(g.NumRelations(), "relation", "relations"), Count(g.NumTriples(), "triple", "triples"))
}
