package kg

import "golang.org/x/sys/unix"

// PhysicalMemory returns the installed memory in bytes, or 0 when unknown.
func PhysicalMemory() int64 {
	var info unix.Sysinfo_t
	if err := unix.Sysinfo(&info); err != nil {
		return 0
	}
	return int64(info.Totalram) * int64(info.Unit)
}
