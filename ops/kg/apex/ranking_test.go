package apex

import (
	"math/rand/v2"
	"sort"
	"testing"
)

type item struct {
	key float64
	id  int32
}

func TestRankingMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := NewRanking()
	live := map[int32]float64{}
	for step := 0; step < 20000; step++ {
		id := int32(rng.IntN(500))
		if old, ok := live[id]; ok {
			if !r.Delete(old, id) {
				t.Fatalf("step %d: delete (%g, %d) not found", step, old, id)
			}
			delete(live, id)
		}
		if rng.IntN(3) > 0 {
			k := float64(rng.IntN(50)) // many ties
			r.Insert(k, id)
			live[id] = k
		}
		if step%997 == 0 {
			var want []item
			for id, k := range live {
				want = append(want, item{k, id})
			}
			sort.Slice(want, func(i, j int) bool { return before(want[i].key, want[i].id, want[j].key, want[j].id) })
			var c Cursor
			r.Cursor(&c)
			for i, w := range want {
				k, id, ok := c.Next()
				if !ok || k != w.key || id != w.id {
					t.Fatalf("step %d position %d: got (%g, %d, %v), want (%g, %d)", step, i, k, id, ok, w.key, w.id)
				}
			}
			if _, _, ok := c.Next(); ok {
				t.Fatalf("step %d: cursor yields more than %d items", step, len(want))
			}
			if r.Len() != len(want) {
				t.Fatalf("step %d: Len %d, want %d", step, r.Len(), len(want))
			}
			if len(want) > 0 {
				if k, id, _ := r.Last(); k != want[len(want)-1].key || id != want[len(want)-1].id {
					t.Fatalf("step %d: Last (%g, %d), want %v", step, k, id, want[len(want)-1])
				}
			}
		}
	}
	if r.Delete(12345, 1) {
		t.Errorf("delete of an absent item reported found")
	}
}
