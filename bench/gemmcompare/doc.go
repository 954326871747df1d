// Command gemmcompare compares pare's SGEMM with OpenBLAS; it needs the
// openblas build tag (see main.go) and does nothing useful without it.
package main
