//go:build !openblas

package kernels

// libraryGemmBackends returns no backends: build with the openblas tag to add
// the OpenBLAS one.
func libraryGemmBackends() []*gemmBackend { return nil }

func libraryDescription(string) string { return "" }
