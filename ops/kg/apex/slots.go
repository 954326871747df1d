package apex

import "math/bits"

// slotTable gives each entity touched in one update a dense slot number, in
// order of first touch, by open addressing with linear probing. The update's
// scratch values live in slices indexed by slot, so a diffusion that touches
// a few hundred entities of a graph with millions works on a few kilobytes
// that stay in cache, where dense per-entity arrays would cost a cache miss,
// and usually a TLB miss, per touched entity. Keys must be >= 0.
type slotTable struct {
	// cells holds key+1 (0 marks an empty cell) and the key's slot.
	cells []slotCell
	shift uint32 // 32 − log2(len(cells)), for Fibonacci hashing
	keys  []int32
	// cell[s] is the cell of slot s, so reset clears exactly the cells in
	// use without probing.
	cell []int32
	// small is the minimum-size table and large the largest table grown so
	// far, each empty while not in use.
	small, large []slotCell
}

type slotCell struct {
	key1, slot int32
}

// minSlotCells (8 KiB of cells) holds the few hundred entities of a typical
// one-hop diffusion without growing.
const (
	minSlotCells     = 1024
	minSlotCellsLog2 = 10
)

// reset empties the table in time proportional to the number of keys.
// When the last step used under 1/16 of a grown table, the table goes back
// to its minimum size, so that a small step's keys are not spread over a
// large, uncached table, and the grown table is kept (empty) for the next
// large step, which then neither allocates nor page-faults.
func (t *slotTable) reset() {
	if t.cells == nil {
		t.cells = make([]slotCell, minSlotCells)
		t.shift = 32 - minSlotCellsLog2
	}
	for _, c := range t.cell {
		t.cells[c] = slotCell{}
	}
	if len(t.cells) > minSlotCells && 16*len(t.keys) < len(t.cells) {
		if t.small == nil {
			t.small = make([]slotCell, minSlotCells)
		}
		t.large, t.cells = t.cells, t.small
		t.shift = 32 - minSlotCellsLog2
	}
	t.keys = t.keys[:0]
	t.cell = t.cell[:0]
}

// len returns the number of slots given out since reset.
func (t *slotTable) len() int { return len(t.keys) }

// key returns the entity of slot s.
func (t *slotTable) key(s int32) int32 { return t.keys[s] }

// find returns key's slot, or ok false when key has none.
func (t *slotTable) find(key int32) (s int32, ok bool) {
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
	i := (uint32(key) * 0x9e3779b1) >> t.shift
	if c := t.cells[i]; c.key1 == key+1 {
		return c.slot, false
	}
	return t.probe(key, i)
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
	t.cell = append(t.cell, int32(i))
	if 2*len(t.keys) > len(t.cells) {
		t.grow()
	}
	return s, true
}

// grow doubles the cells, or switches to the kept large table when that is
// larger, and reinserts every key at its slot.
func (t *slotTable) grow() {
	old := t.cells
	if len(t.large) > len(old) {
		t.cells, t.large = t.large, nil
	} else {
		t.cells = make([]slotCell, 2*len(old))
	}
	if len(old) == minSlotCells {
		clear(old)
		t.small = old
	}
	t.shift = 32 - uint32(bits.Len(uint(len(t.cells)))-1)
	mask := uint32(len(t.cells) - 1)
	for s, key := range t.keys {
		i := (uint32(key) * 0x9e3779b1) >> t.shift
		for t.cells[i].key1 != 0 {
			i = (i + 1) & mask
		}
		t.cells[i] = slotCell{key1: key + 1, slot: int32(s)}
		t.cell[s] = int32(i)
	}
}
