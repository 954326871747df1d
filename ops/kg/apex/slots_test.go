package apex

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/kg"
)

// TestSlotTableMatchesMap drives a slotTable in both modes through steps of
// very different sizes, with and without reserving, so that the hash table
// grows, shrinks back and reuses its spare tables, and checks every slot
// against a map. Keys are entity ids in [0, entities).
func TestSlotTableMatchesMap(t *testing.T) {
	for _, mode := range []struct {
		name  string
		table slotTable
	}{
		{"hash", slotTable{}},
		{"dense", newSlotTable(4*30000 + 1 + 1000)},
	} {
		t.Run(mode.name, func(t *testing.T) {
			if mode.name == "dense" && mode.table.index == nil {
				t.Fatalf("newSlotTable(%d) is not dense (denseSlotEntities %d)", 4*30000+1+1000, denseSlotEntities)
			}
			checkSlotTable(t, &mode.table)
		})
	}
}

func checkSlotTable(t *testing.T, tab *slotTable) {
	rng := rand.New(rand.NewPCG(1, 2))
	tab.reserve(10) // before the first reset
	for step, size := range []int{3, 700, 5000, 10, 0, 20000, 2, 30000, 600, 1} {
		tab.reset()
		if step%2 == 1 {
			tab.reserve(size)
		}
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

// TestSlotModesAgree runs APEX²-N and APEX² on one query stream with dense
// and with hashed slot tables and requires bit-identical heat and
// summaries.
func TestSlotModesAgree(t *testing.T) {
	g, err := kg.Synthesize(context.Background(), kg.SynthOptions{Triples: 20000, Entities: 2000, Relations: 8, Exponent: 2.2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := kg.Simulate(context.Background(), g, kg.SimulateOptions{Users: 1, Queries: 120, Topics: 12, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		summary []int32
		heat    []float64
	}
	run := func(method string, dense int) []state {
		saved := denseSlotEntities
		denseSlotEntities = dense
		defer func() { denseSlotEntities = saved }()
		var s kg.Summarizer
		var heat func(int32) float64
		if method == "apex2_n" {
			n, err := NewNodes(g, 40, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if (n.heat.slots.index != nil) != (dense > 0) {
				t.Fatalf("%s with denseSlotEntities %d: dense index %v", method, dense, n.heat.slots.index != nil)
			}
			s, heat = n, n.EntityHeat
		} else {
			n, err := NewTriples(g, 40, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			s, heat = n, n.EntityHeat
		}
		var out []state
		for _, q := range logs[0] {
			if err := s.Update(q); err != nil {
				t.Fatal(err)
			}
			st := state{summary: slices.Clone(s.Summary())}
			for e := int32(0); e < int32(g.NumEntities()); e++ {
				st.heat = append(st.heat, heat(e))
			}
			out = append(out, st)
		}
		return out
	}
	for _, method := range []string{"apex2_n", "apex2"} {
		dense, hashed := run(method, g.NumEntities()), run(method, 0)
		for step := range dense {
			if !slices.Equal(dense[step].summary, hashed[step].summary) {
				t.Fatalf("%s step %d: summary with dense slots %v, with hashed slots %v", method, step, dense[step].summary, hashed[step].summary)
			}
			for e, h := range dense[step].heat {
				if math.Float64bits(h) != math.Float64bits(hashed[step].heat[e]) {
					t.Fatalf("%s step %d entity %d: heat with dense slots %v, with hashed slots %v", method, step, e, h, hashed[step].heat[e])
				}
			}
		}
	}
}
