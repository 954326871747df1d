#!/bin/sh
# Run ops/graph's SpMM benchmarks, the memory-copy reference and SciPy on
# the same Cora products, one after another in one run.
# Usage: PARE_DATA=<data folder> sh bench/graph_spmm.sh
set -e
cd "$(dirname "$0")/.."
go test -run XXX -bench 'SpMM|MemoryCopy' -benchtime 2s -count 3 ./ops/graph
/usr/bin/python3 bench/graph_spmm.py
