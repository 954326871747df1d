//go:build !openblas

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "gemmcompare: build with -tags openblas (needs libopenblas-dev)")
	os.Exit(2)
}
