package kg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
)

// WordNetFiles are the WordNet 3.0 database files read by LoadWordNet, with
// the part-of-speech letter used in synset names.
var WordNetFiles = []struct{ File, POS string }{
	{"data.noun", "n"}, {"data.verb", "v"}, {"data.adj", "a"}, {"data.adv", "r"},
}

// wordNetRelations names WordNet pointer symbols. Names follow WN18RR where it
// has one (_hypernym, _has_part, ...) and WordNet's wninput(5WN) otherwise.
var wordNetRelations = map[string]string{
	"!": "_antonym", "@": "_hypernym", "@i": "_instance_hypernym",
	"~": "_hyponym", "~i": "_instance_hyponym",
	"#m": "_member_holonym", "#s": "_substance_holonym", "#p": "_part_of",
	"%m": "_member_meronym", "%s": "_substance_meronym", "%p": "_has_part",
	"=": "_attribute", "+": "_derivationally_related_form",
	";c": "_synset_domain_topic_of", "-c": "_member_of_domain_topic",
	";r": "_synset_domain_region_of", "-r": "_member_of_domain_region",
	";u": "_synset_domain_usage_of", "-u": "_member_of_domain_usage",
	"*": "_entails", ">": "_cause", "^": "_also_see", "$": "_verb_group",
	"&": "_similar_to", "<": "_participle_of", "\\": "_pertainym",
}

// wordNetPOS maps a pointer's pos field to the synset-name letter; adjective
// satellites ("s") live in data.adj.
var wordNetPOS = map[string]string{"n": "n", "v": "v", "a": "a", "s": "a", "r": "r"}

// ReadWordNetData adds the pointers of one WordNet 3.0 data file (data.noun,
// data.verb, data.adj or data.adv; format in wndb(5WN)) to b as triples
// (synset, pointer relation, target synset). A synset is named
// "<8-digit offset>-<pos>" (pos n, v, a or r), since offsets repeat across
// files, and labelled with its first lemma. Lines starting with two spaces
// (the license header) are skipped. Pointers may name synsets of the other
// files, so it does not check that targets exist. LoadWordNet does.
func ReadWordNetData(ctx context.Context, r io.Reader, file, pos string, b *Builder, opt LoadOptions, rep *LoadReport) error {
	return readWordNetData(ctx, r, file, pos, b, opt, rep, nil)
}

// readWordNetData is ReadWordNetData that, when refs is not nil, records
// defined synsets and pointer targets in it.
func readWordNetData(ctx context.Context, r io.Reader, file, pos string, b *Builder, opt LoadOptions, rep *LoadReport, refs *synsetRefs) error {
	lr := newLineReader(r, file)
	var name, target []byte
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		rep.Lines++
		if err := cancelled(ctx, rep.Lines); err != nil {
			return err
		}
		var le *LineError
		if errors.As(err, &le) {
			if err := rep.reject(opt, le); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if len(line) == 0 || bytes.HasPrefix(line, []byte("  ")) {
			continue
		}
		if refs != nil {
			refs.file, refs.line = file, lr.line
		}
		if detail := parseWordNetLine(line, pos, b, &name, &target, rep, refs); detail != "" {
			e := &LineError{File: file, Line: lr.line, Reason: "bad synset line", Detail: detail}
			if err := rep.reject(opt, e); err != nil {
				return err
			}
		}
	}
}

// parseWordNetLine parses one synset line and adds its pointers. It returns
// a description of the problem for a malformed line, or "". Nothing is added
// for a malformed line.
func parseWordNetLine(line []byte, pos string, b *Builder, name, target *[]byte, rep *LoadReport, refs *synsetRefs) string {
	data, _, _ := bytes.Cut(line, []byte(" | "))
	f := bytes.Fields(data)
	if len(f) < 4 {
		return fmt.Sprintf("got %d fields, want at least 4", len(f))
	}
	if !isDigits(f[0], 8) {
		return fmt.Sprintf("synset offset %q is not 8 digits", f[0])
	}
	words, err := strconv.ParseUint(string(f[3]), 16, 16)
	if err != nil || words == 0 {
		return fmt.Sprintf("word count %q is not a positive hex number", f[3])
	}
	i := 4 + 2*int(words)
	if i >= len(f) {
		return fmt.Sprintf("line ends inside its %s", Count(int(words), "word", "words"))
	}
	lemma := f[4]
	ptrs, err := strconv.Atoi(string(f[i]))
	if err != nil || ptrs < 0 {
		return fmt.Sprintf("pointer count %q is not a number", f[i])
	}
	i++
	if i+4*ptrs > len(f) {
		return fmt.Sprintf("line ends inside its %s", Count(ptrs, "pointer", "pointers"))
	}
	for k := 0; k < ptrs; k++ {
		p := f[i+4*k : i+4*k+4]
		if _, ok := wordNetRelations[string(p[0])]; !ok {
			return fmt.Sprintf("unknown pointer symbol %q", p[0])
		}
		if _, ok := wordNetPOS[string(p[2])]; !ok || !isDigits(p[1], 8) || len(p[3]) != 4 {
			return fmt.Sprintf("malformed pointer %q", bytes.Join(p, []byte(" ")))
		}
	}

	*name = append(append(append((*name)[:0], f[0]...), '-'), pos...)
	src := b.Entities().Intern(*name)
	b.Entities().SetLabel(src, string(lemma))
	refs.define(src)
	for k := 0; k < ptrs; k++ {
		p := f[i+4*k : i+4*k+4]
		*target = append(append(append((*target)[:0], p[1]...), '-'), wordNetPOS[string(p[2])]...)
		t := b.Entities().Intern(*target)
		r := b.Relations().InternString(wordNetRelations[string(p[0])])
		refs.point(t, b.Len())
		b.AddIDs(src, r, t)
		rep.Triples++
	}
	return ""
}

