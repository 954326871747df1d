//go:build noasm || !amd64

package kernels

// asmGemmBackends returns no backends: this build has no assembly kernels.
func asmGemmBackends() []*gemmBackend { return nil }
