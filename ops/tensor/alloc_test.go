package tensor

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMemoryLimitRejectsLargeTensor(t *testing.T) {
	SetMemoryLimit(LiveBytes() + 1<<20)
	defer SetMemoryLimit(0)

	defer func() {
		r := recover()
		err, ok := r.(error)
		var mle *MemoryLimitError
		if !ok || !errors.As(err, &mle) {
			t.Fatalf("New(1<<20) over a 1 MiB margin: got panic %v, want a *MemoryLimitError", r)
		}
		if mle.Bytes != 4<<20 {
			t.Errorf("MemoryLimitError.Bytes: got %d, want %d", mle.Bytes, 4<<20)
		}
	}()
	_ = New(1 << 20)
}

func TestSmallTensorsShareSlabs(t *testing.T) {
	a, b := New(16), New(3)
	if len(a.data) != 16 || cap(a.data) != 16 || len(b.data) != 3 {
		t.Errorf("small buffers: got len/cap %d/%d and %d, want 16/16 and 3", len(a.data), cap(a.data), len(b.data))
	}
	for i := range a.data {
		a.data[i] = 1 // must not reach b
	}
	for i, v := range b.data {
		if v != 0 {
			t.Errorf("b.data[%d] = %v after writing a; slab buffers overlap", i, v)
		}
	}
	before := LiveBytes()
	keep := make([]*Tensor, 0, 2*slabFloats/smallFloats)
	for range cap(keep) {
		keep = append(keep, New(smallFloats))
	}
	if grown := LiveBytes() - before; grown < int64(cap(keep)*smallFloats*4)-slabFloats*4 {
		t.Errorf("live bytes grew by %d for %d small tensors of %d bytes; slabs are not charged", grown, len(keep), smallFloats*4)
	}
}

func TestAllocBeyondMachineMemoryFails(t *testing.T) {
	if physicalMemory() == 0 {
		t.Skip("physical memory is unknown on this platform")
	}
	SetMemoryLimit(0)
	defer func() {
		r := recover()
		err, ok := r.(error)
		var mle *MemoryLimitError
		if !ok || !errors.As(err, &mle) || !mle.Machine {
			t.Fatalf("New(1<<40) without a limit: got panic %v, want a *MemoryLimitError naming the machine's memory", r)
		}
	}()
	_ = New(1<<20, 1<<20)
}

func TestShapeSizeOverflow(t *testing.T) {
	cases := []struct {
		name    string
		shape   []int
		want    int
		wantErr string // a substring of the error; empty when none is expected
	}{
		{"2^93 elements", []int{1 << 31, 1 << 31, 1 << 31}, 0, "more than 2^60 elements"},
		{"zero dimension, small others", []int{1 << 30, 0, 1 << 29}, 0, ""},
		{"zero dimension, others past 2^60", []int{1 << 30, 0, 1 << 40}, 0, "non-zero dimensions multiply to more than 2^60"},
		{"zero then two int maxima", []int{0, math.MaxInt, math.MaxInt}, 0, "non-zero dimensions multiply"},
		{"negative after zero", []int{0, 3, -1}, 0, "dimension 2 is negative"},
		{"64 dimensions", make([]int, MaxRank), 0, ""},
		{"65 dimensions", make([]int, MaxRank+1), 0, "shape has 65 dimensions; want at most 64"},
		{"2^60 exactly", []int{1 << 30, 1 << 30}, 1 << 60, ""},
	}
	for _, c := range cases {
		n, err := ShapeSize(c.shape)
		if c.wantErr == "" {
			if err != nil || n != c.want {
				t.Errorf("%s: ShapeSize got %d, %v; want %d, no error", c.name, n, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: ShapeSize got %d, %v; want an error containing %q", c.name, n, err, c.wantErr)
		}
	}
}
