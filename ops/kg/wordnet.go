package kg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
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
// (the license header) are skipped. It returns the number of pointers read.
func ReadWordNetData(ctx context.Context, r io.Reader, file, pos string, b *Builder, opt LoadOptions, rep *LoadReport) error {
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
		if detail := parseWordNetLine(line, pos, b, &name, &target, rep); detail != "" {
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
func parseWordNetLine(line []byte, pos string, b *Builder, name, target *[]byte, rep *LoadReport) string {
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
		return fmt.Sprintf("line ends inside its %d words", words)
	}
	lemma := f[4]
	ptrs, err := strconv.Atoi(string(f[i]))
	if err != nil || ptrs < 0 {
		return fmt.Sprintf("pointer count %q is not a number", f[i])
	}
	i++
	if i+4*ptrs > len(f) {
		return fmt.Sprintf("line ends inside its %d pointers", ptrs)
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
	for k := 0; k < ptrs; k++ {
		p := f[i+4*k : i+4*k+4]
		*target = append(append(append((*target)[:0], p[1]...), '-'), wordNetPOS[string(p[2])]...)
		t := b.Entities().Intern(*target)
		r := b.Relations().InternString(wordNetRelations[string(p[0])])
		b.AddIDs(src, r, t)
		rep.Triples++
	}
	return ""
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
	for _, wf := range WordNetFiles {
		p := filepath.Join(dir, wf.File)
		pos := wf.POS
		if err := readFile(p, rep, func(r io.Reader) error { return ReadWordNetData(ctx, r, p, pos, b, opt, rep) }); err != nil {
			return nil, rep, err
		}
	}
	g, err := b.Build()
	return g, rep, err
}
