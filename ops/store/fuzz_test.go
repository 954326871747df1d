package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The fuzz targets check that readers never panic and that whatever they
// accept is self-consistent. Seeds are the fixture files plus small
// hand-made variants; run one with, for example,
// go test -fuzz FuzzDecodeNpy -fuzztime 60s ./ops/store

func addFixtureSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
}

func FuzzDecodeNpy(f *testing.F) {
	addFixtureSeeds(f, "*.npy")
	f.Add(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", make([]byte, 16)))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeNpy(data, "fuzz.npy")
		if err != nil {
			return
		}
		if _, err := a.info(); err != nil {
			t.Fatalf("accepted an inconsistent array: %v", err)
		}
		a.Float64()
		a.Int64()
		a.Strings()
	})
}

func FuzzDecodeNpz(f *testing.F) {
	addFixtureSeeds(f, "*.npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := DecodeNpz(bytes.NewReader(data), int64(len(data)), "fuzz.npz")
		if err != nil {
			return
		}
		for _, a := range z.Arrays {
			if _, err := a.info(); err != nil {
				t.Fatalf("accepted an inconsistent array: %v", err)
			}
		}
	})
}

func FuzzDecodeSafetensors(f *testing.F) {
	f.Add(safetensorsBytes(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(safetensorsBytes(`{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]},"b":{"dtype":"BOOL","shape":[],"data_offsets":[4,5]}}`, make([]byte, 5)))
	f.Add(safetensorsBytes(`{}`, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := DecodeSafetensors(data, "fuzz.safetensors")
		if err != nil {
			return
		}
		for _, name := range st.Names() {
			v, shape, err := st.Float32(name)
			if err != nil {
				t.Fatalf("%s: accepted tensor fails to convert: %v", name, err)
			}
			n := 1
			for _, d := range shape {
				n *= d
			}
			if n != len(v) {
				t.Fatalf("%s: shape %v but %d values", name, shape, len(v))
			}
		}
	})
}
