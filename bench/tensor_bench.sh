#!/bin/sh
# Tensor figures for docs/benchmarks.md (Tensor section): 16M-element add
# against copy, the per-call cost of 16-element builtins from Starlark, and
# fixed-shape ops, with NumPy's figures for the same work measured in the
# same run. Run from the repository root: sh bench/tensor_bench.sh
set -e
go test -run '^$' -bench 'AddVsCopy16M' -benchtime 30x -count 3 ./ops/tensor
go test -run '^$' -bench 'StarlarkCallsMin16' -benchtime 100x -count 3 ./builtins/tensor
go test -run '^$' -bench 'Sum16M|Exp16M|BroadcastAddRow|SumAxis0|VarAxis1|Softmax512|TransposeCopy|Gather4096|IndexSelectRows|Topk1024|MatmulBatched' -benchtime 10x -count 3 ./ops/tensor
/usr/bin/python3 bench/tensor_numpy_bench.py
