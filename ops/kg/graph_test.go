package kg

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

const toyTSV = "a\tr1\tb\na\tr1\tc\nb\tr2\tc\nc\tr2\td\nd\tr1\te\na\tr1\tb\r\n\na\tr2\tb\n"

// toySelfLoopTSV is toyTSV with the self-loop (a, r1, a).
const toySelfLoopTSV = toyTSV + "a\tr1\ta\n"

func readToy(t *testing.T) *Graph {
	t.Helper()
	return readTSVText(t, toyTSV)
}

func readTSVText(t *testing.T, text string) *Graph {
	t.Helper()
	b := NewBuilder()
	rep := &LoadReport{}
	if err := ReadTSV(context.Background(), strings.NewReader(text), "toy.tsv", b, LoadOptions{}, rep); err != nil {
		t.Fatal(err)
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func id(t *testing.T, g *Graph, name string) int32 {
	t.Helper()
	e, ok := g.Entities().Lookup(name)
	if !ok {
		t.Fatalf("entity %q not found", name)
	}
	return e
}

func TestGraphIndexes(t *testing.T) {
	g := readToy(t)
	if got, want := g.NumTriples(), 6; got != want {
		t.Fatalf("triples: got %d, want %d (duplicate a r1 b must collapse)", got, want)
	}
	if got, want := g.NumEntities(), 5; got != want {
		t.Errorf("entities: got %d, want %d", got, want)
	}
	if got, want := g.NumRelations(), 2; got != want {
		t.Errorf("relations: got %d, want %d", got, want)
	}
	a, b, c, d := id(t, g, "a"), id(t, g, "b"), id(t, g, "c"), id(t, g, "d")
	r1, _ := g.Relations().Lookup("r1")
	r2, _ := g.Relations().Lookup("r2")

	degrees := []struct {
		name    string
		in, out int
	}{{"a", 0, 3}, {"b", 2, 1}, {"c", 2, 1}, {"d", 1, 1}, {"e", 1, 0}}
	for _, tc := range degrees {
		e := id(t, g, tc.name)
		if g.OutDegree(e) != tc.out || g.InDegree(e) != tc.in {
			t.Errorf("degree of %s: got out %d in %d, want out %d in %d", tc.name, g.OutDegree(e), g.InDegree(e), tc.out, tc.in)
		}
	}
	if got := g.PairRelations(nil, a, b); !reflect.DeepEqual(got, []int32{r1, r2}) {
		t.Errorf("pair a->b relations: got %v, want %v", got, []int32{r1, r2})
	}
	if got := g.PairRelations(nil, b, a); len(got) != 0 {
		t.Errorf("pair b->a relations: got %v, want none", got)
	}
	if got := g.Tails(nil, a, r1); !reflect.DeepEqual(got, []int32{b, c}) {
		t.Errorf("tails a r1: got %v, want %v", got, []int32{b, c})
	}
	if got := g.Find(c, r2, d); got < 0 || g.Triple(got) != (Triple{c, r2, d}) {
		t.Errorf("find c r2 d: got %d", got)
	}
	if got := g.Find(c, r1, d); got != -1 {
		t.Errorf("find c r1 d: got %d, want -1", got)
	}
	for _, tr := range g.InTriples(c) {
		if g.Tail(tr) != c {
			t.Errorf("in-edge %d of c has tail %d", tr, g.Tail(tr))
		}
	}
	total := 0
	for r := int32(0); r < int32(g.NumRelations()); r++ {
		for _, tr := range g.RelationTriples(r) {
			total++
			if g.Relation(tr) != r {
				t.Errorf("relation index %d holds triple %d of relation %d", r, tr, g.Relation(tr))
			}
		}
	}
	if total != g.NumTriples() {
		t.Errorf("relation index covers %d triples, want %d", total, g.NumTriples())
	}
	for i := int32(1); i < int32(g.NumTriples()); i++ {
		p, q := g.Triple(i-1), g.Triple(i)
		if p.Head > q.Head || p.Head == q.Head && (p.Tail > q.Tail || p.Tail == q.Tail && p.Relation >= q.Relation) {
			t.Errorf("triples %d and %d are not sorted by (head, tail, relation): %v %v", i-1, i, p, q)
		}
	}
}

func TestTSVBadLines(t *testing.T) {
	cases := []struct {
		name, input, wantErr, reason string
	}{
		{"two fields", "a\tr\tb\na\tr\n", "bad.tsv:2: wrong field count: got 2 tab-separated fields, want 3", "wrong field count"},
		{"four fields", "a\tr\tb\tx\n", "bad.tsv:1: wrong field count: got 4", "wrong field count"},
		{"empty head", "\tr\tb\n", "bad.tsv:1: empty name", "empty name"},
		{"empty tail", "a\tr\t\n", "bad.tsv:1: empty name", "empty name"},
		{"crlf empty relation", "a\tr\tb\r\na\t\tb\r\n", "bad.tsv:2: empty name", "empty name"},
	}
	for _, tc := range cases {
		b := NewBuilder()
		rep := &LoadReport{}
		err := ReadTSV(context.Background(), strings.NewReader(tc.input), "bad.tsv", b, LoadOptions{}, rep)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s strict: got error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
		b = NewBuilder()
		rep = &LoadReport{}
		err = ReadTSV(context.Background(), strings.NewReader(tc.input), "bad.tsv", b, LoadOptions{Lenient: true}, rep)
		if err != nil {
			t.Errorf("%s lenient: got error %v, want none", tc.name, err)
		}
		if rep.Skipped != 1 || rep.SkippedBy[tc.reason] != 1 || len(rep.Examples) != 1 {
			t.Errorf("%s lenient: got skipped %d by %v, want 1 by %q", tc.name, rep.Skipped, rep.SkippedBy, tc.reason)
		}
	}
}

func TestTSVCompressed(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(toyTSV))
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	files := map[string][]byte{
		"plain.tsv":   []byte(toyTSV),
		"toy.tsv.gz":  gz.Bytes(),
		"toy.tsv.zst": enc.EncodeAll([]byte(toyTSV), nil),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		g, rep, err := LoadTSV(context.Background(), []string{p}, LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g.NumTriples() != 6 || rep.Triples != 7 {
			t.Errorf("%s: got %d triples (%d read), want 6 (7 read)", name, g.NumTriples(), rep.Triples)
		}
	}
}

func TestNTriples(t *testing.T) {
	doc := `# comment
<http://x/a> <http://x/p> <http://x/b> .
<http://x/a> <http://x/p> "lit\tTab \u00e9"@en .
_:n1 <http://x/q> "5"^^<http://www.w3.org/2001/XMLSchema#int> .
<http://x/b> <http://x/p> _:n1.

<http://x/\u0041> <http://x/p> <http://x/b> . # trailing comment
`
	b := NewBuilder()
	rep := &LoadReport{}
	if err := ReadNTriples(context.Background(), strings.NewReader(doc), "doc.nt", b, LoadOptions{}, rep); err != nil {
		t.Fatal(err)
	}
	g, _ := b.Build()
	wantEntities := []string{"http://x/a", "http://x/b", "\"lit\tTab é\"@en", "_:n1", "\"5\"^^<http://www.w3.org/2001/XMLSchema#int>", "http://x/A"}
	for _, name := range wantEntities {
		if _, ok := g.Entities().Lookup(name); !ok {
			t.Errorf("entity %q missing; have %v", name, g.Entities().names)
		}
	}
	if g.NumTriples() != 5 {
		t.Errorf("triples: got %d, want 5", g.NumTriples())
	}

	bad := []struct{ name, line, reason string }{
		{"bad escape", `<http://x/a> <http://x/p> "x\q" .`, "bad escape"},
		{"short unicode", `<http://x/a> <http://x/p> "x\u00" .`, "bad escape"},
		{"surrogate", `<http://x/a> <http://x/p> "\uD800" .`, "bad escape"},
		{"no dot", `<http://x/a> <http://x/p> <http://x/b>`, "missing final dot"},
		{"literal predicate", `<http://x/a> "p" <http://x/b> .`, "bad predicate"},
		{"literal subject", `"s" <http://x/p> <http://x/b> .`, "bad term"},
		{"space in IRI", `<http://x/a b> <http://x/p> <http://x/b> .`, "bad IRI"},
		{"empty IRI", `<> <http://x/p> <http://x/b> .`, "empty name"},
		{"relative subject", `<rel> <http://x/p> <http://x/b> .`, "relative IRI"},
		{"relative predicate", `<http://x/a> <p> <http://x/b> .`, "relative IRI"},
		{"relative object", `<http://x/a> <http://x/p> <../b> .`, "relative IRI"},
		{"scheme starts with digit", `<http://x/a> <http://x/p> <1x:b> .`, "relative IRI"},
		{"relative datatype", `<http://x/a> <http://x/p> "5"^^<int> .`, "relative IRI"},
		{"unclosed literal", `<http://x/a> <http://x/p> "abc .`, "bad literal"},
		{"missing object", `<http://x/a> <http://x/p>`, "missing term"},
		{"trailing text", `<http://x/a> <http://x/p> <http://x/b> . x`, "trailing text"},
	}
	for _, tc := range bad {
		rep := &LoadReport{}
		err := ReadNTriples(context.Background(), strings.NewReader("<http://x/a> <http://x/p> <http://x/b> .\n"+tc.line+"\n"), "bad.nt", NewBuilder(), LoadOptions{}, rep)
		if err == nil || !strings.Contains(err.Error(), "bad.nt:2: "+tc.reason) {
			t.Errorf("%s: got error %v, want bad.nt:2: %s", tc.name, err, tc.reason)
		}
		rep = &LoadReport{}
		err = ReadNTriples(context.Background(), strings.NewReader(tc.line+"\n"), "bad.nt", NewBuilder(), LoadOptions{Lenient: true}, rep)
		if err != nil || rep.SkippedBy[tc.reason] != 1 {
			t.Errorf("%s lenient: got error %v, skipped %v, want 1 %q", tc.name, err, rep.SkippedBy, tc.reason)
		}
	}
}

func TestWordNetLine(t *testing.T) {
	const data = "  1 This software and database is being provided\n" +
		"00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04431553 n 0000 | that which is perceived\n" +
		"00001930 03 n 01 physical_entity 0 007 @ 00001740 n 0000 ~ 00002452 n 0000 ~ 00002684 n 0000 ~ 00007347 n 0000 ~ 00020827 n 0000 ~ 00029677 n 0000 ~ 14580597 n 0000 | an entity\n" +
		"00002098 00 a 01 abaxial 0 002 ;c 06066555 n 0000 ! 00002312 a 0101 | facing away\n"
	b := NewBuilder()
	rep := &LoadReport{}
	if err := ReadWordNetData(context.Background(), strings.NewReader(data), "data.noun", "n", b, LoadOptions{}, rep); err != nil {
		t.Fatal(err)
	}
	g, _ := b.Build()
	if rep.Triples != 12 {
		t.Errorf("pointers: got %d, want 12", rep.Triples)
	}
	e := id(t, g, "00001930-n")
	if got := g.Entities().Label(e); got != "physical_entity" {
		t.Errorf("label: got %q, want physical_entity", got)
	}
	hyper, _ := g.Relations().Lookup("_hypernym")
	if g.Find(e, hyper, id(t, g, "00001740-n")) < 0 {
		t.Errorf("hypernym triple physical_entity -> entity missing")
	}

	bad := []struct{ name, line string }{
		{"short", "00001740 03 n\n"},
		{"bad offset", "0001740 03 n 01 entity 0 000 | x\n"},
		{"word count", "00001740 03 n zz entity 0 000 | x\n"},
		{"pointer overrun", "00001740 03 n 01 entity 0 002 ~ 00001930 n 0000 | x\n"},
		{"unknown symbol", "00001740 03 n 01 entity 0 001 ?? 00001930 n 0000 | x\n"},
		{"bad target pos", "00001740 03 n 01 entity 0 001 ~ 00001930 q 0000 | x\n"},
	}
	for _, tc := range bad {
		err := ReadWordNetData(context.Background(), strings.NewReader(tc.line), "data.noun", "n", NewBuilder(), LoadOptions{}, &LoadReport{})
		if err == nil || !strings.Contains(err.Error(), "data.noun:1: bad synset line") {
			t.Errorf("%s: got error %v, want data.noun:1: bad synset line", tc.name, err)
		}
	}
}

func TestWordNetInstalled(t *testing.T) {
	dir := "/usr/share/wordnet"
	if _, err := os.Stat(filepath.Join(dir, "data.noun")); err != nil {
		t.Skip("WordNet 3.0 database not installed; run apt-get install -y wordnet-base")
	}
	g, rep, err := LoadWordNet(context.Background(), dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 377,592 pointers in the wordnet-base 3.0 data files.
	if rep.Triples != 377592 {
		t.Errorf("pointers read: got %d, want 377592", rep.Triples)
	}
	if g.NumEntities() != 117659 {
		t.Errorf("synsets: got %d, want 117659 (WordNet 3.0)", g.NumEntities())
	}
	// A WN18RR triple from the same WordNet version.
	hyper, _ := g.Relations().Lookup("_hypernym")
	if g.Find(id(t, g, "00260881-n"), hyper, id(t, g, "00260622-n")) < 0 {
		t.Errorf("hypernym 00260881 -> 00260622 missing")
	}
	t.Logf("WordNet: %v; %s", g, rep)
}

func dataDir(t testing.TB) string {
	d := os.Getenv("PARE_DATA")
	if d == "" {
		t.Skip("PARE_DATA is not set; set it to the project data folder to run tests on real knowledge graphs")
	}
	return d
}

func TestFB15k237(t *testing.T) {
	dir := filepath.Join(dataDir(t), "kg", "FB15k-237")
	g, rep, err := LoadTSV(context.Background(), []string{filepath.Join(dir, "train.txt")}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		what      string
		got, want int
	}{
		{"triples", g.NumTriples(), 272115},
		{"lines", rep.Lines, 272115},
		{"relations", g.NumRelations(), 237},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s: got %d, want %d", w.what, w.got, w.want)
		}
	}
	set, unknown, _, err := LoadNames(context.Background(), filepath.Join(dir, "mid2name.txt"), g, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if set != g.NumEntities() || set+unknown != 14951 {
		t.Errorf("names: got %d set and %d unknown, want %d set and %d in total", set, unknown, g.NumEntities(), 14951)
	}
	if got := g.Entities().Label(id(t, g, "/m/016ywr")); got != "Jeremy_Irons" {
		t.Errorf("label of /m/016ywr: got %q, want Jeremy_Irons", got)
	}
}

// TestPairTriplesMatchesScan checks PairTriples, which searches whichever of
// the head's out-edges and the tail's in-edges is shorter, against a scan of
// the head's out-edges, and InHeads against the heads of InTriples. Few
// entities and a skewed degree give hubs, parallel edges and absent pairs.
func TestPairTriplesMatchesScan(t *testing.T) {
	g, err := Synthesize(context.Background(), SynthOptions{Triples: 3000, Entities: 60, Relations: 4, Exponent: 2.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	n := int32(g.NumEntities())
	for e := int32(0); e < n; e++ {
		heads, triples := g.InHeads(e), g.InTriples(e)
		if len(heads) != len(triples) {
			t.Fatalf("entity %d: %d in-heads, want %d", e, len(heads), len(triples))
		}
		for i, tr := range triples {
			if heads[i] != g.Head(tr) {
				t.Errorf("entity %d: in-head %d is %d, want head %d of triple %d", e, i, heads[i], g.Head(tr), tr)
			}
		}
	}
	pairs, parallel := 0, 0
	for h := int32(0); h < n; h++ {
		for tl := int32(0); tl < n; tl++ {
			var want []int32
			lo, hi := g.OutRange(h)
			for i := lo; i < hi; i++ {
				if g.Tail(i) == tl {
					want = append(want, i)
				}
			}
			var got []int32
			lo, hi = g.PairTriples(h, tl)
			for i := lo; i < hi; i++ {
				got = append(got, i)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pair %d -> %d (out-degree %d, in-degree %d): got triples %v, want %v", h, tl, g.OutDegree(h), g.InDegree(tl), got, want)
			}
			if len(want) > 0 {
				pairs++
			}
			if len(want) > 1 {
				parallel++
			}
		}
	}
	if pairs == 0 || parallel == 0 {
		t.Fatalf("graph has %d connected pairs and %d with parallel edges, want both > 0", pairs, parallel)
	}
}
