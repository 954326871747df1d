package graph

import (
	"testing"

	"pare/ops/store"
)

// writeIntNPZ writes int64 arrays as a .npz archive; "adj_data" is written
// as float32 like the real files.
func writeIntNPZ(t *testing.T, path string, arrays map[string][]int64) string {
	t.Helper()
	var named []store.NamedArray
	for name, v := range arrays {
		a := store.NewInt64Array(v)
		if name == "adj_data" {
			f := make([]float32, len(v))
			for i, x := range v {
				f[i] = float32(x)
			}
			a = store.NewFloat32Array(f)
		}
		named = append(named, store.NamedArray{Name: name, Array: a})
	}
	if err := store.WriteNpz(path, named, false); err != nil {
		t.Fatal(err)
	}
	return path
}
