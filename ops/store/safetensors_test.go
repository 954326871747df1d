package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// safetensorsBytes builds a file from a header text and a data buffer,
// independently of WriteSafetensors.
func safetensorsBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestSafetensorsDecodeDTypes(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint32(data, math.Float32bits(1.5))      // F32 [0,4)
	data = le.AppendUint16(data, 0x3c00)                     // F16 1.0 [4,6)
	data = le.AppendUint16(data, 0xc000)                     // BF16 -2.0 [6,8)
	data = le.AppendUint64(data, math.Float64bits(0.25))     // F64 [8,16)
	data = le.AppendUint64(data, uint64(0xfffffffffffffffd)) // I64 -3 [16,24)
	data = le.AppendUint32(data, 7)                          // I32 [24,28)
	data = append(data, 200, 1)                              // U8 [28,29), BOOL [29,30)
	header := `{"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"b":{"dtype":"F16","shape":[1],"data_offsets":[4,6]},` +
		`"c":{"dtype":"BF16","shape":[1,1],"data_offsets":[6,8]},` +
		`"d":{"dtype":"F64","shape":[],"data_offsets":[8,16]},` +
		`"e":{"dtype":"I64","shape":[1],"data_offsets":[16,24]},` +
		`"f":{"dtype":"I32","shape":[1],"data_offsets":[24,28]},` +
		`"g":{"dtype":"U8","shape":[1],"data_offsets":[28,29]},` +
		`"h":{"dtype":"BOOL","shape":[1],"data_offsets":[29,30]}}`
	st, err := DecodeSafetensors(safetensorsBytes(header, data), "mem")
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata["format"] != "pt" {
		t.Errorf("metadata: got %v, want format=pt", st.Metadata)
	}
	want := map[string]float32{"a": 1.5, "b": 1, "c": -2, "d": 0.25, "e": -3, "f": 7, "g": 200, "h": 1}
	if got := st.Names(); !reflect.DeepEqual(got, []string{"a", "b", "c", "d", "e", "f", "g", "h"}) {
		t.Errorf("names: got %v", got)
	}
	for name, w := range want {
		v, _, err := st.Float32(name)
		if err != nil || len(v) != 1 || v[0] != w {
			t.Errorf("%s: got %v (%v), want [%g]", name, v, err, w)
		}
	}
	if _, _, err := st.Raw("b"); err == nil {
		t.Error("Raw of an F16 tensor: got no error, want a dtype error")
	}
}

func TestSafetensorsWriteOpenRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	tensors := []NamedTensor{
		{"w.half", "F16", []int{3}, []float32{1, -0.5, 65504}},
		{"w.f32", "F32", []int{2, 2}, []float32{1, 2, 3, 4}},
		{"w.bf16", "BF16", []int{2}, []float32{3.140625, -1e30}},
		{"scalar", "F32", []int{}, []float32{9}},
	}
	if err := WriteSafetensors(path, tensors, map[string]string{"source": "test"}); err != nil {
		t.Fatal(err)
	}
	st, err := OpenSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, nt := range tensors {
		v, shape, err := st.Float32(nt.Name)
		if err != nil {
			t.Fatalf("%s: %v", nt.Name, err)
		}
		want := append([]float32(nil), nt.Data...)
		if nt.DType == "BF16" {
			for i := range want {
				want[i] = BFloat16ToFloat32(Float32ToBFloat16(want[i]))
			}
		}
		if !reflect.DeepEqual(v, want) || !reflect.DeepEqual(shape, nt.Shape) {
			t.Errorf("%s: got %v %v, want %v %v", nt.Name, v, shape, want, nt.Shape)
		}
	}
	raw, _, err := st.Raw("w.f32")
	if err != nil || !reflect.DeepEqual(raw, []float32{1, 2, 3, 4}) {
		t.Errorf("Raw(w.f32): got %v, %v; want [1 2 3 4]", raw, err)
	}
	if st.Metadata["source"] != "test" {
		t.Errorf("metadata: got %v", st.Metadata)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder after write: got %d entries, want only the file", len(entries))
	}
}

