//go:build tune && !noasm

package kernels

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestTuneAdd(t *testing.T) {
	n := 1 << 24
	dst, x, y := benchVectors(n)
	res := map[string][]float64{}
	for round := 0; round < 7; round++ {
		for _, mode := range []string{"copy", "add1", "add1stream", "add2", "add2stream", "add2nostream"} {
			start := time.Now()
			for r := 0; r < 5; r++ {
				switch mode {
				case "copy":
					copy(dst, x)
				case "add1":
					binaryCached(&addKernels, dst, x, y)
				case "add1stream":
					binaryChunk(&addKernels, dst, x, y, true)
				case "add2":
					Add(dst, x, y)
				case "add2stream":
					parallelForWorkers(2, n, vectorGrain, func(lo, hi int) { binaryChunk(&addKernels, dst[lo:hi], x[lo:hi], y[lo:hi], true) })
				case "add2nostream":
					parallelForWorkers(2, n, vectorGrain, func(lo, hi int) { binaryChunk(&addKernels, dst[lo:hi], x[lo:hi], y[lo:hi], false) })
				}
			}
			res[mode] = append(res[mode], time.Since(start).Seconds()/5*1e3)
		}
	}
	for _, mode := range []string{"copy", "add1", "add1stream", "add2", "add2stream", "add2nostream"} {
		v := res[mode]
		slices.Sort(v)
		fmt.Printf("%s: median %.2f ms min %.2f\n", mode, v[len(v)/2], v[0])
	}
}
