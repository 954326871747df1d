package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

type expectedArray struct {
	Descr  string `json:"descr"`
	Shape  []int  `json:"shape"`
	Values []any  `json:"values"`
}

func loadExpected(t *testing.T) map[string]expectedArray {
	t.Helper()
	text, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]expectedArray
	if err := json.Unmarshal(text, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

// checkArray compares a decoded array with the values NumPy wrote.
func checkArray(t *testing.T, label string, a *Array, want expectedArray) {
	t.Helper()
	if a.DType != want.Descr {
		t.Errorf("%s: dtype got %s, want %s", label, a.DType, want.Descr)
	}
	if !reflect.DeepEqual(a.Shape, want.Shape) && !(len(a.Shape) == 0 && len(want.Shape) == 0) {
		t.Errorf("%s: shape got %v, want %v", label, a.Shape, want.Shape)
	}
	switch {
	case strings.HasPrefix(a.DType, "<U"):
		got, err := a.Strings()
		if err != nil {
			t.Fatalf("%s: Strings: %v", label, err)
		}
		for i, w := range want.Values {
			if got[i] != w.(string) {
				t.Errorf("%s: element %d got %q, want %q", label, i, got[i], w)
			}
		}
	case a.DType[1] == 'f':
		got, err := a.Float64()
		if err != nil {
			t.Fatalf("%s: Float64: %v", label, err)
		}
		for i, w := range want.Values {
			wf, _ := strconv.ParseFloat(w.(string), 64)
			if got[i] != wf || math.Signbit(got[i]) != math.Signbit(wf) {
				t.Errorf("%s: element %d got %v, want %v", label, i, got[i], wf)
			}
		}
	default:
		got, err := a.Int64()
		if err != nil {
			t.Fatalf("%s: Int64: %v", label, err)
		}
		for i, w := range want.Values {
			if got[i] != int64(w.(float64)) {
				t.Errorf("%s: element %d got %d, want %v", label, i, got[i], w)
			}
		}
	}
}

func TestReadNpyNumpyFixtures(t *testing.T) {
	for name, want := range loadExpected(t) {
		a, err := ReadNpy(filepath.Join("testdata", name+".npy"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkArray(t, name, a, want)
	}
}

func TestReadNpyHeaderVersions(t *testing.T) {
	want := loadExpected(t)["f4"]
	for _, file := range []string{"f4.npy", "v2.npy", "v3.npy"} {
		a, err := ReadNpy(filepath.Join("testdata", file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		checkArray(t, file, a, want)
	}
}

func TestNpyRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		a    *Array
	}{
		{"f32 matrix", NewFloat32Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)},
		{"f64 vector", NewFloat64Array([]float64{math.Pi, -1})},
		{"i64 vector", NewInt64Array([]int64{-5, math.MaxInt64})},
		{"i32 3d", NewInt32Array(make([]int32, 24), 2, 3, 4)},
		{"strings", NewStringArray([]string{"x", "héllo", ""})},
		{"empty", NewFloat32Array(nil, 0, 5)},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, "a.npy")
		if err := WriteNpy(path, c.a); err != nil {
			t.Fatalf("%s: write: %v", c.name, err)
		}
		got, err := ReadNpy(path)
		if err != nil {
			t.Fatalf("%s: read: %v", c.name, err)
		}
		if got.DType != c.a.DType || !reflect.DeepEqual(got.Shape, c.a.Shape) || !bytes.Equal(got.Data, c.a.Data) {
			t.Errorf("%s: got %s %v %d bytes, want %s %v %d bytes", c.name, got.DType, got.Shape, len(got.Data), c.a.DType, c.a.Shape, len(c.a.Data))
		}
		raw, _ := os.ReadFile(path)
		hlen := int(binary.LittleEndian.Uint16(raw[8:]))
		if (10+hlen)%64 != 0 {
			t.Errorf("%s: data starts at byte %d, want a multiple of 64", c.name, 10+hlen)
		}
	}
}

func TestArrayAccessorsConvert(t *testing.T) {
	a := NewInt32Array([]int32{-1, 0, 7})
	f, err := a.Float32()
	if err != nil || !reflect.DeepEqual(f, []float32{-1, 0, 7}) {
		t.Errorf("Float32 of <i4: got %v, %v; want [-1 0 7]", f, err)
	}
	if _, err := NewFloat32Array([]float32{1}).Int64(); err == nil {
		t.Error("Int64 of <f4: got no error, want a dtype error")
	}
	if _, err := NewStringArray([]string{"a"}).Float32(); err == nil {
		t.Error("Float32 of <U1: got no error, want a dtype error")
	}
	if _, err := NewFloat32Array([]float32{1}).Strings(); err == nil {
		t.Error("Strings of <f4: got no error, want a dtype error")
	}
	bad := &Array{DType: "<f4", Shape: []int{3}, Data: make([]byte, 8)}
	if _, err := bad.Float32(); err == nil {
		t.Error("Float32 of a 3-element <f4 with 8 bytes: got no error, want a size error")
	}
}

// npyBytes builds a version-1 .npy file with the given header text and data.
func npyBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestDecodeNpyCorrupt(t *testing.T) {
	good, err := os.ReadFile("testdata/f4.npy")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		data   []byte
		offset int64
		substr string
	}{
		{"empty", nil, 0, "magic"},
		{"wrong magic", []byte("\x93NUMPX\x01\x00\x00\x00"), 0, "magic"},
		{"version 4", append([]byte(npyMagic), 4, 0, 0, 0), 6, "version"},
		{"header past end", append([]byte(npyMagic), 1, 0, 0xff, 0xff), 10, "past the end"},
		{"v2 header too long", append([]byte(npyMagic), 2, 0, 0xff, 0xff, 0xff, 0x7f), 8, "limit"},
		{"truncated data", good[:len(good)-1], 128, "needs 24 bytes"},
		{"extra data", append(append([]byte{}, good...), 0), 128, "needs 24 bytes"},
		{"not a dict", npyBytes("[1, 2]\n", nil), 10, "not a dictionary"},
		{"unterminated", npyBytes("{'descr': '<f4'", nil), 25, "unterminated"},
		{"missing shape", npyBytes("{'descr': '<f4', 'fortran_order': False}\n", nil), 10, "shape"},
		{"negative dim", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}\n", nil), 10, "non-negative"},
		{"overflow", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}\n", nil), 10, "overflows"},
		{"big endian", npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}\n", make([]byte, 4)), 10, "big-endian"},
		{"object dtype", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}\n", make([]byte, 8)), 10, "unsupported dtype"},
		{"structured dtype", npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}\n", make([]byte, 4)), 10, "structured"},
		{"duplicate key", npyBytes("{'descr': '<f4', 'descr': '<f4'}\n", nil), 27, "duplicate"},
		{"unknown key", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}\n", make([]byte, 4)), 10, "unknown key"},
		{"deep nesting", npyBytes(strings.Repeat("(", 100), nil), 43, "nesting"},
	}
	for _, c := range cases {
		_, err := DecodeNpy(c.data, "x.npy")
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got error %v, want a *FormatError", c.name, err)
			continue
		}
		if fe.File != "x.npy" || fe.Offset != c.offset || !strings.Contains(fe.Msg, c.substr) {
			t.Errorf("%s: got %q at offset %d, want offset %d and a message containing %q", c.name, err, fe.Offset, c.offset, c.substr)
		}
	}
}
