package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// byteToRune is GPT-2's reversible map from bytes to printable characters:
// printable Latin-1 bytes map to themselves, the others to U+0100 onwards.
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2r[b] = rune(b)
		} else {
			b2r[b] = rune(256 + n)
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

// splitGPT2 splits text as GPT-2's pre-tokenizer regex does:
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func splitGPT2(text string) []string {
	return splitPattern(text, false)
}

// splitLlama3 splits text as the Llama 3 and Qwen2 pre-tokenizer regex does:
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
// | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with single digits when digits1 is set (Qwen2 uses \p{N} alone).
func splitLlama3(text string, digits1 bool) []string {
	out := []string{}
	rs := []rune(text)
	i := 0
	for i < len(rs) {
		j := matchLlama3(rs, i, digits1)
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func isL(r rune) bool { return unicode.IsLetter(r) }
func isN(r rune) bool { return unicode.IsNumber(r) }
func isS(r rune) bool { return unicode.IsSpace(r) }

// contraction returns the length of a contraction at rs[i:], or 0.
func contraction(rs []rune, i int, fold bool) int {
	if rs[i] != '\'' || i+1 >= len(rs) {
		return 0
	}
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	c := lower(rs[i+1])
	switch c {
	case 's', 't', 'm', 'd':
		return 2
	}
	if i+2 < len(rs) {
		pair := string([]rune{c, lower(rs[i+2])})
		if pair == "re" || pair == "ve" || pair == "ll" {
			return 3
		}
	}
	return 0
}

// whitespaceRun returns the end of the \s+(?!\S)|\s+ alternatives at i.
func whitespaceRun(rs []rune, i int) int {
	j := i
	for j < len(rs) && isS(rs[j]) {
		j++
	}
	if j < len(rs) && j-i > 1 {
		// \s+(?!\S): leave the last space to prefix the next word.
		return j - 1
	}
	return j
}

func matchLlama3(rs []rune, i int, digits1 bool) int {
	if n := contraction(rs, i, true); n > 0 {
		return i + n
	}
	r := rs[i]
	// [^\r\n\p{L}\p{N}]?\p{L}+
	j := i
	if !isL(r) && !isN(r) && r != '\r' && r != '\n' && i+1 < len(rs) && isL(rs[i+1]) {
		j = i + 1
	}
	if isL(rs[j]) {
		for j < len(rs) && isL(rs[j]) {
			j++
		}
		return j
	}
	// \p{N}{1,3}
	if isN(r) {
		limit := 3
		if digits1 {
			limit = 1
		}
		j = i
		for j < len(rs) && j-i < limit && isN(rs[j]) {
			j++
		}
		return j
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
	j = i
	if r == ' ' && i+1 < len(rs) && !isS(rs[i+1]) && !isL(rs[i+1]) && !isN(rs[i+1]) {
		j = i + 1
	}
	if !isS(rs[j]) && !isL(rs[j]) && !isN(rs[j]) {
		for j < len(rs) && !isS(rs[j]) && !isL(rs[j]) && !isN(rs[j]) {
			j++
		}
		for j < len(rs) && (rs[j] == '\r' || rs[j] == '\n') {
			j++
		}
		return j
	}
	// \s*[\r\n]+
	j = i
	lastNL := -1
	for j < len(rs) && isS(rs[j]) {
		if rs[j] == '\r' || rs[j] == '\n' {
			lastNL = j
		}
		j++
	}
	if lastNL >= 0 {
		return lastNL + 1
	}
	return whitespaceRun(rs, i)
}

func splitPattern(text string, _ bool) []string {
	out := []string{}
	rs := []rune(text)
	i := 0
	for i < len(rs) {
		j := matchGPT2(rs, i)
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func matchGPT2(rs []rune, i int) int {
	if n := contraction(rs, i, false); n > 0 {
		return i + n
	}
	j := i
	if rs[i] == ' ' && i+1 < len(rs) && !isS(rs[i+1]) {
		j = i + 1
	}
	switch c := rs[j]; {
	case isL(c):
		for j < len(rs) && isL(rs[j]) {
			j++
		}
		return j
	case isN(c):
		for j < len(rs) && isN(rs[j]) {
			j++
		}
		return j
	case !isS(c):
		for j < len(rs) && !isS(rs[j]) && !isL(rs[j]) && !isN(rs[j]) {
			j++
		}
		return j
	}
	return whitespaceRun(rs, i)
}

// byteLevelSymbols maps the bytes of a pre-token to GPT-2 characters.
func byteLevelString(s string) string {
	buf := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, byteToRune[s[i]])
	}
	return string(buf)
}
