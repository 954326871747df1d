// Package openblas calls OpenBLAS's cblas_sgemm through cgo when built with
// the openblas tag; without the tag it is empty. It lives apart from package
// kernels because a cgo package cannot also hold Go assembly.
package openblas
