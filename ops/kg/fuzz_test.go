package kg

import (
	"bytes"
	"context"
	"testing"
)

// checkGraph verifies the index invariants of a built graph.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	seen := 0
	for e := int32(0); e < int32(g.NumEntities()); e++ {
		lo, hi := g.OutRange(e)
		for i := lo; i < hi; i++ {
			if g.Head(i) != e {
				t.Fatalf("out-edge %d of %d has head %d", i, e, g.Head(i))
			}
			seen++
		}
		for _, i := range g.InTriples(e) {
			if g.Tail(i) != e {
				t.Fatalf("in-edge %d of %d has tail %d", i, e, g.Tail(i))
			}
		}
	}
	if seen != g.NumTriples() {
		t.Fatalf("out-edges cover %d of %d triples", seen, g.NumTriples())
	}
	for i := int32(0); i < int32(g.NumTriples()); i++ {
		tr := g.Triple(i)
		if g.Find(tr.Head, tr.Relation, tr.Tail) != i {
			t.Fatalf("Find(%v) did not return %d", tr, i)
		}
	}
}

func fuzzLoader(f *testing.F, read func(context.Context, []byte, *Builder, LoadOptions, *LoadReport) error) {
	f.Fuzz(func(t *testing.T, data []byte) {
		strict := &LoadReport{}
		b := NewBuilder()
		serr := read(context.Background(), data, b, LoadOptions{}, strict)
		lenient := &LoadReport{}
		lb := NewBuilder()
		if err := read(context.Background(), data, lb, LoadOptions{Lenient: true}, lenient); err != nil {
			t.Fatalf("lenient read failed: %v", err)
		}
		if (serr == nil) != (lenient.Skipped == 0) {
			t.Fatalf("strict error %v but lenient skipped %d lines", serr, lenient.Skipped)
		}
		g, err := lb.Build()
		if err != nil {
			t.Fatal(err)
		}
		checkGraph(t, g)
	})
}

func FuzzReadTSV(f *testing.F) {
	f.Add([]byte(toyTSV))
	f.Add([]byte("a\tb\n\tx\ty\r\n"))
	f.Add([]byte("a\tr\tb\tc\n\n\n"))
	fuzzLoader(f, func(ctx context.Context, data []byte, b *Builder, opt LoadOptions, rep *LoadReport) error {
		return ReadTSV(ctx, bytes.NewReader(data), "fuzz.tsv", b, opt, rep)
	})
}

func FuzzReadNTriples(f *testing.F) {
	f.Add([]byte("<http://x/a> <http://x/p> \"v\\u00e9\"@en .\n_:b <http://x/p> <http://x/c>.\n"))
	f.Add([]byte("<a> <p> \"x\"^^<http://t> . # c\n"))
	f.Add([]byte("<a> <p> \"\\q\" .\n"))
	fuzzLoader(f, func(ctx context.Context, data []byte, b *Builder, opt LoadOptions, rep *LoadReport) error {
		return ReadNTriples(ctx, bytes.NewReader(data), "fuzz.nt", b, opt, rep)
	})
}

func FuzzReadWordNetData(f *testing.F) {
	f.Add([]byte("00001740 03 n 01 entity 0 001 ~ 00001930 n 0000 | x\n"))
	fuzzLoader(f, func(ctx context.Context, data []byte, b *Builder, opt LoadOptions, rep *LoadReport) error {
		return ReadWordNetData(ctx, bytes.NewReader(data), "data.noun", "n", b, opt, rep)
	})
}
