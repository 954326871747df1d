package tensor

import (
	"errors"
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
	if _, err := ShapeSize([]int{1 << 31, 1 << 31, 1 << 31}); err == nil {
		t.Errorf("ShapeSize of 2^93 elements: got no error")
	}
	if n, err := ShapeSize([]int{1 << 30, 0, 1 << 40}); err != nil || n != 0 {
		t.Errorf("ShapeSize with a zero dimension: got %d, %v; want 0", n, err)
	}
}
