//go:build !linux

package kg

// PhysicalMemory returns 0 (unknown) outside Linux, so only an explicit
// memory limit bounds the synthetic graph's size there.
func PhysicalMemory() int64 { return 0 }
