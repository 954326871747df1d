package kg

import (
	"fmt"
	"math"
)

// Builder collects triples and builds a Graph. The zero value is not ready;
// use NewBuilder.
type Builder struct {
	entities  *Dictionary
	relations *Dictionary
	triples   []Triple
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{entities: NewDictionary(), relations: NewDictionary()}
}

// Entities returns the entity dictionary being filled.
func (b *Builder) Entities() *Dictionary { return b.entities }

// Relations returns the relation dictionary being filled.
func (b *Builder) Relations() *Dictionary { return b.relations }

// Len returns the number of triples added so far, duplicates included.
func (b *Builder) Len() int { return len(b.triples) }

// Grow reserves room for n more triples.
func (b *Builder) Grow(n int) {
	if cap(b.triples)-len(b.triples) < n {
		t := make([]Triple, len(b.triples), len(b.triples)+n)
		copy(t, b.triples)
		b.triples = t
	}
}

// Add adds the triple (head, relation, tail) by name. Names must be
// non-empty; the loaders check that before calling.
func (b *Builder) Add(head, relation, tail []byte) {
	h := b.entities.Intern(head)
	r := b.relations.Intern(relation)
	t := b.entities.Intern(tail)
	b.triples = append(b.triples, Triple{h, r, t})
}

// AddString is Add for strings.
func (b *Builder) AddString(head, relation, tail string) {
	b.Add([]byte(head), []byte(relation), []byte(tail))
}

// AddIDs adds a triple of ids already present in the dictionaries.
func (b *Builder) AddIDs(h, r, t int32) {
	b.triples = append(b.triples, Triple{h, r, t})
}

// Build sorts and deduplicates the triples and builds the indexes. The
// builder must not be used afterwards. Sorting is three stable counting-sort
// passes (relation, tail, head), O(|T| + |E|) each.
func (b *Builder) Build() (*Graph, error) {
	n, m := b.entities.Len(), b.relations.Len()
	if len(b.triples) >= math.MaxInt32 {
		return nil, fmt.Errorf("kg: %d triples exceed the int32 triple ids' limit of %d", len(b.triples), math.MaxInt32-1)
	}
	ts := b.triples
	b.triples = nil
	tmp := make([]Triple, len(ts))
	countingSort(tmp, ts, m, func(t *Triple) int32 { return t.Relation })
	countingSort(ts, tmp, n, func(t *Triple) int32 { return t.Tail })
	countingSort(tmp, ts, n, func(t *Triple) int32 { return t.Head })
	ts = nil

	// Deduplicate adjacent equal triples into the column arrays.
	k := 0
	for i := range tmp {
		if i == 0 || tmp[i] != tmp[i-1] {
			k++
		}
	}
	g := &Graph{
		entities:  b.entities,
		relations: b.relations,
		head:      make([]int32, k),
		rel:       make([]int32, k),
		tail:      make([]int32, k),
	}
	k = 0
	for i := range tmp {
		if i == 0 || tmp[i] != tmp[i-1] {
			g.head[k], g.rel[k], g.tail[k] = tmp[i].Head, tmp[i].Relation, tmp[i].Tail
			k++
		}
	}
	tmp = nil

	g.outStart = offsets(g.head, n)
	g.inStart, g.inTriple = groupIDs(g.tail, n)
	g.inHead = make([]int32, len(g.inTriple))
	for i, t := range g.inTriple {
		g.inHead[i] = g.head[t]
	}
	g.relStart, g.relTriple = groupIDs(g.rel, m)
	return g, nil
}

// countingSort writes src into dst stably ordered by key in [0, buckets).
func countingSort(dst, src []Triple, buckets int, key func(*Triple) int32) {
	count := make([]int, buckets+1)
	for i := range src {
		count[key(&src[i])+1]++
	}
	for i := 1; i <= buckets; i++ {
		count[i] += count[i-1]
	}
	for i := range src {
		k := key(&src[i])
		dst[count[k]] = src[i]
		count[k]++
	}
}

// offsets returns CSR row starts for sorted keys in [0, buckets).
func offsets(sorted []int32, buckets int) []int32 {
	start := make([]int32, buckets+1)
	for _, k := range sorted {
		start[k+1]++
	}
	for i := 1; i <= buckets; i++ {
		start[i] += start[i-1]
	}
	return start
}

// groupIDs returns CSR starts and the positions of keys grouped by key,
// each group in increasing position order.
func groupIDs(keys []int32, buckets int) (start, ids []int32) {
	start = make([]int32, buckets+1)
	for _, k := range keys {
		start[k+1]++
	}
	for i := 1; i <= buckets; i++ {
		start[i] += start[i-1]
	}
	ids = make([]int32, len(keys))
	next := make([]int32, buckets)
	copy(next, start[:buckets])
	for i, k := range keys {
		ids[next[k]] = int32(i)
		next[k]++
	}
	return start, ids
}
