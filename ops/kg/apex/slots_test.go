package apex

import (
	"math/rand/v2"
	"testing"
)

// TestSlotTableMatchesMap drives a slotTable through steps of very
// different sizes, so that it grows, shrinks back and reuses its large
// table, and checks every slot against a map. Keys are entity ids, so
// never negative.
func TestSlotTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab slotTable
	for step, size := range []int{3, 700, 5000, 10, 0, 20000, 2, 30000, 600, 1} {
		tab.reset()
		want := map[int32]int32{}
		var order []int32
		for range 2 * size {
			key := rng.Int32N(int32(4*size + 1))
			s, added := tab.slot(key)
			ws, had := want[key]
			if added == had {
				t.Fatalf("step %d key %d: added %v, want %v", step, key, added, !had)
			}
			if !had {
				ws = int32(len(order))
				want[key] = ws
				order = append(order, key)
			}
			if s != ws {
				t.Fatalf("step %d key %d: slot %d, want %d", step, key, s, ws)
			}
		}
		if tab.len() != len(order) {
			t.Fatalf("step %d: %d slots, want %d", step, tab.len(), len(order))
		}
		for s, key := range order {
			if got := tab.key(int32(s)); got != key {
				t.Errorf("step %d slot %d: key %d, want %d", step, s, got, key)
			}
			if got, ok := tab.find(key); !ok || got != int32(s) {
				t.Errorf("step %d key %d: find gives (%d, %v), want (%d, true)", step, key, got, ok, s)
			}
		}
		for range 100 {
			key := int32(4*size+1) + rng.Int32N(1000)
			if _, ok := tab.find(key); ok {
				t.Errorf("step %d: absent key %d found", step, key)
			}
		}
	}
}
