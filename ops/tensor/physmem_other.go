//go:build !linux

package tensor

// physicalMemory returns 0 (unknown) where no portable query is available,
// so only --max-memory bounds allocations there.
func physicalMemory() int64 { return 0 }