// synsetRefs tracks which synsets have a line of their own and which
// pointers name a synset not defined yet, so that LoadWordNet can find
// pointers to synsets that no data file defines. Its methods do nothing on
// a nil receiver.
type synsetRefs struct {
	defined    []bool
	file       string // position of the line being parsed
	line       int
	pending    map[int32][]pointerRef // undefined target -> pointers to it
	numPending int
}

// pointerRef is one pointer to a synset not yet defined: the index of its
// triple in the builder and the line it came from.
type pointerRef struct {
	triple int
	file   string
	line   int
}

func (s *synsetRefs) grow(id int32) {
	for len(s.defined) <= int(id) {
		s.defined = append(s.defined, false)
	}
}

func (s *synsetRefs) define(id int32) {
	if s == nil {
		return
	}
	s.grow(id)
	s.defined[id] = true
	s.numPending -= len(s.pending[id])
	delete(s.pending, id)
}

func (s *synsetRefs) point(target int32, triple int) {
	if s == nil {
		return
	}
	s.grow(target)
	if s.defined[target] {
		return
	}
	if s.pending == nil {
		s.pending = map[int32][]pointerRef{}
	}
	s.pending[target] = append(s.pending[target], pointerRef{triple, s.file, s.line})
	s.numPending++
}

// dropDangling handles pointers to synsets that no file defined. In strict
// mode the first such pointer (in file order) is an error. In lenient mode
// each is skipped and counted in rep, and the builder is rebuilt without
// the missing synsets, keeping the order of first appearance of the rest.
func (s *synsetRefs) dropDangling(b *Builder, opt LoadOptions, rep *LoadReport) (*Builder, error) {
	if s.numPending == 0 {
		return b, nil
	}
	var refs []pointerRef
	names := map[int]string{}
	for target, rs := range s.pending {
		for _, r := range rs {
			refs = append(refs, r)
			names[r.triple] = b.Entities().Name(target)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].triple < refs[j].triple })

	drop := make(map[int]bool, len(refs))
	for _, r := range refs {
		e := &LineError{File: r.file, Line: r.line, Reason: "pointer to missing synset",
			Detail: fmt.Sprintf("synset %s is not defined in any data file", names[r.triple])}
		if err := rep.reject(opt, e); err != nil {
			return nil, err
		}
		rep.Triples--
		drop[r.triple] = true
	}

	// Rebuild the dictionaries without the missing synsets, and without
	// relations left with no triple.
	nb := NewBuilder()
	entityID := make([]int32, b.Entities().Len())
	for id := range entityID {
		entityID[id] = -1
		if _, missing := s.pending[int32(id)]; missing {
			continue
		}
		entityID[id] = nb.Entities().InternString(b.Entities().Name(int32(id)))
		if label := b.Entities().Label(int32(id)); label != b.Entities().Name(int32(id)) {
			nb.Entities().SetLabel(entityID[id], label)
		}
	}

	relationID := make([]int32, b.Relations().Len())
	for i := range relationID {
		relationID[i] = -1
	}
	nb.Grow(b.Len() - len(drop))
	for i, t := range b.triples {
		if drop[i] {
			continue
		}
		if relationID[t.Relation] < 0 {
			relationID[t.Relation] = nb.Relations().InternString(b.Relations().Name(t.Relation))
		}
		nb.AddIDs(entityID[t.Head], relationID[t.Relation], entityID[t.Tail])
	}
	return nb, nil
}

func isDigits(b []byte, n int) bool {
	if len(b) != n {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// LoadWordNet reads data.noun, data.verb, data.adj and data.adv from dir
// (for example /usr/share/wordnet from Debian's wordnet-base package).
// Every pointer, lexical or semantic, becomes a synset-level triple. A
// lexical and a semantic pointer with the same symbol between the same
// synsets collapse into one triple.
func LoadWordNet(ctx context.Context, dir string, opt LoadOptions) (*Graph, *LoadReport, error) {
	b := NewBuilder()
	rep := &LoadReport{}
	refs := &synsetRefs{}
	for _, wf := range WordNetFiles {
		p := filepath.Join(dir, wf.File)
		pos := wf.POS
		if err := readFile(p, rep, func(r io.Reader) error { return readWordNetData(ctx, r, p, pos, b, opt, rep, refs) }); err != nil {
			return nil, rep, err
		}
	}
	b, err := refs.dropDangling(b, opt, rep)
	if err != nil {
		return nil, rep, err
	}
	g, err := buildLoaded(b, rep)
	return g, rep, err
}
