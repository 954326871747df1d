// Command gemmcompare compares pare's SGEMM with OpenBLAS. It needs the
// openblas build tag (see main.go) and only prints that hint without it.
package main