func TestSafetensorsCorrupt(t *testing.T) {
	f32 := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	cases := []struct {
		name   string
		data   []byte
		offset int64
		substr string
	}{
		{"short file", []byte{1, 2, 3}, 0, "too short"},
		{"header past end", safetensorsBytes(f32, nil)[:20], 0, "past the end"},
		{"header too large", binary.LittleEndian.AppendUint64(nil, 1<<40), 0, "limit"},
		{"not json", safetensorsBytes("{nope", nil), 9, "invalid JSON"},
		{"not object", safetensorsBytes("[1]", nil), 8, "not a JSON object"},
		{"trailing data", safetensorsBytes(`{} {}`, nil), 10, "after the JSON"},
		{"unknown dtype", safetensorsBytes(`{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), 9, "unsupported dtype"},
		{"shape mismatch", safetensorsBytes(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), 9, "need 12 bytes"},
		{"negative dim", safetensorsBytes(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}`, make([]byte, 8)), 9, "negative"},
		{"reversed offsets", safetensorsBytes(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, make([]byte, 8)), 9, "not a valid range"},
		{"offsets past buffer", safetensorsBytes(f32, make([]byte, 4)), 8 + int64(len(f32)), "past the end of the data buffer"},
		{"overlap", safetensorsBytes(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), 8 + 107 + 4, "overlap"},
		{"duplicate", safetensorsBytes(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, make([]byte, 2)), 8 + 53, "twice"},
		{"overflow", safetensorsBytes(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, make([]byte, 8)), 9, "overflows"},
		{"bad metadata", safetensorsBytes(`{"__metadata__":{"a":1}}`, nil), 9, "__metadata__"},
	}
	for _, c := range cases {
		_, err := DecodeSafetensors(c.data, "m.safetensors")
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want a *FormatError", c.name, err)
			continue
		}
		if fe.File != "m.safetensors" || fe.Offset != c.offset || !strings.Contains(fe.Msg, c.substr) {
			t.Errorf("%s: got %q at offset %d, want offset %d and a message containing %q", c.name, fe.Msg, fe.Offset, c.offset, c.substr)
		}
	}
}

func TestSafetensorsIndex(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, tensors ...NamedTensor) {
		if err := WriteSafetensors(filepath.Join(dir, name), tensors, nil); err != nil {
			t.Fatal(err)
		}
	}
	write("model-00001-of-00002.safetensors", NamedTensor{"a", "F32", []int{2}, []float32{1, 2}})
	write("model-00002-of-00002.safetensors", NamedTensor{"b", "BF16", []int{1}, []float32{4}})
	index := `{"metadata":{"total_size":10},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`
	path := filepath.Join(dir, "model.safetensors.index.json")
	os.WriteFile(path, []byte(index), 0o644)

	r, err := OpenCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("names: got %v, want [a b]", got)
	}
	if v, _, err := r.Float32("b"); err != nil || v[0] != 4 {
		t.Errorf("b: got %v, %v; want [4]", v, err)
	}

	bad := []struct{ name, text, substr string }{
		{"missing tensor", `{"weight_map":{"c":"model-00001-of-00002.safetensors"}}`, "does not contain"},
		{"escaping path", `{"weight_map":{"a":"../x.safetensors"}}`, "file name in the index's folder"},
		{"invalid json", `{"weight_map":`, "invalid index JSON"},
		{"empty", `{}`, "no weight_map"},
	}
	for _, c := range bad {
		p := filepath.Join(dir, "bad.index.json")
		os.WriteFile(p, []byte(c.text), 0o644)
		if _, err := OpenSafetensorsIndex(p); err == nil || !strings.Contains(err.Error(), c.substr) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.substr)
		}
	}
}
