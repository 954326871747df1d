package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func dataPath(t testing.TB, rel string) string {
	t.Helper()
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the shared data folder to run tokenizer tests on real vocabularies")
	}
	return filepath.Join(root, rel)
}

func TestLlama2Encode(t *testing.T) {
	tok, err := LoadLlama2C(dataPath(t, "llm/tokenizer.bin"), 32000)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text string
		want []int
	}{
		// Ids as produced by the Llama 2 SentencePiece model.
		{"Hello world", []int{1, 15043, 3186}},
		{"", []int{1}},
	}
	for _, tc := range cases {
		if got := tok.Encode(tc.text, true, false); !slices.Equal(got, tc.want) {
			t.Errorf("encode %q: got %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	texts := []string{
		"Once upon a time, there was a little girl named Lily.",
		"Zoo",
		"tabs\tand\nnewlines  double  spaces",
		"unicode: café, 日本語, emoji 🙂",
		"bytes \x01\x7f",
	}
	for _, file := range []string{"llm/tok512.bin", "llm/tokenizer.bin"} {
		tok, err := LoadLlama2C(dataPath(t, file), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			ids := tok.Encode(text, true, true)
			got, err := tok.Decode(ids)
			if err != nil {
				t.Fatal(err)
			}
			if got != text {
				t.Errorf("%s: round trip of %q: got %q (ids %v)", file, text, got, ids)
			}
		}
	}
}

func TestDecodeRejectsOutOfVocabulary(t *testing.T) {
	tok, err := LoadLlama2C(dataPath(t, "llm/tok512.bin"), 512)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Decode([]int{1, 512}); err == nil {
		t.Error("decode of id 512 in a 512-token vocabulary: got no error")
	}
}

func TestParseLlama2CRejectsCorruptInput(t *testing.T) {
	good, err := os.ReadFile(dataPath(t, "llm/tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		data  []byte
		vocab int
	}{
		{"empty", nil, 0},
		{"truncated", good[:len(good)-3], 0},
		{"wrong-vocab", good, 511},
		{"bad-max-length", append([]byte{0, 0, 0, 0}, good[4:]...), 0},
	}
	for _, tc := range cases {
		if _, err := ParseLlama2C(tc.data, tc.vocab); err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
}

func FuzzParseLlama2C(f *testing.F) {
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseLlama2C(data, 0)
		if err != nil {
			return
		}
		ids := tok.Encode("fuzz text", true, true)
		if _, err := tok.Decode(ids); err != nil {
			t.Fatal(err)
		}
	})
}
