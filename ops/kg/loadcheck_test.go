package kg

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeWordNet writes the four WordNet data files into a temporary folder;
// files not given are empty.
func writeWordNet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, wf := range WordNetFiles {
		if err := os.WriteFile(filepath.Join(dir, wf.File), []byte(files[wf.File]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWordNetMissingSynset(t *testing.T) {
	// 00000002-n points to 00000001-n, defined later in the same file, and
	// to 00000003-v, defined in data.verb. 99999999-n is defined nowhere.
	files := map[string]string{
		"data.noun": "00000002 03 n 01 two 0 002 @ 00000001 n 0000 + 00000003 v 0000 | x\n" +
			"00000001 03 n 01 one 0 001 @ 99999999 n 0000 | x\n",
		"data.verb": "00000003 29 v 01 three 0 001 + 00000002 n 0000 | x\n",
	}
	dir := writeWordNet(t, files)

	_, _, err := LoadWordNet(context.Background(), dir, LoadOptions{})
	want := filepath.Join(dir, "data.noun") + ":2: pointer to missing synset: synset 99999999-n"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("strict: got %v, want an error containing %q", err, want)
	}

	g, rep, err := LoadWordNet(context.Background(), dir, LoadOptions{Lenient: true})
	if err != nil {
		t.Fatalf("lenient: %v", err)
	}
	if rep.SkippedBy["pointer to missing synset"] != 1 {
		t.Errorf("lenient: skipped %v, want 1 pointer to missing synset", rep.SkippedBy)
	}
	if g.NumEntities() != 3 {
		t.Errorf("lenient: got %d entities, want 3 (no entity for the missing synset)", g.NumEntities())
	}
	if g.NumTriples() != 3 {
		t.Errorf("lenient: got %d triples, want 3", g.NumTriples())
	}
	if _, ok := g.Entities().Lookup("99999999-n"); ok {
		t.Errorf("lenient: the missing synset 99999999-n is an entity")
	}
	if got := g.Entities().Label(id(t, g, "00000003-v")); got != "three" {
		t.Errorf("lenient: label of 00000003-v: got %q, want three", got)
	}
	hyper, _ := g.Relations().Lookup("_hypernym")
	if g.Find(id(t, g, "00000002-n"), hyper, id(t, g, "00000001-n")) < 0 {
		t.Errorf("lenient: hypernym two -> one missing after the rebuild")
	}
}

func TestEmptyGraphRejected(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.tsv")
	if err := os.WriteFile(empty, []byte("\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("a\tb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		load func() error
		want string
	}{
		{"empty tsv", func() error { _, _, err := LoadTSV(context.Background(), []string{empty}, LoadOptions{}); return err }, "no triples in " + empty},
		{"all skipped", func() error {
			_, _, err := LoadTSV(context.Background(), []string{bad}, LoadOptions{Lenient: true})
			return err
		}, "1 of them skipped as malformed"},
		{"empty ntriples", func() error {
			_, _, err := LoadNTriples(context.Background(), []string{empty}, LoadOptions{})
			return err
		}, "no triples in " + empty},
		{"empty wordnet", func() error {
			_, _, err := LoadWordNet(context.Background(), writeWordNet(t, nil), LoadOptions{})
			return err
		}, "no triples in "},
	}
	for _, tc := range cases {
		if err := tc.load(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSynthesizeSizeChecks(t *testing.T) {
	cases := []struct {
		name string
		opt  SynthOptions
		want string
	}{
		{"triples beyond int32", SynthOptions{Triples: 1_000_000_000_000, Entities: 10, Relations: 2, Exponent: 2.2}, "triples: got 1000000000000"},
		{"entities beyond int32", SynthOptions{Triples: 10, Entities: math.MaxInt32 + 1, Relations: 2, Exponent: 2.2}, "entities: got 2147483648"},
		{"relations beyond int32", SynthOptions{Triples: 10, Entities: 10, Relations: math.MaxInt32 + 1, Exponent: 2.2}, "relations: got 2147483648"},
		{"over the memory limit", SynthOptions{Triples: 1000, Entities: 10, Relations: 2, Exponent: 2.2, MemoryLimit: 1000}, "more than --max-memory (1000 bytes)"},
	}
	for _, tc := range cases {
		_, err := Synthesize(context.Background(), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if mem := PhysicalMemory(); mem > 0 {
		// 2^31 - 1 triples need about 120 GB by the estimate.
		opt := SynthOptions{Triples: math.MaxInt32, Entities: 10, Relations: 2, Exponent: 2.2}
		if SynthMemoryEstimate(opt) > mem {
			if _, err := Synthesize(context.Background(), opt); err == nil || !strings.Contains(err.Error(), "the machine's memory") {
				t.Errorf("beyond the machine's memory: got %v, want an error naming the machine's memory", err)
			}
		}
	}
}
