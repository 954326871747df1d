//go:build openblas

// Command gemmcompare times pare's SGEMM backends against OpenBLAS in one
// process, interleaving the backends round by round so that load from other
// processes affects them alike, and prints a Markdown table of medians.
//
//	OPENBLAS_CORETYPE=SkylakeX go run -tags openblas ./bench/gemmcompare -n 256,2048 -threads 2 -rounds 7
//
// Each measurement is kernels.BenchGEMM: the median time of square products
// repeated for at least one second. The ratio column is the median over
// rounds of (backend rate / OpenBLAS rate in the same round).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"pare/ops/kernels"
)

func main() {
	sizes := flag.String("n", "256,2048", "comma-separated matrix sizes")
	threads := flag.Int("threads", 2, "goroutines for pare, threads for OpenBLAS")
	rounds := flag.Int("rounds", 7, "rounds over all backends; medians are taken over rounds")
	backendList := flag.String("backends", "", "comma-separated backends to time besides openblas (default: every native backend except go)")
	flag.Parse()

	var backends []string
	if *backendList != "" {
		backends = strings.Split(*backendList, ",")
	} else {
		for _, name := range kernels.Backends() {
			if name != "openblas" && name != "go" {
				backends = append(backends, name)
			}
		}
	}
	backends = append(backends, "openblas")

	desc, _ := kernels.BackendDescription("openblas")
	fmt.Printf("# %s, GOMAXPROCS=%d, OPENBLAS_CORETYPE=%q\n", desc, runtime.GOMAXPROCS(0), os.Getenv("OPENBLAS_CORETYPE"))
	fmt.Println("| n | threads | backend | median GFLOP/s | min | max | median ratio to OpenBLAS |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, field := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			fmt.Fprintf(os.Stderr, "gemmcompare: -n: %q is not an integer\n", field)
			os.Exit(2)
		}
		rates := make(map[string][]float64)
		ratios := make(map[string][]float64)
		for r := 0; r < *rounds; r++ {
			round := make(map[string]float64)
			for _, name := range backends {
				gflops, err := kernels.BenchGEMM(n, *threads, name)
				if err != nil {
					fmt.Fprintln(os.Stderr, "gemmcompare:", err)
					os.Exit(1)
				}
				round[name] = gflops
				rates[name] = append(rates[name], gflops)
			}
			for _, name := range backends {
				ratios[name] = append(ratios[name], round[name]/round["openblas"])
			}
		}
		for _, name := range backends {
			fmt.Printf("| %d | %d | %s | %.1f | %.1f | %.1f | %.2f |\n", n, *threads, name,
				median(rates[name]), slices.Min(rates[name]), slices.Max(rates[name]), median(ratios[name]))
		}
	}
}

func median(values []float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
