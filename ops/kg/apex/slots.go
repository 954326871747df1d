package apex

import "math/bits"

// slotTable gives each entity touched in one update a dense slot number, in
// order of first touch, and the update keeps its scratch values in slices
// indexed by slot. On a large graph the table is a hash table (open
// addressing, linear probing). A diffusion that touches a few hundred
// entities of a graph with millions then works on a few kilobytes that stay
// in cache, where a dense per-entity array would cost a cache miss, and
// usually a TLB miss, per touched entity. On a graph of at most
// denseSlotEntities entities the table is such a dense array (index) with a
// stamp per entry instead of clearing, because a small array stays in cache
// and needs no hashing. Keys must be in [0, entities).
type slotTable struct {
	// index[key] holds key's slot when its stamp is the current one; nil
	// in hash mode.
	index []slotStamp
	stamp uint32

	// cells holds key+1 (0 marks an empty cell) and the key's slot.
	cells []slotCell
	shift uint32 // 32 − log2(len(cells)), for Fibonacci hashing
	keys  []int32
	// spare[b] is an empty table of 2^b cells kept from an earlier step, so
	// that growing neither allocates nor page-faults once warm.
	spare [32][]slotCell
}

type slotCell struct {
	key1, slot int32
}

type slotStamp struct {
	stamp uint32
	slot  int32
}

// denseSlotEntities is the largest graph whose slot tables are dense
// arrays: 131,072 entities, a 1 MiB index. Both modes give identical
// results, and a test lowers it to cover the hash mode.
//
// NOTE: the bound comes from one machine, an AMD EPYC with 2 MiB of L2
// cache per core (docs/benchmarks.md). There FB15k-237 (14,505 entities)
// was faster dense and the 12M-triple graph (1M entities) hashed. Where
// between the two the crossover lies was not measured.
var denseSlotEntities = 1 << 17

// newSlotTable returns an empty table for keys in [0, entities).
func newSlotTable(entities int) slotTable {
	if entities <= denseSlotEntities {
		return slotTable{index: make([]slotStamp, entities), stamp: 1}
	}
	return slotTable{}
}

// minSlotCellsLog2 gives a minimum table of 1024 cells (8 KiB), which holds
// the few hundred entities of a typical one-hop diffusion without growing.
const minSlotCellsLog2 = 10

// reset empties the table and returns it to the minimum size, so that a
// small step's keys are not spread over a large, uncached table. A grown
// table has at most 4 cells per key reserved or added, so clearing it costs
// no more than the step that filled it.
func (t *slotTable) reset() {
	t.keys = t.keys[:0]
	if t.index != nil {
		t.stamp++
		if t.stamp == 0 {
			clear(t.index)
			t.stamp = 1
		}
		return
	}
	if t.cells != nil {
		clear(t.cells)
		if len(t.cells) != 1<<minSlotCellsLog2 {
			t.swap(minSlotCellsLog2)
		}
	} else {
		t.swap(minSlotCellsLog2)
	}
}

// swap replaces the cells, which must be empty, by an empty table of 2^b
// cells and keeps the old one as a spare.
func (t *slotTable) swap(b uint32) {
	if t.cells != nil {
		t.spare[bits.Len(uint(len(t.cells)))-1] = t.cells
	}
	t.cells, t.spare[b] = t.spare[b], nil
	if t.cells == nil {
		t.cells = make([]slotCell, 1<<b)
	}
	t.shift = 32 - b
}

// reserve grows the table so that n keys in all fit without rehashing.
func (t *slotTable) reserve(n int) {
	if t.index == nil && 2*n > len(t.cells) {
		t.rehash(uint32(bits.Len(uint(2*n - 1))))
	}
}

// len returns the number of slots given out since reset.
func (t *slotTable) len() int { return len(t.keys) }

// key returns the entity of slot s.
func (t *slotTable) key(s int32) int32 { return t.keys[s] }

// find returns key's slot, or ok false when key has none.
func (t *slotTable) find(key int32) (s int32, ok bool) {
	if t.index != nil {
		e := t.index[key]
		return e.slot, e.stamp == t.stamp
	}
	mask := uint32(len(t.cells) - 1)
	for i := (uint32(key) * 0x9e3779b1) >> t.shift; ; i = (i + 1) & mask {
		switch c := t.cells[i]; c.key1 {
		case key + 1:
			return c.slot, true
		case 0:
			return 0, false
		}
	}
}

// slot returns key's slot, giving it the next free slot when it has none;
// added reports that case.
func (t *slotTable) slot(key int32) (s int32, added bool) {
	if t.index != nil {
		return t.denseSlot(key)
	}
	i := (uint32(key) * 0x9e3779b1) >> t.shift
	if c := t.cells[i]; c.key1 == key+1 {
		return c.slot, false
	}
	return t.probe(key, i)
}

// denseSlot is slot in dense mode.
func (t *slotTable) denseSlot(key int32) (s int32, added bool) {
	e := &t.index[key]
	if e.stamp == t.stamp {
		return e.slot, false
	}
	s = int32(len(t.keys))
	*e = slotStamp{stamp: t.stamp, slot: s}
	t.keys = append(t.keys, key)
	return s, true
}

// probe continues slot's search from cell i.
func (t *slotTable) probe(key int32, i uint32) (s int32, added bool) {
	mask := uint32(len(t.cells) - 1)
	for {
		c := &t.cells[i]
		if c.key1 == key+1 {
			return c.slot, false
		}
		if c.key1 == 0 {
			break
		}
		i = (i + 1) & mask
	}
	s = int32(len(t.keys))
	t.cells[i] = slotCell{key1: key + 1, slot: s}
	t.keys = append(t.keys, key)
	if 2*len(t.keys) > len(t.cells) {
		t.grow()
	}
	return s, true
}

// grow doubles the table.
func (t *slotTable) grow() { t.rehash(uint32(bits.Len(uint(len(t.cells))))) }

// rehash moves every key, at its slot, to an empty table of 2^b cells.
func (t *slotTable) rehash(b uint32) {
	old := t.cells
	t.cells = nil
	t.swap(b)
	mask := uint32(len(t.cells) - 1)
	for s, key := range t.keys {
		i := (uint32(key) * 0x9e3779b1) >> t.shift
		for t.cells[i].key1 != 0 {
			i = (i + 1) & mask
		}
		t.cells[i] = slotCell{key1: key + 1, slot: int32(s)}
	}
	if old != nil {
		clear(old)
		t.spare[bits.Len(uint(len(old)))-1] = old
	}
}
