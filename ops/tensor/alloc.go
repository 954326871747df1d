package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

var (
	liveBytes   atomic.Int64
	peakBytes   atomic.Int64
	memoryLimit atomic.Int64 // 0 means no limit
)

// MemoryLimitError is raised (as a panic, which the Starlark binding layer
// turns back into an error) when an allocation would take the bytes of live
// tensors past the limit set by SetMemoryLimit.
type MemoryLimitError struct {
	Shape       []int
	Bytes       int64
	Live, Limit int64
	// Machine is set when no --max-memory was given and Limit is the
	// machine's physical memory.
	Machine bool
}

func (e *MemoryLimitError) Error() string {
	if e.Machine {
		return fmt.Sprintf("allocating a tensor of shape %s (%d bytes) would exceed the machine's memory: %d bytes live, %d bytes installed; process less data at once",
			ShapeString(e.Shape), e.Bytes, e.Live, e.Limit)
	}
	return fmt.Sprintf("allocating a tensor of shape %s (%d bytes) would exceed --max-memory: %d bytes live, limit %d bytes; raise --max-memory or process less data at once",
		ShapeString(e.Shape), e.Bytes, e.Live, e.Limit)
}

// UserError marks the error as one to report to the script, not a bug.
func (e *MemoryLimitError) UserError() {}

// SetMemoryLimit bounds the bytes of live tensor storage; 0 removes the
// bound. Storage is released when the garbage collector frees it, so the
// count includes tensors that are unreachable but not yet collected; alloc
// runs a collection before it fails.
func SetMemoryLimit(bytes int64) { memoryLimit.Store(bytes) }

// MemoryLimit returns the bound set by SetMemoryLimit, 0 when there is none,
// for packages whose own large allocations should respect --max-memory.
func MemoryLimit() int64 { return memoryLimit.Load() }

// LiveBytes returns the bytes of tensor storage currently accounted.
func LiveBytes() int64 { return liveBytes.Load() }

// PeakBytes returns the largest value LiveBytes has reached.
func PeakBytes() int64 { return peakBytes.Load() }

// Alloc returns a zeroed slice of n float32 charged to the memory limit, for
// packages that build tensors from raw slices. shape is used in the error.
func Alloc(n int, shape ...int) []float32 { return alloc(n, shape) }

// Small buffers are carved from shared slabs, because registering a cleanup
// for every buffer costs about a microsecond, far more than a small tensor
// operation. A slab is charged to the limit when it is made and released
// when no buffer cut from it is reachable, so small tensors are accounted at
// slab granularity: one live 16-element tensor can keep a 64 KiB slab
// charged.
const (
	slabFloats  = 16 << 10 // 64 KiB slabs
	smallFloats = 512      // buffers of at most 2 KiB come from slabs
	slabAlign   = 16       // carve in 64-byte steps to keep cache-line alignment
)

// hugeFloats is the size from which a buffer is advised onto transparent
// huge pages (see adviseHugePages): 4 MiB, two huge pages.
const hugeFloats = 1 << 20

var slab struct {
	sync.Mutex
	buf []float32 // the unused tail of the current slab
}

func alloc(n int, shape []int) []float32 {
	if n > 0 && n <= smallFloats {
		return allocSmall(n, shape)
	}
	return allocLarge(n, shape)
}

func allocSmall(n int, shape []int) []float32 {
	step := (n + slabAlign - 1) &^ (slabAlign - 1)
	slab.Lock()
	defer slab.Unlock()
	if len(slab.buf) < step {
		slab.buf = allocLarge(slabFloats, shape)
	}
	out := slab.buf[:n:n]
	slab.buf = slab.buf[step:]
	return out
}

func allocLarge(n int, shape []int) []float32 {
	bytes := int64(n) * 4
	limit, machine := memoryLimit.Load(), false
	if limit <= 0 {
		// Without --max-memory the bound is the machine's memory, so that
		// an impossible size fails as an error instead of killing the
		// process in the Go runtime.
		limit, machine = physicalMemory(), true
	}
	if limit > 0 && liveBytes.Load()+bytes > limit {
		runtime.GC()
		if live := liveBytes.Load(); live+bytes > limit {
			panic(&MemoryLimitError{Shape: append([]int(nil), shape...), Bytes: bytes, Live: live, Limit: limit, Machine: machine})
		}
	}
	buf := make([]float32, n)
	if n == 0 {
		return buf
	}
	if n >= hugeFloats {
		adviseHugePages(buf)
	}
	live := liveBytes.Add(bytes)
	for {
		p := peakBytes.Load()
		if live <= p || peakBytes.CompareAndSwap(p, live) {
			break
		}
	}
	runtime.AddCleanup(&buf[0], func(b int64) { liveBytes.Add(-b) }, bytes)
	return buf
}
