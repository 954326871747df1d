package store

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadNpzStoredAndDeflated(t *testing.T) {
	exp := loadExpected(t)
	for _, file := range []string{"stored.npz", "deflated.npz"} {
		z, err := ReadNpz(filepath.Join("testdata", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got, want := z.Names(), []string{"U", "f4", "i8"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: names got %v, want %v", file, got, want)
		}
		for _, name := range z.Names() {
			a, _ := z.Get(name)
			checkArray(t, file+"/"+name, a, exp[name])
		}
		if _, err := z.Get("labels"); err == nil || !strings.Contains(err.Error(), "U, f4, i8") {
			t.Errorf("%s: Get(labels): got %v, want an error listing U, f4, i8", file, err)
		}
	}
}

func TestNpzRoundTrip(t *testing.T) {
	arrays := []NamedArray{
		{"x", NewFloat32Array([]float32{1, 2, 3, 4}, 2, 2)},
		{"names", NewStringArray([]string{"a", "bc"})},
		{"idx", NewInt64Array([]int64{3, 1})},
	}
	for _, compressed := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "a.npz")
		if err := WriteNpz(path, arrays, compressed); err != nil {
			t.Fatalf("compressed=%v: write: %v", compressed, err)
		}
		z, err := ReadNpz(path)
		if err != nil {
			t.Fatalf("compressed=%v: read: %v", compressed, err)
		}
		for _, na := range arrays {
			got, err := z.Get(na.Name)
			if err != nil {
				t.Fatalf("compressed=%v: %v", compressed, err)
			}
			if !reflect.DeepEqual(got, na.Array) {
				t.Errorf("compressed=%v: %s got %+v, want %+v", compressed, na.Name, got, na.Array)
			}
		}
	}
}

// zipOf builds an archive holding one member with the given method and body.
func zipOf(t *testing.T, name string, method uint16, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	zw.Close()
	return b.Bytes()
}

func TestDecodeNpzCorrupt(t *testing.T) {
	good, err := os.ReadFile("testdata/f4.npy")
	if err != nil {
		t.Fatal(err)
	}
	truncatedZip := zipOf(t, "x.npy", zip.Store, good)
	cases := []struct {
		name   string
		data   []byte
		substr string
	}{
		{"not a zip", []byte("hello world"), "not a valid .npz"},
		{"truncated archive", truncatedZip[:len(truncatedZip)-30], "not a valid .npz"},
		{"member not npy", zipOf(t, "x.npy", zip.Store, []byte("plain text here")), "magic"},
		{"member data short", zipOf(t, "x.npy", zip.Deflate, good[:len(good)-4]), "needs 24 bytes"},
		{"member header short", zipOf(t, "x.npy", zip.Store, good[:20]), "does not fit"},
	}
	for _, c := range cases {
		_, err := DecodeNpz(bytes.NewReader(c.data), int64(len(c.data)), "x.npz")
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.substr) || !strings.HasPrefix(fe.File, "x.npz") {
			t.Errorf("%s: got %v, want a *FormatError for x.npz containing %q", c.name, err, c.substr)
		}
	}
}

// TestReadNpzRealData reads the two Cora archives described in the data
// catalog and checks the shapes and dtypes it lists.
func TestReadNpzRealData(t *testing.T) {
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the shared data folder to read graph/*.npz")
	}
	cases := []struct {
		file  string
		array string
		dtype string
		shape []int
	}{
		{"graph/planetoid-cora.npz", "attr_indptr", "<i8", []int{2709}},
		{"graph/planetoid-cora.npz", "adj_indices", "<i4", []int{10556}},
		{"graph/planetoid-cora.npz", "test_idx", "<i8", []int{1000}},
		{"graph/cora.npz", "labels", "|i1", []int{2708}},
		{"graph/cora.npz", "node_names", "<U7", []int{2708}},
		{"graph/cora.npz", "class_names", "<U22", []int{7}},
	}
	for _, c := range cases {
		z, err := ReadNpz(filepath.Join(root, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		a, err := z.Get(c.array)
		if err != nil {
			t.Fatal(err)
		}
		if a.DType != c.dtype || !reflect.DeepEqual(a.Shape, c.shape) {
			t.Errorf("%s %s: got %s %v, want %s %v", c.file, c.array, a.DType, a.Shape, c.dtype, c.shape)
		}
	}
	z, _ := ReadNpz(filepath.Join(root, "graph/cora.npz"))
	a, _ := z.Get("class_names")
	names, err := a.Strings()
	if err != nil || names[2] != "Neural_Networks" {
		t.Errorf("cora.npz class_names[2]: got %q (%v), want Neural_Networks", names, err)
	}
}
