package moe

import (
	"bytes"
	"context"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// FuzzReadContainer feeds arbitrary decompressed bytes to the container
// parser, which must return an error or a container, never panic or
// allocate from an unchecked size.
func FuzzReadContainer(f *testing.F) {
	experts := plantedExperts(5, 3, 6, 2, 0.1)
	for _, method := range []string{MethodResMoEUP, MethodResMoESVD, MethodMergeAverage} {
		cl, err := CompressLayer(context.Background(), experts, 2, true, LayerOptions{Method: method, Keep: 0.5})
		if err != nil {
			f.Fatal(err)
		}
		c := &Container{Method: method, Keep: 0.5, Layers: map[int]*CompressedLayer{0: cl}}
		var packed bytes.Buffer
		if _, err := c.WriteTo(&packed); err != nil {
			f.Fatal(err)
		}
		dec, err := zstd.NewReader(&packed)
		if err != nil {
			f.Fatal(err)
		}
		var raw bytes.Buffer
		if _, err := raw.ReadFrom(dec); err != nil {
			f.Fatal(err)
		}
		dec.Close()
		f.Add(raw.Bytes())
	}
	f.Add([]byte(containerMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readContainer(bytes.NewReader(data))
		if err == nil && c == nil {
			t.Fatal("readContainer returned neither a container nor an error")
		}
	})
}
