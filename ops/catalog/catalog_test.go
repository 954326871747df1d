package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogMatchesDataFolder(t *testing.T) {
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the data folder (for example ../shared/data) to check the catalog against the files")
	}
	v := NewVerifier()
	for _, e := range Entries() {
		if _, _, err := v.Resolve(root, e.Name); err != nil {
			t.Errorf("Resolve(%q): %v", e.Name, err)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	v := NewVerifier()
	tests := []struct {
		name, want string
	}{
		{"no-such-set", "unknown data set"},
		{"stories260K", "not found; download it from https://"},
		{"FB15k-237/nope.txt", "has no file"},
		{"planetoid-cora", "planetoid/ (converted from the Planetoid files"},
	}
	for _, tc := range tests {
		_, _, err := v.Resolve(dir, tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Resolve(%q) error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestResolveRejectsChangedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "llm", "tok512.bin")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, make([]byte, 6227), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := NewVerifier().Resolve(dir, "tok512")
	if err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("Resolve of a zero-filled tok512.bin: error = %v, want a sha256 mismatch", err)
	}
}

func TestLookupFileInFolder(t *testing.T) {
	e, f, err := Lookup("FB15k-237/train.txt")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "FB15k-237" || f == nil || f.Rel != "kg/FB15k-237/train.txt" {
		t.Fatalf("Lookup(FB15k-237/train.txt) = %v, %v", e.Name, f)
	}
}
